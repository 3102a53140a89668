import { describe, expect, it } from 'vitest';
import { makeSplits } from '../../../ts/data/splits.js';
import { taskWindows, parseEvalSplit, limitWindows } from '../../../ts/evaluate/tasks.js';
import { evaluateTask } from '../../../ts/evaluate/evaluate.js';
import { syntheticDataset } from '../data/synthetic.js';

// 5-minute data; series 0 starts at 2022-01-01 00:00 UTC and has 600 rows (50 h): nights start at
// rows 0 (no room for the context), 288 (fits) and 576 (the night runs past the end).
const ds = syntheticDataset([[600], [100, 500]]);
const protocol = { kind: 'temporal' as const, fractions: [0.5, 0, 0.5] as [number, number, number] };

describe('evaluation tasks', () => {
  it('nocturnal-rolling: one night per day, rolling origins every horizon, skipped nights counted', () => {
    const splits = makeSplits(ds, { context: 24, horizon: 12 }, { kind: 'temporal', fractions: [0, 0, 1] });
    const t = taskWindows(ds, splits, protocol, 'nocturnal-rolling', { context: 24, horizon: 12 });
    // series 0: night at row 288 only; series 1 starts at 07:00, its second segment (after a 20-row gap)
    // spans rows 100..599 of the series = 2022-01-01 16:05 .. 2022-01-03 09:40 -> nights at 00:00 on Jan 2 and Jan 3
    expect(t.counts.nights).toBe(3);
    expect(t.counts.windows).toBe(3 * 8);
    expect(t.counts.skipped_gap).toBe(t.counts.candidates - 3);
    expect(Array.from(t.starts.subarray(0, 8))).toEqual([264, 276, 288, 300, 312, 324, 336, 348]);
    expect(Array.from(t.night!.subarray(0, 9))).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 1]);
    const short = taskWindows(ds, splits, protocol, 'nocturnal-rolling', { context: 24, horizon: 12, nightHours: 1, nightStart: '01:00' });
    expect(short.counts.windows).toBe(short.counts.nights);
    expect(short.starts[0]).toBe(288 + 12 - 24);
  });

  it('sliding windows do not overlap; test-ood needs a protocol that holds out patients', () => {
    const splits = makeSplits(ds, { context: 24, horizon: 12 }, protocol);
    const t = taskWindows(ds, splits, protocol, 'sliding', { context: 24, horizon: 12 });
    for (let i = 1; i < t.starts.length; i++) if (t.starts[i] - t.starts[i - 1] < 12) throw new Error(`overlap at ${i}`);
    expect(t.starts.length).toBeGreaterThan(10);
    expect(() => taskWindows(ds, splits, protocol, 'test-ood', { context: 24, horizon: 12 })).toThrow(/holds out no patients/);
    expect(() => parseEvalSplit('night')).toThrow(/unknown split 'night'/);
    expect(() => taskWindows(ds, splits, protocol, 'prandial', { context: 24, horizon: 12 })).toThrow(/no meal channel/);
  });

  it('evaluateTask scores the baselines on the task windows (no model needed)', () => {
    const splits = makeSplits(ds, { context: 24, horizon: 12 }, protocol);
    const task = taskWindows(ds, splits, protocol, 'test', { context: 24, horizon: 12 });
    const r = evaluateTask({ ds, task, context: 24, horizon: 12, targetChannels: [0], trainWindows: splits.train, linregLags: 4 });
    const f = r.channels[0].forecasters;
    expect(Object.keys(f)).toEqual(['last_value', 'seasonal_naive', 'linreg']);
    // channel 0 is the row index: last value is off by 1..12 (mean 6.5); a line is fitted exactly by LinReg
    expect(f.last_value.pooled.mae).toBeCloseTo(6.5, 10);
    expect(f.linreg.pooled.rmse).toBeLessThan(1e-3);
    expect(r.channels[0].glucose).toBe(false);
    expect(f.last_value.clinical).toBeUndefined();
    expect(r.perWindow.row.linreg.rmse.length).toBe(task.starts.length);
  });

  it('limitWindows keeps a fixed subset in order; whole nights on the nocturnal-rolling task', () => {
    const splits = makeSplits(ds, { context: 24, horizon: 12 }, protocol);
    const t = taskWindows(ds, splits, protocol, 'test', { context: 24, horizon: 12 });
    const l = limitWindows(t, 10, 1);
    expect(l.starts.length).toBe(10);
    expect(Array.from(l.starts)).toEqual(Array.from(l.starts).sort((a, b) => a - b));
    expect(Array.from(limitWindows(t, 10, 1).starts)).toEqual(Array.from(l.starts));
    expect(l.counts.windows_before_limit).toBe(t.starts.length);
    expect(limitWindows(t, 1e9, 1)).toBe(t);
    const all = makeSplits(ds, { context: 24, horizon: 12 }, { kind: 'temporal', fractions: [0, 0, 1] });
    const n = limitWindows(taskWindows(ds, all, protocol, 'nocturnal-rolling', { context: 24, horizon: 12 }), 16, 2);
    expect(n.counts.nights).toBe(2);
    expect(Array.from(n.night!)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1]);
  });
});
