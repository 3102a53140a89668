import { describe, expect, it } from 'vitest';
import { fitLinReg, lastValueForecast, linRegForecast, seasonalNaiveForecast } from '../../../ts/metrics/baselines.js';
import { WindowSetBuilder } from '../../../ts/data/windows.js';
import { syntheticDataset } from '../data/synthetic.js';

describe('baselines', () => {
  it('last value repeats the last context value', () => {
    const v = Float32Array.from([1, 2, 3, 4, 5, 6, 7]);
    expect(Array.from(lastValueForecast(v, [0, 2], 3, 2))).toEqual([3, 3, 5, 5]);
  });

  it('seasonal naive takes the value one day earlier in the same series, NaN where there is none', () => {
    // hourly data: one series of 30 rows (a day is 24 rows), another series after it
    const ds = syntheticDataset([[30], [30]], { intervalMs: 3_600_000 });
    const f = seasonalNaiveForecast(ds, 0, [20, 0], 3, 3);
    // window starting at row 20: targets are rows 23..25, one day earlier rows -1 (missing), 0, 1
    expect(Array.from(f.subarray(0, 3))).toEqual([NaN, 0, 1]);
    expect(Array.from(f.subarray(3)).every(Number.isNaN)).toBe(true);
    // second series: rows 30.. ; window start 50 -> targets 53..55 -> one day earlier 29..31 -> first is another series
    const g = seasonalNaiveForecast(ds, 0, [50], 3, 3);
    expect(Array.from(g)).toEqual([NaN, 30, 31]);
  });

  it('LinReg recovers the exact linear recurrence of a sinusoid with an offset', () => {
    // x_t = c + A sin(w t) satisfies x_t = 2 cos(w) x_{t-1} - x_{t-2} + c (2 - 2 cos w)
    const w = 0.3,
      c = 100,
      n = 400;
    const x = Float32Array.from({ length: n }, (_, t) => c + 20 * Math.sin(w * t));
    const b = new WindowSetBuilder(4, 1, 1);
    b.addRange(0, n - 5);
    const m = fitLinReg(Float64Array.from(x), b.build(), 2, 1);
    const [icpt, w2, w1] = m.weights[0];
    expect(w1).toBeCloseTo(2 * Math.cos(w), 4);
    expect(w2).toBeCloseTo(-1, 4);
    expect(icpt).toBeCloseTo(c * (2 - 2 * Math.cos(w)), 2);
    const f = linRegForecast(m, x, [10], 4);
    expect(f[0]).toBeCloseTo(x[14], 2);
  });

  it('LinReg refuses lags longer than the context and too few windows', () => {
    const b = new WindowSetBuilder(4, 1, 1);
    b.addRange(0, 3);
    expect(() => fitLinReg(new Float64Array(100), b.build(), 5, 1)).toThrow(/lags \(5\) exceed the context length \(4\)/);
    expect(() => fitLinReg(new Float64Array(100), b.build(), 4, 1)).toThrow(/too few/);
    expect(() => fitLinReg(new Float64Array(100), b.build(), 4, 2)).toThrow(/horizon 2 is longer/);
  });
});
