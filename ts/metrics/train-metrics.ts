/**
 * The test metrics `train()` reports, from the addon's tensors: the model and the last-value
 * baseline through `evaluateForecasts`, pooled over every target channel (each (window, channel)
 * pair is one forecast row).
 */
import { evaluateForecasts, medianFromQuantiles, type ForecasterMetrics } from './metrics.js';
import { quantilesByRow, type Tensor } from './tensors.js';

export interface TrainTestMetrics {
  model: ForecasterMetrics;
  lastValue: ForecasterMetrics | null;
}

/** pred [N, C, H] or [N, Q, C, H]; truth [N, C, H]; lastContext [N, C, 1] (the last context value) or null. */
export function trainTestMetrics(pred: Tensor, truth: Tensor, lastContext: Tensor | null, quantiles?: number[]): TrainTestMetrics {
  const [N, C, H] = truth.shape;
  const rows = N * C;
  // a diverged model (NaN forecasts) still gets its run saved: its NaN points are skipped and counted in skipped.forecast
  const finite = pred.data.every(Number.isFinite);
  const q = quantiles ? { levels: quantiles, values: quantilesByRow(pred) } : undefined;
  const point = q ? medianFromQuantiles(q, rows, H) : pred.data;
  const model = evaluateForecasts({
    windows: rows,
    horizon: H,
    truth: truth.data,
    point,
    quantiles: finite ? q : undefined,
    label: 'model',
    allowMissingForecast: !finite,
  }).metrics;
  let lastValue: ForecasterMetrics | null = null;
  if (lastContext) {
    const lv = new Float32Array(rows * H);
    for (let r = 0; r < rows; r++) lv.fill(lastContext.data[r], r * H, (r + 1) * H);
    lastValue = evaluateForecasts({ windows: rows, horizon: H, truth: truth.data, point: lv, label: 'baseline last_value' }).metrics;
  }
  return { model, lastValue };
}
