/**
 * `evaluateForecasts`: every metric of one forecaster on one set of windows, from plain arrays.
 * Pure TypeScript (no addon): models, baselines and imported forecasts are all judged by this one function.
 */
import { EvalError, type Numeric } from './errors.js';
import { evaluatePoint, groupPointMetrics, naiveScale, type PointSummary } from './point.js';
import { evaluateQuantiles, gaussianCalibration, type ProbabilisticEvaluation } from './probabilistic.js';
import { evaluateClinical, type ClinicalEvaluation } from './clinical.js';
import { HYPO_THRESHOLDS, brierScore, nightLevel, probBelowFromPoint, probBelowManyFromQuantiles, type NightResult } from './hypo.js';
import { prepareQuantiles } from './quantiles.js';
import type { QuantileForecast } from './quantiles.js';

export interface ForecastSet {
  windows: number;
  horizon: number;
  /** Truth [windows, horizon]. */
  truth: Numeric;
  /** Point forecast [windows, horizon] (for quantile models: the median, interpolated when 0.5 is not a level). */
  point: Numeric;
  /** Quantile forecast [windows, levels, horizon]. */
  quantiles?: QuantileForecast;
  /** Contexts [windows, contextLength], for MASE. */
  context?: { values: Numeric; length: number };
  /** Series index of each window, for per-series metrics. */
  series?: Numeric;
  seriesNames?: readonly string[];
  /** Night index of each window (nocturnal task: rolling origins of one night share an index). */
  night?: Numeric;
  /** Glucose in mg/dL: adds the clinical and hypoglycaemia metrics. */
  glucose?: boolean;
  /** Skip (and count) NaN forecasts instead of failing (baselines that cannot forecast every point). */
  allowMissingForecast?: boolean;
  label?: string;
}

export interface HypoMetrics {
  threshold: number;
  brier: number;
  brierPerStep: number[];
  events: number;
  /** Night-level results (max and mean aggregation), for the nocturnal task. */
  nights?: { max: NightResult; mean: NightResult };
}

export interface ForecasterMetrics {
  label: string;
  windows: number;
  horizon: number;
  pooled: PointSummary;
  meanPerWindow: PointSummary;
  medianPerWindow: PointSummary;
  skipped: { truth: number; forecast: number };
  perStep: Record<string, number[]>;
  perSeries?: ReturnType<typeof groupPointMetrics>;
  probabilistic?: Omit<ProbabilisticEvaluation, 'crpsPerStep' | 'calibrationPerStep'>;
  /** GlucoBench's Gaussian calibration error for point forecasts (sigma^2 = mean window MSE). */
  calibrationGaussian?: number;
  clinical?: ClinicalEvaluation;
  hypo?: HypoMetrics[];
}

export interface WindowColumns {
  mse: Float64Array;
  rmse: Float64Array;
  mae: Float64Array;
  mase: Float64Array;
}

/** Median forecast [windows, horizon] from quantiles (after sorting crossed ones; interpolated between the levels around 0.5). */
export function medianFromQuantiles(input: QuantileForecast, windows: number, horizon: number): Float64Array {
  const qf = { levels: input.levels, values: prepareQuantiles(input, windows, horizon).values };
  const L = qf.levels;
  const Q = L.length;
  let hi = L.findIndex((l) => l >= 0.5);
  if (hi < 0) hi = Q - 1;
  const lo = hi > 0 && L[hi] > 0.5 ? hi - 1 : hi;
  const f = lo === hi ? 0 : (0.5 - L[lo]) / (L[hi] - L[lo]);
  const out = new Float64Array(windows * horizon);
  for (let w = 0; w < windows; w++)
    for (let h = 0; h < horizon; h++) {
      const a = qf.values[(w * Q + lo) * horizon + h],
        b = qf.values[(w * Q + hi) * horizon + h];
      out[w * horizon + h] = a + f * (b - a);
    }
  return out;
}

/** Float64Array view or copy: the metric loops then see one array type (monomorphic, several times faster in V8). */
const f64 = (x: Numeric): Float64Array => (x instanceof Float64Array ? x : Float64Array.from(x as ArrayLike<number>));

export function evaluateForecasts(input: ForecastSet): {
  metrics: ForecasterMetrics;
  perWindow: WindowColumns;
  probBelow?: Record<number, Float64Array>;
} {
  const fs: ForecastSet = {
    ...input,
    truth: f64(input.truth),
    point: f64(input.point),
    // crossing quantiles sorted once here (and counted), so the metrics below read them as they are
    quantiles: input.quantiles && { levels: input.quantiles.levels, values: f64(input.quantiles.values) },
    context: input.context && { values: f64(input.context.values), length: input.context.length },
  };
  const { windows: N, horizon: H } = fs;
  const label = fs.label ?? 'forecast';
  let crossed = 0;
  if (fs.quantiles) {
    const prep = prepareQuantiles(fs.quantiles, N, H);
    crossed = prep.crossedPoints;
    fs.quantiles = { levels: fs.quantiles.levels, values: prep.values };
  }
  if (fs.series && fs.series.length !== N)
    throw new EvalError(`${label}: series has ${fs.series.length} entries, expected one per window (${N})`);
  const maseScale = fs.context ? naiveScale(fs.context.values, N, fs.context.length) : undefined;
  const pe = evaluatePoint(fs.truth, fs.point, N, H, { maseScale, allowMissingForecast: fs.allowMissingForecast, label });
  const perStep: Record<string, number[]> = {
    rmse: [...pe.perStep.rmse],
    mae: [...pe.perStep.mae],
    mape: [...pe.perStep.mape],
    smape: [...pe.perStep.smape],
  };
  const m: ForecasterMetrics = {
    label,
    windows: N,
    horizon: H,
    pooled: pe.pooled,
    meanPerWindow: pe.meanPerWindow,
    medianPerWindow: pe.medianPerWindow,
    skipped: { truth: pe.skippedTruth, forecast: pe.skippedForecast },
    perStep,
  };
  if (fs.series) m.perSeries = groupPointMetrics(pe.perWindow, fs.series, fs.seriesNames ?? []);
  if (fs.quantiles) {
    const { crpsPerStep, calibrationPerStep, ...rest } = evaluateQuantiles(fs.truth, fs.quantiles, N, H);
    m.probabilistic = { ...rest, crossedPoints: crossed };
    perStep.crps = crpsPerStep;
    perStep.calibration = calibrationPerStep;
  } else {
    const g = gaussianCalibration(fs.truth, fs.point, N, H, pe.meanPerWindow.mse);
    m.calibrationGaussian = g.mean;
    perStep.calibration = g.perStep;
  }
  let probBelow: Record<number, Float64Array> | undefined;
  if (fs.glucose) {
    m.clinical = evaluateClinical(fs.truth, fs.point);
    probBelow = {};
    const probs = fs.quantiles
      ? probBelowManyFromQuantiles(fs.quantiles, N, H, HYPO_THRESHOLDS)
      : HYPO_THRESHOLDS.map((thr) => probBelowFromPoint(fs.point, thr));
    m.hypo = HYPO_THRESHOLDS.map((thr, t) => {
      const p = probs[t];
      probBelow![thr] = p;
      const b = brierScore(p, fs.truth, N, H, thr);
      perStep[`brier_${thr}`] = b.perStep;
      const r: HypoMetrics = { threshold: thr, brier: b.mean, brierPerStep: b.perStep, events: b.events };
      if (fs.night) {
        const strip = (x: ReturnType<typeof nightLevel>): NightResult => {
          const { scores: _s, labels: _l, ...rest } = x;
          return rest;
        };
        r.nights = {
          max: strip(nightLevel(p, fs.truth, N, H, fs.night, thr, 'max')),
          mean: strip(nightLevel(p, fs.truth, N, H, fs.night, thr, 'mean')),
        };
      }
      return r;
    });
  }
  return {
    metrics: m,
    perWindow: { mse: pe.perWindow.mse, rmse: pe.perWindow.rmse, mae: pe.perWindow.mae, mase: pe.perWindow.mase },
    probBelow,
  };
}
