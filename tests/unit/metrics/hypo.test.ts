import { describe, expect, it } from 'vitest';
import { auprc, auroc, brierScore, nightLevel, probBelowFromPoint, probBelowFromQuantiles, rocCurve } from '../../../ts/metrics/hypo.js';

describe('hypoglycaemia probability', () => {
  it('P(glucose < thr) from quantiles: interpolated, with linear tails', () => {
    const qf = { levels: [0.1, 0.5, 0.9], values: [90, 100, 110] };
    expect(probBelowFromQuantiles(qf, 1, 1, 95)[0]).toBeCloseTo(0.3, 12);
    expect(probBelowFromQuantiles(qf, 1, 1, 88.75)[0]).toBeCloseTo(0.05, 12);
    expect(probBelowFromQuantiles(qf, 1, 1, 70)[0]).toBe(0);
    expect(probBelowFromQuantiles(qf, 1, 1, 111.25)[0]).toBeCloseTo(0.95, 12);
    // crossing quantiles are sorted first
    expect(probBelowFromQuantiles({ levels: [0.1, 0.5, 0.9], values: [100, 90, 110] }, 1, 1, 95)[0]).toBeCloseTo(0.3, 12);
    expect(() => probBelowFromQuantiles({ levels: [0.1, 0.5, 0.9], values: [NaN, 90, 110] }, 1, 1, 95)).toThrow(/NaN/);
  });

  it('point forecasts are point masses', () => {
    expect(Array.from(probBelowFromPoint([69.9, 70, NaN], 70))).toEqual([1, 0, NaN]);
  });

  it('Brier score per step by hand', () => {
    const b = brierScore([0.2, 0.9], [80, 60], 1, 2, 70);
    expect(b.perStep[0]).toBeCloseTo(0.04, 12);
    expect(b.perStep[1]).toBeCloseTo(0.01, 12);
    expect(b.mean).toBeCloseTo(0.025, 12);
    expect(b.events).toBe(1);
  });

  it('AUROC and average precision (scikit-learn reference example), ties count half', () => {
    expect(auroc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBeCloseTo(0.75, 12);
    expect(auprc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBeCloseTo(0.8333333333, 9);
    expect(auroc([0.5, 0.5], [1, 0])).toBe(0.5);
    expect(auroc([0.5, 0.7], [1, 1])).toBeNaN();
    const roc = rocCurve([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]);
    expect(roc[0]).toEqual({ fpr: 0, tpr: 0 });
    expect(roc[roc.length - 1]).toEqual({ fpr: 1, tpr: 1 });
  });

  it('night level: label = any value below, score = max or mean of P', () => {
    const r = nightLevel([0.1, 0.6, 0.2, 0.3], [80, 65, 90, 75], 4, 1, [0, 0, 1, 1], 70, 'max');
    expect(r.scores).toEqual([0.6, 0.3]);
    expect(r.labels).toEqual([1, 0]);
    expect(r.auroc).toBe(1);
    expect(r.brier).toBeCloseTo(((0.6 - 1) ** 2 + 0.3 ** 2) / 2, 12);
    const m = nightLevel([0.1, 0.6, 0.2, 0.3], [80, 65, 90, 75], 4, 1, [0, 0, 1, 1], 70, 'mean');
    expect(m.scores[0]).toBeCloseTo(0.35, 12);
  });
});
