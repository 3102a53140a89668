/**
 * Recalibration of night probabilities: a monotone map fitted on validation nights and applied to
 * test nights (never fitted on the nights it is scored on).
 *
 * - Platt scaling: P(y = 1) = σ(a logit(p) + b), the maximum-likelihood (a, b) by Newton's method.
 *   The targets are Platt's (1999) smoothed labels (N+ + 1)/(N+ + 2) and 1/(N- + 2), so separable
 *   validation nights still give finite coefficients.
 * - Isotonic regression: the non-decreasing step function closest in squared error
 *   (pool-adjacent-violators), interpolated linearly between fitted points and clipped outside
 *   them, as scikit-learn's IsotonicRegression does.
 *
 * The maps are plain data, so they can be saved beside a run's metrics.
 */
import { EvalError, type Numeric } from './errors.js';

export interface PlattMap {
  method: 'platt';
  /** Slope on logit(p). */
  a: number;
  b: number;
  /** Validation nights the fit used. */
  n: number;
}

export interface IsotonicMap {
  method: 'isotonic';
  /** Distinct validation scores, increasing. */
  x: number[];
  /** Fitted (non-decreasing) probability at each x. */
  y: number[];
  n: number;
}

export type CalibrationMap = PlattMap | IsotonicMap;
export type CalibrationMethod = CalibrationMap['method'];

/** Scores are clipped to [LOGIT_EPS, 1 - LOGIT_EPS] before the logit, so a 0 or 1 stays finite. */
const LOGIT_EPS = 1e-6;
const logit = (p: number) => {
  const q = Math.min(1 - LOGIT_EPS, Math.max(LOGIT_EPS, p));
  return Math.log(q / (1 - q));
};
const sigmoid = (t: number) => (t >= 0 ? 1 / (1 + Math.exp(-t)) : Math.exp(t) / (1 + Math.exp(t)));

/** Finite (score, label) pairs; `binary` reads labels as truthy/falsy, else as numbers (booleans as 0/1). */
function pairs(scores: Numeric, labels: ArrayLike<number | boolean>, what: string, binary: boolean): { s: number[]; y: number[] } {
  if (scores.length !== labels.length) throw new EvalError(`${what}: ${scores.length} scores but ${labels.length} labels`);
  const s: number[] = [],
    y: number[] = [];
  for (let i = 0; i < scores.length; i++)
    if (Number.isFinite(scores[i])) {
      s.push(scores[i]);
      y.push(binary || typeof labels[i] === 'boolean' ? (labels[i] ? 1 : 0) : Number(labels[i]));
    }
  if (!s.length) throw new EvalError(`${what}: no finite scores to fit on`);
  return { s, y };
}

/** Platt scaling fitted on validation scores and labels; `smoothTargets: false` uses the raw 0/1 labels. */
export function fitPlatt(
  scores: Numeric,
  labels: ArrayLike<number | boolean>,
  opts: { smoothTargets?: boolean; maxIter?: number } = {},
): PlattMap {
  const { s, y } = pairs(scores, labels, 'Platt scaling', true);
  const n = s.length;
  const pos = y.reduce((a, v) => a + v, 0);
  const hi = opts.smoothTargets === false ? 1 : (pos + 1) / (pos + 2);
  const lo = opts.smoothTargets === false ? 0 : 1 / (n - pos + 2);
  const t = y.map((v) => (v ? hi : lo));
  const x = s.map(logit);
  const nll = (a: number, b: number) => {
    let v = 0;
    for (let i = 0; i < n; i++) {
      const z = a * x[i] + b;
      // -[t log σ(z) + (1 - t) log(1 - σ(z))] = log(1 + e^z) - t z, computed without overflow
      v += (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z))) - t[i] * z;
    }
    return v;
  };
  let a = 1,
    b = 0,
    f = nll(a, b);
  for (let it = 0; it < (opts.maxIter ?? 100); it++) {
    let ga = 0,
      gb = 0,
      haa = 0,
      hab = 0,
      hbb = 0;
    for (let i = 0; i < n; i++) {
      const q = sigmoid(a * x[i] + b);
      const r = q - t[i],
        w = q * (1 - q);
      ga += r * x[i];
      gb += r;
      haa += w * x[i] * x[i];
      hab += w * x[i];
      hbb += w;
    }
    // a tiny ridge keeps the 2x2 system solvable when all scores are equal
    haa += 1e-12;
    hbb += 1e-12;
    const det = haa * hbb - hab * hab;
    const da = (hbb * ga - hab * gb) / det,
      db = (haa * gb - hab * ga) / det;
    // step halving: Newton's full step can overshoot far from the optimum
    let step = 1,
      fa = nll(a - da, b - db);
    while (fa > f && step > 1e-10) {
      step /= 2;
      fa = nll(a - step * da, b - step * db);
    }
    if (fa > f) break;
    a -= step * da;
    b -= step * db;
    const done = Math.abs(f - fa) <= 1e-12 * Math.max(1, Math.abs(f));
    f = fa;
    if (done) break;
  }
  return { method: 'platt', a, b, n };
}

/** Isotonic (non-decreasing) regression of labels (0/1 for calibration, any numbers in general) on scores, by pool-adjacent-violators. */
export function fitIsotonic(scores: Numeric, labels: ArrayLike<number | boolean>): IsotonicMap {
  const { s, y } = pairs(scores, labels, 'isotonic regression', false);
  const order = s.map((_, i) => i).sort((i, j) => s[i] - s[j]);
  // tied scores are one point with their mean label and count as weight
  const bx: number[] = [],
    bsum: number[] = [],
    bw: number[] = [];
  for (const i of order) {
    if (bx.length && bx[bx.length - 1] === s[i]) {
      bsum[bsum.length - 1] += y[i];
      bw[bw.length - 1]++;
    } else {
      bx.push(s[i]);
      bsum.push(y[i]);
      bw.push(1);
    }
  }
  // blocks: [first point, weight, sum]; merge while the previous block's mean exceeds the new one's
  const start: number[] = [],
    w: number[] = [],
    sum: number[] = [];
  for (let k = 0; k < bx.length; k++) {
    start.push(k);
    w.push(bw[k]);
    sum.push(bsum[k]);
    while (start.length > 1 && sum[sum.length - 2] / w[w.length - 2] >= sum[sum.length - 1] / w[w.length - 1]) {
      sum[sum.length - 2] += sum.pop()!;
      w[w.length - 2] += w.pop()!;
      start.pop();
    }
  }
  const fitted = new Array<number>(bx.length);
  for (let b = 0; b < start.length; b++) {
    const end = b + 1 < start.length ? start[b + 1] : bx.length;
    for (let k = start[b]; k < end; k++) fitted[k] = sum[b] / w[b];
  }
  return { method: 'isotonic', x: bx, y: fitted, n: s.length };
}

/** Fits the named recalibration map on validation scores and labels. */
export function fitCalibration(method: CalibrationMethod, scores: Numeric, labels: ArrayLike<number | boolean>): CalibrationMap {
  return method === 'platt' ? fitPlatt(scores, labels) : fitIsotonic(scores, labels);
}

/** Applies a fitted map to (test) scores; NaN stays NaN. */
export function calibrate(map: CalibrationMap, scores: Numeric): Float64Array {
  const out = new Float64Array(scores.length);
  for (let i = 0; i < scores.length; i++) {
    const p = scores[i];
    if (p !== p) out[i] = NaN;
    else if (map.method === 'platt') out[i] = sigmoid(map.a * logit(p) + map.b);
    else out[i] = interpolateClipped(map.x, map.y, p);
  }
  return out;
}

function interpolateClipped(x: number[], y: number[], v: number): number {
  const n = x.length;
  if (v <= x[0]) return y[0];
  if (v >= x[n - 1]) return y[n - 1];
  let lo = 0,
    hi = n - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (x[mid] <= v) lo = mid;
    else hi = mid;
  }
  return y[lo] + ((v - x[lo]) / (x[hi] - x[lo])) * (y[hi] - y[lo]);
}
