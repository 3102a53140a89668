import { describe, expect, it } from 'vitest';
import {
  criticalDifference,
  friedmanTest,
  nemenyiCD,
  pairedBootstrapCI,
  wilcoxonSignedRank,
  chiSquareSurvival,
  normalCdf,
  normalQuantile,
} from '../../../ts/metrics/stats.js';
import { compareAcrossDatasets, comparePaired } from '../../../ts/metrics/compare.js';

// Reference values from scipy 1.17 (stats.wilcoxon, stats.friedmanchisquare).
describe('comparison statistics', () => {
  it('Wilcoxon signed-rank, exact (scipy: statistic 5, p 0.0390625)', () => {
    const a = [1.83, 0.5, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.3];
    const b = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29];
    const r = wilcoxonSignedRank(a, b);
    expect(r.method).toBe('exact');
    expect(Math.min(r.wPlus, r.wMinus)).toBe(5);
    expect(r.p).toBeCloseTo(0.0390625, 10);
    expect(wilcoxonSignedRank([1, 2, 3, 4, 5], [0, 0, 0, 0, 0]).p).toBeCloseTo(0.0625, 12);
  });

  it('Wilcoxon signed-rank, normal approximation for n > 50 (scipy approx with continuity: p 0.19781)', () => {
    const x = [
      0.126, -0.132, 0.64, 0.105, -0.536, 0.362, 1.304, 0.947, -0.704, -1.265, -0.623, 0.041, -2.325, -0.219, -1.246, -0.732, -0.544,
      -0.316, 0.412, 1.043, -0.129, 1.366, -0.665, 0.352, 0.903, 0.094, -0.743, -0.922, -0.458, 0.22, -1.01, -0.209, -0.159, 0.541, 0.215,
      0.355, -0.654, -0.13, 0.784, 1.493, -1.259, 1.514, 1.346, 0.781, 0.264, -0.314, 1.458, 1.96, 1.802, 1.315, 0.357, -1.208, -0.004,
      0.656, -1.288, 0.395, 0.43, 0.696, -1.184, -0.662, -0.436, -1.17, 1.739, -0.496, 0.329, -0.259, 1.583, 1.32, 0.633, -2.204, 0.052,
      0.684, 1.004, -0.618, 1.822, -1.32, -0.662, 0.935, 0.049, 2.002,
    ];
    const y = [
      0.514, -0.565, 0.463, -0.786, -1.613, 1.192, 2.085, 2.442, -1.258, 0.624, -0.711, 1.816, -2.558, -0.754, -0.796, 0.499, -0.183,
      -0.702, -0.73, -0.159, 0.574, 2.556, -0.629, -0.523, 1.977, -0.986, -1.257, -0.101, -2.508, 0.807, -1.391, 0.1, -0.035, 0.943, 1.109,
      -0.203, 0.967, 0.796, 1.828, 2.858, -0.271, 2.558, 1.621, -0.445, 0.329, -0.883, 0.235, 2.419, 1.433, 0.485, -0.486, -0.74, 0.554,
      2.179, -1.102, 1.637, 2.032, 2.046, -3.349, 0.767, 0.103, -0.546, 2.311, 0.087, 0.848, -0.417, -0.118, 1.411, 0.03, -0.923, -0.037,
      0.967, 0.354, -0.929, 2.01, -2.606, -0.161, 1.029, -0.937, -0.196,
    ];
    const r = wilcoxonSignedRank(x, y);
    expect(r.method).toBe('normal');
    expect(Math.min(r.wPlus, r.wMinus)).toBe(1351);
    expect(r.p).toBeCloseTo(0.1978132, 4);
  });

  it('Friedman chi-square (scipy: 5.2, p 0.0742736) and the Nemenyi CD', () => {
    const m = [
      [1.0, 2.0, 3.0],
      [2.0, 1.5, 3.5],
      [1.2, 2.2, 2.1],
      [1.1, 3.0, 2.5],
      [0.9, 1.8, 2.0],
    ];
    const f = friedmanTest(m);
    expect(f.chi2).toBeCloseTo(5.2, 10);
    expect(f.p).toBeCloseTo(0.0742735782, 8);
    expect(f.avgRanks).toEqual([1.2, 2.2, 2.6]);
    expect(chiSquareSurvival(3.841458820694124, 1)).toBeCloseTo(0.05, 8);
    // Demsar 2006: q_0.05 = 2.569 for k = 4
    expect(nemenyiCD(4, 14)).toBeCloseTo(2.569 * Math.sqrt(20 / 84), 10);
    const cd = criticalDifference(['a', 'b', 'c'], m);
    expect(cd.cd).toBeCloseTo(2.343 * Math.sqrt(12 / 30), 10);
    expect(cd.groups).toEqual([['a', 'b', 'c']]); // 2.6 - 1.2 = 1.4 < CD 1.48
    expect(criticalDifference(['a', 'b', 'c'], [...m, ...m, ...m]).groups).toEqual([['b', 'c']]); // CD 0.86 with 15 datasets
    expect(() => friedmanTest([[1, 2]])).toThrow(/at least 2 datasets/);
  });

  it('paired bootstrap: a constant difference has a zero-width CI; the CI brackets the mean', () => {
    const a = Array.from({ length: 50 }, (_, i) => i + 2);
    const b = Array.from({ length: 50 }, (_, i) => i);
    const c = pairedBootstrapCI(a, b);
    expect([c.meanDiff, c.lo, c.hi]).toEqual([2, 2, 2]);
    const noisy = pairedBootstrapCI(
      a.map((v, i) => v + Math.sin(i * 7) * 3),
      b,
      { seed: 3 },
    );
    expect(noisy.lo).toBeLessThan(noisy.meanDiff);
    expect(noisy.hi).toBeGreaterThan(noisy.meanDiff);
    expect(() => pairedBootstrapCI([1], [1, 2])).toThrow(/differ in length/);
  });

  it('comparePaired and compareAcrossDatasets', () => {
    const p = comparePaired({ name: 'm', perWindow: [1, 2, 3, 4, 5] }, { name: 'b', perWindow: [2, 3, 4, 5, 6] });
    expect(p.bootstrap.meanDiff).toBe(-1);
    expect(p.wilcoxon.p).toBeCloseTo(0.0625, 12);
    const rows = ['d1', 'd2', 'd3'].flatMap((d, i) => [
      { dataset: d, model: 'x', score: 1 + i },
      { dataset: d, model: 'y', score: 2 + i },
    ]);
    const t = compareAcrossDatasets(rows);
    expect(t.scores).toEqual([
      [1, 2],
      [2, 3],
      [3, 4],
    ]);
    expect(t.cd?.avgRanks).toEqual([1, 2]);
    expect(compareAcrossDatasets(rows.slice(0, 2)).cd).toBeNull();
  });
});

describe('normalQuantile', () => {
  it('matches Python statistics.NormalDist().inv_cdf to 1e-9 and inverts normalCdf', () => {
    const ref: Array<[number, number]> = [
      [0.975, 1.9599639845400536],
      [0.025, -1.9599639845400538],
      [0.001, -3.090232306167813],
      [1e-10, -6.361340902404056],
      [0.8, 0.8416212335729144],
      [0.3, -0.5244005127080407],
      [0.5, 0],
    ];
    for (const [p, z] of ref) expect(Math.abs(normalQuantile(p) - z)).toBeLessThan(1e-9 * Math.max(1, Math.abs(z)));
    for (const p of [0.01, 0.2, 0.6, 0.99]) expect(normalCdf(normalQuantile(p))).toBeCloseTo(p, 6);
    expect(normalQuantile(0)).toBe(-Infinity);
    expect(normalQuantile(1)).toBe(Infinity);
    expect(normalQuantile(1.5)).toBeNaN();
    expect(normalQuantile(NaN)).toBeNaN();
  });
});
