/**
 * Ingest: dataset config -> canonical TimeSeriesDataset (regular, segmented, counted), with an
 * on-disk cache keyed by the dataset version.
 */
import type { ChannelInfo, IngestReport, Segment, SeriesInfo, TimeSeriesDataset } from './types.js';
import { parseDatasetConfig, resolveDataPaths, defaultTimeZone } from './config.js';
import type { DatasetConfig, DatasetConfigInput } from './config.js';
import { DataError, ShortSegmentsError } from './errors.js';
import { ZoneConverter, makeWallParser, DEFAULT_TIME_FORMAT } from './time.js';
import { parseDuration, formatDuration } from './units.js';
import { readGeneric } from './adapters/generic.js';
import type { AdapterContext } from './adapters/generic.js';
import { readShanghai } from './adapters/shanghai.js';
import { readDexcomClarity, readLibreView, readNightscout } from './adapters/devices.js';
import { readOhioT1dm } from './adapters/ohio.js';
import { readTidepool } from './adapters/tidepool.js';
import type { AdapterResult, ChannelSpec } from './raw.js';
import { inferIntervalMs, regularizeSeries } from './regularize.js';
import type { RegularizedSeries, RegularizeParams } from './regularize.js';
import { cacheDirFor, computeDatasetVersion, readCachedDataset, writeCachedDataset } from './cache.js';

export interface IngestOptions {
  /** Base for relative `path`s (default: process.cwd()). */
  baseDir?: string;
  /** Cache root; the dataset is stored under `<cacheDir>/<name>-<version>/`. Omit or false: no cache. */
  cacheDir?: string | false;
  /** Overrides `min_segment_length` (the caller passes context + horizon). */
  minSegmentLength?: number;
}

export interface IngestResult {
  dataset: TimeSeriesDataset;
  cacheHit: boolean;
  /** Directory of the cached copy, when a cache is used. */
  cachePath?: string;
}

function fillToKind(f: ChannelSpec['fill']): ChannelInfo['kind'] {
  return f === 'interpolate' ? 'continuous' : f === 'zero' ? 'event' : 'state';
}

/** The config with defaults made explicit (what the version hash covers). */
export function effectiveConfig(cfg: DatasetConfig, opts: IngestOptions = {}): DatasetConfig {
  return {
    ...cfg,
    time_zone: defaultTimeZone(cfg),
    // LibreView's day/month order is read from the file, and OhioT1DM's is its own, unless a time_format is given.
    time_format: cfg.time_format ?? (cfg.format === 'libreview' || cfg.format === 'ohiot1dm' ? undefined : DEFAULT_TIME_FORMAT),
    on_error: cfg.on_error ?? 'error',
    duplicates: cfg.duplicates ?? 'mean',
    snap_tolerance: cfg.snap_tolerance ?? 1 / 3,
    min_segment_length: opts.minSegmentLength ?? cfg.min_segment_length ?? 1,
  };
}

/** Files a directory or glob contributes, for the readers of non-table files. */
const DATA_FILES: Partial<Record<DatasetConfig['format'], RegExp>> = {
  nightscout: /\.(json|csv|tsv|txt)(\.gz)?$/i,
  tidepool: /\.(json|csv)(\.gz)?$/i,
  ohiot1dm: /\.xml(\.gz)?$/i,
};

async function readSource(cfg: DatasetConfig, files: string[]): Promise<AdapterResult> {
  const zone = new ZoneConverter(cfg.time_zone);
  const fmt = cfg.time_format ?? DEFAULT_TIME_FORMAT;
  const ctx: AdapterContext = { cfg, files, zone, parser: makeWallParser(fmt), timeFormatLabel: fmt };
  switch (cfg.format) {
    case 'shanghai':
      return readShanghai(ctx);
    case 'dexcom_clarity':
      return readDexcomClarity(ctx);
    case 'libreview':
      return readLibreView(ctx);
    case 'nightscout':
      return readNightscout(ctx);
    case 'tidepool':
      return readTidepool(ctx);
    case 'ohiot1dm':
      return readOhioT1dm(ctx);
    default:
      return readGeneric(ctx);
  }
}

/** Ingests (or loads from cache) and reports whether the cache was used. */
export async function ingestDatasetWithInfo(
  config: DatasetConfig | DatasetConfigInput | unknown,
  opts: IngestOptions = {},
): Promise<IngestResult> {
  const cfg = effectiveConfig(parseDatasetConfig(config), opts);
  const files = await resolveDataPaths(cfg.path, opts.baseDir, DATA_FILES[cfg.format]);
  let cachePath: string | undefined;
  let version: string | undefined;
  if (opts.cacheDir) {
    version = await computeDatasetVersion(files, cfg);
    cachePath = cacheDirFor(opts.cacheDir, cfg.name, version);
    const hit = await readCachedDataset(cachePath);
    if (hit) return { dataset: hit, cacheHit: true, cachePath };
  }
  const dataset = await buildDataset(cfg, files, version ?? (await computeDatasetVersion(files, cfg)));
  if (cachePath) await writeCachedDataset(cachePath, dataset);
  return { dataset, cacheHit: false, cachePath };
}

/** Ingests a dataset config into the canonical dataset (see regularize.ts for the rules). */
export async function ingestDataset(
  config: DatasetConfig | DatasetConfigInput | unknown,
  opts: IngestOptions = {},
): Promise<TimeSeriesDataset> {
  return (await ingestDatasetWithInfo(config, opts)).dataset;
}

/** The ingest pipeline in order: read, sampling parameters, target check, regularise, concatenate, report. */
async function buildDataset(cfg: DatasetConfig, files: string[], version: string): Promise<TimeSeriesDataset> {
  const src = await readSource(cfg, files);
  const warnings = [...src.warnings];
  const counters = { ...src.counters };
  const params = samplingParams(cfg, src, warnings);
  checkTargetsPresent(cfg, src, warnings);
  const { regs, gapsSplit } = regularizeAll(cfg, src, params, counters, warnings);
  const { values, segments, series } = concatenate(src.channels, regs);
  const report = ingestReport(src, { warnings, counters, gapsSplit, segments: segments.length, series: series.length });
  const channels: ChannelInfo[] = src.channels.map((c) => {
    const info: ChannelInfo = { name: c.name, role: c.role, kind: fillToKind(c.fill) };
    if (c.unit !== undefined) info.unit = c.unit;
    return info;
  });
  return {
    name: cfg.name,
    version,
    intervalMs: params.intervalMs,
    timeZone: cfg.time_zone ?? 'UTC',
    channels,
    values,
    series,
    segments,
    report,
  };
}

/** The grid the series are regularised onto: the interval (given or inferred) and the longest gap bridged. */
function samplingParams(cfg: DatasetConfig, src: AdapterResult, warnings: string[]): RegularizeParams {
  let intervalMs: number;
  if (cfg.interval) intervalMs = parseDuration(cfg.interval);
  else {
    intervalMs = inferIntervalMs(src.series);
    if (!Number.isFinite(intervalMs) || intervalMs <= 0)
      throw new DataError(
        `dataset '${cfg.name}': cannot infer the sampling interval (fewer than two timestamps per series); set 'interval'`,
      );
    warnings.push(`interval inferred as ${formatDuration(intervalMs)} (median step)`);
  }
  let maxGapMs = cfg.max_gap ? parseDuration(cfg.max_gap) : intervalMs;
  if (maxGapMs < intervalMs) {
    warnings.push(`max_gap ${cfg.max_gap} is shorter than the interval; using ${formatDuration(intervalMs)}`);
    maxGapMs = intervalMs;
  }
  return {
    intervalMs,
    maxGapMs,
    toleranceMs: (cfg.snap_tolerance ?? 1 / 3) * intervalMs,
    minSegmentLength: cfg.min_segment_length ?? 1,
    duplicates: cfg.duplicates ?? 'mean',
  };
}

/** A series whose target never has a value is a mapping problem, not data to drop silently. */
function checkTargetsPresent(cfg: DatasetConfig, src: AdapterResult, warnings: string[]): void {
  const tIdx = src.channels.map((c, i) => (c.role === 'target' ? i : -1)).filter((i) => i >= 0);
  for (const s of src.series) {
    let any = false;
    for (let i = 0; i < s.times.length && !any; i++) any = tIdx.every((c) => Number.isFinite(s.values[c][i]));
    if (!any && s.times.length > 0) {
      const file = src.files[s.file[0]]?.path ?? cfg.name;
      const col = tIdx.map((c) => src.channels[c].name).join("', '");
      const msg = `${file}: column '${col}' has no numeric values for series '${s.id}'`;
      if ((cfg.on_error ?? 'error') === 'error') throw new DataError(msg, { file });
      warnings.push(msg);
    }
  }
}

/** Every series regularised; fails when no segment long enough remains anywhere. */
function regularizeAll(
  cfg: DatasetConfig,
  src: AdapterResult,
  params: RegularizeParams,
  counters: Record<string, number>,
  warnings: string[],
): { regs: RegularizedSeries[]; gapsSplit: number } {
  const regs: RegularizedSeries[] = [];
  let gapsSplit = 0;
  const longest = { rows: 0 };
  for (const s of src.series) {
    const r = regularizeSeries(s, src.channels, params, src.files, counters, warnings, longest);
    if (r) {
      regs.push(r);
      gapsSplit += r.gapsSplit;
    }
  }
  if (regs.length === 0) {
    throw new ShortSegmentsError(
      `dataset '${cfg.name}': no segment of at least ${params.minSegmentLength} rows remains after ingest (${src.files.length} file(s); the longest has ${longest.rows} rows); lower min_segment_length or raise max_gap`,
      cfg.name,
      params.minSegmentLength,
      longest.rows,
    );
  }
  return { regs, gapsSplit };
}

/** The regularised series one after another: one array per channel, segments at their offsets. */
function concatenate(
  channels: ChannelSpec[],
  regs: RegularizedSeries[],
): { values: Float32Array[]; segments: Segment[]; series: SeriesInfo[] } {
  let total = 0;
  for (const r of regs) total += r.values[0].length;
  const values = channels.map(() => new Float32Array(total));
  const segments: Segment[] = [];
  const series: SeriesInfo[] = [];
  let off = 0;
  regs.forEach((r, si) => {
    series.push(Object.keys(r.attributes).length ? { id: r.id, attributes: r.attributes } : { id: r.id });
    let o = 0;
    for (const s of r.segments) {
      segments.push({ series: si, offset: off + o, length: s.length, startMs: s.startMs });
      o += s.length;
    }
    for (let c = 0; c < values.length; c++) values[c].set(r.values[c], off);
    off += o;
  });
  return { values, segments, series };
}

/** Rows read, kept and dropped per file and in total, with the first 200 warnings. */
function ingestReport(
  src: AdapterResult,
  r: { warnings: string[]; counters: Record<string, number>; gapsSplit: number; segments: number; series: number },
): IngestReport {
  const { warnings } = r;
  const dropped: Record<string, number> = {};
  let rowsRead = 0;
  let rowsKept = 0;
  let pointsInterpolated = 0;
  for (const f of src.files) {
    rowsRead += f.rowsRead;
    rowsKept += f.rowsKept;
    pointsInterpolated += f.pointsInterpolated;
    for (const [k, v] of Object.entries(f.dropped)) dropped[k] = (dropped[k] ?? 0) + v;
  }
  const report: IngestReport = {
    files: src.files.map((f) => ({
      path: f.path,
      rowsRead: f.rowsRead,
      rowsParsed: f.rowsParsed,
      rowsKept: f.rowsKept,
      pointsInterpolated: f.pointsInterpolated,
      dropped: f.dropped,
    })),
    rowsRead,
    rowsKept,
    pointsInterpolated,
    dropped,
    gapsSplit: r.gapsSplit,
    segments: r.segments,
    series: r.series,
    warnings: warnings.length > 200 ? [...warnings.slice(0, 200), `... ${warnings.length - 200} more warnings`] : warnings,
    counters: r.counters,
  };
  if (src.seriesCounters && Object.keys(src.seriesCounters).length) report.seriesCounters = src.seriesCounters;
  return report;
}
