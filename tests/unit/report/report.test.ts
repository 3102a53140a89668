/** Report rendering without the addon: a baselines-only evaluation of synthetic glucose, rendered to HTML + Markdown. */
import { describe, expect, it } from 'vitest';
import { makeSplits } from '../../../ts/data/splits.js';
import { taskWindows } from '../../../ts/evaluate/tasks.js';
import { evaluateTask, type EvaluationSummary } from '../../../ts/evaluate/evaluate.js';
import { evaluateNightTask, nightTaskSets, nightTruth, type NightTaskEvaluation } from '../../../ts/evaluate/night-task.js';
import { renderReport } from '../../../ts/report/report.js';
import { syntheticDataset } from '../data/synthetic.js';
import { cohort, NIGHT, noisyForecast } from '../evaluate/night-cohort.js';

describe('report rendering', () => {
  it('renders tables and inline SVG charts, escapes text, and needs no network', async () => {
    const ds = syntheticDataset([[900], [900]]);
    // glucose-like values in mg/dL on channel 0
    ds.values[0] = Float32Array.from(ds.values[0], (r) => 120 + 60 * Math.sin(r / 40) + 10 * Math.sin(r / 3));
    ds.channels[0] = { name: 'glucose <cgm>', role: 'target', unit: 'mg/dL' };
    const protocol = { kind: 'temporal' as const, fractions: [0.6, 0, 0.4] as [number, number, number] };
    const splits = makeSplits(ds, { context: 24, horizon: 6 }, protocol);
    const task = taskWindows(ds, splits, protocol, 'test', { context: 24, horizon: 6 });
    const r = evaluateTask({ ds, task, context: 24, horizon: 6, targetChannels: [0], trainWindows: splits.train, linregLags: 12 });
    const summary: EvaluationSummary = {
      run: 'r',
      dataset: { name: 'synthetic', version: 'v' },
      split: 'test',
      created: '',
      intervalMinutes: 5,
      model: { family: 'none', context: 24, horizon: 6, checkpoint: '-' },
      counts: task.counts,
      notes: ['a & b'],
      linregLags: 12,
      channels: r.channels,
    };
    const out = await renderReport({ kind: 'run', title: 'Run <r>', runs: [{ id: 'r', dir: '.', evaluations: [summary] }] });
    expect(out.html).toMatch(/<title>Run &lt;r&gt; · tsfm report<\/title>/);
    expect(out.html).toMatch(/glucose &lt;cgm&gt;/);
    expect(out.html).toMatch(/a &amp; b/);
    expect((out.html.match(/<svg/g) ?? []).length).toBe(Object.keys(out.figures).length);
    expect(Object.keys(out.figures).sort()).toEqual([
      'r0-e0-c0-clarke.svg',
      'r0-e0-c0-fan1.svg',
      'r0-e0-c0-fan2.svg',
      'r0-e0-c0-fan3.svg',
      'r0-e0-c0-fan4.svg',
      'r0-e0-c0-horizon.svg',
      'r0-e0-c0-parkes.svg',
    ]);
    expect(out.html).not.toMatch(/(src|href)\s*=\s*["']?(https?:)?\/\//i);
    expect(out.markdown).toMatch(/\| last_value \| [\d.]+ \| [\d.]+ \|/);
    expect(out.markdown).toMatch(/!\[Clarke error grid \(linreg\)\]\(figures\/r0-e0-c0-clarke.svg\)/);
  });
});

describe('report of the bedtime-anchored nocturnal task', () => {
  const { ds, blocks } = cohort();
  const sets = nightTaskSets(ds, blocks, { context: 48 });
  const forecasts = {
    val: { point: noisyForecast(nightTruth(ds, sets.val.nights, 0, NIGHT), 1) },
    test: { point: noisyForecast(nightTruth(ds, sets.test.nights, 0, NIGHT), 2) },
  };
  const night = evaluateNightTask({ ds, sets, forecasts, options: { paths: 500, reps: 100, seed: 3 } });
  const summary: EvaluationSummary = {
    run: 'r',
    dataset: { name: 'night-cohort', version: 'v' },
    split: 'nocturnal',
    created: '',
    intervalMinutes: 5,
    model: { family: 'none', context: 48, horizon: 72, checkpoint: '-' },
    counts: night.counts,
    notes: [],
    linregLags: 0,
    channels: [],
    // as read back from summary.json: NaN scores are null there
    night: JSON.parse(JSON.stringify(night)) as NightTaskEvaluation,
  };

  it('tables per threshold and window, reliability, ROC and night panels; no point AUROC below 10 positive nights', async () => {
    const out = await renderReport({ kind: 'run', title: 'Run r', runs: [{ id: 'r', dir: '.', evaluations: [summary] }] });
    const names = Object.keys(out.figures);
    expect(names).toContain('r0-e0-night-reliability.svg');
    expect(names).toContain('r0-e0-night-roc.svg');
    expect(names.filter((n) => /-night\d+\.svg$/.test(n))).toHaveLength(8);
    expect((out.html.match(/<svg/g) ?? []).length).toBe(names.length);
    // 6 threshold x window tables and the trajectory table
    expect((out.html.match(/<table[ >]/g) ?? []).length).toBe(7);
    expect(out.html).toMatch(/&lt; 70 mg\/dL, night: \d+ positive of 60 test nights/);
    // 70 mg/dL: reportable, with the interval in brackets; 54 mg/dL: no positive nights
    expect(out.markdown).toMatch(/\| model \| 0\.\d{3} \[0\.\d{3}–[01]\.\d{3}\] \|/);
    expect(out.markdown).toMatch(/\| model \| not reported: 0 positive \(<10\); CI n\/a \|/);
    expect(out.markdown).toMatch(/model_raw \(before recalibration\): AUROC/);
    expect(out.html).toMatch(/P\(&lt; 70\) = 0\.\d\d, P\(&lt; 54\) = 0\.\d\d \(recalibrated\); night minimum \d+ mg\/dL \(below 70\)/);
    expect(out.html).not.toMatch(/(src|href)\s*=\s*["']?(https?:)?\/\//i);
  });

  it("a quantile model's panels draw the 10-90% band", async () => {
    const withBand = structuredClone(summary);
    for (const p of withBand.night!.panels!)
      p.band = { lo: p.forecast.map((v) => (v === null ? null : v - 15)), hi: p.forecast.map((v) => (v === null ? null : v + 15)) };
    const out = await renderReport({ kind: 'run', title: 'Run r', runs: [{ id: 'r', dir: '.', evaluations: [withBand] }] });
    expect(out.html.match(/band: 10–90% quantiles/g)).toHaveLength(8);
    // the band is an area mark: one more path than the panel without it
    const paths = (svg: string) => (svg.match(/<path/g) ?? []).length;
    const plain = await renderReport({ kind: 'run', title: 'Run r', runs: [{ id: 'r', dir: '.', evaluations: [summary] }] });
    expect(paths(out.figures['r0-e0-night1.svg'])).toBe(paths(plain.figures['r0-e0-night1.svg']) + 1);
  });

  it('an experiment of nocturnal evaluations (no channels) renders', async () => {
    const out = await renderReport({
      kind: 'experiment',
      title: 'E',
      runs: [
        { id: 'a', dir: '.', evaluations: [summary] },
        { id: 'b', dir: '.', evaluations: [summary] },
      ],
    });
    expect(out.html).toMatch(/a: night-cohort · nocturnal/);
    expect(out.html).toMatch(/b: night-cohort · nocturnal/);
    expect(out.html).not.toMatch(/Models across datasets/);
  });
});
