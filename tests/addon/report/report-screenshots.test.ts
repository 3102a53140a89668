/**
 * The report as a reader sees it: a run report and an experiment report of tiny real runs opened in
 * headless Chromium, every chart checked through the laid-out SVG (no mark outside its plot, no text
 * or legend cut by the SVG's edge, legends beside the plot, not over it) and saved as a screenshot
 * under $TMPDIR (printed) for a person to look at.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../ts/config/index.js';
import { train, type TrainResult } from '../../../ts/train/train.js';
import { clarkeZone, parkesZone } from '../../../ts/metrics/clinical.js';
import { inChromium } from '../chromium.js';
import { chartGeometry, type ChartGeometry } from './chart-geometry.js';

const cli = path.resolve('dist/ts/cli/main.js');
const runs = mkdtempSync(path.join(tmpdir(), 'tsfm-report-shots-'));
const shots = path.join(runs, 'screenshots');
const tiny = [
  'training.epochs=3',
  'training.max_steps_per_epoch=5',
  'training.val_max_windows=100',
  'training.threads=1',
  `output.runs_dir=${runs}`,
];
let quantile: TrainResult;
let point: TrainResult;

const tsfm = (args: string[]) => execFileSync(process.execPath, [cli, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

beforeAll(async () => {
  const tags = { experiment: 'shots' };
  quantile = await train(loadConfig('configs/examples/simulated-quantile.yaml', { overrides: tiny }).config, { tags });
  point = await train(
    loadConfig(undefined, { overrides: [...tiny, 'model.family=dlinear', 'model.params={}', 'data.covariates=false'] }).config,
    { tags },
  );
  for (const r of [quantile, point]) tsfm(['evaluate', '--run', r.runDir, '--split', 'test,nocturnal-rolling']);
  mkdirSync(shots, { recursive: true });
}, 600_000);

/** Opens a report, checks every chart's geometry and saves a screenshot of each figure and the page. */
async function openReport(html: string, name: string) {
  const { problems, result } = await inChromium(html, async (page) => {
    await page.setViewport({ width: 1300, height: 900 });
    const charts = await chartGeometry(page);
    for (const c of charts) await (await page.$(`figure[id="${c.id}"]`))!.screenshot({ path: path.join(shots, `${name}-${c.id}.png`) });
    await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
    const tables = await page.evaluate(`Array.from(document.querySelectorAll('table')).map((t) => ({
      caption: t.caption ? t.caption.textContent : '',
      head: Array.from(t.querySelectorAll('th')).map((h) => ({ text: h.textContent, title: h.getAttribute('title') })),
      rows: Array.from(t.querySelectorAll('tbody tr')).map((r) => Array.from(r.children).map((c) => ({ text: c.textContent, best: c.classList.contains('best') }))),
    }))`);
    const text = (await page.evaluate('document.body.innerText')) as string;
    const details = (await page.evaluate(`Array.from(document.querySelectorAll('details')).map((d) => d.textContent)`)) as string[];
    return { charts, tables: tables as Table[], text, details };
  });
  console.log(`report screenshots: ${shots}/${name}*.png`);
  expect(problems).toEqual([]);
  return result;
}

type Table = { caption: string; head: Array<{ text: string; title: string | null }>; rows: Array<Array<{ text: string; best: boolean }>> };

const fig = (charts: ChartGeometry[], suffix: string) => charts.filter((c) => c.id.endsWith(suffix));
const near = (a: number, b: number) => Math.abs(a - b) <= 1.5;

/** Checks every report shares: geometry of all charts, and one p-value format everywhere. */
function commonChecks(charts: ChartGeometry[], text: string) {
  expect(charts.length).toBeGreaterThan(5);
  expect(charts.filter((c) => c.problems.length).map((c) => `${c.id}: ${c.problems.slice(0, 3).join('; ')}`)).toEqual([]);
  // p-values: `p = 0.032` or `p < 0.001`, never scientific notation or four decimals
  expect(text).not.toMatch(/\bp = (\d\.\d{4,}|[\d.]+e-?\d)/);
  expect(text).not.toMatch(/\d\.?\d*e-\d/);
}

describe('report screenshots', () => {
  it('run report: charts inside their plots, legends whole, zones labelled, bands named, loss curve and config', async () => {
    const html = tsfm(['report', quantile.runDir]).split('\n')[0];
    const { charts, text, details } = await openReport(html, 'run');
    commonChecks(charts, text);
    // error grids: zone letters drawn inside the plot, at points of their zone
    for (const [suffix, zoneOf, max] of [
      ['-clarke', clarkeZone, 400],
      ['-parkes', parkesZone, 550],
    ] as const)
      for (const c of fig(charts, suffix)) {
        expect(c.markTexts.map((t) => t.text).sort()).toEqual(expect.arrayContaining(['A', 'B', 'C', 'D', 'E']));
        for (const t of c.markTexts) {
          const ref = ((t.box.x + t.box.w / 2 - c.plot.x) / c.plot.w) * max;
          const pred = ((c.plot.y + c.plot.h - (t.box.y + t.box.h / 2)) / c.plot.h) * max;
          expect('ABCDE'[zoneOf(ref, pred)], `${c.id} label ${t.text} at (${ref.toFixed(0)}, ${pred.toFixed(0)})`).toBe(t.text);
        }
      }
    // fan charts name their bands by quantiles
    const fans = fig(charts, '-fan1');
    expect(fans.length).toBeGreaterThan(0);
    for (const c of fans) expect(c.legendLabels).toEqual(expect.arrayContaining(['5–95 %', '10–90 %', '25–75 %']));
    // PIT: bars standing on the x axis, not floating dashes
    for (const c of fig(charts, '-pit')) {
      expect(c.rects.length).toBeGreaterThan(3);
      for (const r of c.rects)
        expect(near(r.y + r.h, c.plot.y + c.plot.h), `PIT bar bottom ${r.y + r.h} vs axis ${c.plot.y + c.plot.h}`).toBe(true);
    }
    // ROC: the unit square fills the plot and the 0 and 1 labels sit on their ticks (curves start at '0', not left of it)
    const roc = fig(charts, '-roc');
    expect(roc.length).toBeGreaterThan(0);
    for (const c of [...roc, ...fig(charts, '-reliability')]) {
      const x0 = c.ticks.x.find((t) => Number(t.label) === 0);
      const x1 = c.ticks.x.find((t) => Number(t.label) === 1);
      expect(x0 && near(x0.pos, c.plot.x), `${c.id}: 0 tick at ${x0?.pos}, plot from ${c.plot.x}`).toBe(true);
      expect(x1 && near(x1.pos, c.plot.x + c.plot.w), `${c.id}: 1 tick at ${x1?.pos}`).toBe(true);
      for (const t of [x0!, x1!])
        expect(near(t.labelPos, t.pos), `${c.id}: label '${t.label}' centred at ${t.labelPos}, tick at ${t.pos}`).toBe(true);
    }
    for (const c of roc) expect(c.legendLabels.length).toBeGreaterThan(0);
    // training: loss per epoch (3 epochs, both splits) and the resolved config
    const [loss] = fig(charts, '-loss');
    expect(loss?.legendLabels).toEqual(['training', 'validation']);
    expect(details).toHaveLength(1);
    expect(details[0]).toMatch(/Resolved configuration[\s\S]*family: gaussian_mlp|Resolved configuration[\s\S]*family: \w+/);
    expect(details[0]).toContain(`runs_dir: ${runs}`);
  });

  it('experiment report: short run labels, baselines beside the models, best marked including them', async () => {
    const html = tsfm(['report', 'shots', '--runs-dir', runs]).split('\n')[0];
    const { charts, tables, text } = await openReport(html, 'experiment');
    commonChecks(charts, text);
    expect(fig(charts, 'experiment-cd')).toHaveLength(1);
    const t = tables.find((x) => x.caption.startsWith('Median-per-window RMSE'))!;
    const head = t.head.slice(1);
    expect(head.map((h) => h.text)).toEqual(expect.arrayContaining(['last_value', 'seasonal_naive', 'linreg']));
    // run columns: short labels, the full run id in the header's tooltip
    const runCols = head.filter((h) => !['last_value', 'seasonal_naive', 'linreg'].includes(h.text));
    expect(runCols.map((h) => h.title).sort()).toEqual([path.basename(point.runDir), path.basename(quantile.runDir)].sort());
    for (const h of runCols) expect(h.text.length).toBeLessThanOrEqual(24);
    expect(new Set(head.map((h) => h.text)).size).toBe(head.length);
    // the marked cell of each row is its lowest score, whether a model's or a baseline's
    expect(t.rows.length).toBe(2);
    for (const row of t.rows) {
      const scores = row.slice(1).map((c) => Number(c.text));
      const min = Math.min(...scores.filter(Number.isFinite));
      expect(
        row
          .slice(1)
          .filter((c) => c.best)
          .map((c) => Number(c.text)),
      ).toEqual(scores.filter((s) => s === min));
    }
    // two tasks of one dataset as Friedman blocks: said so
    expect(text).toMatch(/treat each of the 2 dataset · task rows as an independent block, but they come from 1 dataset/);
  });
});
