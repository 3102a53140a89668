/** A trial of a study as the samplers, pruners and store see it. */
import type { Assignment } from './space.js';

export type TrialState = 'running' | 'completed' | 'pruned' | 'failed';

export interface Trial {
  number: number;
  state: TrialState;
  params: Assignment;
  /** The objective (completed), or the last intermediate value (pruned). */
  value?: number;
  /** Per-epoch validation loss; step s (1-based, epochs done) is intermediate[s - 1]. */
  intermediate: number[];
  /** 1 for the first run of the trial; a trial that was running when the tuner died is retried as attempt 2, ... */
  attempt: number;
  runId?: string;
  error?: string;
  started?: string;
  finished?: string;
}

/** Finished trials that inform a sampler: completed with a finite value, or pruned. */
export const isObserved = (t: Trial): boolean => (t.state === 'completed' && Number.isFinite(t.value)) || t.state === 'pruned';
