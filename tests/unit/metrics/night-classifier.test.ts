import { describe, expect, it } from 'vitest';
import { Rng } from '../../../ts/data/simulate/prng.js';
import { expectedCalibrationError } from '../../../ts/metrics/night-metrics.js';
import { fitNightClassifier, nightClassifierScores } from '../../../ts/metrics/night-classifier.js';

/** Nights from a known logistic model over 6 inputs; the classifier's score is off by an offset the calibration must fix. */
function nights(n: number, seed: number) {
  const rng = new Rng(seed);
  const rows: number[][] = [],
    labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = Array.from({ length: 6 }, () => rng.normal());
    const z = -1.2 + 1.5 * x[0]! - 0.8 * x[1]! + 0.5 * x[2]!;
    rows.push(x);
    labels.push(rng.uniform() < 1 / (1 + Math.exp(-z)) ? 1 : 0);
  }
  return { rows, labels };
}

describe('night classifier', () => {
  const train = nights(1500, 1),
    val = nights(1500, 2),
    test = nights(3000, 3);

  it('is calibrated on unseen nights (ECE < 0.05, 10 bins) and ranks them', () => {
    const c = fitNightClassifier(train, val);
    expect(c).toMatchObject({ trainNights: 1500, valNights: 1500 });
    const p = nightClassifierScores(c, test.rows);
    expect(expectedCalibrationError(p, test.labels, 10)).toBeLessThan(0.05);
    // the true inputs get the weight: the first input's sign and size
    expect(c.logistic.weights[0]).toBeGreaterThan(1);
    expect(c.logistic.weights[1]).toBeLessThan(-0.4);
  });

  it('the calibration comes from the validation nights: other validation labels, other probabilities', () => {
    const a = fitNightClassifier(train, val);
    const flipped = { rows: val.rows, labels: val.labels.map((y) => 1 - y) };
    const b = fitNightClassifier(train, flipped);
    expect(b.logistic).toEqual(a.logistic);
    expect(b.calibration).not.toEqual(a.calibration);
  });

  it('refuses training nights of one kind', () => {
    expect(() => fitNightClassifier({ rows: train.rows, labels: train.labels.map(() => 0) }, val)).toThrow(
      /0 of 1500 training nights positive/,
    );
  });
});
