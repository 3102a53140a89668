import { describe, expect, it } from 'vitest';
import { formatPooled, poolChannels, withoutPercentageErrors } from '../../../ts/evaluate/all-channels.js';
import type { ForecasterMetrics } from '../../../ts/metrics/metrics.js';

const summary = (mse: number, mae: number, n: number) => ({ mse, rmse: Math.sqrt(mse), mae, mape: 5, smape: 4, mase: 1, n });
const metrics = (mse: number, mae: number, n: number) =>
  ({
    pooled: summary(mse, mae, n),
    meanPerWindow: summary(mse, mae, n),
    medianPerWindow: summary(mse, mae, n),
    perStep: { rmse: [1], mape: [2], smape: [3] },
  }) as unknown as ForecasterMetrics;

describe('all-channel metrics', () => {
  it('pools channels by their number of points, as one MSE over every point', () => {
    const pooled = poolChannels([
      { forecasters: { model: metrics(1, 0.5, 100), last_value: metrics(4, 2, 100) } },
      { forecasters: { model: metrics(3, 1.5, 300), last_value: metrics(2, 1, 300) } },
    ]);
    expect(pooled.model).toEqual({ mse: (100 + 900) / 400, rmse: Math.sqrt(2.5), mae: (50 + 450) / 400, n: 400 });
    expect(pooled.last_value!.mse).toBeCloseTo((400 + 600) / 400, 12);
    expect(formatPooled('tsfm: x test', pooled)).toBe(
      'tsfm: x test: model MSE 2.500 MAE 1.250 RMSE 1.581 | last_value MSE 2.500 MAE 1.250 RMSE 1.581',
    );
  });

  it('drops percentage errors (for the scaled axis) and keeps the rest', () => {
    const m = withoutPercentageErrors(metrics(1, 1, 10));
    expect(m.pooled.mape).toBeNaN();
    expect(m.pooled.smape).toBeNaN();
    expect(m.pooled.mse).toBe(1);
    expect(Object.keys(m.perStep)).toEqual(['rmse']);
  });
});
