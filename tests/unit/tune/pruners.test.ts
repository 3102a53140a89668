import { describe, expect, it } from 'vitest';
import { ashaPrune, ASHA_DEFAULTS, medianPrune, MEDIAN_DEFAULTS, percentile } from '../../../ts/tune/pruners.js';
import type { Trial } from '../../../ts/tune/trial.js';

const trial = (number: number, state: Trial['state'], intermediate: number[]): Trial => ({
  number,
  state,
  intermediate,
  params: {},
  attempt: 1,
  value: intermediate[intermediate.length - 1],
});
// Five completed trials whose validation loss at epochs 1..4 is k, k-0.1, k-0.2, k-0.3 for k = 1..5.
const done = [1, 2, 3, 4, 5].map((k, i) => trial(i, 'completed', [k, k - 0.1, k - 0.2, k - 0.3]));

describe('median pruner', () => {
  it('interpolates percentiles as numpy does', () => {
    expect(percentile([3, 1, 2, 4], 50)).toBe(2.5);
    expect(percentile([1, NaN, 5], 50)).toBe(3);
  });

  it('stops a trial worse than the median of completed trials at the same epoch', () => {
    expect(medianPrune(done, trial(5, 'running', [3.5]), MEDIAN_DEFAULTS)).toBe(true); // median at epoch 1 is 3
    expect(medianPrune(done, trial(5, 'running', [2.9]), MEDIAN_DEFAULTS)).toBe(false);
    // the best value so far counts, not the latest
    expect(medianPrune(done, trial(5, 'running', [2.5, 3.2]), MEDIAN_DEFAULTS)).toBe(false);
    expect(medianPrune(done, trial(5, 'running', [3.1, 3.0]), MEDIAN_DEFAULTS)).toBe(true); // median at epoch 2 is 2.9
    expect(medianPrune(done, trial(5, 'running', [NaN]), MEDIAN_DEFAULTS)).toBe(true);
  });

  it('waits for n_startup_trials completed trials and ignores pruned ones', () => {
    const four = done.slice(0, 4);
    expect(medianPrune(four, trial(5, 'running', [100]), MEDIAN_DEFAULTS)).toBe(false);
    expect(medianPrune([...four, trial(4, 'pruned', [0.1])], trial(5, 'running', [100]), MEDIAN_DEFAULTS)).toBe(false);
    // no completed trial reached this epoch: nothing to compare with
    expect(medianPrune(done, trial(5, 'running', [0, 0, 0, 0, 100]), MEDIAN_DEFAULTS)).toBe(false);
    expect(medianPrune(done, trial(5, 'running', [3.5]), { ...MEDIAN_DEFAULTS, nWarmupSteps: 2 })).toBe(false);
  });
});

describe('successive halving (ASHA, min resource 1, reduction factor 3)', () => {
  it('decides at rungs 1, 3, 9 only, keeping the top third of the trials that reached the rung', () => {
    // at epoch 1 the others reached 1..5: with the new one 6 values, the best 6/3 = 2 go on
    expect(ashaPrune(done, trial(5, 'running', [1.5]), ASHA_DEFAULTS)).toBe(false);
    expect(ashaPrune(done, trial(5, 'running', [2.5]), ASHA_DEFAULTS)).toBe(true);
    // epoch 2 is between rungs: never a decision
    expect(ashaPrune(done, trial(5, 'running', [1.5, 50]), ASHA_DEFAULTS)).toBe(false);
    // rung 3 (epoch 3): the others' epoch-3 values are k - 0.2
    expect(ashaPrune(done, trial(5, 'running', [1.5, 1.2, 0.7]), ASHA_DEFAULTS)).toBe(false);
    expect(ashaPrune(done, trial(5, 'running', [1.5, 1.2, 1.9]), ASHA_DEFAULTS)).toBe(true);
  });

  it('counts running and pruned trials that reached the rung, and promotes the first trials', () => {
    expect(ashaPrune([], trial(0, 'running', [9]), ASHA_DEFAULTS)).toBe(false);
    expect(ashaPrune([trial(0, 'pruned', [1]), trial(1, 'running', [2])], trial(2, 'running', [3]), ASHA_DEFAULTS)).toBe(true);
    expect(ashaPrune([trial(0, 'pruned', [1]), trial(1, 'running', [2])], trial(2, 'running', [1]), ASHA_DEFAULTS)).toBe(false);
    expect(ashaPrune(done, trial(5, 'running', [NaN]), ASHA_DEFAULTS)).toBe(true);
  });
});
