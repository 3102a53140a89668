import { describe, expect, it } from 'vitest';
import {
  fitQuantileCopula,
  fitResidualCopula,
  nightProbFromMarginals,
  nightProbFromPoint,
  nightProbFromQuantiles,
  type ResidualCopula,
} from '../../../ts/metrics/night-probability.js';
import { choleskySemidefinite, fitStepCorrelation, type StepCorrelation } from '../../../ts/metrics/step-copula.js';
import { mulberry32, normalSampler } from '../../../ts/util/random.js';

const copulaOf = (steps: number, corr: (i: number, j: number) => number): StepCorrelation => ({
  steps,
  correlation: Float64Array.from({ length: steps * steps }, (_, k) => (k % (steps + 1) === 0 ? 1 : corr(Math.floor(k / steps), k % steps))),
  shrinkage: 0,
  nights: 0,
});
const independent = (steps: number) => copulaOf(steps, () => 0);
const comonotone = (steps: number) => copulaOf(steps, () => 1);
const ar1 = (steps: number, rho: number) => copulaOf(steps, (i, j) => rho ** Math.abs(i - j));
/** Monte-Carlo standard error of a proportion p from n paths. */
const se = (p: number, n: number) => Math.sqrt((p * (1 - p)) / n);

describe('night probability from per-step marginals', () => {
  const p = [0.1, 0.2, 0.05, 0.3];
  const paths = 20_000;

  it('independent steps: 1 - prod(1 - p_h), per window', () => {
    const r = nightProbFromMarginals([p], [70], 1, 4, independent(4), {
      paths,
      windows: [
        [0, 4],
        [0, 2],
        [2, 4],
      ],
    });
    const expected = [1 - 0.9 * 0.8 * 0.95 * 0.7, 1 - 0.9 * 0.8, 1 - 0.95 * 0.7]; // 0.5212, 0.28, 0.335
    expected.forEach((e, w) => expect(Math.abs(r.prob[0][w][0] - e)).toBeLessThan(4 * se(e, paths)));
    expect(Array.from(r.maxMarginal[0].map((m) => m[0]))).toEqual([0.3, 0.2, 0.3].map((x) => expect.closeTo(x, 6)));
  });

  it('perfectly correlated steps: max_h p_h', () => {
    const r = nightProbFromMarginals([p], [70], 1, 4, comonotone(4), { paths });
    expect(r.prob[0][0][0]).toBeGreaterThanOrEqual(0.3 - 1e-6);
    expect(Math.abs(r.prob[0][0][0] - 0.3)).toBeLessThan(4 * se(0.3, paths));
  });

  it('correlated steps match the multivariate normal CDF (scipy reference)', () => {
    // scipy.stats: 0.2 + 0.3 - multivariate_normal([0,0], [[1,.6],[.6,1]]).cdf(norm.ppf([.2,.3])) = 0.371401169
    const two = nightProbFromMarginals(
      [[0.2, 0.3]],
      [70],
      1,
      2,
      copulaOf(2, () => 0.6),
      { paths },
    );
    expect(Math.abs(two.prob[0][0][0] - 0.371401169)).toBeLessThan(4 * se(0.37, paths));
    // scipy.stats: 1 - multivariate_normal(0, AR(1) rho .8).cdf(-norm.ppf([.1,.2,.15])) = 0.260281699
    const three = nightProbFromMarginals([[0.1, 0.2, 0.15]], [70], 1, 3, ar1(3, 0.8), { paths });
    expect(Math.abs(three.prob[0][0][0] - 0.260281699)).toBeLessThan(4 * se(0.26, paths));
  });

  it('never below the largest marginal, never above the independent value for positive correlation', () => {
    const rnd = mulberry32(3);
    const nights = 30,
      steps = 12;
    const marg = Float64Array.from({ length: nights * steps }, () => rnd() ** 3 * 0.4);
    const r = nightProbFromMarginals([marg], [70], nights, steps, ar1(steps, 0.7), { paths: 5000 });
    for (let k = 0; k < nights; k++) {
      const row = marg.subarray(k * steps, (k + 1) * steps);
      const indep = 1 - row.reduce((a, q) => a * (1 - q), 1);
      expect(r.prob[0][0][k]).toBeGreaterThanOrEqual(r.maxMarginal[0][0][k]);
      expect(r.maxMarginal[0][0][k]).toBeCloseTo(Math.max(...row), 6);
      // Slepian: non-negative correlation makes "all above" at least as likely as under independence
      expect(r.prob[0][0][k]).toBeLessThanOrEqual(indep + 4 * se(indep, 5000));
    }
  });

  it('is deterministic for a seed', () => {
    const a = nightProbFromMarginals([p], [70], 1, 4, ar1(4, 0.5), { paths: 2000, seed: 9 });
    const b = nightProbFromMarginals([p], [70], 1, 4, ar1(4, 0.5), { paths: 2000, seed: 9 });
    const c = nightProbFromMarginals([p], [70], 1, 4, ar1(4, 0.5), { paths: 2000, seed: 10 });
    expect(a.prob[0][0][0]).toBe(b.prob[0][0][0]);
    expect(c.prob[0][0][0]).not.toBe(a.prob[0][0][0]);
  });

  it('a window without forecasts is NaN; bad windows and shapes are refused', () => {
    const r = nightProbFromMarginals([[NaN, NaN, 0.1, 0.2]], [70], 1, 4, independent(4), {
      windows: [
        [0, 2],
        [0, 4],
      ],
    });
    expect(r.prob[0][0][0]).toBeNaN();
    expect(r.prob[0][1][0]).toBeGreaterThan(0.2);
    expect(() => nightProbFromMarginals([p], [70], 1, 4, independent(4), { windows: [[2, 5]] })).toThrow(/window/);
    expect(() => nightProbFromMarginals([p], [70], 1, 4, independent(3))).toThrow(/3 steps/);
    expect(() => nightProbFromMarginals([p], [70], 2, 4, independent(4))).toThrow(/2\*4/);
  });
});

describe('night probability from point and quantile forecasts', () => {
  it('point forecast: Gaussian residuals around forecast + bias', () => {
    // Φ(-1) = 0.158655254 (Python statistics.NormalDist); two independent steps: 1 - (1 - Φ(-1))^2 = 0.292139018
    const copula: ResidualCopula = { ...independent(2), bias: Float64Array.of(0, 0), std: Float64Array.of(10, 10) };
    const r = nightProbFromPoint([80, 80], 1, 2, copula, { thresholds: [70], paths: 20_000 });
    expect(r.maxMarginal[0][0][0]).toBeCloseTo(0.158655254, 6);
    expect(Math.abs(r.prob[0][0][0] - 0.292139018)).toBeLessThan(4 * se(0.29, 20_000));
    // a bias of -10 moves the forecast onto the threshold: p = 1/2 per step
    const biased = nightProbFromPoint([80, 80], 1, 2, { ...copula, bias: Float64Array.of(-10, -10) }, { thresholds: [70] });
    expect(biased.maxMarginal[0][0][0]).toBeCloseTo(0.5, 6);
    // zero spread: a point mass, below only when strictly below
    const exact = nightProbFromPoint([69, 70], 1, 2, { ...copula, std: Float64Array.of(0, 0) }, { thresholds: [70, 69.5] });
    expect(exact.prob[0][0][0]).toBe(1);
    expect(exact.prob[1][0][0]).toBe(1);
    expect(nightProbFromPoint([70, 75], 1, 2, { ...copula, std: Float64Array.of(0, 0) }, { thresholds: [70] }).prob[0][0][0]).toBe(0);
  });

  it('quantile forecast: marginals read off the quantiles', () => {
    // levels .1/.5/.9 at 60/80/100: P(y < 70) = 0.1 + 0.4 * (70 - 60) / 20 = 0.3; two independent steps: 0.51
    const qf = { levels: [0.1, 0.5, 0.9], values: [60, 60, 80, 80, 100, 100] };
    const r = nightProbFromQuantiles(qf, 1, 2, independent(2), { thresholds: [70], paths: 20_000 });
    expect(r.maxMarginal[0][0][0]).toBeCloseTo(0.3, 6);
    expect(Math.abs(r.prob[0][0][0] - 0.51)).toBeLessThan(4 * se(0.51, 20_000));
    expect(Math.abs(nightProbFromQuantiles(qf, 1, 2, comonotone(2), { thresholds: [70], paths: 20_000 }).prob[0][0][0] - 0.3)).toBeLessThan(
      4 * se(0.3, 20_000),
    );
  });
});

describe('fitting the copula', () => {
  it('Schäfer-Strimmer shrinkage by hand', () => {
    // steps [1,2,3,4] and [1,2,4,3]: r = 0.8; w_k = x_k1 x_k2 = [1.35,.15,.45,.45], Var(r) = 4/27 * 0.81 = 0.12;
    // lambda = 0.12 / 0.8^2 = 0.1875, shrunk r = 0.8 * 0.8125 = 0.65
    const c = fitStepCorrelation([1, 1, 2, 2, 3, 4, 4, 3], 4, 2);
    expect(c.shrinkage).toBeCloseTo(0.1875, 12);
    expect(c.correlation[1]).toBeCloseTo(0.65, 12);
    expect(Array.from(c.correlation)).toEqual([1, c.correlation[1], c.correlation[1], 1]);
    expect(fitStepCorrelation([1, 1, 2, 2, 3, 4, 4, 3], 4, 2, { shrinkage: 0 }).correlation[1]).toBeCloseTo(0.8, 12);
  });

  it('Schäfer-Strimmer shrinkage toward an AR(1) target (numpy reference)', () => {
    // 20 nights x 4 steps: steps 0, 1 and 3 share a common factor, step 2 is independent (numpy default_rng(5), rounded to 0.1).
    // numpy, same formulas (np.corrcoef; Var(r_ij) = n/(n-1)^3 sum (w - mean w)^2; rho = mean lag-1 r; lambda = sum Var / sum (r - rho^|i-j|)^2):
    // rho = 0.205209073, lambda = 0.120202877, R[0,1] = 0.855077084, R[0,3] = 0.817832330, R[1,3] = 0.804047385; toward I: lambda = 0.111185354
    const S = [
      -0.8, -1.2, 1.2, -0.4, -1.3, -1.0, 0.7, -0.9, -0.2, -0.3, -2.0, -0.6, 0.4, 0.1, 0.3, 0.4, 1.1, 1.3, -1.1, 1.8, 0.1, 0.5, 0.0, -0.1,
      -0.6, -1.4, 0.0, -0.5, -0.8, -0.9, -2.0, -0.8, 0.7, 0.3, -0.2, 1.1, 1.6, 1.5, -0.3, 1.5, 0.3, -0.4, 1.0, 0.2, -1.2, -1.2, -1.2, -1.1,
      -1.0, -1.0, 0.7, -0.9, 1.6, 1.4, -1.1, 1.2, 0.2, -0.3, -0.3, 0.7, -1.7, -1.9, -0.8, -2.4, -0.1, -0.6, 1.4, -0.7, -1.2, -1.8, 0.6,
      -1.8, -0.6, -0.5, 2.4, -0.1, -0.5, -1.0, 0.6, -0.7,
    ];
    const c = fitStepCorrelation(S, 20, 4, { target: 'ar1' });
    expect(c.targetRho).toBeCloseTo(0.20520907274182046, 9);
    expect(c.shrinkage).toBeCloseTo(0.12020287721883198, 9);
    expect(c.correlation[1]).toBeCloseTo(0.8550770841983479, 9);
    expect(c.correlation[3]).toBeCloseTo(0.8178323300958749, 9);
    expect(c.correlation[1 * 4 + 3]).toBeCloseTo(0.8040473847126465, 9);
    expect(fitStepCorrelation(S, 20, 4).shrinkage).toBeCloseTo(0.1111853539041828, 9);
  });

  it('recovers AR(1) residuals from many nights, with little shrinkage', () => {
    const z = normalSampler(mulberry32(5));
    const nights = 4000,
      steps = 6,
      rho = 0.8;
    const forecast = new Float64Array(nights * steps).fill(100);
    const truth = new Float64Array(nights * steps);
    for (let k = 0; k < nights; k++) {
      let e = z();
      for (let h = 0; h < steps; h++) {
        if (h) e = rho * e + Math.sqrt(1 - rho * rho) * z();
        truth[k * steps + h] = 100 + 3 + (5 + h) * e;
      }
    }
    const c = fitResidualCopula(forecast, truth, nights, steps);
    expect(c.shrinkage).toBeLessThan(0.02);
    for (let h = 0; h < steps; h++) {
      expect(c.bias[h]).toBeCloseTo(3, 0);
      expect(Math.abs(c.std[h] / (5 + h) - 1)).toBeLessThan(0.04);
    }
    expect(c.correlation[1]).toBeCloseTo(0.8, 1);
    expect(c.correlation[2]).toBeCloseTo(0.64, 1);
  });

  it('with few nights the AR(1) target keeps the serial dependence the identity target loses', () => {
    // 20 validation nights of AR(1) residuals (rho 0.95, sd 10) over 72 steps; forecast 100, threshold 85
    const z = normalSampler(mulberry32(12));
    const nights = 20,
      steps = 72,
      rho = 0.95;
    const truth = new Float64Array(nights * steps);
    for (let k = 0; k < nights; k++) {
      let e = z();
      for (let h = 0; h < steps; h++) {
        if (h) e = rho * e + Math.sqrt(1 - rho * rho) * z();
        truth[k * steps + h] = 100 + 10 * e;
      }
    }
    const forecast = new Float64Array(nights * steps).fill(100);
    const exact: ResidualCopula = { ...ar1(steps, rho), bias: new Float64Array(steps), std: new Float64Array(steps).fill(10) };
    const opts = { thresholds: [85], paths: 8000 };
    const truthP = nightProbFromPoint(forecast.subarray(0, steps), 1, steps, exact, opts).prob[0][0][0];
    const p = (target: 'identity' | 'ar1') =>
      nightProbFromPoint(forecast.subarray(0, steps), 1, steps, fitResidualCopula(forecast, truth, nights, steps, { target }), opts)
        .prob[0][0][0];
    expect(Math.abs(p('ar1') - truthP)).toBeLessThan(Math.abs(p('identity') - truthP));
    // shrinking toward independence overstates the chance of a low reading somewhere in the night
    expect(p('identity')).toBeGreaterThan(truthP);
  });

  it('few nights and many steps: still positive definite', () => {
    const z = normalSampler(mulberry32(6));
    const nights = 5,
      steps = 72;
    const resid = Float64Array.from({ length: nights * steps }, z);
    const c = fitResidualCopula(new Float64Array(nights * steps), resid, nights, steps);
    expect(c.shrinkage).toBeGreaterThan(0);
    const L = choleskySemidefinite(c.correlation, steps, 0)!;
    for (let h = 0; h < steps; h++) expect(L[h * steps + h]).toBeGreaterThan(0);
    expect(() => fitResidualCopula([1, 2], [1, 2], 1, 2)).toThrow(/2 validation nights/);
  });

  it('quantile copula: normal scores of PIT values', () => {
    // each night's truth sits at the same quantile at every step: the scores are perfectly correlated
    const nights = 50,
      steps = 3,
      levels = [0.1, 0.5, 0.9];
    const rnd = mulberry32(8);
    const values = new Float64Array(nights * 3 * steps),
      truth = new Float64Array(nights * steps);
    for (let k = 0; k < nights; k++) {
      const u = 0.1 + 0.8 * rnd();
      for (let h = 0; h < steps; h++) {
        const base = 100 + 20 * rnd();
        levels.forEach((_, q) => (values[k * 3 * steps + q * steps + h] = base + (q - 1) * 10));
        truth[k * steps + h] = base - 10 + ((u - 0.1) / 0.4) * 10;
      }
    }
    const c = fitQuantileCopula({ levels, values }, truth, nights, steps, { shrinkage: 0 });
    expect(c.correlation[1]).toBeCloseTo(1, 9);
    expect(c.correlation[5]).toBeCloseTo(1, 9);
  });

  it('semidefinite Cholesky: factors a singular correlation, refuses an indefinite one', () => {
    expect(Array.from(choleskySemidefinite([1, 1, 1, 1], 2)!)).toEqual([1, 0, 1, 0]);
    expect(choleskySemidefinite([1, 2, 2, 1], 2)).toBeNull();
    const L = choleskySemidefinite([4, 2, 2, 3], 2)!;
    expect(Array.from(L)).toEqual([2, 0, 1, expect.closeTo(Math.SQRT2, 12)]);
  });
});
