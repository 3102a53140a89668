import { describe, expect, it } from 'vitest';
import { datasetFromArrays } from '../../../ts/data/in-memory.js';
import { mappingAsOverrides, mappingFromOverrides } from '../../../ts/data/file-mapping.js';

const T0 = Date.UTC(2024, 0, 1);
const MIN5 = 300_000;

describe('datasetFromArrays (predict on arrays in memory)', () => {
  it('groups rows by series, snaps near-grid times and splits at a gap longer than one interval', () => {
    const times = [0, 1, 2, 3, 7, 8].map((k) => T0 + k * MIN5 + (k === 2 ? 20_000 : 0)); // 20 s late: snapped
    const ds = datasetFromArrays(
      {
        series: ['a', 'a', 'a', 'a', 'a', 'a', 'b', 'b'],
        times: [...times, T0, T0 + MIN5],
        values: [100, 110, 120, 130, 170, 180, 90, 95],
        covariates: { carbs: [0, 30, 0, 0, 0, 0, 0, 0] },
      },
      { targetName: 'glucose' },
    );
    expect(ds.intervalMs).toBe(MIN5);
    expect(ds.channels.map((c) => `${c.name}:${c.role}`)).toEqual(['glucose:target', 'carbs:past_covariate']);
    expect(ds.series.map((s) => s.id)).toEqual(['a', 'b']);
    expect(ds.segments.map((s) => [s.series, s.length, s.startMs])).toEqual([
      [0, 4, T0],
      [0, 2, T0 + 7 * MIN5],
      [1, 2, T0],
    ]);
    expect(Array.from(ds.values[0]!)).toEqual([100, 110, 120, 130, 170, 180, 90, 95]);
    expect(Array.from(ds.values[1]!)).toEqual([0, 30, 0, 0, 0, 0, 0, 0]);
  });

  it('takes one series id for all rows, Date or ISO times, and a given interval', () => {
    const ds = datasetFromArrays(
      { series: 'me', times: [new Date(T0), new Date(T0 + 2 * MIN5)], values: Float64Array.of(100, 120) },
      { targetName: 'gl', intervalMs: MIN5, maxGapMs: 2 * MIN5 },
    );
    // The 10-minute gap is bridged (max gap 10 min): one segment of 3, the middle interpolated.
    expect(ds.segments).toHaveLength(1);
    expect(Array.from(ds.values[0]!)).toEqual([100, 110, 120]);
    const iso = datasetFromArrays(
      { series: 'me', times: ['2024-01-01T00:00:00Z', '2024-01-01T00:05:00Z'], values: [1, 2] },
      { targetName: 'gl' },
    );
    expect(iso.segments[0]!.startMs).toBe(T0);
  });

  it('arrays that do not line up fail in one line naming them', () => {
    expect(() => datasetFromArrays({ series: ['a'], times: [T0, T0 + MIN5], values: [1, 2] }, { targetName: 'g' })).toThrow(
      'predict: series has 1 entries, values 2; give one series id per value (or one string)',
    );
    expect(() => datasetFromArrays({ series: 'a', times: [T0, 'noon'], values: [1, 2] }, { targetName: 'g' })).toThrow(
      'predict: times[1] is not a time (noon)',
    );
    expect(() =>
      datasetFromArrays({ series: 'a', times: [T0, T0 + MIN5], values: [1, 2], covariates: { insulin: [1] } }, { targetName: 'g' }),
    ).toThrow("predict: covariate 'insulin' has 1 entries, values 2");
  });
});

describe('file mapping as dataset overrides', () => {
  it('round-trips the flags through data.overrides and leaves other keys alone', () => {
    const o = mappingAsOverrides({ time: 'when', target: 'bg', timeFormat: 'DD/MM/YYYY HH:mm', timeZone: 'Europe/Oslo', id: undefined });
    expect(o).toEqual({ time: 'when', target: 'bg', time_format: 'DD/MM/YYYY HH:mm', time_zone: 'Europe/Oslo' });
    expect(mappingFromOverrides({ ...o, max_gap: '15min' })).toEqual({
      file: { time: 'when', target: 'bg', timeFormat: 'DD/MM/YYYY HH:mm', timeZone: 'Europe/Oslo' },
      rest: { max_gap: '15min' },
    });
  });
});
