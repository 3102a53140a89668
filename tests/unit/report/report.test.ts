/** Report rendering without the addon: a baselines-only evaluation of synthetic glucose, rendered to HTML + Markdown. */
import { describe, expect, it } from 'vitest';
import { makeSplits } from '../../../ts/data/splits.js';
import { taskWindows } from '../../../ts/evaluate/tasks.js';
import { evaluateTask, type EvaluationSummary } from '../../../ts/evaluate/evaluate.js';
import { renderReport } from '../../../ts/report/report.js';
import { syntheticDataset } from '../data/synthetic.js';

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
      run: 'r', dataset: { name: 'synthetic', version: 'v' }, split: 'test', created: '', intervalMinutes: 5,
      model: { family: 'none', context: 24, horizon: 6, checkpoint: '-' }, counts: task.counts, notes: ['a & b'], linregLags: 12, channels: r.channels,
    };
    const out = await renderReport({ kind: 'run', title: 'Run <r>', runs: [{ id: 'r', dir: '.', evaluations: [summary] }] });
    expect(out.html).toMatch(/<title>Run &lt;r&gt; · tsfm report<\/title>/);
    expect(out.html).toMatch(/glucose &lt;cgm&gt;/);
    expect(out.html).toMatch(/a &amp; b/);
    expect((out.html.match(/<svg/g) ?? []).length).toBe(Object.keys(out.figures).length);
    expect(Object.keys(out.figures).sort()).toEqual(['r0-e0-c0-clarke.svg', 'r0-e0-c0-fan1.svg', 'r0-e0-c0-fan2.svg', 'r0-e0-c0-fan3.svg', 'r0-e0-c0-fan4.svg', 'r0-e0-c0-horizon.svg', 'r0-e0-c0-parkes.svg']);
    expect(out.html).not.toMatch(/(src|href)\s*=\s*["']?(https?:)?\/\//i);
    expect(out.markdown).toMatch(/\| last_value \| [\d.]+ \| [\d.]+ \|/);
    expect(out.markdown).toMatch(/!\[Clarke error grid \(linreg\)\]\(figures\/r0-e0-c0-clarke.svg\)/);
  });
});
