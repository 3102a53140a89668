/**
 * Metrics of quantile forecasts [windows, levels, horizon] against the truth [windows, horizon].
 * Truth NaN points are skipped. See quantiles.ts for how values between and beyond the levels are read.
 */
import { EvalError, type Numeric } from './errors.js';
import { normalCdf } from './stats.js';
import { cdfFromKnots, knots, prepareQuantiles, type QuantileForecast } from './quantiles.js';

export const CENTRAL_INTERVALS = [0.5, 0.8, 0.9, 0.95] as const;
/** GlucoBench's calibration thresholds: 0, 0.1, ..., 1. */
export const GLUCOBENCH_CAL_LEVELS = Array.from({ length: 11 }, (_, i) => i / 10);

export interface IntervalResult {
  /** Nominal central coverage, e.g. 0.9 for the 5%-95% interval. */
  nominal: number;
  /** Fraction of truths inside [q_lo, q_hi] (inclusive); null when the interval needs levels outside the forecast's. */
  coverage: number | null;
  /** Mean q_hi - q_lo. */
  width: number | null;
}

export interface ProbabilisticEvaluation {
  levels: number[];
  /** Mean pinball loss per level: rho_tau(y - q) = max(tau (y - q), (tau - 1)(y - q)). */
  pinball: number[];
  /** Mean over levels of 2 * sum(pinball) / sum(|y|) (GluonTS mean_wQuantileLoss). */
  weightedQuantileLoss: number;
  /** CRPS approximated from the quantiles: mean over points of (2 / Q) sum_tau rho_tau. */
  crps: number;
  crpsPerStep: number[];
  intervals: IntervalResult[];
  /** GlucoBench calibration error per step: sum over p in {0, .1, ..., 1} of (mean 1[y <= q_p] - p)^2; and its mean over steps. */
  calibrationPerStep: number[];
  calibration: number;
  /** Reliability curve: per level, the observed fraction of truths <= q_level. */
  reliability: Array<{ level: number; observed: number }>;
  /** PIT histogram: counts of F(y) in `pitBins` equal bins on [0, 1]. */
  pit: number[];
  crossedPoints: number;
  n: number;
}

/** Knot segment i (x[i-1]..x[i]) and fraction f of level p, for knots with levels `tau`. */
function readPosition(tau: Float64Array, p: number): { i: number; f: number } {
  const K = tau.length;
  if (p <= 0) return { i: 1, f: 0 };
  if (p >= 1) return { i: K - 1, f: 1 };
  let i = 1;
  while (i < K - 1 && tau[i] < p) i++;
  return { i, f: (p - tau[i - 1]) / (tau[i] - tau[i - 1]) };
}
const readAt = (x: Float64Array, r: { i: number; f: number }): number => x[r.i - 1] + r.f * (x[r.i] - x[r.i - 1]);

export function evaluateQuantiles(
  truth: Numeric,
  qf: QuantileForecast,
  windows: number,
  horizon: number,
  opts: { crossing?: 'sort' | 'error'; pitBins?: number } = {},
): ProbabilisticEvaluation {
  const N = windows;
  const H = horizon;
  if (truth.length !== N * H) throw new EvalError(`truth has ${truth.length} values, expected windows*horizon = ${N}*${H}`);
  const prep = prepareQuantiles(qf, N, H, opts.crossing ?? 'sort');
  const { levels, values } = prep;
  const Q = levels.length;
  const bins = opts.pitBins ?? 10;
  const pin = new Float64Array(Q);
  const stepCrps = new Float64Array(H),
    stepN = new Float64Array(H);
  const below = new Float64Array(Q);
  const cal = GLUCOBENCH_CAL_LEVELS;
  const calBelow = new Float64Array(cal.length * H);
  const pit = new Float64Array(bins);
  const iv = CENTRAL_INTERVALS.map((c) => {
    const lo = (1 - c) / 2;
    const ok = lo >= levels[0] - 1e-9 && 1 - lo <= levels[Q - 1] + 1e-9;
    return { c, lo, hi: 1 - lo, ok, inside: 0, width: 0 };
  });
  const tau = new Float64Array(Q + 2),
    x = new Float64Array(Q + 2),
    qs = new Float64Array(Q);
  // the levels are the same for every point, so where each needed level p falls among the knots
  // (segment and fraction) is computed once; reading q_p is then x[i-1] + f (x[i] - x[i-1])
  knots(levels, new Float64Array(Q), tau, x);
  const calAt = cal.map((p) => readPosition(tau, p));
  const ivAt = iv.map((it) => [readPosition(tau, it.lo), readPosition(tau, it.hi)]);
  let sumAbsY = 0;
  let n = 0;
  for (let w = 0; w < N; w++) {
    const base = w * Q * H;
    for (let h = 0; h < H; h++) {
      const y = truth[w * H + h];
      if (y !== y) continue;
      n++;
      sumAbsY += Math.abs(y);
      let s = 0;
      for (let q = 0; q < Q; q++) {
        const v = values[base + q * H + h];
        qs[q] = v;
        const d = y - v;
        const l = d >= 0 ? levels[q] * d : (levels[q] - 1) * d;
        pin[q] += l;
        s += l;
        if (y <= v) below[q]++;
      }
      stepCrps[h] += (2 * s) / Q;
      stepN[h]++;
      knots(levels, qs, tau, x);
      for (let k = 0; k < cal.length; k++) if (y <= readAt(x, calAt[k])) calBelow[k * H + h]++;
      const u = cdfFromKnots(tau, x, y, false);
      pit[Math.min(bins - 1, Math.floor(u * bins))]++;
      for (let j = 0; j < iv.length; j++) {
        const it = iv[j];
        if (!it.ok) continue;
        const a = readAt(x, ivAt[j][0]),
          b = readAt(x, ivAt[j][1]);
        if (y >= a && y <= b) it.inside++;
        it.width += b - a;
      }
    }
  }
  const pinball = Array.from(pin, (p) => p / n);
  const wql = pinball.reduce((acc, p) => acc + (2 * p * n) / sumAbsY, 0) / Q;
  let crpsSum = 0;
  const crpsPerStep = Array.from(stepCrps, (c, h) => ((crpsSum += c), c / stepN[h]));
  const calibrationPerStep: number[] = [];
  for (let h = 0; h < H; h++) {
    let e = 0;
    for (let k = 0; k < cal.length; k++) e += (calBelow[k * H + h] / stepN[h] - cal[k]) ** 2;
    calibrationPerStep.push(e);
  }
  return {
    levels: [...levels],
    pinball,
    weightedQuantileLoss: wql,
    crps: crpsSum / n,
    crpsPerStep,
    intervals: iv.map((it) => ({ nominal: it.c, coverage: it.ok ? it.inside / n : null, width: it.ok ? it.width / n : null })),
    calibrationPerStep,
    calibration: calibrationPerStep.reduce((a, b) => a + b, 0) / H,
    reliability: Array.from(levels, (l, q) => ({ level: l, observed: below[q] / n })),
    pit: Array.from(pit),
    crossedPoints: prep.crossedPoints,
    n,
  };
}

/**
 * GlucoBench's calibration error for point forecasts ("GaussianMean"): F(y) = Phi((y - ŷ) / sigma),
 * sigma^2 the mean per-window MSE; per step, sum over p in {0, .1, ..., 1} of (mean 1[F(y) <= p] - p)^2.
 */
export function gaussianCalibration(
  truth: Numeric,
  point: Numeric,
  windows: number,
  horizon: number,
  meanWindowMse: number,
): { perStep: number[]; mean: number } {
  const sigma = Math.sqrt(meanWindowMse);
  const cal = GLUCOBENCH_CAL_LEVELS;
  const cnt = new Float64Array(cal.length * horizon),
    n = new Float64Array(horizon);
  for (let w = 0; w < windows; w++)
    for (let h = 0; h < horizon; h++) {
      const y = truth[w * horizon + h],
        p = point[w * horizon + h];
      if (y !== y || p !== p) continue;
      const u = normalCdf((y - p) / sigma);
      n[h]++;
      for (let k = 0; k < cal.length; k++) if (u <= cal[k]) cnt[k * horizon + h]++;
    }
  const perStep: number[] = [];
  for (let h = 0; h < horizon; h++) {
    let e = 0;
    for (let k = 0; k < cal.length; k++) e += (cnt[k * horizon + h] / n[h] - cal[k]) ** 2;
    perStep.push(e);
  }
  return { perStep, mean: perStep.reduce((a, b) => a + b, 0) / horizon };
}
