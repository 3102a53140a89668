/** The report's small pure parts: p-value format, best-of-row, run labels, zone label positions, band names. */
import { describe, expect, it } from 'vitest';
import { pText, pValue } from '../../../ts/metrics/pvalue.js';
import { bestIndices } from '../../../ts/metrics/best.js';
import { runLabels } from '../../../ts/report/labels.js';
import { bandName, CLARKE_LABELS, PARKES_LABELS } from '../../../ts/report/charts.js';
import { clarkeZone, parkesZone } from '../../../ts/metrics/clinical.js';

describe('report parts', () => {
  it('prints p-values one way', () => {
    expect(pText(0.0321)).toBe('p = 0.032');
    expect(pText(0.00004)).toBe('p < 0.001');
    expect(pText(1)).toBe('p = 1.000');
    expect(pValue(1e-13)).toBe('< 0.001');
    expect(pValue(NaN)).toBe('–');
    expect(pValue(null)).toBe('–');
  });

  it('best of a row includes every column, ties and missing scores handled', () => {
    expect(bestIndices([3.2, 2.9, NaN, 3.0])).toEqual([1]);
    expect(bestIndices([2, 1, 1])).toEqual([1, 2]);
    expect(bestIndices([null, undefined, NaN])).toEqual([]);
  });

  it('labels runs short and unique', () => {
    expect(runLabels([{ id: 'q' }, { id: 'p' }])).toEqual(['q', 'p']);
    const a = { id: 'run_20261203_063812_abcdef', family: 'ttm', seed: 1 };
    const b = { id: 'run_20261203_063815_123456', family: 'dlinear', seed: 1 };
    expect(runLabels([a, b])).toEqual(['ttm', 'dlinear']);
    expect(runLabels([a, { ...b, family: 'ttm', seed: 2 }])).toEqual(['ttm s1', 'ttm s2']);
    expect(runLabels([a, { ...b, family: 'ttm' }])).toEqual(['ttm s1 abcdef', 'ttm s1 123456']);
    // never a baseline's name
    expect(runLabels([{ ...a, family: 'linreg' }])).toEqual(['linreg s1']);
  });

  it('error-grid zone labels sit in their zones', () => {
    for (const l of CLARKE_LABELS) expect('ABCDE'[clarkeZone(l.ref, l.pred)], `Clarke ${l.zone} at ${l.ref},${l.pred}`).toBe(l.zone);
    for (const l of PARKES_LABELS) expect('ABCDE'[parkesZone(l.ref, l.pred)], `Parkes ${l.zone} at ${l.ref},${l.pred}`).toBe(l.zone);
    expect(new Set(CLARKE_LABELS.map((l) => l.zone)).size).toBe(5);
    expect(new Set(PARKES_LABELS.map((l) => l.zone)).size).toBe(5);
  });

  it('names bands by their quantiles', () => {
    expect(bandName(0.8)).toBe('10–90 %');
    expect(bandName(0.5)).toBe('25–75 %');
    expect(bandName(0.9)).toBe('5–95 %');
  });
});
