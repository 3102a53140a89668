/**
 * The dependence between the steps of a night forecast as a Gaussian copula: the step-to-step
 * correlation of normal scores (standardised residuals, or normal scores of PIT values) on
 * validation nights, and correlated standard-normal paths drawn from it.
 *
 * A night has ~72 steps and a validation split may have fewer nights than that, so the sample
 * correlation is singular or noisy; it is shrunk toward the identity (or an AR(1) correlation) with
 * the Schäfer-Strimmer (2005) intensity, raised further only if the pairwise-complete estimate is
 * still not positive definite.
 */
import { mulberry32, normalSampler } from '../util/random.js';
import { EvalError, type Numeric } from './errors.js';

/**
 * What the sample correlation is shrunk toward: the identity (independent steps), or an AR(1)
 * correlation rho^|i-j| with rho the mean lag-1 sample correlation. Shrinking a strongly
 * autocorrelated night toward independence makes a low reading at some step more likely than it is,
 * so P(window minimum < thr) comes out too high; the AR(1) target keeps the serial dependence.
 */
export type ShrinkageTarget = 'identity' | 'ar1';

export interface StepCorrelation {
  steps: number;
  /** Shrunk correlation [steps, steps], row-major, unit diagonal. */
  correlation: Float64Array;
  /** Weight of the target in the shrunk matrix: R = (1 - shrinkage) R_sample + shrinkage T. */
  shrinkage: number;
  target?: ShrinkageTarget;
  /** The AR(1) target's lag-1 correlation (0 for the identity). */
  targetRho?: number;
  /** Nights with at least two finite scores, the ones the estimate saw. */
  nights: number;
}

/**
 * Lower-triangular L with L L' = A (row-major), for a positive semi-definite A: a pivot within
 * `tol` of zero gives a zero column (so a perfectly correlated matrix still factors). Null when A is
 * not positive semi-definite.
 */
export function choleskySemidefinite(a: Numeric, n: number, tol = 1e-10): Float64Array | null {
  if (a.length !== n * n) throw new EvalError(`cholesky: expected a ${n}x${n} matrix, got ${a.length} values`);
  const L = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let d = a[j * n + j];
    for (let k = 0; k < j; k++) d -= L[j * n + k] ** 2;
    const scale = Math.max(1, Math.abs(a[j * n + j]));
    if (d < -tol * scale || d !== d) return null;
    if (d <= tol * scale) {
      // a (numerically) dependent column: its entries below must vanish too, or A is not PSD
      for (let i = j + 1; i < n; i++) {
        let s = a[i * n + j];
        for (let k = 0; k < j; k++) s -= L[i * n + k] * L[j * n + k];
        if (Math.abs(s) > Math.sqrt(tol) * scale) return null;
      }
      continue;
    }
    const ljj = Math.sqrt(d);
    L[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j];
      for (let k = 0; k < j; k++) s -= L[i * n + k] * L[j * n + k];
      L[i * n + j] = s / ljj;
    }
  }
  return L;
}

/**
 * Shrunk step-to-step correlation of `scores` [nights, steps] (NaN = missing, pairwise-complete).
 * `shrinkage` fixes the intensity; by default it is Schäfer-Strimmer's estimate
 * sum Var(r_ij) / sum (r_ij - t_ij)^2 over i != j, clipped to [0, 1], for target T (default the identity).
 */
export function fitStepCorrelation(
  scores: Numeric,
  nights: number,
  steps: number,
  opts: { shrinkage?: number; target?: ShrinkageTarget } = {},
): StepCorrelation {
  if (scores.length !== nights * steps) throw new EvalError(`step correlation: expected ${nights}*${steps} scores, got ${scores.length}`);
  if (opts.shrinkage !== undefined && !(opts.shrinkage >= 0 && opts.shrinkage <= 1))
    throw new EvalError(`step correlation: shrinkage must be in [0, 1] (got ${opts.shrinkage})`);
  // standardise each step over its finite values
  const x = new Float64Array(nights * steps).fill(NaN);
  for (let h = 0; h < steps; h++) {
    let s = 0,
      n = 0;
    for (let k = 0; k < nights; k++) {
      const v = scores[k * steps + h];
      if (Number.isFinite(v)) {
        s += v;
        n++;
      }
    }
    const mean = s / n;
    let ss = 0;
    for (let k = 0; k < nights; k++) {
      const v = scores[k * steps + h];
      if (Number.isFinite(v)) ss += (v - mean) ** 2;
    }
    const sd = Math.sqrt(ss / (n - 1));
    // a constant step carries no dependence information: left NaN, so it is uncorrelated with the rest
    if (n >= 2 && sd > 0)
      for (let k = 0; k < nights; k++) {
        const v = scores[k * steps + h];
        if (Number.isFinite(v)) x[k * steps + h] = (v - mean) / sd;
      }
  }
  let used = 0;
  for (let k = 0; k < nights; k++) {
    let m = 0;
    for (let h = 0; h < steps; h++) if (x[k * steps + h] === x[k * steps + h]) m++;
    if (m >= 2) used++;
  }
  const sample = new Float64Array(steps * steps);
  // estimated variance of each off-diagonal r_ij (NaN: too few pairs, left at the target)
  const varR = new Float64Array(steps * steps).fill(NaN);
  for (let i = 0; i < steps; i++) {
    sample[i * steps + i] = 1;
    for (let j = i + 1; j < steps; j++) {
      let n = 0,
        sw = 0;
      for (let k = 0; k < nights; k++) {
        const w = x[k * steps + i] * x[k * steps + j];
        if (w === w) {
          sw += w;
          n++;
        }
      }
      if (n < 3) continue;
      const wBar = sw / n;
      let sd2 = 0;
      for (let k = 0; k < nights; k++) {
        const w = x[k * steps + i] * x[k * steps + j];
        if (w === w) sd2 += (w - wBar) ** 2;
      }
      sample[i * steps + j] = sample[j * steps + i] = Math.max(-1, Math.min(1, sw / (n - 1)));
      varR[i * steps + j] = varR[j * steps + i] = (n * sd2) / (n - 1) ** 3;
    }
  }
  const targetKind = opts.target ?? 'identity';
  let rho = 0;
  if (targetKind === 'ar1') {
    let s1 = 0,
      n1 = 0;
    for (let i = 0; i + 1 < steps; i++)
      if (varR[i * steps + i + 1] === varR[i * steps + i + 1]) {
        s1 += sample[i * steps + i + 1];
        n1++;
      }
    // below 1, so the target itself is positive definite
    rho = n1 ? Math.min(0.995, Math.max(0, s1 / n1)) : 0;
  }
  const target = (i: number, j: number) => (i === j ? 1 : rho ** Math.abs(i - j));
  let sumVar = 0,
    sumDev2 = 0;
  for (let i = 0; i < steps; i++)
    for (let j = 0; j < steps; j++)
      if (i !== j && varR[i * steps + j] === varR[i * steps + j]) {
        sumVar += varR[i * steps + j];
        sumDev2 += (sample[i * steps + j] - target(i, j)) ** 2;
      }
  let shrinkage = opts.shrinkage ?? (sumDev2 > 0 ? Math.min(1, Math.max(0, sumVar / sumDev2)) : 1);
  const shrunk = (lambda: number) =>
    sample.map((r, idx) => {
      const i = Math.floor(idx / steps),
        j = idx % steps;
      return i === j ? 1 : varR[idx] === varR[idx] ? (1 - lambda) * r + lambda * target(i, j) : target(i, j);
    });
  let correlation = shrunk(shrinkage);
  // pairwise-complete estimates need not be PSD: move toward the target until the matrix factors
  while (!choleskySemidefinite(correlation, steps)) {
    shrinkage = shrinkage < 1e-3 ? 1e-3 : Math.min(1, shrinkage * 1.5);
    correlation = shrunk(shrinkage);
  }
  return { steps, correlation, shrinkage, target: targetKind, targetRho: rho, nights: used };
}

/**
 * `paths` standard-normal paths [paths, steps] with correlation `correlation` (z = L e), seeded.
 * Drawn once and reused for every night: common random numbers, so two nights' probabilities
 * differ by their forecasts, not by Monte-Carlo noise.
 */
export function correlatedNormalPaths(correlation: Numeric, steps: number, paths: number, seed: number): Float64Array {
  const L = choleskySemidefinite(correlation, steps);
  if (!L) throw new EvalError('correlated paths: the correlation matrix is not positive semi-definite');
  const z = normalSampler(mulberry32(seed));
  const out = new Float64Array(paths * steps);
  const e = new Float64Array(steps);
  for (let p = 0; p < paths; p++) {
    for (let h = 0; h < steps; h++) e[h] = z();
    for (let i = 0; i < steps; i++) {
      let s = 0;
      for (let k = 0; k <= i; k++) s += L[i * steps + k] * e[k];
      out[p * steps + i] = s;
    }
  }
  return out;
}
