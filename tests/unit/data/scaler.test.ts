import { describe, expect, test } from 'vitest';
import path from 'node:path';
import {
  applyInverse,
  applyScaler,
  fitScaler,
  inverseScaleInPlace,
  scaleInPlace,
  scalerFromJSON,
  scalerParams,
  scalerToJSON,
} from '../../../ts/data/scaler.js';
import { makeSplits } from '../../../ts/data/splits.js';
import { ingestDataset } from '../../../ts/data/ingest.js';
import { dataDir } from './helpers.js';
import { syntheticDataset } from './synthetic.js';

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const pstd = (xs: number[]): number => {
  const m = mean(xs);
  return Math.sqrt(mean(xs.map((x) => (x - m) ** 2)));
};
const range = (a: number, b: number): number[] => Array.from({ length: b - a }, (_, i) => a + i);

describe('scalers', () => {
  test('global: fitted only on rows covered by training windows', () => {
    const ds = syntheticDataset([[100], [100]]);
    const sp = makeSplits(ds, { context: 10, horizon: 5 }, { kind: 'temporal', fractions: [0.5, 0.2, 0.3] });
    const st = fitScaler(ds, sp.train, 'global');
    // channel 0 holds the row index: training rows are 0..49 and 100..149
    const rows = [...range(0, 50), ...range(100, 150)];
    expect(st.mean[0]).toBeCloseTo(mean(rows), 4);
    expect(st.std[0]).toBeCloseTo(pstd(rows), 4);
    expect(st.mean[2]).toBe(st.mean[0]); // same for both series
  });

  test('per_series: own stats, global fallback for series without training rows; std floor', () => {
    const ds = syntheticDataset([[60], [60], [60], [60], [60]]);
    const sp = makeSplits(ds, { context: 10, horizon: 5 }, { kind: 'hybrid', testFraction: 0.2, fractions: [0.5, 0.25, 0.25], seed: 1 });
    expect(sp.heldOutSeries.length).toBe(1);
    const held = sp.heldOutSeries[0];
    const st = fitScaler(ds, sp.train, 'per_series');
    const C = ds.channels.length;
    const trainRows: number[] = [];
    for (let s = 0; s < 5; s++) {
      if (s === held) continue;
      const own = range(s * 60, s * 60 + 30);
      trainRows.push(...own);
      expect(scalerParams(st, C, s, 0).mean).toBeCloseTo(mean(own), 4);
      // channel 1 (series index) is constant within a series -> std floored to 1
      expect(scalerParams(st, C, s, 1)).toEqual({ mean: s, std: 1 });
    }
    expect(scalerParams(st, C, held, 0).mean).toBeCloseTo(mean(trainRows), 3);
    expect(scalerParams(st, C, held, 0).std).toBeCloseTo(pstd(trainRows), 3);
    const none = fitScaler(ds, sp.train, 'none');
    expect(Array.from(none.mean).every((x) => x === 0) && Array.from(none.std).every((x) => x === 1)).toBe(true);
  });

  test('apply and inverse round-trip; JSON round-trip', async () => {
    const ds = await ingestDataset({
      name: 'broll',
      format: 'iglu',
      path: path.join(dataDir, 'broll_iglu'),
      interval: '5min',
      max_gap: '45min',
    });
    const sp = makeSplits(ds, { context: 96, horizon: 12 }, { kind: 'glucobench' });
    const st = fitScaler(ds, sp.train, 'per_series');
    const scaled = applyScaler(ds, st);
    const seg = ds.segments[0];
    const x = scaled[0].slice(seg.offset, seg.offset + 12);
    inverseScaleInPlace(st, 1, seg.series, 0, x);
    for (let i = 0; i < 12; i++) expect(x[i]).toBeCloseTo(ds.values[0][seg.offset + i], 2);
    const y = ds.values[0].slice(seg.offset, seg.offset + 12);
    scaleInPlace(st, 1, seg.series, 0, y);
    expect(Array.from(y)).toEqual(Array.from(scaled[0].slice(seg.offset, seg.offset + 12)));
    // batch inverse: [window][horizon][channel]
    const preds = new Float32Array([0, 1, -1, 0.5]);
    const inv = applyInverse(st, 1, preds, [0, 1], 2, [0]);
    const p0 = scalerParams(st, 1, 0, 0);
    const p1 = scalerParams(st, 1, 1, 0);
    expect(inv[1]).toBeCloseTo(p0.mean + p0.std, 3);
    expect(inv[2]).toBeCloseTo(p1.mean - p1.std, 3);
    expect(scalerFromJSON(JSON.parse(JSON.stringify(scalerToJSON(st))))).toEqual(st);
  });
});
