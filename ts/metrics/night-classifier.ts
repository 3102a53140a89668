/**
 * A direct night-level classifier: P(hypoglycaemic night) learnt from the context window itself, not derived
 * from a point forecast. An L2-regularised logistic regression is fitted on training nights only, and its
 * probabilities are recalibrated (Platt by default) on validation nights only; test nights are never an input
 * of either fit, which this module's signature makes plain: it is given training and validation rows, nothing else.
 */
import { calibrate, fitCalibration, type CalibrationMap, type CalibrationMethod } from './calibration.js';
import { EvalError, type Numeric } from './errors.js';
import { fitLogistic, predictLogistic, type LogisticModel } from './night-baselines.js';

type Labels = ArrayLike<number | boolean>;

export interface NightClassifier {
  logistic: LogisticModel;
  /** Fitted on validation nights. */
  calibration: CalibrationMap;
  trainNights: number;
  valNights: number;
}

export function fitNightClassifier(
  train: { rows: readonly Numeric[]; labels: Labels },
  val: { rows: readonly Numeric[]; labels: Labels },
  opts: { l2?: number; calibration?: CalibrationMethod } = {},
): NightClassifier {
  let positives = 0;
  for (let i = 0; i < train.labels.length; i++) if (train.labels[i]) positives++;
  if (positives === 0 || positives === train.labels.length)
    throw new EvalError(`night classifier: ${positives} of ${train.labels.length} training nights positive; it needs both kinds`);
  // more inputs than the bedtime baseline (the whole context in blocks): a stronger default penalty
  const logistic = fitLogistic(train.rows, train.labels, { l2: opts.l2 ?? 10 });
  const calibration = fitCalibration(opts.calibration ?? 'platt', predictLogistic(logistic, val.rows), val.labels);
  return { logistic, calibration, trainNights: train.rows.length, valNights: val.rows.length };
}

/** Calibrated P(hypoglycaemic night) of each feature row. */
export function nightClassifierScores(model: NightClassifier, rows: readonly Numeric[]): Float64Array {
  return calibrate(model.calibration, predictLogistic(model.logistic, rows));
}
