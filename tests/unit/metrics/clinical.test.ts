import { describe, expect, it } from 'vitest';
import {
  clarkeZone,
  parkesZone,
  clarkeGrid,
  timeInRanges,
  lbgiHbgi,
  bgRiskSigned,
  detection,
  isHypo,
  mccFromCounts,
  ZONES,
} from '../../../ts/metrics/clinical.js';

const z = (i: number) => ZONES[i];

describe('Clarke error grid (Clarke et al. 1987; boundaries as documented in docs/evaluation.md)', () => {
  // [reference, forecast, zone]: points exactly on each boundary, and just across it
  const cases: Array<[number, number, string]> = [
    // A: within 20% (inclusive)
    [100, 120, 'A'],
    [100, 80, 'A'],
    [100, 120.001, 'B'],
    [100, 79.999, 'B'],
    [300, 360, 'A'],
    [300, 240, 'A'],
    [300, 239.9, 'B'],
    [70, 56, 'A'],
    [70, 84, 'A'],
    // A lower-left square: both < 70 (strict, as in the paper)
    [69.9, 69.9, 'A'],
    [0, 0, 'A'],
    [50, 69.99, 'A'],
    [50, 70, 'D'],
    [70, 55.9, 'B'],
    [70, 50, 'B'],
    // upper-left D / E: reference < 70, forecast 70..180 is D, > 180 is E
    [50, 180, 'D'],
    [50, 180.01, 'E'],
    [69.99, 181, 'E'],
    [69.99, 100, 'D'],
    // reference = 70 leaves the D/E strip; C starts at reference 70 (inclusive) above ref + 110
    [70, 181, 'C'],
    [70, 180, 'B'],
    [100, 210, 'B'],
    [100, 210.01, 'C'],
    [289.9, 401, 'C'],
    [290, 401, 'B'],
    // lower C: 130 <= ref <= 180, forecast < 1.4 ref - 182
    [150, 28, 'B'],
    [150, 27.9, 'C'],
    [180, 69, 'C'],
    [180, 70, 'B'],
    [130, -0.1, 'C'],
    // lower E: ref > 180, forecast < 70
    [180.01, 69, 'E'],
    [181, 69.9, 'E'],
    [181, 70, 'B'],
    // right D: ref > 240, 70 <= forecast < 180
    [250, 70, 'D'],
    [250, 69.9, 'E'],
    [250, 179.9, 'D'],
    [250, 180, 'B'],
    [240, 100, 'B'],
    [240.01, 100, 'D'],
  ];
  it.each(cases)('(%f, %f) is zone %s', (r, p, zone) => {
    expect(z(clarkeZone(r, p))).toBe(zone);
  });

  it('percentages over points, skipping NaN', () => {
    const g = clarkeGrid([100, 100, 250, NaN], [100, 130, 60, 1]);
    expect(g.n).toBe(3);
    expect(g.counts).toEqual({ A: 1, B: 1, C: 0, D: 0, E: 1 });
    expect(g.percent.A).toBeCloseTo(100 / 3, 10);
  });
});

describe('Parkes consensus error grid, type 1 (vertices of Pfützner et al. 2013)', () => {
  const cases: Array<[number, number, string]> = [
    // A upper: (0,50) (30,50) (140,170) (280,380) (430,550)
    [0, 50, 'A'],
    [0, 50.01, 'B'],
    [30, 50, 'A'],
    [85, 110, 'A'],
    [85, 110.01, 'B'],
    [140, 170, 'A'],
    [280, 380, 'A'],
    [280, 380.1, 'B'],
    [430, 550, 'A'],
    // A lower: vertical x = 50 up to 30, then (170,145) (385,300) (550,450)
    [50, 0, 'A'],
    [50.01, 29, 'B'],
    [170, 145, 'A'],
    [170, 144.9, 'B'],
    [385, 300, 'A'],
    [550, 450, 'A'],
    [550, 449.9, 'B'],
    // B upper: (0,60) (30,60) (50,80) (70,110) (260,550)
    [0, 60, 'B'],
    [0, 60.01, 'C'],
    [50, 80, 'B'],
    [70, 110, 'B'],
    [70, 110.01, 'C'],
    [260, 550, 'B'],
    // B lower: vertical x = 120 up to 30, then (260,130) (550,250)
    [120, 0, 'B'],
    [120.01, 0, 'C'],
    [260, 130, 'B'],
    [260, 129.9, 'C'],
    [550, 250, 'B'],
    [550, 249.9, 'C'],
    // C upper: (0,100) (25,100) (50,125) (80,215) (125,550)
    [0, 100, 'C'],
    [0, 100.01, 'D'],
    [25, 100, 'C'],
    [50, 125, 'C'],
    [80, 215, 'C'],
    [80, 215.1, 'D'],
    [125, 550, 'C'],
    // C lower: vertical x = 250 up to 40, then (550,150)
    [250, 0, 'C'],
    [250.01, 0, 'D'],
    [550, 150, 'C'],
    [550, 149.9, 'D'],
    // D upper: (0,150) (35,155) (50,550); above is E
    [0, 150, 'D'],
    [0, 150.01, 'E'],
    [35, 155, 'D'],
    [35, 155.01, 'E'],
    [50, 550, 'D'],
    [50, 550.1, 'E'],
    [100, 100, 'A'],
  ];
  it.each(cases)('(%f, %f) is zone %s', (r, p, zone) => {
    expect(z(parkesZone(r, p))).toBe(zone);
  });
});

describe('ranges, risk indices, MCC', () => {
  it('time in ranges uses <54, 54-69, 70-180, 181-250, >250', () => {
    const t = timeInRanges([53.9, 54, 69.9, 70, 180, 180.1, 250, 250.1, NaN]);
    expect(t.n).toBe(8);
    expect([t.below_54, t['54_69'], t['70_180'], t['181_250'], t.above_250]).toEqual([12.5, 25, 25, 25, 12.5]);
  });

  it('Kovatchev risk: hand-computed values; LBGI/HBGI are means of the low/high risk', () => {
    expect(bgRiskSigned(50)).toBeCloseTo(-22.5004, 3);
    expect(bgRiskSigned(300)).toBeCloseTo(33.952, 2);
    expect(Math.abs(bgRiskSigned(112.5))).toBeLessThan(1e-4);
    expect(bgRiskSigned(-5)).toBe(bgRiskSigned(20)); // clamped
    const r = lbgiHbgi([50, 300]);
    expect(r.lbgi).toBeCloseTo(22.5004 / 2, 3);
    expect(r.hbgi).toBeCloseTo(33.952 / 2, 2);
  });

  it('MCC by hand; 0 when undefined', () => {
    expect(mccFromCounts(1, 1, 1, 1)).toBe(0);
    expect(mccFromCounts(5, 0, 5, 0)).toBe(1);
    // tp=2 fp=1 tn=3 fn=1: (6-1)/sqrt(3*3*4*4) = 5/12
    expect(mccFromCounts(2, 1, 3, 1)).toBeCloseTo(5 / 12, 12);
    const d = detection([60, 60, 100, 65, 100, 100, 100], [60, 65, 60, 100, 100, 100, 100], isHypo);
    expect([d.tp, d.fp, d.tn, d.fn]).toEqual([2, 1, 3, 1]);
    expect(d.mcc).toBeCloseTo(5 / 12, 12);
    expect(mccFromCounts(0, 0, 10, 0)).toBe(0);
  });
});
