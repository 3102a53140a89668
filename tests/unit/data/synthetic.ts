import type { TimeSeriesDataset } from '../../../ts/data/types.js';

/**
 * A dataset built directly from segment lengths: seriesSegs[s] = lengths of the segments of series s,
 * separated by gaps of gapRows[s][k] missing intervals. Channel 0 holds the row index (so tests can
 * see exactly which rows a computation used), channel 1 the series index.
 */
export function syntheticDataset(
  seriesSegs: number[][],
  opts: { intervalMs?: number; gap?: number; start?: number; attrs?: (s: number) => Record<string, string | number> } = {},
): TimeSeriesDataset {
  const I = opts.intervalMs ?? 300_000;
  const segments: TimeSeriesDataset['segments'] = [];
  let off = 0;
  seriesSegs.forEach((lens, s) => {
    let t = (opts.start ?? Date.UTC(2022, 0, 1)) + s * 7 * 3_600_000;
    for (const len of lens) {
      segments.push({ series: s, offset: off, length: len, startMs: t });
      off += len;
      t += (len + (opts.gap ?? 20)) * I;
    }
  });
  const rowIdx = new Float32Array(off);
  const ser = new Float32Array(off);
  for (const seg of segments)
    for (let j = 0; j < seg.length; j++) {
      rowIdx[seg.offset + j] = seg.offset + j;
      ser[seg.offset + j] = seg.series;
    }
  return {
    name: 'synthetic',
    version: 'test',
    intervalMs: I,
    timeZone: 'UTC',
    channels: [
      { name: 'row', role: 'target' },
      { name: 'series', role: 'past_covariate' },
    ],
    values: [rowIdx, ser],
    series: seriesSegs.map((_, s) => (opts.attrs ? { id: `s${s}`, attributes: opts.attrs(s) } : { id: `s${s}` })),
    segments,
    report: {
      files: [],
      rowsRead: off,
      rowsKept: off,
      pointsInterpolated: 0,
      dropped: {},
      gapsSplit: 0,
      segments: segments.length,
      series: seriesSegs.length,
      warnings: [],
    },
  };
}
