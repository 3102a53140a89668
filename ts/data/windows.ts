/**
 * WindowSet helpers: building spans from allowed start ranges, iterating, counting, coverage.
 */
import type { Segment, TimeSeriesDataset, WindowSet } from './types.js';

/** Half-open row range [start, end). */
export type RowRange = [number, number];

export class WindowSetBuilder {
  private starts: number[] = [];
  private counts: number[] = [];
  constructor(
    readonly context: number,
    readonly horizon: number,
    readonly stride: number,
  ) {
    if (!(context >= 1 && horizon >= 1 && stride >= 1) || !Number.isInteger(context + horizon + stride)) {
      throw new RangeError(`context, horizon and stride must be positive integers (got ${context}, ${horizon}, ${stride})`);
    }
  }
  /** Adds every window whose first row s satisfies lo <= s <= hi, s = lo + k*stride. */
  addRange(lo: number, hi: number): void {
    if (hi < lo) return;
    this.starts.push(lo);
    this.counts.push(Math.floor((hi - lo) / this.stride) + 1);
  }
  /** Adds a single window starting at s. */
  addOne(s: number): void {
    this.starts.push(s);
    this.counts.push(1);
  }
  build(): WindowSet {
    return {
      context: this.context,
      horizon: this.horizon,
      stride: this.stride,
      spanStart: Float64Array.from(this.starts),
      spanCount: Float64Array.from(this.counts),
    };
  }
}

export function emptyWindowSet(context: number, horizon: number, stride: number): WindowSet {
  return new WindowSetBuilder(context, horizon, stride).build();
}

export function countWindows(ws: WindowSet): number {
  let n = 0;
  for (let i = 0; i < ws.spanCount.length; i++) n += ws.spanCount[i];
  return n;
}

/** Calls fn(start) for every window, in span order. */
export function forEachWindow(ws: WindowSet, fn: (start: number) => void): void {
  for (let i = 0; i < ws.spanStart.length; i++) {
    const s0 = ws.spanStart[i];
    const c = ws.spanCount[i];
    for (let k = 0; k < c; k++) fn(s0 + k * ws.stride);
  }
}

/** All window starts (materialised; for tests and small sets). */
export function windowStarts(ws: WindowSet): Float64Array {
  const out = new Float64Array(countWindows(ws));
  let i = 0;
  forEachWindow(ws, (s) => (out[i++] = s));
  return out;
}

/**
 * Marks rows covered by windows: part 'context', 'target' or 'all'. Returns a 0/1 mask over rows.
 * Cost is O(rows + spans) when stride <= covered length, else O(windows).
 */
export function coverageMask(ws: WindowSet, rows: number, part: 'context' | 'target' | 'all' = 'all'): Uint8Array {
  const a = part === 'target' ? ws.context : 0;
  const len = part === 'context' ? ws.context : part === 'target' ? ws.horizon : ws.context + ws.horizon;
  const diff = new Int32Array(rows + 1);
  for (let i = 0; i < ws.spanStart.length; i++) {
    const s0 = ws.spanStart[i] + a;
    const c = ws.spanCount[i];
    if (ws.stride <= len) {
      diff[s0]++;
      diff[Math.min(rows, s0 + (c - 1) * ws.stride + len)]--;
    } else {
      for (let k = 0; k < c; k++) {
        const s = s0 + k * ws.stride;
        diff[s]++;
        diff[Math.min(rows, s + len)]--;
      }
    }
  }
  const mask = new Uint8Array(rows);
  let run = 0;
  for (let r = 0; r < rows; r++) {
    run += diff[r];
    mask[r] = run > 0 ? 1 : 0;
  }
  return mask;
}

/** Row -> series index. */
export function rowSeries(ds: Pick<TimeSeriesDataset, 'segments' | 'values'>): Int32Array {
  const n = ds.values.length ? ds.values[0].length : ds.segments.reduce((a, s) => a + s.length, 0);
  const out = new Int32Array(n);
  for (const s of ds.segments) out.fill(s.series, s.offset, s.offset + s.length);
  return out;
}

/** Segments of each series, in order. */
export function segmentsBySeries(ds: Pick<TimeSeriesDataset, 'segments' | 'series'>): Segment[][] {
  const out: Segment[][] = ds.series.map(() => []);
  for (const s of ds.segments) out[s.series].push(s);
  return out;
}

/** Row range of each series ([first row, end) over its segments); [0,0) for a series without segments. */
export function seriesRowRanges(ds: Pick<TimeSeriesDataset, 'segments' | 'series'>): RowRange[] {
  const out: RowRange[] = ds.series.map(() => [0, 0] as RowRange);
  const seen = new Uint8Array(ds.series.length);
  for (const s of ds.segments) {
    const r = out[s.series];
    if (!seen[s.series]) {
      r[0] = s.offset;
      seen[s.series] = 1;
    }
    r[1] = s.offset + s.length;
  }
  return out;
}

/**
 * Adds windows for target blocks. For each block [a, b) (rows of one series, possibly spanning
 * segments) and each segment [so, se) intersecting it:
 * - contextInBlock (training): the whole window lies in the block: max(a, so) <= s, s + W <= min(b, se);
 * - otherwise (validation/test): targets lie in the block and the context may reach back before it
 *   within the segment: max(so, a - context) <= s, s + W <= min(b, se).
 */
export function addBlockWindows(b: WindowSetBuilder, segments: Segment[], blocks: RowRange[], contextInBlock: boolean): void {
  const W = b.context + b.horizon;
  for (const [a, e] of blocks) {
    if (e <= a) continue;
    // first segment whose end > a
    let lo = 0;
    let hi = segments.length - 1;
    let first = segments.length;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (segments[mid].offset + segments[mid].length > a) {
        first = mid;
        hi = mid - 1;
      } else lo = mid + 1;
    }
    for (let k = first; k < segments.length && segments[k].offset < e; k++) {
      const so = segments[k].offset;
      const se = so + segments[k].length;
      const sLo = contextInBlock ? Math.max(a, so) : Math.max(so, a - b.context);
      const sHi = Math.min(e, se) - W;
      b.addRange(sLo, sHi);
    }
  }
}
