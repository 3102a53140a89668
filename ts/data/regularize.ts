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

// eslint-disable-next-line max-lines-per-function -- one pass per series over time (grid, gaps, duplicates, interpolation) that must share its counters; to be split into grid/gap/interpolate steps
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
  const n = raw.times.length;
  const I = p.intervalMs;
  const maxGap = Math.max(p.maxGapMs, I);
  const times = raw.times;

  // 1. order
  let inversions = 0;
  for (let i = 1; i < n; i++) if (times[i] < times[i - 1]) inversions++;
  let order: Int32Array | undefined;
  if (inversions > 0) {
    const o = Array.from({ length: n }, (_, i) => i);
    o.sort((a, b) => times[a] - times[b] || a - b);
    order = Int32Array.from(o);
    bump(counters, 'unsorted_series');
    warnings.push(`series '${raw.id}': timestamps not in increasing order (${inversions} step(s) back in time); sorted`);
  }

  const tIdx: number[] = [];
  const vIdx: number[] = []; // target + interpolated covariates (slot values)
  const zIdx: number[] = [];
  const fIdx: number[] = [];
  channels.forEach((c, i) => {
    if (c.role === 'target') {
      tIdx.push(i);
      vIdx.push(i);
    } else if (c.fill === 'interpolate') vIdx.push(i);
    else if (c.fill === 'zero') zIdx.push(i);
    else fIdx.push(i);
  });

  // 2. walk valid rows, building slots
  const slotTime = new Grow(n + 16);
  const slotReal: number[] = [];
  const slotFile: number[] = [];
  const sums = vIdx.map(() => new Grow(n + 16));
  const cnts = vIdx.map(() => new Grow(n + 16));
  const segStarts: number[] = [];
  const validSlot = new Int32Array(n).fill(-1);
  let prevSlot = -1;
  let gapsSplit = 0;
  const addSlot = (t: number, real: boolean, file: number): number => {
    slotTime.push(t);
    slotReal.push(real ? 1 : 0);
    slotFile.push(file);
    for (let k = 0; k < vIdx.length; k++) {
      sums[k].push(NaN);
      cnts[k].push(0);
    }
    return slotTime.n - 1;
  };
  const accumulate = (slot: number, r: number, isDup: boolean): void => {
    for (let k = 0; k < vIdx.length; k++) {
      const v = raw.values[vIdx[k]][r];
      if (!Number.isFinite(v)) continue;
      const s = sums[k].f64;
      const c = cnts[k].f64;
      if (!isDup || c[slot] === 0) {
        s[slot] = v;
        c[slot] = 1;
      } else if (p.duplicates === 'mean') {
        s[slot] += v;
        c[slot] += 1;
      } else if (p.duplicates === 'last') {
        s[slot] = v;
        c[slot] = 1;
      }
    }
  };
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
      segStarts.push(slotTime.n);
      prevSlot = addSlot(t, true, raw.file[r]);
    } else {
      const gPrev = slotTime.f64[prevSlot];
      const steps = Math.round((t - gPrev) / I);
      if (steps <= 0) {
        bump(files[raw.file[r]].dropped, 'duplicate_timestamp');
        validSlot[r] = prevSlot;
        accumulate(prevSlot, r, true);
        continue;
      }
      if (steps * I > maxGap) {
        gapsSplit++;
        segStarts.push(slotTime.n);
        prevSlot = addSlot(t, true, raw.file[r]);
      } else {
        const resid = t - (gPrev + steps * I);
        if (resid !== 0) bump(counters, Math.abs(resid) <= p.toleranceMs ? 'snapped' : 'off_grid');
        for (let j = 1; j < steps; j++) addSlot(gPrev + j * I, false, raw.file[r]);
        prevSlot = addSlot(gPrev + steps * I, true, raw.file[r]);
      }
    }
    validSlot[r] = prevSlot;
    accumulate(prevSlot, r, false);
  }
  const nSlots = slotTime.n;
  segStarts.push(nSlots);

  // 3. drop short segments
  const slotOut = new Int32Array(nSlots).fill(-1);
  const segments: Array<{ startMs: number; length: number }> = [];
  const segSlot0: number[] = [];
  let outLen = 0;
  for (let s = 0; s + 1 < segStarts.length; s++) {
    const a = segStarts[s];
    const b = segStarts[s + 1];
    longest.rows = Math.max(longest.rows, b - a);
    if (b - a < p.minSegmentLength) {
      for (let j = a; j < b; j++) if (slotReal[j]) bump(files[slotFile[j]].dropped, 'short_segment');
      continue;
    }
    segments.push({ startMs: slotTime.f64[a], length: b - a });
    segSlot0.push(a);
    for (let j = a; j < b; j++) {
      slotOut[j] = outLen + (j - a);
      if (slotReal[j]) files[slotFile[j]].rowsKept++;
      else files[slotFile[j]].pointsInterpolated++;
    }
    outLen += b - a;
  }
  if (segments.length === 0) {
    warnings.push(`series '${raw.id}': no segment of at least ${p.minSegmentLength} rows; series dropped`);
    bump(counters, 'series_dropped');
    return undefined;
  }
  // out offsets of segments
  const segOut: number[] = [];
  {
    let o = 0;
    for (const s of segments) {
      segOut.push(o);
      o += s.length;
    }
  }

  const values = channels.map(() => new Float32Array(outLen));

  // 4. slot-valued channels with interpolation
  const tmp = new Float64Array(outLen);
  for (let k = 0; k < vIdx.length; k++) {
    const c = vIdx[k];
    const isTarget = channels[c].role === 'target';
    const s = sums[k].f64;
    const cn = cnts[k].f64;
    for (let j = 0; j < nSlots; j++) {
      const o = slotOut[j];
      if (o < 0) continue;
      tmp[o] = cn[j] > 0 ? s[j] / cn[j] : NaN;
      if (!isTarget && slotReal[j] && cn[j] === 0) bump(counters, 'covariate_cells_filled');
    }
    for (let si = 0; si < segments.length; si++) {
      const a = segOut[si];
      const b = a + segments[si].length;
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
    values[c].set(tmp);
  }

  // placement of an event time onto a kept slot (virtual grid times)
  const placeByTime = (t: number): number => {
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
  };

  // 5. event channels: summed into slots
  for (const c of zIdx) {
    const src = raw.values[c];
    const dst = values[c];
    for (let k = 0; k < n; k++) {
      const r = order ? order[k] : k;
      const v = src[r];
      if (!Number.isFinite(v) || v === 0) continue;
      const o = validSlot[r] >= 0 ? slotOut[validSlot[r]] : placeByTime(times[r]);
      if (o < 0) {
        bump(counters, 'events_unplaced');
        continue;
      }
      dst[o] += v;
    }
  }

  // 6. state channels: forward fill of observed values (0 before the first one)
  if (fIdx.length) {
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
        obsT.push(validSlot[r] >= 0 ? slotTime.f64[validSlot[r]] : times[r]);
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

  return { id: raw.id, attributes: raw.attributes, segments, values, gapsSplit };
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
