import { describe, expect, it } from 'vitest';
import { keepLastFraction, selectSeries } from '../../../ts/data/select.js';
import { makeSplits } from '../../../ts/data/splits.js';
import { countWindows, windowStarts } from '../../../ts/data/windows.js';
import { syntheticDataset } from './synthetic.js';

describe('data.series: selectSeries', () => {
  it('keeps the named series, rows copied and segments re-indexed', () => {
    const ds = syntheticDataset([[10, 5], [7], [8, 4]]);
    const sub = selectSeries(ds, ['s2', 's0']);
    expect(sub.series.map((s) => s.id)).toEqual(['s0', 's2']);
    expect(sub.segments.map((s) => [s.series, s.offset, s.length])).toEqual([
      [0, 0, 10],
      [0, 10, 5],
      [1, 15, 8],
      [1, 23, 4],
    ]);
    // channel 0 holds the original row index: series 2's rows started at 22
    expect(Array.from(sub.values[0]!.subarray(15, 17))).toEqual([22, 23]);
    expect(Array.from(sub.values[1]!.subarray(14, 16))).toEqual([0, 2]);
    expect(sub.segments[2]!.startMs).toBe(ds.segments[3]!.startMs);
  });

  it('an unknown id is one line naming it, with a suggestion', () => {
    const ds = syntheticDataset([[10], [10]]);
    expect(() => selectSeries(ds, ['s1', 's1x'])).toThrow(
      /^data\.series: unknown series 's1x' in dataset 'synthetic' \(did you mean 's1'\?\); series: s0, s1$/,
    );
    expect(() => selectSeries(ds, ['patient-x'])).toThrow(/unknown series 'patient-x'/);
  });
});

describe('data.train_fraction: keepLastFraction', () => {
  it("keeps the last windows of each series' training block; val and test untouched", () => {
    const ds = syntheticDataset([[100], [60, 40]]);
    const s = makeSplits(ds, { context: 8, horizon: 2 }, { kind: 'temporal' });
    const half = keepLastFraction(ds, s.train, 0.5);
    const all = windowStarts(s.train);
    const kept = windowStarts(half);
    const bySeries = (xs: Float64Array, lo: number, hi: number) => Array.from(xs).filter((x) => x >= lo && x < hi);
    for (const [lo, hi] of [
      [0, 100],
      [100, 200],
    ] as const) {
      const a = bySeries(all, lo, hi);
      const k = bySeries(kept, lo, hi);
      expect(k.length).toBe(Math.ceil(a.length / 2));
      expect(k).toEqual(a.slice(a.length - k.length)); // the most recent ones
    }
    expect(keepLastFraction(ds, s.train, 1)).toBe(s.train);
    // a tiny fraction still leaves one window per series
    expect(countWindows(keepLastFraction(ds, s.train, 1e-6))).toBe(2);
    expect(() => keepLastFraction(ds, s.train, 0)).toThrow(/train_fraction/);
  });

  it('respects the stride when dropping from a span', () => {
    const ds = syntheticDataset([[100]]);
    const s = makeSplits(ds, { context: 8, horizon: 2, stride: 3 }, { kind: 'temporal' });
    const all = windowStarts(s.train);
    expect(Array.from(windowStarts(keepLastFraction(ds, s.train, 0.25)))).toEqual(
      Array.from(all.slice(all.length - Math.ceil(all.length * 0.25))),
    );
  });
});
