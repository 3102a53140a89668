import { describe, expect, it } from 'vitest';
import {
  bootstrapDiscrimination,
  brierDecomposition,
  chooseThreshold,
  expectedCalibrationError,
  formatDiscrimination,
  nightSummary,
  operatingPoint,
  reliabilityBins,
  type DiscriminationSummary,
} from '../../../ts/metrics/night-metrics.js';
import { auroc } from '../../../ts/metrics/hypo.js';
import { mulberry32, normalSampler } from '../../../ts/util/random.js';

// Three bins of constant forecasts: 4 nights at 0.05 (1 positive), 3 at 0.35 (1), 3 at 0.85 (2).
const binned = [0.05, 0.05, 0.05, 0.05, 0.35, 0.35, 0.35, 0.85, 0.85, 0.85];
const binnedLabels = [0, 0, 0, 1, 0, 1, 0, 1, 1, 0];

/** Binormal scores: positives N(shift, 1), negatives N(0, 1). */
function binormal(pos: number, neg: number, shift: number, seed: number) {
  const z = normalSampler(mulberry32(seed));
  const scores = [...Array.from({ length: pos }, () => shift + z()), ...Array.from({ length: neg }, z)];
  const labels = scores.map((_, i) => (i < pos ? 1 : 0));
  return { scores, labels };
}

describe('Brier decomposition, ECE and reliability bins', () => {
  it('by hand: REL - RES + UNC = Brier for binned-constant forecasts', () => {
    // base rate 0.4: UNC = 0.24; REL = (4*.2^2 + 3*(.35-1/3)^2 + 3*(.85-2/3)^2)/10 = 0.0261667;
    // RES = (4*.15^2 + 3*(1/3-.4)^2 + 3*(2/3-.4)^2)/10 = 0.0316667; Brier = (0.91 + 0.6675 + 0.7675)/10 = 0.2345
    const d = brierDecomposition(binned, binnedLabels);
    expect(d.brier).toBeCloseTo(0.2345, 12);
    expect(d.uncertainty).toBeCloseTo(0.24, 12);
    expect(d.reliability).toBeCloseTo(0.0261666667, 9);
    expect(d.resolution).toBeCloseTo(0.0316666667, 9);
    expect(d.reliability - d.resolution + d.uncertainty).toBeCloseTo(d.brier, 12);
    expect(d.withinBin).toBeCloseTo(0, 12);
    // ECE = (4*.2 + 3*(1/60) + 3*(11/60)) / 10 = 0.14
    expect(expectedCalibrationError(binned, binnedLabels)).toBeCloseTo(0.14, 12);
  });

  it('forecasts that vary inside a bin leave a non-negative within-bin term', () => {
    const rnd = mulberry32(2);
    const p = Array.from({ length: 400 }, rnd);
    const y = p.map((q) => (rnd() < q ? 1 : 0));
    const d = brierDecomposition(p, y);
    expect(d.withinBin).toBeGreaterThanOrEqual(0);
    expect(d.withinBin).toBeLessThan(0.01);
    expect(d.brier).toBeCloseTo(p.reduce((a, q, i) => a + (q - y[i]) ** 2, 0) / p.length, 12);
  });

  it('reliability bins: equal width, 1 in the last bin, empty bins NaN', () => {
    const bins = reliabilityBins([0, 0.1, 0.15, 1, NaN], [0, 1, 0, 1, 1]);
    expect(bins.length).toBe(10);
    expect(bins[0]).toEqual({ lo: 0, hi: 0.1, count: 1, meanPredicted: 0, observed: 0 });
    expect(bins[1].count).toBe(2);
    expect(bins[1].meanPredicted).toBeCloseTo(0.125, 12);
    expect(bins[1].observed).toBe(0.5);
    expect(bins[9].count).toBe(1);
    expect(bins[5].count).toBe(0);
    expect(bins[5].observed).toBeNaN();
    expect(() => reliabilityBins([1.2], [1])).toThrow(/outside \[0, 1\]/);
  });
});

describe('discrimination with stratified bootstrap intervals', () => {
  it('is seeded, brackets the estimate, and has about the Hanley-McNeil width', () => {
    // binormal shift sqrt(2) Φ^-1(0.8) = 1.19023: population AUROC 0.8; Hanley-McNeil SE at A = 0.8,
    // 100 positives, 200 negatives: 0.02911 (by hand from HM 1982 eq. 2)
    const { scores, labels } = binormal(100, 200, 1.19023, 3);
    const a = bootstrapDiscrimination(scores, labels, { seed: 5 });
    const b = bootstrapDiscrimination(scores, labels, { seed: 5 });
    expect(a).toEqual(b);
    expect(a.auroc).toBe(auroc(scores, labels));
    expect(a.aurocCI.lo).toBeLessThan(a.auroc);
    expect(a.aurocCI.hi).toBeGreaterThan(a.auroc);
    expect(a.auprcCI.lo).toBeLessThan(a.auprc);
    expect(a.auprcCI.hi).toBeGreaterThan(a.auprc);
    const se = (a.aurocCI.hi - a.aurocCI.lo) / (2 * 1.959964);
    expect(se / 0.02911).toBeGreaterThan(0.8);
    expect(se / 0.02911).toBeLessThan(1.25);
    expect(Math.abs(a.auroc - 0.8)).toBeLessThan(3 * 0.02911);
  });

  it('keeps the class counts: one positive still gives an interval; separated classes give [1, 1]', () => {
    const one = bootstrapDiscrimination([0.9, 0.1, 0.2, 0.95], [1, 0, 0, 0], { reps: 200 });
    expect(one.positives).toBe(1);
    expect(Number.isFinite(one.aurocCI.lo)).toBe(true);
    const sep = bootstrapDiscrimination([0.9, 0.8, 0.1, 0.2], [1, 1, 0, 0], { reps: 200 });
    expect(sep.aurocCI).toEqual({ lo: 1, hi: 1, level: 0.95 });
    const none = bootstrapDiscrimination([0.1, 0.2], [0, 0]);
    expect(none.aurocCI.lo).toBeNaN();
  });
});

describe('operating point chosen on validation', () => {
  const val = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6];
  const valLab = [0, 0, 1, 0, 1, 1];

  it('Youden: the highest threshold of maximal J; target sensitivity: the highest that reaches it', () => {
    // J at >= .6: 1/3; >= .5: 2/3; >= .4: 1/3; >= .3: 2/3 (tie, the higher wins); >= .2: 1/3; >= .1: 0
    expect(chooseThreshold(val, valLab, { rule: 'youden' })).toBe(0.5);
    expect(chooseThreshold(val, valLab, { rule: 'sensitivity', target: 1 })).toBe(0.3);
    expect(chooseThreshold(val, valLab, { rule: 'sensitivity', target: 0.6 })).toBe(0.5);
    expect(() => chooseThreshold([0.1], [1], { rule: 'youden' })).toThrow(/positive and negative/);
  });

  it('sensitivity and specificity on test nights at that threshold', () => {
    const op = operatingPoint([0.45, 0.55, 0.7, 0.2], [1, 1, 0, 0], 0.5);
    expect(op).toEqual({ threshold: 0.5, sensitivity: 0.5, specificity: 0.5, tp: 1, fp: 1, tn: 1, fn: 1 });
  });
});

describe('nightSummary', () => {
  it('no point AUROC below 10 positive nights: the count and the interval', () => {
    const { scores, labels } = binormal(9, 100, 1, 4);
    const p = scores.map((s) => 1 / (1 + Math.exp(-s)));
    const s = nightSummary(p, labels, { reps: 300 });
    const d: DiscriminationSummary = s.discrimination;
    expect(d.reportable).toBe(false);
    expect('auroc' in d).toBe(false);
    expect(d.positives).toBe(9);
    expect(Number.isFinite(d.aurocCI.lo)).toBe(true);
    expect(formatDiscrimination(d)).toMatch(/^AUROC not reported: 9 positive of 109 nights \(< 10\); 95% CI 0\.\d{3}-[01]\.\d{3}$/);
    expect(s.nights).toBe(109);
    expect(s.operating).toBeUndefined();
  });

  it('a point AUROC with its interval from 10 positive nights on', () => {
    const { scores, labels } = binormal(10, 100, 1, 4);
    const p = scores.map((s) => 1 / (1 + Math.exp(-s)));
    const s = nightSummary(p, labels, { reps: 300, operatingThreshold: 0.5 });
    if (!s.discrimination.reportable) throw new Error('expected a reportable AUROC');
    expect(s.discrimination.auroc).toBe(auroc(p, labels));
    expect(formatDiscrimination(s.discrimination)).toMatch(/^AUROC 0\.\d{3} \(95% CI .*\), AUPRC .*; 10 positive of 110 nights$/);
    expect(s.operating!.tp + s.operating!.fn).toBe(10);
    expect(s.reliability.length).toBe(10);
    expect(s.brier.nights).toBe(110);
  });
});
