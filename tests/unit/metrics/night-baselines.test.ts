import { describe, expect, it } from 'vitest';
import {
  BEDTIME_FEATURES,
  bedtimeFeatures,
  fitLogistic,
  fitPatientRates,
  patientRateScores,
  predictLogistic,
  thresholdCrossing,
} from '../../../ts/metrics/night-baselines.js';

describe("patient's own rate of hypoglycaemic nights", () => {
  it('Beta prior at the cohort rate: posterior means by hand', () => {
    // cohort: 3 positive of 10 nights = 0.3; prior strength 10 nights
    const patients = ['a', 'a', 'a', 'a', 'b', 'b', 'b', 'b', 'b', 'b'];
    const labels = [1, 1, 0, 0, 1, 0, 0, 0, 0, 0];
    const m = fitPatientRates(patients, labels);
    expect(m.cohortRate).toBeCloseTo(0.3, 12);
    // a: (10*0.3 + 2) / (10 + 4) = 5/14; b: (3 + 1) / 16 = 0.25
    expect(m.perPatient.a).toEqual({ nights: 4, positives: 2, rate: expect.closeTo(5 / 14, 12) });
    expect(m.perPatient.b.rate).toBeCloseTo(0.25, 12);
    const s = patientRateScores(m, ['b', 'new', 'a', 'constructor']);
    expect(Array.from(s)).toEqual([expect.closeTo(0.25, 12), expect.closeTo(0.3, 12), expect.closeTo(5 / 14, 12), expect.closeTo(0.3, 12)]);
    // a weak prior lets the patient's own rate dominate
    expect(fitPatientRates(patients, labels, { priorNights: 1e-9 }).perPatient.a.rate).toBeCloseTo(0.5, 6);
    expect(() => fitPatientRates([], [])).toThrow(/no training nights/);
    expect(patientRateScores(fitPatientRates(['__proto__', 'x'], [1, 0]), ['__proto__'])[0]).toBeCloseTo((10 * 0.5 + 1) / 11, 12);
  });
});

describe('bedtime features', () => {
  it('by hand from 5-minute readings', () => {
    // context: 13 readings, 5 min apart, last = bedtime 100; 30 min earlier (index 6) 112, 60 min earlier (index 0) 130
    const context = [130, 128, 126, 124, 122, 120, 112, 110, 108, 106, 104, 102, 100];
    const day = [60, 80, 100, NaN, 140];
    const f = bedtimeFeatures({ context, day, intervalMinutes: 5, minutesSinceMeal: 185 });
    expect(f.length).toBe(BEDTIME_FEATURES.length);
    expect(f.slice(0, 7)).toEqual([100, -12, -30, 95, 60, 0.25, 185]);
    expect(f[7]).toBeNaN();
    // a context shorter than an hour: no 60-min change
    expect(bedtimeFeatures({ context: [100, 95, 90, 85, 80, 75, 70], day: [], intervalMinutes: 5 }).slice(0, 4)).toEqual([
      70,
      -30,
      NaN,
      NaN,
    ]);
  });
});

describe('bedtime logistic regression', () => {
  const X = [
    [120, 5],
    [95, -10],
    [80, -20],
    [150, 10],
    [70, -5],
    [110, 0],
    [90, -15],
    [200, 20],
    [85, -25],
    [130, -5],
    [100, 5],
    [75, -30],
  ];
  const y = [0, 0, 1, 0, 1, 0, 1, 0, 0, 0, 1, 1];

  it('matches a scipy BFGS fit of the same penalised likelihood', () => {
    // numpy: standardise (ddof=1); scipy.optimize.minimize(BFGS, gtol 1e-12) of
    // sum log(1 + e^z) - y z + 0.5 ||w||^2: w = (-1.12802628, -0.22604322), b = -0.53569446
    const m = fitLogistic(X, y, { l2: 1 });
    expect(m.weights[0]).toBeCloseTo(-1.1280262805862669, 7);
    expect(m.weights[1]).toBeCloseTo(-0.22604322130108775, 7);
    expect(m.intercept).toBeCloseTo(-0.535694459026539, 7);
    expect(predictLogistic(m, [[100, -10]])[0]).toBeCloseTo(0.44832401439907493, 7);
    expect(m.iterations).toBeLessThan(20);
  });

  it('the fit solves sum (q - y) x_j + l2 w_j = 0; missing values sit at the mean; constant columns are dropped', () => {
    const rows = X.map((r, i) => [...r, 7, i === 3 ? NaN : r[0] / 2 + (i % 3)]);
    const m = fitLogistic(rows, y, { l2: 0.5 });
    expect(m.features).toEqual([0, 1, 3]);
    const q = predictLogistic(m, rows);
    m.features.forEach((f, j) => {
      let g = 0;
      rows.forEach((r, i) => (g += (q[i] - y[i]) * (Number.isFinite(r[f]) ? (r[f] - m.mean[j]) / m.std[j] : 0)));
      expect(Math.abs(g + 0.5 * m.weights[j])).toBeLessThan(1e-8);
    });
    expect(Math.abs(q.reduce((a, v, i) => a + v - y[i], 0))).toBeLessThan(1e-8);
    // a row of NaN is predicted at the mean: the intercept alone
    expect(predictLogistic(m, [[NaN, NaN, NaN, NaN]])[0]).toBeCloseTo(1 / (1 + Math.exp(-m.intercept)), 12);
  });

  it('separable training nights stay finite under the penalty', () => {
    const m = fitLogistic([[1], [2], [3], [4]], [0, 0, 1, 1], { l2: 0.1 });
    expect(Number.isFinite(m.weights[0])).toBe(true);
    expect(m.weights[0]).toBeGreaterThan(0);
    expect(() => fitLogistic([[1]], [1], { l2: 0 })).toThrow(/l2 must be positive/);
  });
});

describe('threshold crossing of the point forecast', () => {
  it('1 when the window minimum is below the threshold', () => {
    const f = [80, 69, 90, 75, 72, 71, NaN, NaN, NaN];
    expect(Array.from(thresholdCrossing(f, 3, 3, 70))).toEqual([1, 0, NaN]);
    expect(Array.from(thresholdCrossing(f, 3, 3, 70, [2, 3]))).toEqual([0, 0, NaN]);
    expect(Array.from(thresholdCrossing([70], 1, 1, 70))).toEqual([0]);
    expect(() => thresholdCrossing(f, 3, 3, 70, [0, 4])).toThrow(/window/);
  });
});
