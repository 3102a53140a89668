/**
 * `tsfm evaluate` and `tsfm report` end to end on tiny runs: results agree with train()'s own test
 * metrics (same windows, same order), tables are readable, cross-dataset evaluation works for a
 * univariate model, bad input fails with one line and keeps saved results, and the HTML report
 * renders in headless Chromium without errors or network requests.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../ts/config/index.js';
import { train, type TrainResult } from '../../../ts/train/train.js';
import { readArrowTable } from '../../../ts/evaluate/tables.js';
import type { EvaluationSummary } from '../../../ts/evaluate/evaluate.js';
import { inChromium } from '../chromium.js';

const cli = path.resolve('dist/ts/cli/main.js');
const runs = mkdtempSync(path.join(tmpdir(), 'tsfm-eval-runs-'));
const tiny = [
  'training.epochs=1',
  'training.max_steps_per_epoch=10',
  'training.val_max_windows=200',
  'training.threads=1',
  `output.runs_dir=${runs}`,
];
let quantile: TrainResult;
let point: TrainResult;

const run = (args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
const summary = (runDir: string, name: string) =>
  JSON.parse(readFileSync(path.join(runDir, 'eval', name, 'summary.json'), 'utf8')) as EvaluationSummary;

beforeAll(async () => {
  const tags = { experiment: 'exp-a' };
  quantile = await train(loadConfig('configs/examples/simulated-quantile.yaml', { overrides: [...tiny, 'output.run_id=q'] }).config, {
    tags,
  });
  point = await train(
    loadConfig(undefined, { overrides: [...tiny, 'output.run_id=p', 'model.family=dlinear', 'model.params={}', 'data.covariates=false'] })
      .config,
    { tags },
  );
}, 300_000);

describe('tsfm evaluate', () => {
  it('evaluates a quantile run on the test and nocturnal-rolling tasks, agreeing with train()', () => {
    const r = run(['evaluate', '--run', 'q', '--runs-dir', runs, '--split', 'test,nocturnal-rolling']);
    expect(r.status, r.stderr).toBe(0);
    const s = summary(quantile.runDir, 'simulated_t1d-test');
    const ch = s.channels[0];
    expect(ch.glucose).toBe(true);
    expect(Object.keys(ch.forecasters)).toEqual(['model', 'last_value', 'seasonal_naive', 'linreg']);
    // the same windows in the same order as train()'s own test evaluation
    expect(ch.forecasters.model.pooled.rmse).toBeCloseTo(quantile.testMetrics.rmse, 3);
    expect(ch.forecasters.model.medianPerWindow.rmse).toBeCloseTo(quantile.testMetrics.medianRmse, 3);
    expect(ch.forecasters.last_value.pooled.rmse).toBeCloseTo(quantile.baselineLastValue.rmse, 3);
    expect(ch.forecasters.model.probabilistic?.intervals.find((i) => i.nominal === 0.9)?.coverage).toBeGreaterThan(0);
    expect(ch.forecasters.model.clinical!.clarke.n).toBe(s.counts.windows * 12);
    expect(ch.comparisons.map((c) => c.b)).toEqual(['last_value', 'seasonal_naive', 'linreg']);
    const win = readArrowTable(path.join(quantile.runDir, 'eval', 'simulated_t1d-test', 'windows.arrow'));
    expect(win.rmse.length).toBe(4 * s.counts.windows);
    const fc = readArrowTable(path.join(quantile.runDir, 'eval', 'simulated_t1d-test', 'forecasts.arrow'));
    expect(fc.truth.length).toBe(12 * s.counts.windows);
    expect(Object.keys(fc)).toContain('q0.05');
    const steps = readArrowTable(path.join(quantile.runDir, 'eval', 'simulated_t1d-test', 'steps.arrow'));
    expect(steps.brier_70.length).toBe(4 * 12);

    const n = summary(quantile.runDir, 'simulated_t1d-nocturnal-rolling');
    expect(n.counts.nights).toBeGreaterThan(5);
    expect(n.counts.windows).toBe(n.counts.nights * 8); // 8 h of 5-min steps in 60-min forecasts
    const night = n.channels[0].forecasters.model.hypo![0].nights!;
    expect(night.max.nights).toBe(n.counts.nights);
    expect(night.max.auroc).toBeGreaterThanOrEqual(0);
  });

  it('evaluates a univariate point run on another dataset (Broll, GlucoBench split of that run)', () => {
    const r = run(['evaluate', '--run', point.runDir, '--data', 'simulated_t1d,broll', '--split', 'sliding']);
    expect(r.status, r.stderr).toBe(0);
    const b = summary(point.runDir, 'broll-sliding');
    expect(b.channels[0].channel).toBe('gl');
    expect(b.notes.join(' ')).toMatch(/refitted on broll/);
    expect(b.channels[0].forecasters.model.calibrationGaussian).toBeGreaterThanOrEqual(0);
    expect(b.channels[0].forecasters.model.probabilistic).toBeUndefined();
  });

  it('bad input: one line naming the problem, exit 1, saved results kept', () => {
    const before = statSync(path.join(quantile.runDir, 'eval', 'simulated_t1d-test', 'summary.json')).mtimeMs;
    const cases: Array<[string[], RegExp]> = [
      [['evaluate', '--run', 'nope', '--runs-dir', runs], /--run nope: no such run in /],
      [['evaluate', '--run', 'q', '--runs-dir', runs, '--split', 'bogus'], /--split: unknown split 'bogus'/],
      [['evaluate', '--run', 'q', '--runs-dir', runs, '--split', 'test-ood'], /'temporal' split protocol holds out no patients/],
      [['evaluate', '--run', 'q', '--runs-dir', runs, '--data', 'broll'], /trained with covariates \[glucose, insulin, carbs\]/],
      [['evaluate', '--run', 'q', '--runs-dir', runs, '--night-hours', 'x'], /--night-hours/],
      [['evaluate', '--run', 'p', '--runs-dir', runs, '--split', 'prandial', '--data', 'broll'], /dataset 'broll' has no meal channel/],
      [['report', 'nope', '--runs-dir', runs], /no run, run directory or registered experiment 'nope'/],
    ];
    for (const [args, re] of cases) {
      const r = run(args);
      expect(r.status, args.join(' ')).toBe(1);
      expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
      expect(r.stderr).toMatch(re);
    }
    expect(statSync(path.join(quantile.runDir, 'eval', 'simulated_t1d-test', 'summary.json')).mtimeMs).toBe(before);
  });

  it('report: self-contained HTML that renders in headless Chromium without errors', async () => {
    const out = execFileSync(process.execPath, [cli, 'report', 'q', '--runs-dir', runs], { encoding: 'utf8' });
    const html = out.split('\n')[0];
    expect(existsSync(html)).toBe(true);
    const text = readFileSync(html, 'utf8');
    expect(text).not.toMatch(/(src|href)\s*=\s*["']?(https?:)?\/\//i);
    expect(readFileSync(html.replace(/\.html$/, '.md'), 'utf8')).toMatch(/\| model \|/);
    const { problems, result: info } = await inChromium(html, (page) =>
      page.evaluate(() => ({
        svgs: document.querySelectorAll('figure svg').length,
        marks: document.querySelectorAll('figure svg path, figure svg line').length,
        tables: document.querySelectorAll('table').length,
        width: Math.min(...Array.from(document.querySelectorAll('figure svg')).map((s) => s.getBoundingClientRect().width)),
      })),
    );
    expect(problems).toEqual([]);
    expect(info.svgs).toBeGreaterThanOrEqual(10); // 2 tasks x (horizon, 2 grids, fan charts, reliability, PIT) + ROC
    expect(info.marks).toBeGreaterThan(100);
    expect(info.tables).toBeGreaterThanOrEqual(6);
    expect(info.width).toBeGreaterThan(100);
  });

  it('report on a directory of runs compares them across datasets and tasks', () => {
    // p on the same test windows as q: the report pairs them window by window
    expect(run(['evaluate', '--run', 'p', '--runs-dir', runs, '--split', 'test', '--no-forecasts']).status).toBe(0);
    const out = execFileSync(process.execPath, [cli, 'report', runs, '--out', path.join(runs, 'experiment-report')], { encoding: 'utf8' });
    const md = readFileSync(out.split('\n')[1], 'utf8');
    expect(md).toMatch(/## Models across datasets/);
    expect(md).toMatch(/\| dataset · task \| p \| q \| last_value \| seasonal_naive \| linreg \|/);
    expect(md).toMatch(/\| simulated_t1d · test( \| (\*\*)?[\d.]+(\*\*)?){5} \|/);
    expect(md).toMatch(/## p: broll · sliding · gl/);
    expect(md).toMatch(/\| simulated_t1d · test \| (p \| q|q \| p) \| -?[\d.]+ \| \[-?[\d.]+, -?[\d.]+\] \| [^|]+ \| \d+ \|/);
  });

  it('report names a registered experiment and gathers its evaluated runs from the registry', () => {
    const out = execFileSync(process.execPath, [cli, 'report', 'exp-a', '--runs-dir', runs], { encoding: 'utf8' });
    const [html, mdFile] = out.trim().split('\n');
    expect(html).toBe(path.join(runs, 'experiments', 'exp-a', 'report', 'report.html'));
    const md = readFileSync(mdFile, 'utf8');
    expect(md).toMatch(/# Experiment exp-a/);
    expect(md).toMatch(/\| dataset · task \| p \| q \| last_value \| seasonal_naive \| linreg \|/);
    const r = run(['report', 'exp-none', '--runs-dir', runs]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/no run, run directory or registered experiment 'exp-none'/);
  });

  it("a run with evaluation.scale 'scaled' (ETT protocol) is evaluated on the scaled axis, agreeing with train()", async () => {
    const ett = await train(
      loadConfig('configs/examples/etth1-dlinear.yaml', {
        overrides: [...tiny, 'output.run_id=ett', 'model.context_length=96', 'model.horizon=24'],
      }).config,
    );
    const r = run(['evaluate', '--run', 'ett', '--runs-dir', runs, '--no-forecasts']);
    expect(r.status, r.stderr).toBe(0);
    const s = summary(ett.runDir, 'etth1-test');
    expect(s.channels).toHaveLength(7);
    const mse = s.channels.reduce((a, c) => a + c.forecasters.model.pooled.mse, 0) / 7;
    expect(mse).toBeCloseTo(ett.testMetrics.mse, 4);
    expect(s.channels[0].forecasters.model.clinical).toBeUndefined();
    expect(existsSync(path.join(ett.runDir, 'eval', 'etth1-test', 'forecasts.arrow'))).toBe(false);
    // The first printed line pools every channel: the same test MSE `tsfm train` printed; no per-channel lines unless asked.
    expect(s.allChannels!.model.mse).toBeCloseTo(ett.testMetrics.mse, 6);
    const line = r.stderr.split('\n').find((l) => l.startsWith('tsfm: etth1 test'))!;
    expect(line).toMatch(/\(\d+ windows, 7 channels, scaled axis\): model MSE ([\d.]+) MAE/);
    expect(Number(/model MSE ([\d.]+)/.exec(line)![1])).toBeCloseTo(ett.testMetrics.mse, 3);
    expect(r.stderr).not.toMatch(/^ {2}HUFL/m);
    // Percentage errors are meaningless on z-scored data: never reported there.
    expect(s.scale).toBe('scaled');
    expect(s.channels[0].forecasters.model.pooled.mape).toBeNull();
    expect(s.channels[0].forecasters.model.perStep.mape).toBeUndefined();
    const per = run(['evaluate', '--run', 'ett', '--runs-dir', runs, '--no-forecasts', '--per-channel']);
    expect(per.status, per.stderr).toBe(0);
    expect(per.stderr.split('\n').filter((l) => /^ {2}(HUFL|HULL|MUFL|MULL|LUFL|LULL|OT): model MSE/.test(l))).toHaveLength(7);
  });
});
