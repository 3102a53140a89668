import { describe, expect, it } from 'vitest';
import { statisticalTests, type AggregateRow } from '../../../ts/experiments/aggregate.js';

function row(dataset: string, model: string, values: number[], best = false): AggregateRow {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return {
    dataset,
    strategy: 'global',
    context_length: 96,
    model,
    metric: 'test_rmse',
    n: values.length,
    mean,
    std: null,
    seeds: values.map((_, i) => i),
    values,
    runs: [],
    missing: [],
    best,
  };
}

describe('experiment statistics', () => {
  const rows = [
    row('broll', 'ttm', [10, 10.5, 10.2, 10.1, 10.4, 10.3], true),
    row('broll', 'dlinear', [12, 12.4, 12.1, 12.6, 12.2, 12.3]),
    row('broll', 'patchtst', [11, 11.2, 11.1, 11.3, 11.4, 11.5]),
    row('shanghai', 'ttm', [20, 20.1, 20.3, 20.2, 20.4, 20.5], true),
    row('shanghai', 'dlinear', [22, 22.3, 22.1, 22.2, 22.4, 22.5]),
    row('shanghai', 'patchtst', [21, 21.3, 21.1, 21.2, 21.5, 21.4]),
    row('sim', 'ttm', [30, 30.2, 30.1, 30.3, 30.4, 30.5], true),
    row('sim', 'dlinear', [33, 33.1, 33.2, 33.3, 33.4, 33.5]),
    row('sim', 'patchtst', [31, 31.2, 31.1, 31.3, 31.4, 31.5]),
  ];

  it('compares the best model of each group with every other over the shared seeds', () => {
    const t = statisticalTests(rows).filter((x) => x.test.startsWith('paired'));
    expect(t).toHaveLength(6);
    const d = t.find((x) => x.group === 'broll/global/ctx96' && x.detail.model === 'dlinear')!.detail;
    expect(d.versus).toBe('ttm');
    expect(d.seeds).toBe(6);
    expect(d.mean_difference).toBeCloseTo(2.017, 3); // mean(dlinear) - mean(ttm) over the six seeds
    expect((d.ci95 as number[])[0]).toBeGreaterThan(0);
    expect(d.wilcoxon_p).toBeCloseTo(0.03125, 5); // all 6 differences positive: exact two-sided p = 2/2^6
  });

  it('ranks the models across groups with Friedman and the critical difference', () => {
    const f = statisticalTests(rows).find((x) => x.test.startsWith('Friedman'))!;
    expect(f.group).toBe('3 groups');
    expect(f.detail.average_ranks).toEqual({ ttm: 1, patchtst: 2, dlinear: 3 });
    expect(f.detail.friedman_p as number).toBeCloseTo(0.0498, 3); // chi2 = 6, df = 2
  });

  it('runs no test where none applies (one seed, one group)', () => {
    expect(statisticalTests([row('a', 'x', [1], true), row('a', 'y', [2])])).toEqual([]);
  });
});
