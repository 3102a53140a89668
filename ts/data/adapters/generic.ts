/**
 * Generic long and wide layouts, and the iglu (Broll) and ETT presets built on them.
 *
 * long: one row per (series, time) with an id column (or one series per file without one) and one
 *   column per channel. iglu's `"",id,time,gl` is this layout.
 * wide: one row per time; `wide_as: channels` (default) makes every value column a channel of one
 *   series per file (ETT); `wide_as: series` makes every value column its own univariate series.
 */
import type { DatasetConfig } from '../config.js';
import { DataError } from '../errors.js';
import { readTable } from '../readers.js';
import type { Column, RawTable } from '../readers.js';
import {
  RowFilter,
  SeriesBuilder,
  bump,
  fileStem,
  glucoseToMgdl,
  handleMalformed,
  newFileStat,
  parseNumberColumn,
  checkOffsetChanges,
  parseTimeColumn,
  requireColumn,
  requireSomeNumeric,
} from '../raw.js';
import type { AdapterResult, ChannelSpec, FileStat, FillKind } from '../raw.js';
import type { ZoneConverter, WallParser } from '../time.js';
import { MGDL_PER_MMOLL } from '../units.js';
import type { ChannelRole } from '../types.js';

export interface AdapterContext {
  cfg: DatasetConfig;
  files: string[];
  zone: ZoneConverter;
  parser: WallParser;
  timeFormatLabel: string;
}

/** Resolved column mapping of the generic adapters. */
interface Mapping {
  id?: string;
  time: string;
  targets: string[] | 'auto';
  past: string[];
  future: string[];
  statics: string[];
  units?: 'mg/dL' | 'mmol/L';
}

function asList(x: string | string[] | undefined): string[] | undefined {
  return x === undefined ? undefined : Array.isArray(x) ? x : [x];
}

export function mappingFor(cfg: DatasetConfig): Mapping {
  switch (cfg.format) {
    case 'iglu':
      return {
        id: cfg.id ?? 'id',
        time: cfg.time ?? 'time',
        targets: asList(cfg.target) ?? ['gl'],
        past: cfg.past_covariates ?? [],
        future: cfg.future_covariates ?? [],
        statics: cfg.static ?? [],
        units: cfg.units ?? 'mg/dL',
      };
    case 'ett':
      return {
        id: cfg.id,
        time: cfg.time ?? 'date',
        targets: asList(cfg.target) ?? 'auto',
        past: cfg.past_covariates ?? [],
        future: cfg.future_covariates ?? [],
        statics: cfg.static ?? [],
        units: cfg.units,
      };
    default: {
      if (!cfg.time) throw new DataError(`dataset '${cfg.name}': format '${cfg.format}' needs a 'time' column`);
      const targets = asList(cfg.target);
      if (!targets && cfg.format === 'long') throw new DataError(`dataset '${cfg.name}': format 'long' needs a 'target' column`);
      return {
        id: cfg.id,
        time: cfg.time,
        targets: targets ?? 'auto',
        past: cfg.past_covariates ?? [],
        future: cfg.future_covariates ?? [],
        statics: cfg.static ?? [],
        units: cfg.units,
      };
    }
  }
}

function channelSpecs(targets: string[], m: Mapping, fill: Record<string, FillKind> | undefined): ChannelSpec[] {
  const out: ChannelSpec[] = [];
  const seen = new Set<string>();
  const add = (name: string, role: ChannelRole): void => {
    if (seen.has(name)) throw new DataError(`column '${name}' is mapped twice (as ${role} and another role)`);
    seen.add(name);
    out.push({
      name,
      role,
      unit: role === 'target' && m.units ? 'mg/dL' : undefined,
      fill: role === 'target' ? 'interpolate' : (fill?.[name] ?? 'interpolate'),
    });
  };
  targets.forEach((t) => add(t, 'target'));
  m.past.forEach((t) => add(t, 'past_covariate'));
  m.future.forEach((t) => add(t, 'future_covariate'));
  return out;
}

function parseStatic(v: string | null | undefined): string | number | undefined {
  if (v === null || v === undefined) return undefined;
  const s = v.trim();
  if (s === '') return undefined;
  const n = Number(s);
  return Number.isFinite(n) ? n : s;
}

/** What reading the files of one dataset accumulates: series builders by id, channels, file stats, warnings. */
interface GenericRead {
  ctx: AdapterContext;
  m: Mapping;
  onError: 'error' | 'skip';
  /** `wide_as: series`: every value column its own univariate series. */
  wideSeries: boolean;
  warnings: string[];
  counters: Record<string, number>;
  files: FileStat[];
  builders: Map<string, SeriesBuilder>;
  channels?: ChannelSpec[];
  /** Value columns of the first file; every other file must have the same. */
  targetNames?: string[];
  /** The series id of a file without an id column: its stem, or its path when two files share the stem. */
  defaultIds: string[];
}

/** One file's parsed columns, its rows filtered by the checks that reject them. */
interface ParsedFile {
  fi: number;
  file: string;
  table: RawTable;
  stat: FileStat;
  f: RowFilter;
  targets: string[];
  times: Float64Array;
  /** Local-time offsets per row where the time column had one (NaN elsewhere). */
  offsets: Float64Array;
  vals: Float64Array[];
  /** The id column, when the mapping has one. */
  ids?: Column;
  staticCols: Column[];
}

/** Reads long/wide/iglu/ett files. */
export async function readGeneric(ctx: AdapterContext): Promise<AdapterResult> {
  const { cfg } = ctx;
  const stems = ctx.files.map(fileStem);
  const stemCount = new Map<string, number>();
  stems.forEach((s) => stemCount.set(s, (stemCount.get(s) ?? 0) + 1));
  const st: GenericRead = {
    ctx,
    m: mappingFor(ctx.cfg),
    onError: cfg.on_error ?? 'error',
    wideSeries: cfg.format === 'wide' && cfg.wide_as === 'series',
    warnings: [],
    counters: {},
    files: [],
    builders: new Map<string, SeriesBuilder>(),
    defaultIds: ctx.files.map((file, fi) => ((stemCount.get(stems[fi]) ?? 0) > 1 ? file : stems[fi])),
  };
  for (let fi = 0; fi < ctx.files.length; fi++) {
    const p = await parseFile(st, fi);
    if (st.wideSeries) addWideSeries(st, p);
    else addLongRows(st, p);
  }
  if (st.wideSeries && cfg.static_attributes) for (const b of st.builders.values()) Object.assign(b.attributes, cfg.static_attributes);
  const { channels, builders, files, warnings, counters } = st;
  return { channels: channels!, series: [...builders.values()].map((b) => b.build()), files, warnings, counters };
}

/** Reads a file, checks the mapping against its header, and parses its time and value columns. */
async function parseFile(st: GenericRead, fi: number): Promise<ParsedFile> {
  const { ctx, m } = st;
  const { cfg } = ctx;
  const file = ctx.files[fi];
  const stat = newFileStat(file);
  st.files.push(stat);
  const table: RawTable = await readTable(file, { delimiter: cfg.delimiter });
  handleMalformed(table, stat, st.onError, st.warnings);
  const targets = checkColumns(table, file, m, cfg);
  if (st.targetNames === undefined) {
    st.targetNames = targets;
    st.channels = st.wideSeries
      ? [{ name: 'value', role: 'target', unit: m.units ? 'mg/dL' : undefined, fill: 'interpolate' }]
      : channelSpecs(targets, m, cfg.fill);
  } else if (st.targetNames.join('\u0000') !== targets.join('\u0000')) {
    throw new DataError(`${file}: value columns [${targets.join(', ')}] differ from the first file's [${st.targetNames.join(', ')}]`, {
      file,
    });
  }
  const f = new RowFilter(table, stat, st.onError, st.warnings);
  const offsets = new Float64Array(table.rowCount).fill(NaN);
  const times = parseTimeColumn(table.column(m.time), m.time, f, ctx.parser, ctx.zone, ctx.timeFormatLabel, offsets);
  const valueCols = st.wideSeries ? targets : st.channels!.map((c) => c.name);
  const vals = valueCols.map((c) => parseNumberColumn(table.column(c), c, f));
  for (let k = 0; k < targets.length; k++) {
    requireSomeNumeric(vals[k], f.ok, file, targets[k]);
    if (m.units) glucoseToMgdl(vals[k], m.units, file, targets[k], MGDL_PER_MMOLL);
  }
  const ids = m.id ? table.column(m.id) : undefined;
  if (ids && ids.kind === 'time') throw new DataError(`${file}: id column '${m.id}' holds timestamps`, { file, column: m.id });
  const staticCols = m.statics.map((c) => table.column(c));
  return { fi, file, table, stat, f, targets, times, offsets, vals, ids, staticCols };
}

/** The file's value columns (mapped, or every column the mapping leaves when 'auto'); every mapped column must exist. */
function checkColumns(table: RawTable, file: string, m: Mapping, cfg: DatasetConfig): string[] {
  requireColumn(table, m.time, 'time');
  if (m.id) requireColumn(table, m.id, 'id');
  let targets: string[];
  if (m.targets === 'auto') {
    const skip = new Set([m.time, m.id, '', ...m.past, ...m.future, ...m.statics].filter((x): x is string => x !== undefined));
    targets = table.header.filter((h) => !skip.has(h));
    if (targets.length === 0) throw new DataError(`${file}: no value columns besides the time column '${m.time}'`, { file });
  } else targets = m.targets;
  for (const t of targets) requireColumn(table, t, 'target');
  for (const c of m.past) requireColumn(table, c, 'past_covariate');
  for (const c of m.future) requireColumn(table, c, 'future_covariate');
  for (const c of m.statics) requireColumn(table, c, 'static');
  if (cfg.fill)
    for (const c of Object.keys(cfg.fill))
      if (!m.past.includes(c) && !m.future.includes(c)) {
        throw new DataError(
          `fill: '${c}' is not a covariate of dataset '${cfg.name}' (covariates: ${[...m.past, ...m.future].join(', ') || 'none'})`,
        );
      }
  return targets;
}

/** `wide_as: series`: each value column's cells go to the series named after the column. */
function addWideSeries(st: GenericRead, { fi, table, stat, f, targets, times, vals }: ParsedFile): void {
  const n = table.rowCount;
  for (let k = 0; k < targets.length; k++) {
    const id = targets[k];
    let b = st.builders.get(id);
    if (!b) st.builders.set(id, (b = new SeriesBuilder(id, 1)));
    const one = [0];
    for (let i = 0; i < n; i++) {
      if (!f.ok[i]) continue;
      one[0] = vals[k][i];
      b.push(times[i], one, fi, table.lineOf(i));
    }
  }
  // In this layout each cell is an observation: rows are counted once per series column.
  const k = targets.length;
  for (let i = 0; i < n; i++) if (f.ok[i]) stat.rowsParsed += k;
  stat.rowsRead *= k;
  for (const key of Object.keys(stat.dropped)) stat.dropped[key] *= k;
}

/** Long (and wide-as-channels) rows: each row to its series (id column, else the file's), statics as attributes. */
function addLongRows(st: GenericRead, { fi, file, table, stat, f, times, offsets, vals, ids, staticCols }: ParsedFile): void {
  const { m, ctx } = st;
  const n = table.rowCount;
  const row = new Float64Array(vals.length);
  const offsetRows = new Map<string, Array<{ offset: number; ms: number; line: number }>>();
  let lastId: string | undefined;
  let b: SeriesBuilder | undefined;
  for (let i = 0; i < n; i++) {
    if (!f.ok[i]) continue;
    let id = st.defaultIds[fi];
    if (ids) {
      const raw = ids.values[i];
      const s = raw === null || raw === undefined ? '' : typeof raw === 'number' ? String(raw) : String(raw).trim();
      if (s === '' || s === 'NaN') {
        f.reject(i, 'missing_id', `column '${m.id}': empty series id`);
        continue;
      }
      id = s;
    }
    if (id !== lastId) {
      b = st.builders.get(id);
      if (!b) {
        st.builders.set(id, (b = new SeriesBuilder(id, vals.length)));
        if (ctx.cfg.static_attributes) Object.assign(b.attributes, ctx.cfg.static_attributes);
      }
      lastId = id;
    }
    for (let c = 0; c < vals.length; c++) row[c] = vals[c][i];
    b!.push(times[i], row, fi, table.lineOf(i));
    if (offsets[i] === offsets[i]) {
      let o = offsetRows.get(id);
      if (!o) offsetRows.set(id, (o = []));
      o.push({ offset: offsets[i], ms: times[i], line: table.lineOf(i) });
    }
    stat.rowsParsed++;
    for (let k = 0; k < staticCols.length; k++) recordStatic(st, b!, id, m.statics[k], staticCols[k], i);
  }
  for (const [id, rows] of offsetRows) checkOffsetChanges(file, id, rows, st.warnings);
}

/** A row's static column value as a series attribute; the first value is kept, a different one warned about once. */
function recordStatic(st: GenericRead, b: SeriesBuilder, id: string, name: string, col: Column, i: number): void {
  const v = col.kind === 'string' ? parseStatic(col.values[i]) : Number.isFinite(col.values[i]) ? col.values[i] : undefined;
  if (v === undefined) return;
  const prev = b.attributes[name];
  if (prev === undefined) b.attributes[name] = v;
  else if (prev !== v && !(st.counters[`static_varies:${name}`] ?? 0)) {
    bump(st.counters, `static_varies:${name}`);
    st.warnings.push(`static column '${name}' varies within series '${id}' (${prev} vs ${v}); keeping the first value`);
  }
}
