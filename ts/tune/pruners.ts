/**
 * Pruners from per-epoch validation loss (lower is better), as pure functions of the study's trials and
 * the running trial's history: should it stop after its latest epoch? Steps are epochs done (1-based).
 *  - median (Optuna's MedianPruner): after n_startup_trials completed, stop when the trial's best value so
 *    far is worse than the median of the completed trials' values at the same step.
 *  - ASHA (Optuna's SuccessiveHalvingPruner): rungs at steps min_resource * eta^k; at a rung the trial goes
 *    on only when it is in the top 1/eta of the values every trial reached at that rung.
 */
import type { Trial } from './trial.js';

export type PrunerConfig =
  | { kind: 'none' }
  | { kind: 'median'; nStartupTrials: number; nWarmupSteps: number }
  | { kind: 'asha'; minResource: number; reductionFactor: number; minEarlyStoppingRate: number };

export const MEDIAN_DEFAULTS = { kind: 'median', nStartupTrials: 5, nWarmupSteps: 0 } as const;
export const ASHA_DEFAULTS = { kind: 'asha', minResource: 1, reductionFactor: 3, minEarlyStoppingRate: 0 } as const;

/** numpy's percentile with linear interpolation. */
export function percentile(xs: number[], p: number): number {
  const s = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (!s.length) return NaN;
  const r = (p / 100) * (s.length - 1);
  const lo = Math.floor(r);
  const hi = Math.ceil(r);
  return s[lo]! + (s[hi]! - s[lo]!) * (r - lo);
}

export function medianPrune(trials: Trial[], current: Trial, o: { nStartupTrials: number; nWarmupSteps: number }): boolean {
  const completed = trials.filter((t) => t.state === 'completed' && t.number !== current.number);
  const step = current.intermediate.length;
  if (!completed.length || completed.length < o.nStartupTrials || step === 0 || step < o.nWarmupSteps) return false;
  const finite = current.intermediate.filter((v) => !Number.isNaN(v));
  if (!finite.length) return true;
  const best = Math.min(...finite);
  const atStep = completed.filter((t) => t.intermediate.length >= step).map((t) => t.intermediate[step - 1]!);
  const median = percentile(atStep, 50);
  return !Number.isNaN(median) && best > median;
}

export function ashaPrune(
  trials: Trial[],
  current: Trial,
  o: { minResource: number; reductionFactor: number; minEarlyStoppingRate: number },
): boolean {
  const step = current.intermediate.length;
  if (step === 0) return false;
  const value = current.intermediate[step - 1]!;
  const others = trials.filter((t) => t.number !== current.number);
  for (let rung = 0; ; rung++) {
    const at = o.minResource * o.reductionFactor ** (o.minEarlyStoppingRate + rung);
    if (step < at) return false;
    // Rung `rung` was decided when the trial first reached step `at`; only the latest rung is new.
    const next = o.minResource * o.reductionFactor ** (o.minEarlyStoppingRate + rung + 1);
    if (step >= next) continue;
    if (step !== at) return false;
    if (Number.isNaN(value)) return true;
    const competing = [...others.filter((t) => t.intermediate.length >= at).map((t) => t.intermediate[at - 1]!), value].sort(
      (a, b) => a - b,
    );
    const k = Math.max(0, Math.floor(competing.length / o.reductionFactor) - 1);
    return !(value <= competing[k]!);
  }
}

export function shouldPrune(c: PrunerConfig, trials: Trial[], current: Trial): boolean {
  if (c.kind === 'median') return medianPrune(trials, current, c);
  if (c.kind === 'asha') return ashaPrune(trials, current, c);
  return false;
}
