/**
 * Bedtime-anchored nights, as the nocturnal-hypoglycaemia literature defines them (Vu et al. 2019,
 * Jensen et al. 2020): each local day at the anchor time (default 00:00) a forecaster sees only the
 * readings strictly before the anchor and must say what the whole night (default 6 h) will do.
 *
 * Per night: the context rows (the `context` readings ending at the last reading before the anchor),
 * the night rows (readings in [anchor, anchor + night)), and sub-windows of the night (its halves by
 * default). Context and night lie in one gap-free segment, so the context's last row is the row just
 * before the night's first: no in-night reading can be part of a context.
 */
import type { TimeSeriesDataset } from './types.js';
import { DataError } from './errors.js';
import { ZoneConverter, parseClock } from './time.js';
import { segmentsBySeries, type RowRange } from './windows.js';

/** A part of the night, in hours from the anchor (e.g. 0-3 and 3-6). */
export interface NightWindowSpec {
  name: string;
  startHours: number;
  endHours: number;
}

export interface NightOptions {
  /** Context length in readings. */
  context: number;
  /** Local clock time of the anchor, HH:MM (default '00:00'). */
  anchor?: string;
  /** Night length in hours (default 6). */
  nightHours?: number;
  /** Sub-windows of the night (default: its two halves). The whole night is always window 0. */
  windows?: NightWindowSpec[];
  /** Fraction of the night's readings that must be present (finite) in `channel` (default 1). */
  minNightFraction?: number;
  /** Channel whose readings are counted (default: the first target channel). */
  channel?: number;
  /** IANA zone of the local clock (default: the dataset's). */
  timeZone?: string;
  /** Only these series (default all). */
  series?: number[];
  /** When given, a night is kept only if all its rows lie inside one of these ranges (a split's blocks). */
  nightBlocks?: RowRange[];
}

export interface Night {
  series: number;
  seriesId: string;
  /** Static attribute 'patient' where the data has it, else the series id. */
  patient: string;
  /** Local calendar date of the anchor, YYYY-MM-DD. */
  date: string;
  /** Anchor instant, epoch ms (UTC). */
  anchorMs: number;
  /** Context rows [start, end): end is the first night row; rows end-1 is the last reading before the anchor. */
  context: RowRange;
  /** Night rows [start, end): readings with time in [anchor, anchor + night) (end - start = nightSteps when complete). */
  night: RowRange;
  /** Row ranges of each night window (window 0 = the whole night), clipped to `night`. */
  windows: RowRange[];
  /** Finite readings of the counted channel in the night. */
  observed: number;
}

export type NightSkipReason = 'short_context' | 'gap_before_anchor' | 'short_night' | 'outside_blocks';

export interface NightsResult {
  nights: Night[];
  /** Readings per full night. */
  nightSteps: number;
  /** Window names, whole night first. */
  windowNames: string[];
  /** Window bounds in steps from the night's first row. */
  windowSteps: RowRange[];
  /** Anchors that fall within a series' time span. */
  candidates: number;
  skipped: Record<NightSkipReason, number>;
}

/** The default windows: the two halves of the night, named by local clock (00:00-03:00, 03:00-06:00). */
export function halfNightWindows(anchor: string, nightHours: number): NightWindowSpec[] {
  const h = nightHours / 2;
  return [
    { name: clockRange(anchor, 0, h), startHours: 0, endHours: h },
    { name: clockRange(anchor, h, nightHours), startHours: h, endHours: nightHours },
  ];
}

function clockRange(anchor: string, a: number, b: number): string {
  const base = parseClock(anchor) / 60_000;
  const fmt = (hours: number): string => {
    const m = Math.round((base + hours * 60) % 1440);
    return `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
  };
  return `${fmt(a)}-${fmt(b)}`;
}

function checkOptions(ds: TimeSeriesDataset, o: NightOptions): { nightSteps: number; specs: NightWindowSpec[]; channel: number } {
  if (!(Number.isInteger(o.context) && o.context >= 1))
    throw new DataError(`nights: context must be a positive integer (got ${o.context})`);
  const hours = o.nightHours ?? 6;
  const nightSteps = Math.round((hours * 3_600_000) / ds.intervalMs);
  if (!(nightSteps >= 1))
    throw new DataError(`nights: a night of ${hours} h is shorter than one sampling interval (${ds.intervalMs / 60_000} min)`);
  const specs = o.windows ?? halfNightWindows(o.anchor ?? '00:00', hours);
  for (const w of specs)
    if (!(w.startHours >= 0 && w.endHours > w.startHours && w.endHours <= hours + 1e-9))
      throw new DataError(`nights: window '${w.name}' (${w.startHours}-${w.endHours} h) must lie inside the ${hours} h night`);
  const f = o.minNightFraction ?? 1;
  if (!(f > 0 && f <= 1)) throw new DataError(`nights: minNightFraction must be in (0, 1] (got ${f})`);
  const channel = o.channel ?? ds.channels.findIndex((c) => c.role === 'target');
  if (!(channel >= 0 && channel < ds.channels.length))
    throw new DataError(`nights: dataset '${ds.name}' has no target channel to count night readings in`);
  return { nightSteps, specs, channel };
}

function inBlocks(blocks: RowRange[] | undefined, a: number, b: number): boolean {
  if (!blocks) return true;
  for (const [x, y] of blocks) if (a >= x && b <= y) return true;
  return false;
}

/** Bedtime-anchored nights of a dataset, with the skipped ones counted by reason. */
export function bedtimeNights(ds: TimeSeriesDataset, o: NightOptions): NightsResult {
  const { nightSteps, specs, channel } = checkOptions(ds, o);
  const I = ds.intervalMs;
  const anchor = o.anchor ?? '00:00';
  const clock = parseClock(anchor);
  const zone = new ZoneConverter(o.timeZone ?? ds.timeZone);
  const minObserved = Math.ceil((o.minNightFraction ?? 1) * nightSteps - 1e-9);
  const windowSteps: RowRange[] = [
    [0, nightSteps],
    ...specs.map((w): RowRange => [Math.round((w.startHours * 3_600_000) / I), Math.round((w.endHours * 3_600_000) / I)]),
  ];
  const values = ds.values[channel];
  const segBy = segmentsBySeries(ds);
  const nights: Night[] = [];
  const skipped: Record<NightSkipReason, number> = { short_context: 0, gap_before_anchor: 0, short_night: 0, outside_blocks: 0 };
  let candidates = 0;
  for (const si of o.series ?? ds.series.map((_, i) => i)) {
    const segs = segBy[si];
    if (!segs?.length) continue;
    const t0 = segs[0].startMs;
    const last = segs[segs.length - 1];
    const t1 = last.startMs + (last.length - 1) * I;
    const info = ds.series[si];
    const patient = String(info.attributes?.patient ?? info.id);
    for (let d = Math.floor(zone.utcToWall(t0) / 86_400_000); d <= Math.floor(zone.utcToWall(t1) / 86_400_000); d++) {
      const A = zone.wallToUtc(d * 86_400_000 + clock);
      if (A <= t0 || A > t1) continue;
      candidates++;
      // the segment holding the last reading before the anchor
      let seg = segs[0];
      for (const s of segs) if (s.startMs < A) seg = s;
      const jLast = Math.min(seg.length - 1, Math.ceil((A - seg.startMs) / I) - 1);
      if (A - (seg.startMs + jLast * I) > I) {
        skipped.gap_before_anchor++;
        continue;
      }
      if (jLast + 1 < o.context) {
        skipped.short_context++;
        continue;
      }
      const n0 = seg.offset + jLast + 1;
      const n1 = Math.min(seg.offset + seg.length, n0 + nightSteps);
      let observed = 0;
      for (let r = n0; r < n1; r++) if (Number.isFinite(values[r])) observed++;
      if (observed < minObserved) {
        skipped.short_night++;
        continue;
      }
      if (!inBlocks(o.nightBlocks, n0, n1)) {
        skipped.outside_blocks++;
        continue;
      }
      const wall = new Date(d * 86_400_000).toISOString().slice(0, 10);
      nights.push({
        series: si,
        seriesId: info.id,
        patient,
        date: wall,
        anchorMs: A,
        context: [n0 - o.context, n0],
        night: [n0, n1],
        windows: windowSteps.map(([a, b]): RowRange => [Math.min(n1, n0 + a), Math.min(n1, n0 + b)]),
        observed,
      });
    }
  }
  return { nights, nightSteps, windowNames: ['night', ...specs.map((w) => w.name)], windowSteps, candidates, skipped };
}
