/**
 * Univariate Parzen estimators of TPE, following Optuna 3.1's _ParzenEstimator: one truncated-normal
 * kernel per observation plus a prior kernel (centre of the range, width of the range), bandwidths from
 * the distance to the neighbours, clipped below at range / min(100, 1 + kernels) ("magic clip"); for a
 * categorical, per observation a smoothed one-hot row. Observations are in chronological order, since
 * the weights ramp up from the oldest.
 */
import type { Distribution } from './space.js';
import { logGaussMass, truncnormLogPdf, truncnormPpf } from './truncnorm.js';

export interface ParzenOptions {
  priorWeight: number;
  magicClip: boolean;
  endpoints: boolean;
  weights: (n: number) => number[];
  /**
   * Add -log(sigma) to each kernel's log density, making l and g true densities. Optuna 3.1.0 leaves it out
   * (its truncnorm.logpdf ignores the scale), and so does tsfm by default: on the sampler benchmark
   * (bench/tune-samplers.mjs) the term made TPE worse on the 5-D sphere.
   */
  bandwidthTerm?: boolean;
}

/** Optuna's default_weights: the newest 25 trials weigh 1, older ones ramp linearly from 1/n. */
export function defaultWeights(n: number): number[] {
  if (n < 25) return new Array<number>(n).fill(1);
  const m = n - 25;
  const ramp = Array.from({ length: m }, (_, i) => (m === 1 ? 1 / n : 1 / n + ((1 - 1 / n) * i) / (m - 1)));
  return [...ramp, ...new Array<number>(25).fill(1)];
}

export const DEFAULT_PARZEN: ParzenOptions = { priorWeight: 1, magicClip: true, endpoints: false, weights: defaultWeights };

function mixtureWeights(n: number, o: ParzenOptions): number[] {
  const w = [...o.weights(n).slice(0, n), o.priorWeight];
  const s = w.reduce((a, b) => a + b, 0);
  return w.map((x) => x / s);
}

function pick(p: number[], u: number): number {
  let c = 0;
  for (let i = 0; i < p.length; i++) {
    c += p[i]!;
    if (u < c) return i;
  }
  return p.length - 1;
}

const logSumExp = (xs: number[]): number => {
  const m = Math.max(...xs);
  if (m === -Infinity) return -Infinity;
  let s = 0;
  for (const x of xs) s += Math.exp(x - m);
  return m + Math.log(s);
};

export interface Estimator {
  /** Draws in the internal representation (a value, or a choice index). */
  sample(u: () => number, size: number): number[];
  logPdf(x: number): number;
}

/** `obs`: internal values (choice indices for a categorical), oldest first. */
export function parzenEstimator(d: Distribution, obs: number[], o: ParzenOptions = DEFAULT_PARZEN): Estimator {
  return d.kind === 'categorical' ? categorical(d.choices.length, obs, o) : numeric(d, obs, o);
}

function categorical(k: number, obs: number[], o: ParzenOptions): Estimator {
  const n = obs.length;
  const weights = mixtureWeights(n, o);
  const rows = Array.from({ length: n + 1 }, (_, i) => {
    const r = new Array<number>(k).fill(o.priorWeight / (n + 1));
    if (i < n) r[obs[i]!]! += 1;
    const s = r.reduce((a, b) => a + b, 0);
    return r.map((x) => x / s);
  });
  const mix = Array.from({ length: k }, (_, c) => rows.reduce((a, r, i) => a + r[c]! * weights[i]!, 0));
  return {
    sample: (u, size) => Array.from({ length: size }, () => pick(rows[pick(weights, u())]!, u())),
    logPdf: (x) => Math.log(mix[x]!),
  };
}

function numeric(d: Exclude<Distribution, { kind: 'categorical' }>, raw: number[], o: ParzenOptions): Estimator {
  // Kernels live in the transformed space: log for log scales, integers widened by half a step.
  const q = d.kind === 'int' && !d.log ? d.step : undefined;
  const low = d.log ? Math.log(d.kind === 'int' ? d.low - 0.5 : d.low) : q ? d.low - 0.5 * q : d.low;
  const high = d.log ? Math.log(d.kind === 'int' ? d.high + 0.5 : d.high) : q ? d.high + 0.5 * q : d.high;
  const obs = d.log ? raw.map(Math.log) : raw;
  const n = obs.length;
  const weights = mixtureWeights(n, o);
  const mus = [...obs, 0.5 * (low + high)];
  const order = mus.map((_, i) => i).sort((a, b) => mus[a]! - mus[b]!);
  const sorted = [low, ...order.map((i) => mus[i]!), high];
  const sortedSigmas = order.map((_, j) => Math.max(sorted[j + 1]! - sorted[j]!, sorted[j + 2]! - sorted[j + 1]!));
  if (!o.endpoints && sorted.length >= 4) {
    sortedSigmas[0] = sorted[2]! - sorted[1]!;
    sortedSigmas[sortedSigmas.length - 1] = sorted[sorted.length - 2]! - sorted[sorted.length - 3]!;
  }
  const sigmas = new Array<number>(mus.length);
  order.forEach((i, j) => (sigmas[i] = sortedSigmas[j]!));
  const maxSigma = high - low;
  const minSigma = o.magicClip ? (high - low) / Math.min(100, 1 + mus.length) : 1e-12;
  for (let i = 0; i < sigmas.length; i++) sigmas[i] = Math.min(maxSigma, Math.max(minSigma, sigmas[i]!));
  sigmas[n] = high - low; // the prior kernel
  const withScale = o.bandwidthTerm ?? false;

  const toExternal = (x: number): number => {
    if (d.kind === 'float') return d.log ? Math.exp(x) : x;
    const v = d.log ? Math.round(Math.exp(x)) : Math.round((x - d.low) / q!) * q! + d.low;
    return Math.min(d.high, Math.max(d.low, v));
  };
  return {
    sample: (u, size) =>
      Array.from({ length: size }, () => {
        const c = pick(weights, u());
        const mu = mus[c]!;
        const s = sigmas[c]!;
        return toExternal(truncnormPpf(u(), (low - mu) / s, (high - mu) / s) * s + mu);
      }),
    logPdf: (external) => {
      const x = d.log ? Math.log(external) : external;
      const terms = mus.map((mu, i) => {
        const s = sigmas[i]!;
        const a = (low - mu) / s;
        const b = (high - mu) / s;
        let lp: number;
        if (q === undefined) lp = truncnormLogPdf(x, a, b, mu, s, withScale);
        else lp = logGaussMass((Math.max(x - q / 2, low) - mu) / s, (Math.min(x + q / 2, high) - mu) / s) - logGaussMass(a, b);
        return lp + Math.log(weights[i]!);
      });
      return logSumExp(terms);
    },
  };
}
