/**
 * Hypoglycaemia probability: P(glucose < threshold) per forecast point, its Brier score per step,
 * and night-level discrimination (AUROC, AUPRC).
 *
 * From quantile forecasts, P is read off the interpolated CDF with the linear tails of quantiles.ts
 * (P = 0 below the extrapolated 0-quantile, 1 above the 1-quantile). A point forecast is a point
 * mass: P = 1 when the forecast is below the threshold, else 0.
 */
import { EvalError, type Numeric } from './errors.js';
import { cdfFromKnots, knots, prepareQuantiles, type QuantileForecast } from './quantiles.js';

export const HYPO_THRESHOLDS = [70, 54] as const;

/** P(glucose < thr) per point [windows, horizon], from quantiles. */
export function probBelowFromQuantiles(qf: QuantileForecast, windows: number, horizon: number, thr: number): Float64Array {
  return probBelowManyFromQuantiles(qf, windows, horizon, [thr])[0];
}

/** P(glucose < thr) for several thresholds in one pass over the quantiles. */
export function probBelowManyFromQuantiles(
  qf: QuantileForecast,
  windows: number,
  horizon: number,
  thresholds: readonly number[],
): Float64Array[] {
  const { levels, values } = prepareQuantiles(qf, windows, horizon);
  const Q = levels.length;
  const out = thresholds.map(() => new Float64Array(windows * horizon));
  const tau = new Float64Array(Q + 2),
    x = new Float64Array(Q + 2),
    qs = new Float64Array(Q);
  for (let w = 0; w < windows; w++) {
    const base = w * Q * horizon;
    for (let h = 0; h < horizon; h++) {
      for (let q = 0; q < Q; q++) qs[q] = values[base + q * horizon + h];
      knots(levels, qs, tau, x);
      for (let t = 0; t < thresholds.length; t++) out[t][w * horizon + h] = cdfFromKnots(tau, x, thresholds[t], true);
    }
  }
  return out;
}

/** P(glucose < thr) of a point forecast: 1 or 0 (NaN stays NaN). */
export function probBelowFromPoint(point: Numeric, thr: number): Float64Array {
  const out = new Float64Array(point.length);
  for (let i = 0; i < point.length; i++) out[i] = point[i] !== point[i] ? NaN : point[i] < thr ? 1 : 0;
  return out;
}

/** Brier score per step and overall: mean (P - 1[y < thr])^2 over points with known truth. */
export function brierScore(
  prob: Numeric,
  truth: Numeric,
  windows: number,
  horizon: number,
  thr: number,
): { perStep: number[]; mean: number; events: number; n: number } {
  if (prob.length !== windows * horizon || truth.length !== windows * horizon)
    throw new EvalError(`brier: expected ${windows}*${horizon} probabilities and truths, got ${prob.length} and ${truth.length}`);
  const s = new Float64Array(horizon),
    n = new Float64Array(horizon);
  let events = 0;
  for (let w = 0; w < windows; w++)
    for (let h = 0; h < horizon; h++) {
      const i = w * horizon + h;
      const y = truth[i],
        p = prob[i];
      if (y !== y || p !== p) continue;
      const o = y < thr ? 1 : 0;
      events += o;
      s[h] += (p - o) ** 2;
      n[h]++;
    }
  let tot = 0,
    cnt = 0;
  const perStep = Array.from(s, (v, h) => ((tot += v), (cnt += n[h]), v / n[h]));
  return { perStep, mean: tot / cnt, events, n: cnt };
}

/** Area under the ROC curve: the Mann-Whitney probability that a positive outscores a negative (ties count 1/2). NaN without both classes. */
export function auroc(scores: Numeric, labels: ArrayLike<number | boolean>): number {
  const idx = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let pos = 0,
    rankSum = 0;
  for (let i = 0; i < idx.length;) {
    let j = i;
    while (j + 1 < idx.length && scores[idx[j + 1]] === scores[idx[i]]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++)
      if (labels[idx[k]]) {
        rankSum += rank;
        pos++;
      }
    i = j + 1;
  }
  const neg = idx.length - pos;
  if (!pos || !neg) return NaN;
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

/** Average precision (area under the precision-recall curve, step-wise as scikit-learn): sum over thresholds of (R_k - R_{k-1}) P_k. */
export function auprc(scores: Numeric, labels: ArrayLike<number | boolean>): number {
  const idx = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
  let pos = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i]) pos++;
  if (!pos) return NaN;
  let tp = 0,
    fp = 0,
    ap = 0,
    prevRecall = 0;
  for (let i = 0; i < idx.length;) {
    let j = i;
    while (j + 1 < idx.length && scores[idx[j + 1]] === scores[idx[i]]) j++;
    for (let k = i; k <= j; k++) labels[idx[k]] ? tp++ : fp++;
    const recall = tp / pos;
    ap += (recall - prevRecall) * (tp / (tp + fp));
    prevRecall = recall;
    i = j + 1;
  }
  return ap;
}

/** ROC curve points (false positive rate, true positive rate), from the highest threshold down. */
export function rocCurve(scores: Numeric, labels: ArrayLike<number | boolean>): Array<{ fpr: number; tpr: number }> {
  const idx = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
  let pos = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i]) pos++;
  const neg = labels.length - pos;
  const out = [{ fpr: 0, tpr: 0 }];
  let tp = 0,
    fp = 0;
  for (let i = 0; i < idx.length;) {
    let j = i;
    while (j + 1 < idx.length && scores[idx[j + 1]] === scores[idx[i]]) j++;
    for (let k = i; k <= j; k++) labels[idx[k]] ? tp++ : fp++;
    out.push({ fpr: neg ? fp / neg : 0, tpr: pos ? tp / pos : 0 });
    i = j + 1;
  }
  return out;
}

export interface NightResult {
  threshold: number;
  aggregate: 'max' | 'mean';
  nights: number;
  /** Nights with any true value below the threshold. */
  positives: number;
  auroc: number;
  auprc: number;
  /** Brier score of the night-level score against the night-level label. */
  brier: number;
  roc: Array<{ fpr: number; tpr: number }>;
}

/**
 * Night-level task: `nightOf[w]` assigns each forecast window to a night (windows of one night are
 * consecutive rolling origins); label = any truth < thr in the night; score = max or mean of P.
 * The max of per-step probabilities is a lower bound on P(night minimum < thr), not that
 * probability: night-probability.ts estimates it for bedtime-anchored nights.
 */
export function nightLevel(
  prob: Numeric,
  truth: Numeric,
  windows: number,
  horizon: number,
  nightOf: Numeric,
  thr: number,
  aggregate: 'max' | 'mean' = 'max',
): NightResult & { scores: number[]; labels: number[] } {
  const score = new Map<number, { s: number; n: number; label: number }>();
  for (let w = 0; w < windows; w++) {
    const k = nightOf[w];
    let e = score.get(k);
    if (!e) score.set(k, (e = { s: 0, n: 0, label: 0 }));
    for (let h = 0; h < horizon; h++) {
      const i = w * horizon + h;
      const y = truth[i],
        p = prob[i];
      if (y === y && y < thr) e.label = 1;
      if (p !== p) continue;
      if (aggregate === 'max') e.s = Math.max(e.s, p);
      else e.s += p;
      e.n++;
    }
  }
  const scores: number[] = [],
    labels: number[] = [];
  for (const e of score.values()) {
    scores.push(aggregate === 'mean' ? (e.n ? e.s / e.n : NaN) : e.s);
    labels.push(e.label);
  }
  let brier = 0;
  for (let i = 0; i < scores.length; i++) brier += (scores[i] - labels[i]) ** 2;
  return {
    threshold: thr,
    aggregate,
    nights: scores.length,
    positives: labels.reduce((a, b) => a + b, 0),
    auroc: auroc(scores, labels),
    auprc: auprc(scores, labels),
    brier: brier / scores.length,
    roc: rocCurve(scores, labels),
    scores,
    labels,
  };
}
