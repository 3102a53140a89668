/**
 * Train / validation / test windows under the usual forecasting protocols.
 *
 * Leak-freedom rule, for every protocol: a training window (context and targets) lies entirely in
 * training rows; validation/test windows have their targets inside their block, and their contexts
 * may reach back into earlier rows of the same segment (the standard protocol). Blocks of one
 * series are disjoint and ordered train < val < test in time, so no target row of a val/test
 * window is ever a target row of a training window. No window crosses a segment boundary.
 */
import type { TimeSeriesDataset, WindowSet } from './types.js';
import { DataError } from './errors.js';
import { ZoneConverter, parseIsoInto, parseClock } from './time.js';
import type { RowRange } from './windows.js';
import { WindowSetBuilder, addBlockWindows, rowSeries, segmentsBySeries, seriesRowRanges } from './windows.js';
import { mulberry32 } from '../util/random.js';

export interface WindowParams {
  context: number;
  horizon: number;
  /** Step between window starts (default 1); val/test use `evalStride` when given. */
  stride?: number;
  evalStride?: number;
}

/** A date as ISO text (local time in the dataset's zone unless it has an offset) or epoch ms. */
export type DateLike = string | number;

export type SplitProtocol =
  | {
      kind: 'temporal';
      /** Fractions of each series' rows for train/val/test (default 0.7/0.1/0.2). */
      fractions?: [number, number, number];
      /** Or date cut-offs: validation starts at `val`, test at `test` (both series-wide). */
      cutoffs?: { val: DateLike; test: DateLike };
    }
  | {
      kind: 'series';
      valFraction?: number;
      testFraction?: number;
      seed?: number;
      /** Keep all series with the same value of this static attribute together (e.g. 'patient'). */
      groupBy?: string;
    }
  | {
      kind: 'hybrid';
      /** Fraction of series (groups) held out entirely as out-of-distribution test (default 0.2). */
      testFraction?: number;
      seed?: number;
      groupBy?: string;
      /** Temporal fractions on the remaining series (default 0.7/0.1/0.2). */
      fractions?: [number, number, number];
    }
  | {
      kind: 'glucobench';
      /** ceil(oodFraction * subjects) held out as OOD test (default 0.1). */
      oodFraction?: number;
      /** Val and test block length in points (default 240). */
      blockLength?: number;
      seed?: number;
      groupBy?: string;
      /** 'last_segment' (default; as the protocol is described) or 'every_segment' (as GlucoBench's code splits every segment). */
      mode?: 'last_segment' | 'every_segment';
    }
  | {
      kind: 'ett';
      /** Row borders [trainEnd, valEnd, testEnd]; default 8640/11520/14400 for hourly data, x4 for 15-minute data. */
      borders?: [number, number, number];
    };

export interface SplitResult {
  train: WindowSet;
  val: WindowSet;
  test: WindowSet;
  /** Held-out series (series, hybrid, glucobench). */
  testOOD?: WindowSet;
  /** Target-row blocks of each split (one or more per series). */
  blocks: { train: RowRange[]; val: RowRange[]; test: RowRange[]; testOOD?: RowRange[] };
  /** Series indices held out entirely (OOD test; for `series`, the test series). */
  heldOutSeries: number[];
  /** For `series`: the validation series. */
  valSeries?: number[];
  warnings: string[];
}

/** Fisher-Yates with a seeded PRNG. */
export function seededShuffle<T>(xs: readonly T[], seed: number): T[] {
  const out = [...xs];
  const rnd = mulberry32(seed);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** Groups of series: by a static attribute (missing attribute: the series is its own group), else one per series. */
export function seriesGroups(ds: TimeSeriesDataset, groupBy?: string): number[][] {
  if (!groupBy) return ds.series.map((_, i) => [i]);
  const map = new Map<string, number[]>();
  ds.series.forEach((s, i) => {
    const v = s.attributes?.[groupBy];
    const key = v === undefined ? `\u0000series:${s.id}` : `${typeof v}:${v}`;
    let g = map.get(key);
    if (!g) map.set(key, (g = []));
    g.push(i);
  });
  return [...map.values()];
}

function checkFractions(f: [number, number, number]): void {
  if (f.some((x) => !(x >= 0)) || Math.abs(f[0] + f[1] + f[2] - 1) > 1e-6)
    throw new DataError(`split fractions must be >= 0 and sum to 1 (got ${f.join(', ')})`);
}

function toUtcMs(d: DateLike, zone: string): number {
  if (typeof d === 'number') return d;
  const out = { ms: 0, absolute: false };
  const w = parseIsoInto(d, out);
  if (!Number.isFinite(w)) throw new DataError(`cannot parse date '${d}' (use YYYY-MM-DD[ HH:MM[:SS]])`);
  return out.absolute ? w : new ZoneConverter(zone).wallToUtc(w);
}

/** First row of a series with time >= t (series end when none). */
function firstRowAtOrAfter(ds: TimeSeriesDataset, segs: TimeSeriesDataset['segments'], t: number, end: number): number {
  for (const s of segs) {
    const last = s.startMs + (s.length - 1) * ds.intervalMs;
    if (last < t) continue;
    const j = Math.max(0, Math.ceil((t - s.startMs) / ds.intervalMs));
    return s.offset + j;
  }
  return end;
}

/** Temporal blocks of one series. */
function temporalBlocks(
  ds: TimeSeriesDataset,
  range: RowRange,
  segs: TimeSeriesDataset['segments'],
  p: { fractions?: [number, number, number]; cutoffs?: { val: DateLike; test: DateLike } },
): [RowRange, RowRange, RowRange] {
  const [r0, r1] = range;
  let a: number;
  let b: number;
  if (p.cutoffs) {
    const tv = toUtcMs(p.cutoffs.val, ds.timeZone);
    const tt = toUtcMs(p.cutoffs.test, ds.timeZone);
    if (!(tt >= tv)) throw new DataError(`temporal cut-offs: test (${p.cutoffs.test}) must not be before val (${p.cutoffs.val})`);
    a = firstRowAtOrAfter(ds, segs, tv, r1);
    b = firstRowAtOrAfter(ds, segs, tt, r1);
  } else {
    const f = p.fractions ?? [0.7, 0.1, 0.2];
    checkFractions(f);
    const n = r1 - r0;
    a = r0 + Math.round(n * f[0]);
    b = Math.min(r1, a + Math.round(n * f[1]));
  }
  return [
    [r0, a],
    [a, b],
    [b, r1],
  ];
}

function pickHeldOut(groups: number[][], count: number, seed: number): Set<number> {
  const shuffled = seededShuffle(groups, seed);
  const out = new Set<number>();
  for (const g of shuffled.slice(0, count)) for (const s of g) out.add(s);
  return out;
}

type Protocol<K extends SplitProtocol['kind']> = Extract<SplitProtocol, { kind: K }>;
type Segments = ReturnType<typeof segmentsBySeries>;

/** Target-row blocks of a protocol, with the series it holds out and what it warns about. */
interface ProtocolBlocks {
  blocks: SplitResult['blocks'];
  heldOut: number[];
  valSeries?: number[];
  /** Rows of the series held out as out-of-distribution test (hybrid, glucobench). */
  ood: RowRange[];
  warnings: string[];
}

const noBlocks = (): ProtocolBlocks => ({ blocks: { train: [], val: [], test: [] }, heldOut: [], ood: [], warnings: [] });

/** Builds train/val/test windows for a protocol. */
export function makeSplits(ds: TimeSeriesDataset, wp: WindowParams, protocol: SplitProtocol): SplitResult {
  const { context, horizon } = wp;
  const stride = wp.stride ?? 1;
  const evalStride = wp.evalStride ?? stride;
  const segBy = segmentsBySeries(ds);
  const { blocks, heldOut, valSeries, ood, warnings } = protocolBlocks(ds, segBy, protocol, context);
  const rs = rowSeries(ds);
  const build = (bl: RowRange[], inBlock: boolean, st: number): WindowSet => {
    const b = new WindowSetBuilder(context, horizon, st);
    // blocks are per series; segments of the block's series
    for (const r of bl) {
      if (r[1] <= r[0]) continue;
      const si = rs[r[0]];
      addBlockWindows(b, segBy[si], [r], inBlock);
    }
    return b.build();
  };
  const res: SplitResult = {
    train: build(blocks.train, true, stride),
    val: build(blocks.val, protocol.kind === 'series', evalStride),
    test: build(blocks.test, protocol.kind === 'series', evalStride),
    blocks,
    heldOutSeries: heldOut,
    warnings,
  };
  if (valSeries) res.valSeries = valSeries;
  if (protocol.kind === 'hybrid' || protocol.kind === 'glucobench') {
    blocks.testOOD = ood;
    res.testOOD = build(ood, true, evalStride);
  }
  return res;
}

function protocolBlocks(ds: TimeSeriesDataset, segBy: Segments, protocol: SplitProtocol, context: number): ProtocolBlocks {
  const ranges = seriesRowRanges(ds);
  switch (protocol.kind) {
    case 'temporal':
      return temporalSplit(ds, ranges, segBy, protocol);
    case 'series':
      return seriesSplit(ds, ranges, protocol);
    case 'hybrid':
      return hybridSplit(ds, ranges, segBy, protocol);
    case 'glucobench':
      return glucobenchSplit(ds, ranges, segBy, protocol, context);
    case 'ett':
      return ettSplit(ds, ranges, segBy, protocol);
    default:
      throw new DataError(`unknown split protocol ${(protocol as { kind: string }).kind}`);
  }
}

/** Every series cut in time (fractions or date cut-offs). */
function temporalSplit(ds: TimeSeriesDataset, ranges: RowRange[], segBy: Segments, protocol: Protocol<'temporal'>): ProtocolBlocks {
  const out = noBlocks();
  ds.series.forEach((_, si) => {
    const [tr, va, te] = temporalBlocks(ds, ranges[si], segBy[si], protocol);
    out.blocks.train.push(tr);
    out.blocks.val.push(va);
    out.blocks.test.push(te);
  });
  return out;
}

/** Whole series (groups) shuffled into test, validation and training. */
function seriesSplit(ds: TimeSeriesDataset, ranges: RowRange[], protocol: Protocol<'series'>): ProtocolBlocks {
  const groups = seriesGroups(ds, protocol.groupBy);
  const G = groups.length;
  const vf = protocol.valFraction ?? 0.1;
  const tf = protocol.testFraction ?? 0.2;
  if (vf < 0 || tf < 0 || vf + tf >= 1) throw new DataError(`series split: valFraction + testFraction must be < 1`);
  const nTest = tf > 0 ? Math.max(1, Math.round(G * tf)) : 0;
  const nVal = vf > 0 ? Math.max(1, Math.round(G * vf)) : 0;
  if (nTest + nVal >= G)
    throw new DataError(`series split: ${G} series group(s) are too few to hold out ${nTest} for test and ${nVal} for validation`);
  const shuffled = seededShuffle(groups, protocol.seed ?? 0);
  const test = shuffled
    .slice(0, nTest)
    .flat()
    .sort((a, b) => a - b);
  const val = shuffled
    .slice(nTest, nTest + nVal)
    .flat()
    .sort((a, b) => a - b);
  const testSet = new Set(test);
  const valSet = new Set(val);
  const out = noBlocks();
  ds.series.forEach((_, si) => {
    const r = ranges[si];
    if (testSet.has(si)) out.blocks.test.push(r);
    else if (valSet.has(si)) out.blocks.val.push(r);
    else out.blocks.train.push(r);
  });
  return { ...out, heldOut: test, valSeries: val };
}

/** Some series (groups) held out as OOD test, the others cut in time. */
function hybridSplit(ds: TimeSeriesDataset, ranges: RowRange[], segBy: Segments, protocol: Protocol<'hybrid'>): ProtocolBlocks {
  const groups = seriesGroups(ds, protocol.groupBy);
  const tf = protocol.testFraction ?? 0.2;
  const nOut = tf > 0 ? Math.max(1, Math.round(groups.length * tf)) : 0;
  if (nOut >= groups.length) throw new DataError(`hybrid split: ${groups.length} series group(s) are too few to hold out ${nOut}`);
  const held = pickHeldOut(groups, nOut, protocol.seed ?? 0);
  const out = noBlocks();
  ds.series.forEach((_, si) => {
    if (held.has(si)) {
      out.ood.push(ranges[si]);
      return;
    }
    const [tr, va, te] = temporalBlocks(ds, ranges[si], segBy[si], { fractions: protocol.fractions });
    out.blocks.train.push(tr);
    out.blocks.val.push(va);
    out.blocks.test.push(te);
  });
  return { ...out, heldOut: [...held].sort((a, b) => a - b) };
}

/** A segment's GlucoBench cut: the last L rows test and the L before them validation, where it is long enough. */
function glucobenchCut(seg: Segments[number][number], L: number, context: number): { trainEnd: number; val?: RowRange; test?: RowRange } {
  const end = seg.offset + seg.length;
  if (seg.length >= 2 * L + context) return { trainEnd: end - 2 * L, val: [end - 2 * L, end - L], test: [end - L, end] };
  if (seg.length >= L + context) return { trainEnd: end - L, val: [end - L, end] };
  return { trainEnd: end };
}

/** Subjects held out as OOD test; validation and test blocks of L rows at the end of the last (or every) segment. */
function glucobenchSplit(
  ds: TimeSeriesDataset,
  ranges: RowRange[],
  segBy: Segments,
  protocol: Protocol<'glucobench'>,
  context: number,
): ProtocolBlocks {
  const groups = seriesGroups(ds, protocol.groupBy);
  const L = protocol.blockLength ?? 240;
  const nOut = Math.ceil(groups.length * (protocol.oodFraction ?? 0.1));
  if (nOut >= groups.length) throw new DataError(`glucobench split: ${groups.length} subject(s) are too few to hold out ${nOut}`);
  const held = pickHeldOut(groups, nOut, protocol.seed ?? 0);
  const mode = protocol.mode ?? 'last_segment';
  const out = noBlocks();
  const { blocks } = out;
  ds.series.forEach((s, si) => {
    if (held.has(si)) {
      out.ood.push(ranges[si]);
      return;
    }
    const segs = segBy[si];
    if (segs.length === 0) return;
    if (mode === 'every_segment') {
      for (const seg of segs) {
        const c = glucobenchCut(seg, L, context);
        blocks.train.push([seg.offset, c.trainEnd]);
        if (c.val) blocks.val.push(c.val);
        if (c.test) blocks.test.push(c.test);
      }
      return;
    }
    const last = segs[segs.length - 1];
    const c = glucobenchCut(last, L, context);
    if (!c.test)
      out.warnings.push(
        `glucobench: series '${s.id}': last segment has ${last.length} rows, fewer than 2*${L}+${context}; ${c.val ? 'no test block' : 'no validation or test block'}`,
      );
    blocks.train.push([ranges[si][0], c.trainEnd]);
    if (c.val) blocks.val.push(c.val);
    if (c.test) blocks.test.push(c.test);
  });
  return { ...out, heldOut: [...held].sort((a, b) => a - b) };
}

/** The ETT benchmarks' fixed row borders on a dataset of one series. */
function ettSplit(ds: TimeSeriesDataset, ranges: RowRange[], segBy: Segments, protocol: Protocol<'ett'>): ProtocolBlocks {
  if (ds.series.length !== 1) throw new DataError(`ett split needs a dataset with one series (got ${ds.series.length})`);
  let borders = protocol.borders;
  if (!borders) {
    const factor = 3_600_000 / ds.intervalMs;
    if (factor !== 1 && factor !== 4)
      throw new DataError(
        `ett split: default borders are defined for hourly and 15-minute data (interval is ${ds.intervalMs} ms); pass borders`,
      );
    borders = [8640 * factor, 11520 * factor, 14400 * factor];
  }
  const [r0, r1] = ranges[0];
  const [b1, b2, b3] = borders.map((b) => r0 + b);
  if (b3 > r1) throw new DataError(`ett split: the dataset has ${r1 - r0} rows, fewer than the protocol's ${borders[2]}`);
  const out = noBlocks();
  if (segBy[0].length !== 1) out.warnings.push(`ett split: the series has ${segBy[0].length} segments (gaps); windows never cross them`);
  out.blocks.train.push([r0, b1]);
  out.blocks.val.push([b1, b2]);
  out.blocks.test.push([b2, b3]);
  return out;
}

function inRanges(ranges: RowRange[] | undefined, a: number, b: number): boolean {
  if (!ranges) return true;
  for (const [x, y] of ranges) if (a >= x && b <= y) return true;
  return false;
}

export interface EventWindowsResult {
  windows: WindowSet;
  /** Epoch ms of each window's forecast origin (first target row), in window order. */
  origins: Float64Array;
  /** Candidate origins (nights / meal events). */
  candidates: number;
  /** Candidates without a window, by reason. */
  skipped: { gap: number; outside_blocks: number };
}

/**
 * One window per night: the forecast origin (first target row) is the local clock time
 * `originLocalTime` (default '00:00') each day, targets cover `horizonHours` (default 8 h; or
 * `horizon` rows), the context the `context` rows before. A night counts when its origin falls
 * within the series' time span; it is skipped when context+horizon do not fit in one segment
 * ('gap') or the targets are not inside `targetBlocks` ('outside_blocks'; e.g. a split's test blocks).
 */
export function nocturnalWindows(
  ds: TimeSeriesDataset,
  opts: {
    context: number;
    originLocalTime?: string;
    horizonHours?: number;
    horizon?: number;
    timeZone?: string;
    targetBlocks?: RowRange[];
    series?: number[];
  },
): EventWindowsResult {
  const I = ds.intervalMs;
  const horizon = opts.horizon ?? Math.round(((opts.horizonHours ?? 8) * 3_600_000) / I);
  const b = new WindowSetBuilder(opts.context, horizon, 1);
  const zone = new ZoneConverter(opts.timeZone ?? ds.timeZone);
  const clock = parseClock(opts.originLocalTime ?? '00:00');
  const segBy = segmentsBySeries(ds);
  const origins: number[] = [];
  let candidates = 0;
  const skipped = { gap: 0, outside_blocks: 0 };
  const seriesList = opts.series ?? ds.series.map((_, i) => i);
  for (const si of seriesList) {
    const segs = segBy[si];
    if (!segs.length) continue;
    const t0 = segs[0].startMs;
    const last = segs[segs.length - 1];
    const t1 = last.startMs + (last.length - 1) * I;
    const d0 = Math.floor(zone.utcToWall(t0) / 86_400_000);
    const d1 = Math.floor(zone.utcToWall(t1) / 86_400_000);
    for (let d = d0; d <= d1; d++) {
      const origin = zone.wallToUtc(d * 86_400_000 + clock);
      if (origin < t0 || origin > t1) continue;
      candidates++;
      const seg = segs.find((s) => origin >= s.startMs - I / 2 && origin <= s.startMs + (s.length - 0.5) * I);
      if (!seg) {
        skipped.gap++;
        continue;
      }
      const j = Math.round((origin - seg.startMs) / I);
      if (j - opts.context < 0 || j + horizon > seg.length) {
        skipped.gap++;
        continue;
      }
      const row = seg.offset + j;
      if (!inRanges(opts.targetBlocks, row, row + horizon)) {
        skipped.outside_blocks++;
        continue;
      }
      b.addOne(row - opts.context);
      origins.push(seg.startMs + j * I);
    }
  }
  return { windows: b.build(), origins: Float64Array.from(origins), candidates, skipped };
}

/**
 * One window per meal event: rows where `channel` (default 'meal', else 'carbs_g' / 'food_g') is > 0.
 * The forecast origin is `originOffset` rows after the meal row (default 1: the context ends with
 * the meal row). Events closer than `minSeparation` rows to the previous used event are merged.
 */
export function prandialWindows(
  ds: TimeSeriesDataset,
  opts: { context: number; horizon: number; channel?: string; originOffset?: number; minSeparation?: number; targetBlocks?: RowRange[] },
): EventWindowsResult {
  const names = opts.channel ? [opts.channel] : ['meal', 'carbs_g', 'food_g', 'carbs'];
  const ci = ds.channels.findIndex((c) => names.includes(c.name));
  if (ci < 0)
    throw new DataError(
      `prandialWindows: dataset '${ds.name}' has no meal channel (${names.join(', ')}); channels: ${ds.channels.map((c) => c.name).join(', ')}`,
    );
  const v = ds.values[ci];
  const off = opts.originOffset ?? 1;
  const minSep = opts.minSeparation ?? 0;
  const b = new WindowSetBuilder(opts.context, opts.horizon, 1);
  const origins: number[] = [];
  let candidates = 0;
  const skipped = { gap: 0, outside_blocks: 0 };
  for (const seg of ds.segments) {
    let lastUsed = -Infinity;
    for (let j = 0; j < seg.length; j++) {
      const r = seg.offset + j;
      if (!(v[r] > 0)) continue;
      if (r - lastUsed < minSep) continue;
      candidates++;
      lastUsed = r;
      const o = j + off;
      if (o - opts.context < 0 || o + opts.horizon > seg.length) {
        skipped.gap++;
        continue;
      }
      const row = seg.offset + o;
      if (!inRanges(opts.targetBlocks, row, row + opts.horizon)) {
        skipped.outside_blocks++;
        continue;
      }
      b.addOne(row - opts.context);
      origins.push(seg.startMs + o * ds.intervalMs);
    }
  }
  return { windows: b.build(), origins: Float64Array.from(origins), candidates, skipped };
}
