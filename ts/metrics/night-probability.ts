/**
 * P(glucose falls below a threshold at some time in a night window): the probability of the window's
 * minimum, not the largest per-step probability. The per-step marginals come from the forecast
 * (point + validation residuals, or quantiles) and are joined by a Gaussian copula fitted on
 * validation nights (step-copula.ts).
 *
 * A sampled path y_h = F_h^-1(Φ(z_h)) is below thr at step h exactly when z_h < Φ^-1(F_h(thr)), so
 * the paths are counted in normal-score space: one set of correlated normal paths serves every
 * night, threshold and window, and a point forecast's Gaussian residual path
 * y_h = forecast_h + bias_h + std_h z_h is the special case F_h = N(forecast_h + bias_h, std_h^2).
 *
 * The estimate is clipped to the bounds every joint law satisfies: max_h p_h <= P <= min(1, sum p_h).
 */
import { EvalError, type Numeric } from './errors.js';
import { cdfFromKnots, knots, prepareQuantiles, type QuantileForecast } from './quantiles.js';
import { normalCdf, normalQuantile } from './stats.js';
import { correlatedNormalPaths, fitStepCorrelation, type ShrinkageTarget, type StepCorrelation } from './step-copula.js';

/** Steps [start, end) from a night's first step (NightsResult.windowSteps has this shape). */
export type StepRange = readonly [number, number];

/** Residual model of a point forecaster: per-step bias and spread of truth - forecast, and their copula. */
export interface ResidualCopula extends StepCorrelation {
  /** Mean residual (truth - forecast) per step. */
  bias: Float64Array;
  /** Standard deviation of the residual per step. */
  std: Float64Array;
}

export interface NightProbabilityOptions {
  /** mg/dL thresholds (default 70 and 54). */
  thresholds?: readonly number[];
  /** Night windows (default: the whole night). */
  windows?: readonly StepRange[];
  /** Monte-Carlo paths (default 4000: standard error <= 0.008). */
  paths?: number;
  seed?: number;
}

export interface NightProbabilities {
  thresholds: number[];
  windows: StepRange[];
  /** prob[threshold][window][night]: P(min over the window < threshold); NaN when the window has no forecast. */
  prob: Float64Array[][];
  /** The largest per-step marginal P(y_h < threshold) in the window, same shape: the old max-aggregated score. */
  maxMarginal: Float64Array[][];
  paths: number;
  seed: number;
}

function checkShape(what: string, got: number, nights: number, steps: number): void {
  if (got !== nights * steps) throw new EvalError(`${what}: expected nights*steps = ${nights}*${steps} values, got ${got}`);
}

/** Bias, spread and step correlation of validation residuals truth - forecast, both [nights, steps]. */
export function fitResidualCopula(
  forecast: Numeric,
  truth: Numeric,
  nights: number,
  steps: number,
  opts: { shrinkage?: number; target?: ShrinkageTarget } = {},
): ResidualCopula {
  checkShape('residual copula forecast', forecast.length, nights, steps);
  checkShape('residual copula truth', truth.length, nights, steps);
  const resid = new Float64Array(nights * steps);
  for (let i = 0; i < resid.length; i++) resid[i] = truth[i] - forecast[i];
  const bias = new Float64Array(steps),
    std = new Float64Array(steps);
  for (let h = 0; h < steps; h++) {
    let s = 0,
      n = 0;
    for (let k = 0; k < nights; k++) {
      const e = resid[k * steps + h];
      if (Number.isFinite(e)) {
        s += e;
        n++;
      }
    }
    if (!(n >= 2)) throw new EvalError(`residual copula: step ${h + 1} has ${n} finite residuals; at least 2 validation nights are needed`);
    bias[h] = s / n;
    let ss = 0;
    for (let k = 0; k < nights; k++) {
      const e = resid[k * steps + h];
      if (Number.isFinite(e)) ss += (e - bias[h]) ** 2;
    }
    std[h] = Math.sqrt(ss / (n - 1));
  }
  return { ...fitStepCorrelation(resid, nights, steps, opts), bias, std };
}

/**
 * Step correlation of a quantile forecaster: of the normal scores Φ^-1(PIT) of validation truths.
 * PIT values are kept within [1/(2n), 1 - 1/(2n)] (n nights), the resolution n nights give, since a
 * truth outside the forecast's bounded tails has PIT 0 or 1 and an infinite score.
 */
export function fitQuantileCopula(
  qf: QuantileForecast,
  truth: Numeric,
  nights: number,
  steps: number,
  opts: { shrinkage?: number; target?: ShrinkageTarget } = {},
): StepCorrelation {
  checkShape('quantile copula truth', truth.length, nights, steps);
  const { levels, values } = prepareQuantiles(qf, nights, steps);
  const Q = levels.length;
  const tau = new Float64Array(Q + 2),
    x = new Float64Array(Q + 2),
    qs = new Float64Array(Q);
  const lo = 1 / (2 * nights);
  const scores = new Float64Array(nights * steps);
  for (let k = 0; k < nights; k++)
    for (let h = 0; h < steps; h++) {
      const y = truth[k * steps + h];
      if (!Number.isFinite(y)) {
        scores[k * steps + h] = NaN;
        continue;
      }
      for (let q = 0; q < Q; q++) qs[q] = values[k * Q * steps + q * steps + h];
      knots(levels, qs, tau, x);
      const u = cdfFromKnots(tau, x, y, false);
      scores[k * steps + h] = normalQuantile(Math.min(1 - lo, Math.max(lo, u)));
    }
  return fitStepCorrelation(scores, nights, steps, opts);
}

/**
 * Core: P(z_h < cutoff_h for some h in the window), z ~ copula, from normal-score cutoffs
 * [thresholds][nights * steps] (NaN: no forecast at that step) and their marginals p_h = Φ(cutoff_h).
 */
function countPaths(
  cutoffs: Float64Array[],
  thresholds: number[],
  nights: number,
  steps: number,
  copula: StepCorrelation,
  opts: NightProbabilityOptions,
): NightProbabilities {
  if (copula.steps !== steps) throw new EvalError(`night probability: the copula has ${copula.steps} steps, the forecast ${steps}`);
  const windows = (opts.windows ?? [[0, steps] as const]).map((w): StepRange => [w[0], w[1]]);
  for (const [a, b] of windows)
    if (!(Number.isInteger(a) && Number.isInteger(b) && a >= 0 && b > a && b <= steps))
      throw new EvalError(`night probability: window [${a}, ${b}) is not inside the ${steps} steps`);
  const paths = opts.paths ?? 4000;
  const seed = opts.seed ?? 1;
  if (!(Number.isInteger(paths) && paths >= 1)) throw new EvalError(`night probability: paths must be a positive integer (got ${paths})`);
  const z = correlatedNormalPaths(copula.correlation, steps, paths, seed);
  const prob = thresholds.map(() => windows.map(() => new Float64Array(nights)));
  const maxMarginal = thresholds.map(() => windows.map(() => new Float64Array(nights)));
  for (let t = 0; t < thresholds.length; t++)
    for (let k = 0; k < nights; k++) {
      const c = cutoffs[t].subarray(k * steps, (k + 1) * steps);
      windows.forEach(([a, b], w) => {
        let pMax = -Infinity,
          pSum = 0;
        for (let h = a; h < b; h++)
          if (c[h] === c[h]) {
            const p = normalCdf(c[h]);
            pMax = Math.max(pMax, p);
            pSum += p;
          }
        if (pMax === -Infinity) {
          prob[t][w][k] = maxMarginal[t][w][k] = NaN;
          return;
        }
        let hits = 0;
        for (let p = 0; p < paths; p++) {
          const row = p * steps;
          for (let h = a; h < b; h++)
            if (z[row + h] < c[h]) {
              hits++;
              break;
            }
        }
        prob[t][w][k] = Math.min(Math.min(1, pSum), Math.max(pMax, hits / paths));
        maxMarginal[t][w][k] = pMax;
      });
    }
  return { thresholds, windows, prob, maxMarginal, paths, seed };
}

/** P(night-window minimum < thr) of point forecasts [nights, steps], with residuals modelled by `copula`. */
export function nightProbFromPoint(
  forecast: Numeric,
  nights: number,
  steps: number,
  copula: ResidualCopula,
  opts: NightProbabilityOptions = {},
): NightProbabilities {
  checkShape('night probability forecast', forecast.length, nights, steps);
  const thresholds = [...(opts.thresholds ?? [70, 54])];
  const cutoffs = thresholds.map((thr) => {
    const c = new Float64Array(nights * steps);
    for (let k = 0; k < nights; k++)
      for (let h = 0; h < steps; h++) {
        const gap = thr - forecast[k * steps + h] - copula.bias[h];
        // zero spread: a point mass, below thr only when strictly below
        c[k * steps + h] = copula.std[h] > 0 ? gap / copula.std[h] : gap !== gap ? NaN : gap > 0 ? Infinity : -Infinity;
      }
    return c;
  });
  return countPaths(cutoffs, thresholds, nights, steps, copula, opts);
}

/** P(night-window minimum < thr) of quantile forecasts [nights, levels, steps]: each step's marginal from its quantiles, joined by `copula`. */
export function nightProbFromQuantiles(
  qf: QuantileForecast,
  nights: number,
  steps: number,
  copula: StepCorrelation,
  opts: NightProbabilityOptions = {},
): NightProbabilities {
  const { levels, values } = prepareQuantiles(qf, nights, steps);
  const thresholds = [...(opts.thresholds ?? [70, 54])];
  const Q = levels.length;
  const tau = new Float64Array(Q + 2),
    x = new Float64Array(Q + 2),
    qs = new Float64Array(Q);
  const cutoffs = thresholds.map(() => new Float64Array(nights * steps));
  for (let k = 0; k < nights; k++)
    for (let h = 0; h < steps; h++) {
      for (let q = 0; q < Q; q++) qs[q] = values[k * Q * steps + q * steps + h];
      knots(levels, qs, tau, x);
      thresholds.forEach((thr, t) => (cutoffs[t][k * steps + h] = normalQuantile(cdfFromKnots(tau, x, thr, true))));
    }
  return countPaths(cutoffs, thresholds, nights, steps, copula, opts);
}

/** P(night-window minimum < thr) from per-step marginals p [nights, steps] (one array per threshold), joined by `copula`. */
export function nightProbFromMarginals(
  marginals: readonly Numeric[],
  thresholds: readonly number[],
  nights: number,
  steps: number,
  copula: StepCorrelation,
  opts: Omit<NightProbabilityOptions, 'thresholds'> = {},
): NightProbabilities {
  if (marginals.length !== thresholds.length)
    throw new EvalError(`night probability: ${marginals.length} marginal arrays for ${thresholds.length} thresholds`);
  const cutoffs = marginals.map((p) => {
    checkShape('night probability marginals', p.length, nights, steps);
    return Float64Array.from(p as ArrayLike<number>, normalQuantile);
  });
  return countPaths(cutoffs, [...thresholds], nights, steps, copula, opts);
}
