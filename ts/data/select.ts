/**
 * Restricting what a run trains on: a subset of the series of a dataset (`data.series`), and the most
 * recent fraction of each series' training windows (`data.train_fraction`).
 */
import { DataError, didYouMean } from './errors.js';
import type { TimeSeriesDataset, WindowSet } from './types.js';
import { rowSeries } from './windows.js';

/**
 * The dataset restricted to the series named in `ids` (in the dataset's order), rows copied so the
 * long layout (rows sorted by series, then time) holds. An unknown id throws one line naming it.
 */
export function selectSeries(ds: TimeSeriesDataset, ids: readonly string[], what = 'data.series'): TimeSeriesDataset {
  const known = ds.series.map((s) => s.id);
  const index = new Map(known.map((id, i) => [id, i]));
  for (const id of ids) {
    if (!index.has(id)) {
      const hint = didYouMean(id, known);
      const list = known.length > 8 ? `${known.slice(0, 8).join(', ')}, ... (${known.length} series)` : known.join(', ');
      throw new DataError(
        `${what}: unknown series '${id}' in dataset '${ds.name}'${hint ? ` (did you mean '${hint}'?)` : ''}; series: ${list}`,
      );
    }
  }
  const keep = new Set(ids.map((id) => index.get(id)!));
  const newIndex = new Map<number, number>();
  ds.series.forEach((_, i) => keep.has(i) && newIndex.set(i, newIndex.size));
  const segments = ds.segments.filter((s) => keep.has(s.series));
  const rows = segments.reduce((n, s) => n + s.length, 0);
  const values = ds.values.map(() => new Float32Array(rows));
  let offset = 0;
  const newSegments = segments.map((s) => {
    ds.values.forEach((v, c) => values[c]!.set(v.subarray(s.offset, s.offset + s.length), offset));
    const seg = { ...s, series: newIndex.get(s.series)!, offset };
    offset += s.length;
    return seg;
  });
  return { ...ds, values, series: ds.series.filter((_, i) => keep.has(i)), segments: newSegments };
}

/**
 * The last `fraction` of each series' training windows (at least one where the series has any): the
 * most recent training data, so the validation and test windows, which come after it, are unchanged
 * and the subset stays leak-free. Windows are dropped from the start of each series.
 */
export function keepLastFraction(ds: Pick<TimeSeriesDataset, 'segments' | 'values'>, ws: WindowSet, fraction: number): WindowSet {
  if (!(fraction > 0 && fraction <= 1)) throw new DataError(`data.train_fraction: must be in (0, 1] (got ${fraction})`);
  if (fraction === 1) return ws;
  const rs = rowSeries(ds);
  const total = new Map<number, number>();
  for (let i = 0; i < ws.spanStart.length; i++) {
    const s = rs[ws.spanStart[i]!]!;
    total.set(s, (total.get(s) ?? 0) + ws.spanCount[i]!);
  }
  // Windows of a series to drop, from its earliest span on (spans of a series are in time order).
  const drop = new Map([...total].map(([s, n]) => [s, n - Math.max(1, Math.ceil(n * fraction))]));
  const starts: number[] = [];
  const counts: number[] = [];
  for (let i = 0; i < ws.spanStart.length; i++) {
    const s = rs[ws.spanStart[i]!]!;
    const c = ws.spanCount[i]!;
    const d = Math.min(drop.get(s)!, c);
    drop.set(s, drop.get(s)! - d);
    if (c - d > 0) {
      starts.push(ws.spanStart[i]! + d * ws.stride);
      counts.push(c - d);
    }
  }
  return { ...ws, spanStart: Float64Array.from(starts), spanCount: Float64Array.from(counts) };
}
