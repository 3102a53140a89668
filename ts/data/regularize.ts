/**
 * Puts one series' observations on a regular grid and cuts it into gap-free segments.
 *
 * Rules (all counted, per source file, in the IngestReport):
 * - Rows are sorted by time (stable); a series that was out of order is a warning (`unsorted_series`).
 * - Rows with a missing (NaN/empty) value in any target channel are dropped as `missing_target`;
 *   they leave a gap. Their event/state covariates (doses, meals) are still placed on the grid.
 * - Each segment has its own grid, anchored at its first row: a row goes to the grid slot nearest to
 *   its time (counted from the previous slot), so every row's grid time is within interval/2 of its
 *   source time, however the sensor clock drifts. Rows moved by at most `tolerance` (default
 *   interval/3) count as `snapped`; rows moved further as `off_grid` (kept; a sign of a clock jump).
 * - Rows that round onto the slot of the previous row (closer than interval/2 to it, or equal
 *   timestamps) are duplicates: `duplicate_timestamp` drops; their target/continuous values are merged by the
 *   `duplicates` policy (default: mean; or first/last), event values are summed into the slot.
 * - A step of k intervals with k*interval <= max_gap is bridged: k-1 grid points are added
 *   (`pointsInterpolated`; targets and continuous covariates linearly interpolated, event
 *   covariates 0, state covariates forward-filled). A longer step starts a new segment (`gapsSplit`).
 * - Segments shorter than min_segment_length rows (counting interpolated points) are dropped; their
 *   source rows count as `short_segment`.
 * - Continuous covariate cells that are missing on kept rows are interpolated inside the segment
 *   (edges: nearest value; no value in the segment: 0) and counted as `covariate_cells_filled`.
 * - Event values whose time lies outside every kept segment are counted as `events_unplaced`.
 */
import type { ChannelSpec, FileStat, RawSeries } from './raw.js';
import { bump } from './raw.js';

export interface RegularizeParams {
  intervalMs: number;
  /** Longest step bridged by interpolation (>= intervalMs). */
  maxGapMs: number;
  /** Step deviation counted as plain snapping (ms). */
  toleranceMs: number;
  minSegmentLength: number;
  duplicates: 'mean' | 'first' | 'last';
}

export interface RegularizedSeries {
  id: string;
  attributes: Record<string, string | number>;
  segments: Array<{ startMs: number; length: number }>;
  /** values[c], concatenated segments. */
  values: Float32Array[];
  gapsSplit: number;
}

class Grow {
  f64: Float64Array;
  n = 0;
  constructor(cap: number) {
    this.f64 = new Float64Array(Math.max(16, cap));
  }
  push(v: number): void {
    if (this.n === this.f64.length) {
      const b = new Float64Array(this.f64.length * 2);
      b.set(this.f64);
      this.f64 = b;
    }
    this.f64[this.n++] = v;
  }
}

/** Channel indices by how they go onto the grid. */
interface ChannelGroups {
  /** Targets: a row without all of them is dropped. */
  tIdx: number[];
  /** Slot-valued channels: targets and interpolated covariates. */
  vIdx: number[];
  /** Event channels, summed into slots. */
  zIdx: number[];
  /** State channels, forward-filled. */
  fIdx: number[];
}

/** The kept segments and where each slot lands in the output (-1: dropped with a short segment). */
interface Layout {
  segments: Array<{ startMs: number; length: number }>;
  /** Output offset of each kept segment. */
  segOut: number[];
  slotOut: Int32Array;
  outLen: number;
}

export function regularizeSeries(
  raw: RawSeries,
  channels: ChannelSpec[],
  p: RegularizeParams,
  files: FileStat[],
  counters: Record<string, number>,
  warnings: string[],
  /** Updated with the longest segment seen, kept or not (for the message when every segment is too short). */
  longest: { rows: number } = { rows: 0 },
): RegularizedSeries | undefined {
  const order = timeOrder(raw, counters, warnings);
  const groups = channelGroups(channels);
  const slots = new SlotGrid(raw, order, groups.vIdx, p);
  slots.walk(groups.tIdx, files, counters);
  const layout = keepLongSegments(slots, p, files, longest);
  if (!layout) {
    warnings.push(`series '${raw.id}': no segment of at least ${p.minSegmentLength} rows; series dropped`);
    bump(counters, 'series_dropped');
    return undefined;
  }
  const values = channels.map(() => new Float32Array(layout.outLen));
  fillSlotChannels(values, channels, groups.vIdx, slots, layout, counters);
  placeEvents(values, raw, order, groups.zIdx, slots, layout, p.intervalMs, counters);
  if (groups.fIdx.length) fillStates(values, raw, order, groups.fIdx, slots, layout, p.intervalMs);
  return { id: raw.id, attributes: raw.attributes, segments: layout.segments, values, gapsSplit: slots.gapsSplit };
}

/** The rows in time order (stable), or undefined when they already are; an unsorted series is a warning. */
function timeOrder(raw: RawSeries, counters: Record<string, number>, warnings: string[]): Int32Array | undefined {
  const times = raw.times;
  const n = times.length;
  let inversions = 0;
  for (let i = 1; i < n; i++) if (times[i] < times[i - 1]) inversions++;
  if (inversions === 0) return undefined;
  const o = Array.from({ length: n }, (_, i) => i);
  o.sort((a, b) => times[a] - times[b] || a - b);
  bump(counters, 'unsorted_series');
  warnings.push(`series '${raw.id}': timestamps not in increasing order (${inversions} step(s) back in time); sorted`);
  return Int32Array.from(o);
}

function channelGroups(channels: ChannelSpec[]): ChannelGroups {
  const g: ChannelGroups = { tIdx: [], vIdx: [], zIdx: [], fIdx: [] };
  channels.forEach((c, i) => {
    if (c.role === 'target') {
      g.tIdx.push(i);
      g.vIdx.push(i);
    } else if (c.fill === 'interpolate') g.vIdx.push(i);
    else if (c.fill === 'zero') g.zIdx.push(i);
    else g.fIdx.push(i);
  });
  return g;
}

/**
 * The grid slots of one series, built by walking its valid rows in time order: each row goes to the
 * slot nearest its time, steps up to max_gap are bridged with interpolated slots, longer ones start a segment.
 */
class SlotGrid {
  readonly time: Grow;
  /** 1 for a slot holding a source row, 0 for a bridged one. */
  readonly real: number[] = [];
  readonly file: number[] = [];
  /** Per slot-valued channel: the slot's merged value (sum for 'mean') and its count. */
  readonly sums: Grow[];
  readonly cnts: Grow[];
  /** First slot of each segment, then the slot count. */
  readonly segStarts: number[] = [];
  /** Slot of each source row (-1: dropped before it got one). */
  readonly validSlot: Int32Array;
  gapsSplit = 0;

  constructor(
    private readonly raw: RawSeries,
    private readonly order: Int32Array | undefined,
    private readonly vIdx: number[],
    private readonly p: RegularizeParams,
  ) {
    const n = raw.times.length;
    this.time = new Grow(n + 16);
    this.sums = vIdx.map(() => new Grow(n + 16));
    this.cnts = vIdx.map(() => new Grow(n + 16));
    this.validSlot = new Int32Array(n).fill(-1);
  }

  get count(): number {
    return this.time.n;
  }

  walk(tIdx: number[], files: FileStat[], counters: Record<string, number>): void {
    const { raw, order, p } = this;
    const times = raw.times;
    const n = times.length;
    const I = p.intervalMs;
    const maxGap = Math.max(p.maxGapMs, I);
    let prevSlot = -1;
    for (let k = 0; k < n; k++) {
      const r = order ? order[k] : k;
      const t = times[r];
      let ok = true;
      for (const c of tIdx) if (!Number.isFinite(raw.values[c][r])) ok = false;
      if (!ok) {
        bump(files[raw.file[r]].dropped, 'missing_target');
        continue;
      }
      if (prevSlot < 0) {
        this.segStarts.push(this.time.n);
        prevSlot = this.add(t, true, raw.file[r]);
      } else {
        const gPrev = this.time.f64[prevSlot];
        const steps = Math.round((t - gPrev) / I);
        if (steps <= 0) {
          bump(files[raw.file[r]].dropped, 'duplicate_timestamp');
          this.validSlot[r] = prevSlot;
          this.accumulate(prevSlot, r, true);
          continue;
        }
        if (steps * I > maxGap) {
          this.gapsSplit++;
          this.segStarts.push(this.time.n);
          prevSlot = this.add(t, true, raw.file[r]);
        } else {
          const resid = t - (gPrev + steps * I);
          if (resid !== 0) bump(counters, Math.abs(resid) <= p.toleranceMs ? 'snapped' : 'off_grid');
          for (let j = 1; j < steps; j++) this.add(gPrev + j * I, false, raw.file[r]);
          prevSlot = this.add(gPrev + steps * I, true, raw.file[r]);
        }
      }
      this.validSlot[r] = prevSlot;
      this.accumulate(prevSlot, r, false);
    }
    this.segStarts.push(this.time.n);
  }

  private add(t: number, real: boolean, file: number): number {
    this.time.push(t);
    this.real.push(real ? 1 : 0);
    this.file.push(file);
    for (let k = 0; k < this.vIdx.length; k++) {
      this.sums[k].push(NaN);
      this.cnts[k].push(0);
    }
    return this.time.n - 1;
  }

  /** Row r's slot values into `slot`; a duplicate merges by the `duplicates` policy. */
  private accumulate(slot: number, r: number, isDup: boolean): void {
    for (let k = 0; k < this.vIdx.length; k++) {
      const v = this.raw.values[this.vIdx[k]][r];
      if (!Number.isFinite(v)) continue;
      const s = this.sums[k].f64;
      const c = this.cnts[k].f64;
      if (!isDup || c[slot] === 0) {
        s[slot] = v;
        c[slot] = 1;
      } else if (this.p.duplicates === 'mean') {
        s[slot] += v;
        c[slot] += 1;
      } else if (this.p.duplicates === 'last') {
        s[slot] = v;
        c[slot] = 1;
      }
    }
  }
}

/** Drops segments shorter than min_segment_length (their rows count as short_segment); undefined when none is left. */
function keepLongSegments(slots: SlotGrid, p: RegularizeParams, files: FileStat[], longest: { rows: number }): Layout | undefined {
  const { segStarts, real, file } = slots;
  const slotOut = new Int32Array(slots.count).fill(-1);
  const segments: Array<{ startMs: number; length: number }> = [];
  const segOut: number[] = [];
  let outLen = 0;
  for (let s = 0; s + 1 < segStarts.length; s++) {
    const a = segStarts[s];
    const b = segStarts[s + 1];
    longest.rows = Math.max(longest.rows, b - a);
    if (b - a < p.minSegmentLength) {
      for (let j = a; j < b; j++) if (real[j]) bump(files[file[j]].dropped, 'short_segment');
      continue;
    }
    segments.push({ startMs: slots.time.f64[a], length: b - a });
    segOut.push(outLen);
    for (let j = a; j < b; j++) {
      slotOut[j] = outLen + (j - a);
      if (real[j]) files[file[j]].rowsKept++;
      else files[file[j]].pointsInterpolated++;
    }
    outLen += b - a;
  }
  return segments.length ? { segments, segOut, slotOut, outLen } : undefined;
}

/** Slot-valued channels (targets, continuous covariates): slot means, gaps interpolated within each segment. */
function fillSlotChannels(
  values: Float32Array[],
  channels: ChannelSpec[],
  vIdx: number[],
  slots: SlotGrid,
  layout: Layout,
  counters: Record<string, number>,
): void {
  const { slotOut, segments, segOut } = layout;
  const tmp = new Float64Array(layout.outLen);
  for (let k = 0; k < vIdx.length; k++) {
    const c = vIdx[k];
    const isTarget = channels[c].role === 'target';
    const s = slots.sums[k].f64;
    const cn = slots.cnts[k].f64;
    for (let j = 0; j < slots.count; j++) {
      const o = slotOut[j];
      if (o < 0) continue;
      tmp[o] = cn[j] > 0 ? s[j] / cn[j] : NaN;
      if (!isTarget && slots.real[j] && cn[j] === 0) bump(counters, 'covariate_cells_filled');
    }
    for (let si = 0; si < segments.length; si++) interpolateSegment(tmp, segOut[si], segOut[si] + segments[si].length, counters);
    values[c].set(tmp);
  }
}

/** Fills the NaNs of tmp[a, b): linear between values, nearest value at the edges, 0 when the segment has none. */
function interpolateSegment(tmp: Float64Array, a: number, b: number, counters: Record<string, number>): void {
  let last = -1;
  for (let j = a; j < b; j++) {
    if (tmp[j] !== tmp[j]) continue;
    if (last < 0) {
      for (let q = a; q < j; q++) tmp[q] = tmp[j];
    } else if (j - last > 1) {
      const v0 = tmp[last];
      const dv = (tmp[j] - v0) / (j - last);
      for (let q = last + 1; q < j; q++) tmp[q] = v0 + dv * (q - last);
    }
    last = j;
  }
  if (last < 0) {
    for (let q = a; q < b; q++) tmp[q] = 0;
    bump(counters, 'covariate_segment_all_missing');
  } else for (let q = last + 1; q < b; q++) tmp[q] = tmp[last];
}

/** Output row of an event time on a kept segment's (virtual) grid; -1 when it lies outside every kept segment. */
function placeByTime(layout: Layout, t: number, I: number): number {
  const { segments, segOut } = layout;
  let lo = 0;
  let hi = segments.length - 1;
  let best = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (segments[mid].startMs <= t + I / 2) {
      best = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  if (best < 0) return -1;
  const j = Math.round((t - segments[best].startMs) / I);
  if (j < 0 || j >= segments[best].length) return -1;
  return segOut[best] + j;
}

/** Event channels: summed into the slot of their row, or of their time when the row was dropped. */
function placeEvents(
  values: Float32Array[],
  raw: RawSeries,
  order: Int32Array | undefined,
  zIdx: number[],
  slots: SlotGrid,
  layout: Layout,
  I: number,
  counters: Record<string, number>,
): void {
  const { validSlot } = slots;
  const n = raw.times.length;
  for (const c of zIdx) {
    const src = raw.values[c];
    const dst = values[c];
    for (let k = 0; k < n; k++) {
      const r = order ? order[k] : k;
      const v = src[r];
      if (!Number.isFinite(v) || v === 0) continue;
      const o = validSlot[r] >= 0 ? layout.slotOut[validSlot[r]] : placeByTime(layout, raw.times[r], I);
      if (o < 0) {
        bump(counters, 'events_unplaced');
        continue;
      }
      dst[o] += v;
    }
  }
}

/** State channels: forward fill of observed values (0 before the first one). */
function fillStates(
  values: Float32Array[],
  raw: RawSeries,
  order: Int32Array | undefined,
  fIdx: number[],
  slots: SlotGrid,
  layout: Layout,
  I: number,
): void {
  const { segments, segOut, outLen } = layout;
  const { validSlot } = slots;
  const n = raw.times.length;
  const slotTimes = new Float64Array(outLen);
  for (let si = 0; si < segments.length; si++)
    for (let j = 0; j < segments[si].length; j++) slotTimes[segOut[si] + j] = segments[si].startMs + j * I;
  for (const c of fIdx) {
    const src = raw.values[c];
    const obsT: number[] = [];
    const obsV: number[] = [];
    for (let k = 0; k < n; k++) {
      const r = order ? order[k] : k;
      const v = src[r];
      if (!Number.isFinite(v)) continue;
      obsT.push(validSlot[r] >= 0 ? slots.time.f64[validSlot[r]] : raw.times[r]);
      obsV.push(v);
    }
    const oi = obsT.map((_, i) => i).sort((a, b) => obsT[a] - obsT[b] || a - b);
    let q = 0;
    let cur = 0;
    const dst = values[c];
    for (let o = 0; o < outLen; o++) {
      const T = slotTimes[o] + I / 2;
      while (q < oi.length && obsT[oi[q]] < T) cur = obsV[oi[q++]];
      dst[o] = cur;
    }
  }
}

/** Median positive step over all series (ms), rounded to the second when >= 1 s. */
export function inferIntervalMs(series: RawSeries[]): number {
  const diffs: number[] = [];
  const budget = 200_000;
  let total = 0;
  for (const s of series) total += s.times.length;
  const step = Math.max(1, Math.floor(total / budget));
  for (const s of series) {
    const t = s.times;
    for (let i = 1; i < t.length; i += step) {
      const d = Math.abs(t[i] - t[i - 1]); // files listed newest first step backwards
      if (d > 0 && Number.isFinite(d)) diffs.push(d);
    }
  }
  if (diffs.length === 0) return NaN;
  diffs.sort((a, b) => a - b);
  const med = diffs[diffs.length >> 1];
  return med >= 1000 ? Math.round(med / 1000) * 1000 : med;
}
