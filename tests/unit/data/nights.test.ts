import { describe, expect, test } from 'vitest';
import { bedtimeNights, halfNightWindows } from '../../../ts/data/nights.js';
import type { TimeSeriesDataset } from '../../../ts/data/types.js';
import { syntheticDataset } from './synthetic.js';

const H = 3_600_000;
const DAY = 24 * H;
const I = 300_000;

/** Time of a row of the synthetic dataset. */
function timeOf(ds: TimeSeriesDataset, row: number): number {
  const s = ds.segments.find((g) => row >= g.offset && row < g.offset + g.length)!;
  return s.startMs + (row - s.offset) * ds.intervalMs;
}

/** One series per entry: a single segment starting at `start` with `len` rows. */
function series(parts: Array<{ start: number; len: number }[]>): TimeSeriesDataset {
  const ds = syntheticDataset(parts.map((p) => p.map((x) => x.len)));
  let k = 0;
  parts.forEach((p) => p.forEach((x) => (ds.segments[k++].startMs = x.start)));
  return ds;
}

describe('bedtimeNights', () => {
  test('no in-night reading is in the context; the context ends at the last reading before the anchor', () => {
    // 4 days of 5-min readings starting at 12:02 (an offset grid), then 3 days at 18:00 in a second series
    const ds = series([[{ start: Date.UTC(2022, 0, 1, 12, 2), len: 4 * 288 }], [{ start: Date.UTC(2022, 1, 1, 18), len: 3 * 288 }]]);
    const r = bedtimeNights(ds, { context: 48 });
    expect(r.nightSteps).toBe(72);
    expect(r.windowNames).toEqual(['night', '00:00-03:00', '03:00-06:00']);
    expect(r.nights.length).toBe(4 + 3);
    expect(r.candidates).toBe(7);
    for (const n of r.nights) {
      expect(n.context[1]).toBe(n.night[0]);
      expect(n.context[1] - n.context[0]).toBe(48);
      expect(n.night[1] - n.night[0]).toBe(72);
      for (let row = n.context[0]; row < n.context[1]; row++) expect(timeOf(ds, row)).toBeLessThan(n.anchorMs);
      for (let row = n.night[0]; row < n.night[1]; row++) {
        expect(timeOf(ds, row)).toBeGreaterThanOrEqual(n.anchorMs);
        expect(timeOf(ds, row)).toBeLessThan(n.anchorMs + 6 * H);
      }
      // the last context reading is the last reading before the anchor
      expect(n.anchorMs - timeOf(ds, n.context[1] - 1)).toBeLessThanOrEqual(I);
      expect(n.anchorMs % DAY).toBe(0);
      // channel 0 holds the row index: the context's values are all rows before the night's first
      const ctxValues = ds.values[0].subarray(n.context[0], n.context[1]);
      expect(Math.max(...ctxValues)).toBeLessThan(n.night[0]);
      expect(n.windows).toEqual([n.night, [n.night[0], n.night[0] + 36], [n.night[0] + 36, n.night[1]]]);
    }
    expect(r.nights[0].date).toBe('2022-01-02');
    expect(r.nights[0].seriesId).toBe('s0');
    expect(r.nights[0].patient).toBe('s0');
  });

  test('skips and counts nights with too little context, a gap before the anchor, or too little night', () => {
    const d = Date.UTC(2022, 0, 1);
    const ds = series([
      // starts at 23:00: 12 readings before midnight < context 48
      [{ start: d + 23 * H, len: 200 }],
      // ends at 22:00, resumes at 00:30: a gap across the anchor
      [
        { start: d + 10 * H, len: 144 },
        { start: d + DAY + 0.5 * H, len: 200 },
      ],
      // ends at 03:00 of the night: 36 of 72 night readings
      [{ start: d + 12 * H, len: 12 * 12 + 36 }],
    ]);
    const r = bedtimeNights(ds, { context: 48 });
    expect(r.nights).toEqual([]);
    expect(r.skipped).toEqual({ short_context: 1, gap_before_anchor: 1, short_night: 1, outside_blocks: 0 });
    expect(r.candidates).toBe(3);
    const half = bedtimeNights(ds, { context: 48, minNightFraction: 0.5 });
    expect(half.nights.length).toBe(1);
    const n = half.nights[0];
    expect(n.night[1] - n.night[0]).toBe(36);
    expect(n.observed).toBe(36);
    expect(n.windows[2]).toEqual([n.night[1], n.night[1]]);
  });

  test('missing values in the counted channel count against the night', () => {
    const ds = series([[{ start: Date.UTC(2022, 0, 1, 12), len: 288 }]]);
    const n0 = 144;
    for (let r = n0; r < n0 + 10; r++) ds.values[0][r] = NaN;
    expect(bedtimeNights(ds, { context: 48 }).skipped.short_night).toBe(1);
    expect(bedtimeNights(ds, { context: 48, minNightFraction: 0.8 }).nights[0].observed).toBe(62);
  });

  test('anchor, night length, windows, time zone and blocks are configurable', () => {
    const ds = series([[{ start: Date.UTC(2022, 0, 1, 0), len: 3 * 288 }]]);
    ds.timeZone = 'Asia/Shanghai';
    const r = bedtimeNights(ds, { context: 24, anchor: '22:00', nightHours: 8 });
    expect(r.nightSteps).toBe(96);
    expect(r.windowNames).toEqual(['night', '22:00-02:00', '02:00-06:00']);
    // 22:00 in Shanghai is 14:00 UTC
    for (const n of r.nights) expect((n.anchorMs - 14 * H) % DAY).toBe(0);
    expect(r.nights.map((n) => n.date)).toEqual(['2022-01-01', '2022-01-02', '2022-01-03']);
    const w = bedtimeNights(ds, { context: 24, windows: [{ name: 'early', startHours: 0, endHours: 1 }] });
    expect(w.windowNames).toEqual(['night', 'early']);
    expect(w.windowSteps).toEqual([
      [0, 72],
      [0, 12],
    ]);
    const first = r.nights[0];
    const b = bedtimeNights(ds, { context: 24, anchor: '22:00', nightHours: 8, nightBlocks: [[first.night[0], first.night[1]]] });
    expect(b.nights.length).toBe(1);
    expect(b.skipped.outside_blocks).toBe(r.nights.length - 1);
  });

  test('bad options are one clear error', () => {
    const ds = series([[{ start: Date.UTC(2022, 0, 1), len: 100 }]]);
    expect(() => bedtimeNights(ds, { context: 0 })).toThrow(/context must be a positive integer/);
    expect(() => bedtimeNights(ds, { context: 4, anchor: '25:00' })).toThrow(/invalid local time '25:00'/);
    expect(() => bedtimeNights(ds, { context: 4, nightHours: 0.01 })).toThrow(/shorter than one sampling interval/);
    expect(() => bedtimeNights(ds, { context: 4, windows: [{ name: 'x', startHours: 5, endHours: 7 }] })).toThrow(/window 'x'/);
    expect(() => bedtimeNights(ds, { context: 4, minNightFraction: 0 })).toThrow(/minNightFraction/);
    expect(halfNightWindows('23:30', 6).map((w) => w.name)).toEqual(['23:30-02:30', '02:30-05:30']);
  });
});
