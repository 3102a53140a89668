import { describe, expect, it } from 'vitest';
import { evaluateQuantiles, gaussianCalibration } from '../../../ts/metrics/probabilistic.js';
import { cdfFromKnots, knots, prepareQuantiles, quantileFromKnots } from '../../../ts/metrics/quantiles.js';

const levels = [0.1, 0.5, 0.9];

function kn(q: number[]) {
  const tau = new Float64Array(levels.length + 2),
    x = new Float64Array(levels.length + 2);
  knots(Float64Array.from(levels), q, tau, x);
  return { tau, x };
}

describe('quantile reading (interpolation and tails)', () => {
  it('interpolates linearly and extends the outer segments to levels 0 and 1', () => {
    const { tau, x } = kn([90, 100, 110]);
    expect(x[0]).toBeCloseTo(87.5, 12); // 90 - 0.1 * (10 / 0.4)
    expect(x[4]).toBeCloseTo(112.5, 12);
    expect(quantileFromKnots(tau, x, 0.25)).toBeCloseTo(93.75, 12);
    expect(quantileFromKnots(tau, x, 0.75)).toBeCloseTo(106.25, 12);
    expect(cdfFromKnots(tau, x, 95, true)).toBeCloseTo(0.3, 12);
    expect(cdfFromKnots(tau, x, 88.75, true)).toBeCloseTo(0.05, 12); // inside the lower tail
    expect(cdfFromKnots(tau, x, 80, true)).toBe(0); // below the extrapolated 0-quantile
    expect(cdfFromKnots(tau, x, 120, true)).toBe(1);
  });

  it('a single level is a point mass', () => {
    const tau = new Float64Array(3),
      x = new Float64Array(3);
    knots(Float64Array.from([0.5]), [100], tau, x);
    expect(cdfFromKnots(tau, x, 100, true)).toBe(0);
    expect(cdfFromKnots(tau, x, 100, false)).toBe(1);
    expect(cdfFromKnots(tau, x, 100.1, true)).toBe(1);
  });

  it('sorts crossing quantiles and counts them, or rejects them; NaN quantiles are an error', () => {
    const p = prepareQuantiles({ levels, values: [100, 90, 110] }, 1, 1);
    expect(Array.from(p.values)).toEqual([90, 100, 110]);
    expect(p.crossedPoints).toBe(1);
    expect(() => prepareQuantiles({ levels, values: [100, 90, 110] }, 1, 1, 'error')).toThrow(/crosses at window 0, step 1/);
    expect(() => prepareQuantiles({ levels, values: [90, NaN, 110] }, 1, 1)).toThrow(/NaN at window 0, level 0.5, step 1/);
    expect(() => prepareQuantiles({ levels: [0.5, 0.1], values: [1, 2] }, 1, 1)).toThrow(/strictly increasing/);
    expect(() => prepareQuantiles({ levels: [0, 0.5], values: [1, 2] }, 1, 1)).toThrow(/strictly between 0 and 1/);
  });
});

describe('quantile metrics', () => {
  it('pinball, CRPS, intervals, calibration, PIT by hand on one point', () => {
    const e = evaluateQuantiles([100], { levels, values: [90, 100, 110] }, 1, 1);
    e.pinball.forEach((v, i) => expect(v).toBeCloseTo([1, 0, 1][i], 12)); // 0.1*10, 0, (0.9-1)*(-10)
    expect(e.crps).toBeCloseTo((2 / 3) * 2, 12);
    expect(e.weightedQuantileLoss).toBeCloseTo(((2 * 1) / 100 + 0 + (2 * 1) / 100) / 3, 12);
    const iv = Object.fromEntries(e.intervals.map((i) => [i.nominal, i]));
    expect(iv[0.8]).toEqual({ nominal: 0.8, coverage: 1, width: 20 });
    expect(iv[0.5].width).toBeCloseTo(12.5, 12);
    expect(iv[0.9].coverage).toBeNull(); // needs level 0.05, outside the forecast's levels
    // GlucoBench calibration: y <= q_p for p >= 0.5 -> sum_{p<.5} p^2 + sum_{p>=.5} (1-p)^2
    expect(e.calibration).toBeCloseTo(0.3 + 0.55, 12);
    expect(e.pit[5]).toBe(1); // F(100) = 0.5
    expect(e.reliability.map((r) => r.observed)).toEqual([0, 1, 1]);
  });

  it('the same metrics after sorting a crossed forecast', () => {
    const a = evaluateQuantiles([100], { levels, values: [110, 100, 90] }, 1, 1);
    expect(a.crossedPoints).toBe(1);
    a.pinball.forEach((v, i) => expect(v).toBeCloseTo([1, 0, 1][i], 12));
  });

  it('skips NaN truths', () => {
    const e = evaluateQuantiles([100, NaN], { levels, values: [90, 90, 100, 100, 110, 110] }, 1, 2);
    expect(e.n).toBe(1);
  });

  it('Gaussian calibration of point forecasts is 0-ish for well-calibrated errors and large for biased ones', () => {
    const N = 4000;
    const truth = new Float64Array(N),
      point = new Float64Array(N),
      biased = new Float64Array(N);
    // deterministic N(0,1) errors via the inverse CDF on a grid
    for (let i = 0; i < N; i++) {
      const u = (i + 0.5) / N;
      const z = Math.sqrt(2) * erfinv(2 * u - 1);
      truth[i] = 100 + z;
      point[i] = 100;
      biased[i] = 102;
    }
    expect(gaussianCalibration(truth, point, N, 1, 1).mean).toBeLessThan(1e-4);
    expect(gaussianCalibration(truth, biased, N, 1, 1).mean).toBeGreaterThan(0.5);
  });
});

function erfinv(x: number): number {
  // Giles' single-precision approximation is enough for a test grid
  const w = -Math.log((1 - x) * (1 + x));
  let p: number;
  if (w < 5) {
    const v = w - 2.5;
    p = 2.81022636e-8;
    for (const c of [3.43273939e-7, -3.5233877e-6, -4.39150654e-6, 0.00021858087, -0.00125372503, -0.00417768164, 0.246640727, 1.50140941])
      p = c + p * v;
  } else {
    const v = Math.sqrt(w) - 3;
    p = -0.000200214257;
    for (const c of [0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613, 0.00943887047, 1.00167406, 2.83297682])
      p = c + p * v;
  }
  return p * x;
}

describe('median of a quantile forecast', () => {
  it('interpolates around 0.5 and sorts crossed quantiles first', async () => {
    const { medianFromQuantiles } = await import('../../../ts/metrics/metrics.js');
    expect(Array.from(medianFromQuantiles({ levels: [0.25, 0.75], values: [90, 110] }, 1, 1))).toEqual([100]);
    expect(Array.from(medianFromQuantiles({ levels: [0.1, 0.5, 0.9], values: [105, 100, 95] }, 1, 1))).toEqual([100]);
    expect(Array.from(medianFromQuantiles({ levels: [0.1, 0.5, 0.9], values: [120, 90, 100] }, 1, 1))).toEqual([100]);
  });
});
