/**
 * Clinical glucose metrics (mg/dL): Clarke and Parkes error grids, time in ranges, Kovatchev's
 * LBGI/HBGI, and Matthews correlation for hypo-/hyperglycaemia detection. x = reference (truth),
 * y = forecast. The exact inequalities, and how points on a boundary are assigned, are listed in
 * docs/evaluation.md; tests/unit/eval/clinical.test.ts checks every boundary.
 */
import { EvalError, type Numeric } from './errors.js';

export const ZONES = ['A', 'B', 'C', 'D', 'E'] as const;
export type Zone = (typeof ZONES)[number];

/**
 * Clarke et al. 1987 zone (0 = A ... 4 = E). Follows the paper's wording: A is "within 20% of the
 * reference" (inclusive) or both values in the hypoglycaemic range "< 70" (strict); every other
 * boundary line belongs to the less severe zone beside it.
 */
export function clarkeZone(ref: number, pred: number): number {
  const r = ref,
    p = pred;
  if ((r < 70 && p < 70) || Math.abs(p - r) <= 0.2 * r) return 0; // A
  if ((r < 70 && p > 180) || (r > 180 && p < 70)) return 4; // E
  if ((r >= 70 && r < 290 && p > r + 110) || (r >= 130 && r <= 180 && p < 1.4 * r - 182)) return 2; // C
  if ((r > 240 && p >= 70 && p < 180) || (r < 70 && p >= 70 && p <= 180)) return 3; // D
  return 1; // B
}

/** A piecewise-linear boundary through vertices (x ascending), extended beyond the last vertex with the last slope. */
interface Curve {
  xs: number[];
  ys: number[];
}
function curve(points: Array<[number, number]>): Curve {
  return { xs: points.map((p) => p[0]), ys: points.map((p) => p[1]) };
}
function curveAt(c: Curve, x: number): number {
  const { xs, ys } = c;
  const n = xs.length;
  let i = 1;
  while (i < n - 1 && x > xs[i]) i++;
  const x0 = xs[i - 1],
    x1 = xs[i];
  return ys[i - 1] + ((x - x0) / (x1 - x0)) * (ys[i] - ys[i - 1]);
}

/**
 * Parkes consensus error grid for type 1 diabetes (Parkes et al. 2000), vertices (mg/dL) as
 * tabulated by Pfützner et al. 2013. Upper boundaries: a point is outside when y > boundary(x).
 * Lower boundaries start with a vertical segment at x = x0 (e.g. x = 50 for A): points with
 * x <= x0 are never below it; beyond, a point is outside when y < boundary(x).
 */
export const PARKES_T1 = {
  upper: [
    [
      [0, 50],
      [30, 50],
      [140, 170],
      [280, 380],
      [430, 550],
    ],
    [
      [0, 60],
      [30, 60],
      [50, 80],
      [70, 110],
      [260, 550],
    ],
    [
      [0, 100],
      [25, 100],
      [50, 125],
      [80, 215],
      [125, 550],
    ],
    [
      [0, 150],
      [35, 155],
      [50, 550],
    ],
  ] as Array<Array<[number, number]>>,
  lower: [
    [
      [50, 30],
      [170, 145],
      [385, 300],
      [550, 450],
    ],
    [
      [120, 30],
      [260, 130],
      [550, 250],
    ],
    [
      [250, 40],
      [550, 150],
    ],
  ] as Array<Array<[number, number]>>,
};
const T1_UPPER = PARKES_T1.upper.map(curve);
const T1_LOWER = PARKES_T1.lower.map(curve);

/** Parkes type 1 zone (0 = A ... 4 = E). Points on a boundary belong to the inner (less severe) zone. */
export function parkesZone(ref: number, pred: number): number {
  for (let z = 0; z < 4; z++) {
    const up = T1_UPPER[z];
    if (pred > curveAt(up, ref)) continue;
    const lo = T1_LOWER[z];
    if (lo && ref > lo.xs[0] && pred < curveAt(lo, ref)) continue;
    return z;
  }
  return 4;
}

export interface GridResult {
  /** Percent of points per zone A..E. */
  percent: Record<Zone, number>;
  counts: Record<Zone, number>;
  n: number;
}

function grid(truth: Numeric, pred: Numeric, zone: (r: number, p: number) => number): GridResult {
  if (truth.length !== pred.length) throw new EvalError(`error grid: truth has ${truth.length} values, forecast ${pred.length}`);
  const c = [0, 0, 0, 0, 0];
  let n = 0;
  for (let i = 0; i < truth.length; i++) {
    const r = truth[i],
      p = pred[i];
    if (r !== r || p !== p) continue;
    c[zone(r, p)]++;
    n++;
  }
  const counts = { A: c[0], B: c[1], C: c[2], D: c[3], E: c[4] };
  const percent = { A: (100 * c[0]) / n, B: (100 * c[1]) / n, C: (100 * c[2]) / n, D: (100 * c[3]) / n, E: (100 * c[4]) / n };
  return { percent, counts, n };
}

export const clarkeGrid = (truth: Numeric, pred: Numeric): GridResult => grid(truth, pred, clarkeZone);
export const parkesGrid = (truth: Numeric, pred: Numeric): GridResult => grid(truth, pred, parkesZone);

/** Glucose ranges (consensus TIR bands): <54, 54-69, 70-180, 181-250, >250 mg/dL; non-integers fall by the same cuts (<54, <70, <=180, <=250). */
export const RANGE_NAMES = ['below_54', '54_69', '70_180', '181_250', 'above_250'] as const;
export function rangeIndex(g: number): number {
  return g < 54 ? 0 : g < 70 ? 1 : g <= 180 ? 2 : g <= 250 ? 3 : 4;
}
export function timeInRanges(values: Numeric): Record<(typeof RANGE_NAMES)[number], number> & { n: number } {
  const c = [0, 0, 0, 0, 0];
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== v) continue;
    c[rangeIndex(v)]++;
    n++;
  }
  return {
    below_54: (100 * c[0]) / n,
    '54_69': (100 * c[1]) / n,
    '70_180': (100 * c[2]) / n,
    '181_250': (100 * c[3]) / n,
    above_250: (100 * c[4]) / n,
    n,
  };
}

/**
 * Kovatchev's risk transform, signed: f = 1.509 (ln(g)^1.084 - 5.381), risk = 10 f^2, negative on
 * the low side (f < 0). g is clamped to [20, 600] mg/dL (the measurable range) so forecasts <= 0 stay defined.
 */
export function bgRiskSigned(g: number): number {
  const x = Math.min(600, Math.max(20, g));
  const f = 1.509 * (Math.pow(Math.log(x), 1.084) - 5.381);
  return 10 * f * f * (f < 0 ? -1 : 1);
}

/** Low and high blood glucose indices (Kovatchev et al. 1998, 2006): means of the left and right risk. */
export function lbgiHbgi(values: Numeric): { lbgi: number; hbgi: number; n: number } {
  let lo = 0,
    hi = 0,
    n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== v) continue;
    // bgRiskSigned inlined (hot loop)
    const g = v < 20 ? 20 : v > 600 ? 600 : v;
    const f = 1.509 * (Math.exp(1.084 * Math.log(Math.log(g))) - 5.381);
    if (f < 0) lo += 10 * f * f;
    else hi += 10 * f * f;
    n++;
  }
  return { lbgi: lo / n, hbgi: hi / n, n };
}

/** Matthews correlation from a confusion matrix; 0 when a margin is empty (undefined MCC), as scikit-learn does. */
export function mccFromCounts(tp: number, fp: number, tn: number, fn: number): number {
  const den = Math.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn));
  return den === 0 ? 0 : (tp * tn - fp * fn) / den;
}

export interface DetectionResult {
  mcc: number;
  tp: number;
  fp: number;
  tn: number;
  fn: number;
  sensitivity: number;
  precision: number;
}

/** Event detection per point: `event(truth)` vs `event(forecast)`. */
export function detection(truth: Numeric, pred: Numeric, event: (g: number) => boolean): DetectionResult {
  let tp = 0,
    fp = 0,
    tn = 0,
    fn = 0;
  for (let i = 0; i < truth.length; i++) {
    const r = truth[i],
      p = pred[i];
    if (r !== r || p !== p) continue;
    const a = event(r),
      b = event(p);
    if (a && b) tp++;
    else if (b) fp++;
    else if (a) fn++;
    else tn++;
  }
  return { mcc: mccFromCounts(tp, fp, tn, fn), tp, fp, tn, fn, sensitivity: tp / (tp + fn), precision: tp / (tp + fp) };
}

export const isHypo = (g: number): boolean => g < 70;
export const isHyper = (g: number): boolean => g > 180;

export interface ClinicalEvaluation {
  clarke: GridResult;
  parkes: GridResult;
  rangesTruth: ReturnType<typeof timeInRanges>;
  rangesForecast: ReturnType<typeof timeInRanges>;
  riskTruth: { lbgi: number; hbgi: number };
  riskForecast: { lbgi: number; hbgi: number };
  hypo: DetectionResult;
  hyper: DetectionResult;
}

export function evaluateClinical(truth: Numeric, pred: Numeric): ClinicalEvaluation {
  const rt = lbgiHbgi(truth),
    rf = lbgiHbgi(pred);
  return {
    clarke: clarkeGrid(truth, pred),
    parkes: parkesGrid(truth, pred),
    rangesTruth: timeInRanges(truth),
    rangesForecast: timeInRanges(pred),
    riskTruth: { lbgi: rt.lbgi, hbgi: rt.hbgi },
    riskForecast: { lbgi: rf.lbgi, hbgi: rf.hbgi },
    hypo: detection(truth, pred, isHypo),
    hyper: detection(truth, pred, isHyper),
  };
}
