import { describe, expect, it } from 'vitest';
import { evaluatePoint, median, naiveScale, groupPointMetrics } from '../../../ts/metrics/point.js';

// truth / forecast of 2 windows x 2 steps; errors +10, -10 | 0, -30 (hand-computed below)
const truth = [100, 200, 50, 60];
const pred = [110, 190, 50, 30];

describe('point metrics', () => {
  it('pooled, per-window, median-per-window and per-step values by hand', () => {
    const e = evaluatePoint(truth, pred, 2, 2);
    expect(e.pooled.mse).toBeCloseTo(275, 10); // (100 + 100 + 0 + 900) / 4
    expect(e.pooled.rmse).toBeCloseTo(Math.sqrt(275), 10);
    expect(e.pooled.mae).toBeCloseTo(12.5, 10);
    expect(e.pooled.mape).toBeCloseTo((10 + 5 + 0 + 50) / 4, 10);
    expect(e.pooled.smape).toBeCloseTo((2000 / 210 + 2000 / 390 + 0 + 6000 / 90) / 4, 10);
    expect(Array.from(e.perWindow.rmse)).toEqual([10, Math.sqrt(450)]);
    expect(e.medianPerWindow.rmse).toBeCloseTo((10 + Math.sqrt(450)) / 2, 10);
    expect(e.meanPerWindow.mae).toBeCloseTo((10 + 15) / 2, 10);
    expect(Array.from(e.perStep.mse)).toEqual([50, 500]);
    expect(Array.from(e.perStep.mae)).toEqual([5, 20]);
  });

  it('MASE divides each window MAE by its context one-step naive MAE', () => {
    const ctx = [0, 10, 20, /* w2 */ 5, 5, 10]; // mean |diff| = 10 and 2.5
    const sc = naiveScale(ctx, 2, 3);
    expect(Array.from(sc)).toEqual([10, 2.5]);
    const e = evaluatePoint(truth, pred, 2, 2, { maseScale: sc });
    expect(Array.from(e.perWindow.mase)).toEqual([1, 6]);
    expect(e.pooled.mase).toBe(3.5);
  });

  it('skips NaN truths and counts them; a NaN forecast is an error naming window and step', () => {
    const e = evaluatePoint([100, NaN, 50, 60], pred, 2, 2);
    expect(e.skippedTruth).toBe(1);
    expect(e.pooled.n).toBe(3);
    expect(e.pooled.mse).toBeCloseTo((100 + 0 + 900) / 3, 10);
    expect(() => evaluatePoint(truth, [110, 190, NaN, 30], 2, 2)).toThrow(/NaN at window 1, step 1/);
    const m = evaluatePoint(truth, [110, 190, NaN, 30], 2, 2, { allowMissingForecast: true });
    expect(m.skippedForecast).toBe(1);
  });

  it('checks shapes', () => {
    expect(() => evaluatePoint(truth, [1, 2, 3], 2, 2)).toThrow(/expected windows\*horizon = 2\*2/);
  });

  it('median and per-group pooling', () => {
    expect(median([3, 1, NaN, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    const e = evaluatePoint(truth, pred, 2, 2);
    const g = groupPointMetrics(e.perWindow, [1, 0], ['a', 'b']);
    expect(g.map((x) => x.group)).toEqual(['a', 'b']);
    expect(g[1].rmse).toBeCloseTo(10, 10);
    expect(g[0].mae).toBeCloseTo(15, 10);
  });
});
