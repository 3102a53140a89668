import { describe, expect, it } from 'vitest';
import { calibrate, fitCalibration, fitIsotonic, fitPlatt } from '../../../ts/metrics/calibration.js';
import { mulberry32 } from '../../../ts/util/random.js';

const logit = (p: number) => Math.log(p / (1 - p));
const sigmoid = (t: number) => 1 / (1 + Math.exp(-t));

describe('Platt scaling', () => {
  const s = [0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];
  const y = [0, 0, 0, 1, 0, 0, 1, 1, 0, 1];

  it('matches a scipy BFGS fit of the same likelihood', () => {
    // scipy.optimize.minimize(BFGS, gtol 1e-12) of sum log(1 + e^z) - t z, z = a logit(s) + b, t Platt's targets (5/6, 1/8)
    const smooth = fitPlatt(s, y);
    expect(smooth.a).toBeCloseTo(0.5395884463324131, 7);
    expect(smooth.b).toBeCloseTo(-0.27487361969134366, 7);
    expect(calibrate(smooth, [0.25])[0]).toBeCloseTo(0.2957389166559569, 7);
    // raw 0/1 targets
    const raw = fitPlatt(s, y, { smoothTargets: false });
    expect(raw.a).toBeCloseTo(0.8897939715226106, 7);
    expect(raw.b).toBeCloseTo(-0.3183026836629365, 7);
    expect(calibrate(raw, [0.25])[0]).toBeCloseTo(0.21486575550219916, 7);
  });

  it('the fit solves the score equations sum (y - q) = 0 and sum (y - q) logit(p) = 0', () => {
    const m = fitPlatt(s, y, { smoothTargets: false });
    let g0 = 0,
      g1 = 0;
    s.forEach((p, i) => {
      const r = y[i] - sigmoid(m.a * logit(p) + m.b);
      g0 += r;
      g1 += r * logit(p);
    });
    expect(Math.abs(g0)).toBeLessThan(1e-9);
    expect(Math.abs(g1)).toBeLessThan(1e-9);
  });

  it('all validation scores equal: the map sends that score to the mean target', () => {
    // smoothed targets: 1 positive -> 2/3, 3 negatives -> 1/5; mean (2/3 + 3/5) / 4 = 19/60
    expect(calibrate(fitPlatt([0.3, 0.3, 0.3, 0.3], [1, 0, 0, 0]), [0.3])[0]).toBeCloseTo(19 / 60, 9);
    expect(calibrate(fitPlatt([0.3, 0.3, 0.3, 0.3], [1, 0, 0, 0], { smoothTargets: false }), [0.3])[0]).toBeCloseTo(0.25, 9);
  });

  it('recovers the generating map from many nights', () => {
    // y ~ Bernoulli(σ(2 logit(p) - 1)): an overconfident-then-shifted forecaster
    const rnd = mulberry32(11);
    const n = 20_000;
    const p = Array.from({ length: n }, () => 0.02 + 0.96 * rnd());
    const lab = p.map((q) => (rnd() < sigmoid(2 * logit(q) - 1) ? 1 : 0));
    const m = fitPlatt(p, lab);
    // standard errors of (a, b) here are about 0.04 and 0.03 (inverse Fisher information)
    expect(Math.abs(m.a - 2)).toBeLessThan(0.15);
    expect(Math.abs(m.b + 1)).toBeLessThan(0.12);
    expect(m.n).toBe(n);
  });

  it('separable nights stay finite; NaN scores are skipped and stay NaN', () => {
    const m = fitPlatt([0.1, 0.2, 0.8, 0.9, NaN], [0, 0, 1, 1, 1]);
    expect(Number.isFinite(m.a) && Number.isFinite(m.b)).toBe(true);
    expect(m.n).toBe(4);
    const out = calibrate(m, [0.1, NaN, 0.9]);
    expect(out[0]).toBeLessThan(0.5);
    expect(out[1]).toBeNaN();
    expect(out[2]).toBeGreaterThan(0.5);
    expect(() => fitPlatt([NaN], [1])).toThrow(/no finite/);
    expect(() => fitPlatt([0.1], [1, 0])).toThrow(/1 scores but 2 labels/);
  });
});

describe('isotonic regression', () => {
  it('pool-adjacent-violators by hand', () => {
    // y 1,3,2,4: the violating pair (3, 2) pools to 2.5
    expect(fitIsotonic([1, 2, 3, 4], [1, 3, 2, 4]).y).toEqual([1, 2.5, 2.5, 4]);
    // binary labels 0,1,0,1,1 at .1..5: (1, 0) pools to 1/2
    const m = fitIsotonic([0.1, 0.2, 0.3, 0.4, 0.5], [0, 1, 0, 1, 1]);
    expect(m.y).toEqual([0, 0.5, 0.5, 1, 1]);
    // between fitted points: linear; outside: clipped
    expect(Array.from(calibrate(m, [0.25, 0.35, 0.05, 0.7]))).toEqual([0.5, expect.closeTo(0.75, 12), 0, 1]);
    // a violation spanning three points: 0,1,1,0 -> 0, 2/3, 2/3, 2/3
    expect(fitIsotonic([1, 2, 3, 4], [0, 1, 1, 0]).y).toEqual([0, 2 / 3, 2 / 3, 2 / 3]);
  });

  it('monotone data is left as it is; tied scores are one point with their mean label', () => {
    expect(fitIsotonic([0.1, 0.2, 0.3], [0, 0, 1]).y).toEqual([0, 0, 1]);
    const tied = fitIsotonic([0.3, 0.1, 0.3, 0.3, 0.1], [1, 0, 0, 1, 0]);
    expect(tied.x).toEqual([0.1, 0.3]);
    expect(tied.y).toEqual([0, 2 / 3]);
  });

  it('the fit is non-decreasing and keeps the label mean (PAV preserves sums)', () => {
    const rnd = mulberry32(4);
    const s = Array.from({ length: 500 }, rnd);
    const y = s.map((p) => (rnd() < p ? 1 : 0));
    const m = fitIsotonic(s, y);
    for (let k = 1; k < m.y.length; k++) expect(m.y[k]).toBeGreaterThanOrEqual(m.y[k - 1]);
    const fittedMean = m.y.reduce((a, v) => a + v, 0) / m.y.length; // no ties among 500 uniform draws
    expect(fittedMean).toBeCloseTo(y.reduce<number>((a, v) => a + v, 0) / y.length, 12);
  });

  it('fitCalibration dispatches by method', () => {
    expect(fitCalibration('isotonic', [0.1, 0.2], [0, 1]).method).toBe('isotonic');
    expect(fitCalibration('platt', [0.1, 0.2], [0, 1]).method).toBe('platt');
  });
});
