/**
 * Baselines for night-level hypoglycaemia prediction, which a forecaster's night probability must
 * beat to be worth its cost, as pure functions over plain arrays:
 *
 * - the patient's own earlier rate of hypoglycaemic nights (training nights only), shrunk toward
 *   the cohort rate by a Beta prior, so a patient without training nights gets the cohort rate;
 * - logistic regression on bedtime features (glucose at bedtime, its 30- and 60-min change, the
 *   day's mean, minimum and fraction below 70 mg/dL, minutes since the last meal and insulin when
 *   known), standardised and L2-regularised, fitted by Newton's method (IRLS);
 * - threshold crossing of a point forecast: 1 when its minimum over the window is below the threshold.
 */
import { EvalError, type Numeric } from './errors.js';

type Labels = ArrayLike<number | boolean>;

export interface PatientRateModel {
  /** Fraction of positive training nights over all patients: the prior mean. */
  cohortRate: number;
  /** Prior strength in nights: a patient with this many training nights sits halfway between the cohort and their own rate. */
  priorNights: number;
  perPatient: Record<string, { nights: number; positives: number; rate: number }>;
}

/** Per-patient rates of hypoglycaemic nights from training nights, Beta(m r, m (1 - r)) prior at the cohort rate r, m = priorNights (default 10). */
export function fitPatientRates(patients: readonly string[], labels: Labels, opts: { priorNights?: number } = {}): PatientRateModel {
  if (patients.length !== labels.length) throw new EvalError(`patient rates: ${patients.length} patients but ${labels.length} labels`);
  if (!patients.length) throw new EvalError('patient rates: no training nights');
  const m = opts.priorNights ?? 10;
  if (!(m > 0)) throw new EvalError(`patient rates: priorNights must be positive (got ${m})`);
  const counts = new Map<string, { nights: number; positives: number }>();
  let positives = 0;
  patients.forEach((p, i) => {
    const c = counts.get(p) ?? { nights: 0, positives: 0 };
    c.nights++;
    if (labels[i]) {
      c.positives++;
      positives++;
    }
    counts.set(p, c);
  });
  const cohortRate = positives / patients.length;
  // fromEntries defines own properties, so a patient called '__proto__' is a key like any other
  const perPatient: PatientRateModel['perPatient'] = Object.fromEntries(
    Array.from(counts, ([p, c]) => [p, { ...c, rate: (m * cohortRate + c.positives) / (m + c.nights) }]),
  );
  return { cohortRate, priorNights: m, perPatient };
}

/** The posterior-mean rate of each (test) night's patient; the cohort rate for a patient not seen in training. */
export function patientRateScores(model: PatientRateModel, patients: readonly string[]): Float64Array {
  return Float64Array.from(patients, (p) => (Object.hasOwn(model.perPatient, p) ? model.perPatient[p].rate : model.cohortRate));
}

export interface BedtimeInput {
  /** Readings up to the anchor, oldest first; the last is the reading at bedtime. NaN = missing. */
  context: Numeric;
  /** The day's readings before the anchor (e.g. 06:00 to midnight), for its mean, minimum and time below 70. */
  day: Numeric;
  /** Minutes between readings. */
  intervalMinutes: number;
  /** Minutes from the last meal to the anchor, when known. */
  minutesSinceMeal?: number;
  /** Minutes from the last insulin dose to the anchor, when known. */
  minutesSinceInsulin?: number;
}

export const BEDTIME_FEATURES = [
  'bedtime',
  'change30',
  'change60',
  'dayMean',
  'dayMin',
  'dayBelow70',
  'minutesSinceMeal',
  'minutesSinceInsulin',
] as const;
export type BedtimeFeature = (typeof BEDTIME_FEATURES)[number];

/** Bedtime features of one night, in BEDTIME_FEATURES order; unknown ones are NaN (the fit imputes them). */
export function bedtimeFeatures(x: BedtimeInput): number[] {
  const n = x.context.length;
  const bedtime = n ? x.context[n - 1] : NaN;
  const back = (minutes: number) => {
    const k = n - 1 - Math.round(minutes / x.intervalMinutes);
    return k >= 0 ? bedtime - x.context[k] : NaN;
  };
  let sum = 0,
    count = 0,
    below = 0,
    min = Infinity;
  for (let i = 0; i < x.day.length; i++) {
    const g = x.day[i];
    if (!Number.isFinite(g)) continue;
    sum += g;
    count++;
    if (g < 70) below++;
    min = Math.min(min, g);
  }
  return [
    bedtime,
    back(30),
    back(60),
    count ? sum / count : NaN,
    count ? min : NaN,
    count ? below / count : NaN,
    x.minutesSinceMeal ?? NaN,
    x.minutesSinceInsulin ?? NaN,
  ];
}

export interface LogisticModel {
  /** Feature columns the model uses (a column with no spread in training is dropped). */
  features: number[];
  /** Training mean and standard deviation of each used column, for standardising. */
  mean: number[];
  std: number[];
  /** Weights on the standardised columns, and the intercept. */
  weights: number[];
  intercept: number;
  l2: number;
  iterations: number;
}

const sigmoid = (t: number) => (t >= 0 ? 1 / (1 + Math.exp(-t)) : Math.exp(t) / (1 + Math.exp(t)));

/** Standardised rows of the used columns; NaN becomes 0, the training mean. */
function design(rows: readonly Numeric[], m: Pick<LogisticModel, 'features' | 'mean' | 'std'>): Float64Array[] {
  return rows.map((r) =>
    Float64Array.from(m.features, (f, j) => {
      const v = r[f];
      return Number.isFinite(v) ? (v - m.mean[j]) / m.std[j] : 0;
    }),
  );
}

/** Solves A x = b for a symmetric positive definite A (Cholesky); A is n x n row-major. */
function solveSpd(A: Float64Array, b: Float64Array, n: number): Float64Array {
  const L = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let d = A[j * n + j];
    for (let k = 0; k < j; k++) d -= L[j * n + k] ** 2;
    if (!(d > 0)) throw new EvalError('logistic regression: the Newton system is singular');
    L[j * n + j] = Math.sqrt(d);
    for (let i = j + 1; i < n; i++) {
      let s = A[i * n + j];
      for (let k = 0; k < j; k++) s -= L[i * n + k] * L[j * n + k];
      L[i * n + j] = s / L[j * n + j];
    }
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= L[i * n + k] * y[k];
    y[i] = s / L[i * n + i];
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i];
    for (let k = i + 1; k < n; k++) s -= L[k * n + i] * x[k];
    x[i] = s / L[i * n + i];
  }
  return x;
}

/**
 * L2-regularised logistic regression on standardised features: minimises
 * -sum log-likelihood + (l2 / 2) ||w||^2 (the intercept is not penalised) by Newton's method.
 * Missing values are imputed with the training mean (0 after standardising).
 */
export function fitLogistic(rows: readonly Numeric[], labels: Labels, opts: { l2?: number; maxIter?: number } = {}): LogisticModel {
  if (rows.length !== labels.length) throw new EvalError(`logistic regression: ${rows.length} rows but ${labels.length} labels`);
  if (!rows.length) throw new EvalError('logistic regression: no training nights');
  const l2 = opts.l2 ?? 1;
  if (!(l2 > 0)) throw new EvalError(`logistic regression: l2 must be positive (got ${l2}); it keeps separable training nights finite`);
  const width = rows[0].length;
  const features: number[] = [],
    mean: number[] = [],
    std: number[] = [];
  for (let f = 0; f < width; f++) {
    let s = 0,
      n = 0;
    for (const r of rows)
      if (Number.isFinite(r[f])) {
        s += r[f];
        n++;
      }
    if (n < 2) continue;
    const mu = s / n;
    let ss = 0;
    for (const r of rows) if (Number.isFinite(r[f])) ss += (r[f] - mu) ** 2;
    const sd = Math.sqrt(ss / (n - 1));
    if (!(sd > 0)) continue;
    features.push(f);
    mean.push(mu);
    std.push(sd);
  }
  const X = design(rows, { features, mean, std });
  const y = Array.from({ length: rows.length }, (_, i) => (labels[i] ? 1 : 0));
  const p = features.length + 1; // intercept last
  const beta = new Float64Array(p);
  let iterations = 0;
  for (; iterations < (opts.maxIter ?? 50); iterations++) {
    const g = new Float64Array(p),
      H = new Float64Array(p * p);
    for (let i = 0; i < X.length; i++) {
      let z = beta[p - 1];
      for (let j = 0; j < p - 1; j++) z += beta[j] * X[i][j];
      const q = sigmoid(z),
        w = q * (1 - q),
        r = q - y[i];
      for (let j = 0; j < p; j++) {
        const xj = j < p - 1 ? X[i][j] : 1;
        g[j] += r * xj;
        for (let k = 0; k <= j; k++) H[j * p + k] += w * xj * (k < p - 1 ? X[i][k] : 1);
      }
    }
    for (let j = 0; j < p; j++) for (let k = 0; k < j; k++) H[k * p + j] = H[j * p + k];
    for (let j = 0; j < p - 1; j++) {
      g[j] += l2 * beta[j];
      H[j * p + j] += l2;
    }
    // the intercept is unpenalised: with all labels equal its Hessian entry vanishes as q -> 0 or 1
    H[(p - 1) * p + (p - 1)] += 1e-10;
    const step = solveSpd(H, g, p);
    let change = 0;
    for (let j = 0; j < p; j++) {
      beta[j] -= step[j];
      change = Math.max(change, Math.abs(step[j]));
    }
    if (change < 1e-10) {
      iterations++;
      break;
    }
  }
  return { features, mean, std, weights: Array.from(beta.subarray(0, p - 1)), intercept: beta[p - 1], l2, iterations };
}

/** P(hypoglycaemic night) of each feature row under a fitted model. */
export function predictLogistic(model: LogisticModel, rows: readonly Numeric[]): Float64Array {
  return Float64Array.from(design(rows, model), (x) => sigmoid(x.reduce((z, v, j) => z + model.weights[j] * v, model.intercept)));
}

/**
 * Threshold crossing of point forecasts [nights, steps]: 1 when the forecast's minimum over steps
 * [start, end) is below thr, else 0; NaN when the window has no finite forecast.
 */
export function thresholdCrossing(
  forecast: Numeric,
  nights: number,
  steps: number,
  thr: number,
  window: readonly [number, number] = [0, steps],
): Float64Array {
  if (forecast.length !== nights * steps)
    throw new EvalError(`threshold crossing: expected ${nights}*${steps} forecasts, got ${forecast.length}`);
  const [a, b] = window;
  if (!(a >= 0 && b > a && b <= steps)) throw new EvalError(`threshold crossing: window [${a}, ${b}) is not inside the ${steps} steps`);
  const out = new Float64Array(nights);
  for (let k = 0; k < nights; k++) {
    let min = Infinity;
    for (let h = a; h < b; h++) {
      const v = forecast[k * steps + h];
      if (Number.isFinite(v)) min = Math.min(min, v);
    }
    out[k] = min === Infinity ? NaN : min < thr ? 1 : 0;
  }
  return out;
}
