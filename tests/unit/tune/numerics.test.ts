import { describe, expect, it } from 'vitest';
import { erf, erfc } from '../../../ts/tune/erf.js';
import { logGaussMass, truncnormPpf } from '../../../ts/tune/truncnorm.js';
import { defaultWeights, parzenEstimator, DEFAULT_PARZEN } from '../../../ts/tune/parzen.js';

// Reference values from /usr/bin/python3 (math.erf/erfc; Optuna 3.1.0's _truncnorm and _ParzenEstimator).
const close = (got: number[], want: number[], tol = 1e-7) =>
  got.forEach((g, i) => expect(Math.abs(g - want[i]!)).toBeLessThan(tol * Math.max(1, Math.abs(want[i]!))));
const optuna310 = DEFAULT_PARZEN;

describe('truncated-normal numerics', () => {
  it('erf and erfc match the C library, erfc in relative terms far in the tail', () => {
    close([0.1, 1, 2, 3.5].map(erf), [0.1124629160182849, 0.8427007929497149, 0.9953222650189527, 0.9999992569016276], 1e-15);
    close([0.5, 1, 2].map(erfc), [0.4795001221869535, 0.15729920705028513, 0.004677734981047265], 1e-15);
    expect(erfc(5) / 1.5374597944280351e-12).toBeCloseTo(1, 12);
    expect(erfc(10) / 2.088487583762545e-45).toBeCloseTo(1, 12);
  });

  it('log Gaussian masses and truncated quantiles match Optuna', () => {
    close(
      [logGaussMass(-1, 2), logGaussMass(-30, -25), logGaussMass(2, 9), logGaussMass(-3, -2.5)],
      [-2.00166294e-1, -3.16639408e2, -3.78318433, -5.32676472],
    );
    close([truncnormPpf(0.3, -1, 2), truncnormPpf(0.9, 0.5, 3), truncnormPpf(0.01, -5, -1)], [-0.24240382, 1.85122407, -2.95039562]);
  });
});

describe('Parzen estimators', () => {
  it('ramps the weights of old trials as Optuna does', () => {
    expect(defaultWeights(3)).toEqual([1, 1, 1]);
    close(defaultWeights(30).slice(0, 6), [0.03333333, 0.275, 0.51666667, 0.75833333, 1, 1]);
    expect(defaultWeights(30)).toHaveLength(30);
  });

  it('by default, equals Optuna 3.1.0 on float, int, log-float and categorical spaces', () => {
    const f = parzenEstimator({ kind: 'float', low: -2, high: 3, log: false }, [0.1, 0.5, 0.52, 2, -1], optuna310);
    close([0, 0.51, 2.9, -1.9].map(f.logPdf), [-0.79511583, -0.7706421, -1.37875321, -1.39324819]);
    const i = parzenEstimator({ kind: 'int', low: 1, high: 10, log: false, step: 1 }, [3, 5, 8, 8], optuna310);
    close([1, 5, 8, 10].map(i.logPdf), [-2.95016267, -2.14569101, -2.08860301, -2.61096463]);
    const l = parzenEstimator({ kind: 'float', low: 1e-4, high: 1e-1, log: true }, [1e-3, 3e-3, 5e-4], optuna310);
    close([1e-3, 2e-2].map(l.logPdf), [-0.62466197, -1.19113196]);
    const c = parzenEstimator({ kind: 'categorical', choices: ['a', 'b', 'c'] }, [0, 2, 2]);
    close([0, 1, 2].map(c.logPdf), [-1.09861229, -1.65822808, -0.74193734]);
  });

  it('is a density: a float estimator integrates to 1 with the bandwidth term', () => {
    const f = parzenEstimator({ kind: 'float', low: -2, high: 3, log: false }, [0.1, 0.5, 0.52, 2, -1], {
      ...DEFAULT_PARZEN,
      bandwidthTerm: true,
    });
    let s = 0;
    const n = 20000;
    for (let k = 0; k < n; k++) s += Math.exp(f.logPdf(-2 + (5 * (k + 0.5)) / n)) * (5 / n);
    expect(s).toBeCloseTo(1, 4);
  });
});
