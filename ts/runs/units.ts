/**
 * The unit of each metric a run records, for `tsfm runs show`: test metrics and baselines are in the target's
 * units (mg/dL for glucose) unless evaluation.scale is 'scaled'; validation metrics and losses are computed by
 * the trainer on the scaler's axis (z-scores of the training windows) unless data.scaler is none.
 */

/** What metrics.json `units` records: the axis of the test metrics and of the validation metrics. */
export interface MetricUnits {
  test: string;
  validation: string;
}

/** A scaled axis, named so that no one reads it as mg/dL. */
export const SCALED = 'scaled (z-score of the training scaler)';

/** Runs recorded before metrics.json had `units`: the defaults of those versions. */
export const DEFAULT_UNITS: MetricUnits = { test: 'original units', validation: SCALED };

const squared = (u: string) => (u.startsWith('scaled') ? `${u}, squared` : `(${u})²`);

/** The unit shown beside metric `key` ('' for counts and ids without one). */
export function metricUnit(key: string, units: MetricUnits = DEFAULT_UNITS): string {
  if (key === 'best_epoch') return 'epoch (counted from 1)';
  if (key === 'epochs') return 'epochs';
  if (key === 'samples_per_sec') return 'samples/s';
  if (/seconds$/.test(key)) return 's';
  if (/_windows$/.test(key)) return 'windows';
  const onVal = key.startsWith('val_') || key.startsWith('train_');
  if (!onVal && !key.startsWith('test_') && !key.startsWith('baseline_')) return '';
  const axis = onVal ? units.validation : units.test;
  const stat = key.slice(key.lastIndexOf('_') + 1);
  if (stat === 'mse') return squared(axis);
  if (/mape$/.test(stat)) return '%';
  if (stat === 'loss') return `loss on ${axis.startsWith('scaled') ? 'the scaled axis' : axis}`;
  if (/^(rmse|mae|medianRmse|medianMae|crps)$/.test(stat)) return axis;
  return '';
}
