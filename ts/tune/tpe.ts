/**
 * Independent TPE (Bergstra et al. 2011) as Optuna 3.1's TPESampler.sample_independent does it: random
 * for the first n_startup_trials; then the finished trials are ranked (completed by value, pruned after
 * them by how far they got), the best gamma(n) = min(ceil(0.1 n), 25) form l(x) and the rest g(x), and of
 * 24 candidates drawn from l the one maximising log l(x) - log g(x) is taken.
 */
import { DEFAULT_PARZEN, parzenEstimator, type ParzenOptions } from './parzen.js';
import { sampleUniform } from './random-sampler.js';
import { inDistribution, type Param, type Scalar } from './space.js';
import { isObserved, type Trial } from './trial.js';

export interface TpeOptions {
  nStartupTrials: number;
  nEiCandidates: number;
  gamma: (n: number) => number;
  parzen: ParzenOptions;
}

export const defaultGamma = (n: number): number => Math.min(Math.ceil(0.1 * n), 25);
export const DEFAULT_TPE: TpeOptions = { nStartupTrials: 10, nEiCandidates: 24, gamma: defaultGamma, parzen: DEFAULT_PARZEN };

/** Optuna's ranking key: completed trials first (by value), pruned ones by the furthest step, then its value. */
function score(t: Trial): [number, number] {
  if (t.state === 'completed') return [-Infinity, t.value!];
  const last = t.intermediate.length;
  if (!last) return [1, 0];
  const v = t.intermediate[last - 1]!;
  return [-last, Number.isNaN(v) ? Infinity : v];
}

/** Indices below (the best `nBelow`) and above, each in chronological order. */
export function splitTrials(trials: Trial[], nBelow: number): { below: number[]; above: number[] } {
  const keys = trials.map(score);
  const order = trials.map((_, i) => i).sort((a, b) => keys[a]![0] - keys[b]![0] || keys[a]![1] - keys[b]![1] || a - b);
  return { below: order.slice(0, nBelow).sort((a, b) => a - b), above: order.slice(nBelow).sort((a, b) => a - b) };
}

const toInternal = (p: Param, v: Scalar): number => (p.dist.kind === 'categorical' ? p.dist.choices.indexOf(v) : (v as number));

/** One value for `p`, given the study's trials (any states, in trial-number order). */
export function suggestTpe(p: Param, trials: Trial[], u: () => number, o: TpeOptions = DEFAULT_TPE): Scalar {
  const observed = trials.filter(isObserved).sort((a, b) => a.number - b.number);
  const n = observed.length;
  if (n < o.nStartupTrials) return sampleUniform(p.dist, u);
  const { below, above } = splitTrials(observed, o.gamma(n));
  // Trials without the parameter (another branch of a conditional space) inform the split, not the kernels.
  const values = (idx: number[]) =>
    idx
      .map((i) => observed[i]!.params[p.id])
      .filter((v) => inDistribution(p.dist, v))
      .map((v) => toInternal(p, v!));
  const l = parzenEstimator(p.dist, values(below), o.parzen);
  const g = parzenEstimator(p.dist, values(above), o.parzen);
  const candidates = l.sample(u, o.nEiCandidates);
  let best = 0;
  let bestScore = -Infinity;
  candidates.forEach((c, i) => {
    const s = l.logPdf(c) - g.logPdf(c);
    if (s > bestScore) {
      bestScore = s;
      best = i;
    }
  });
  const c = candidates[best]!;
  return p.dist.kind === 'categorical' ? p.dist.choices[c]! : c;
}
