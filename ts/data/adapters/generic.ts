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
import type { RawTable } from '../readers.js';
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

/** Reads long/wide/iglu/ett files. */
// eslint-disable-next-line max-lines-per-function -- one reader pass over a user file (columns, time parsing, per-row checks) whose errors name row and column
export async function readGeneric(ctx: AdapterContext): Promise<AdapterResult> {
  const { cfg } = ctx;
  const m = mappingFor(ctx.cfg);
  const onError = cfg.on_error ?? 'error';
  const wideSeries = cfg.format === 'wide' && cfg.wide_as === 'series';
  const warnings: string[] = [];
  const counters: Record<string, number> = {};
  const files: FileStat[] = [];
  const builders = new Map<string, SeriesBuilder>();
  let channels: ChannelSpec[] | undefined;
  let targetNames: string[] | undefined;
  const stems = ctx.files.map(fileStem);
  const stemCount = new Map<string, number>();
  stems.forEach((s) => stemCount.set(s, (stemCount.get(s) ?? 0) + 1));

  for (let fi = 0; fi < ctx.files.length; fi++) {
    const file = ctx.files[fi];
    const stat = newFileStat(file);
    files.push(stat);
    const table: RawTable = await readTable(file, { delimiter: cfg.delimiter });
    handleMalformed(table, stat, onError, warnings);
    // resolve and check the mapping against this file's header
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
    if (targetNames === undefined) {
      targetNames = targets;
      channels = wideSeries
        ? [{ name: 'value', role: 'target', unit: m.units ? 'mg/dL' : undefined, fill: 'interpolate' }]
        : channelSpecs(targets, m, cfg.fill);
    } else if (targetNames.join('\u0000') !== targets.join('\u0000')) {
      throw new DataError(`${file}: value columns [${targets.join(', ')}] differ from the first file's [${targetNames.join(', ')}]`, {
        file,
      });
    }

    const f = new RowFilter(table, stat, onError, warnings);
    const offsets = new Float64Array(table.rowCount).fill(NaN);
    const times = parseTimeColumn(table.column(m.time), m.time, f, ctx.parser, ctx.zone, ctx.timeFormatLabel, offsets);
    const valueCols = wideSeries ? targets : channels!.map((c) => c.name);
    const vals = valueCols.map((c) => parseNumberColumn(table.column(c), c, f));
    for (let k = 0; k < targets.length; k++) {
      requireSomeNumeric(vals[k], f.ok, file, targets[k]);
      if (m.units) glucoseToMgdl(vals[k], m.units, file, targets[k], MGDL_PER_MMOLL);
    }
    const ids = m.id ? table.column(m.id) : undefined;
    if (ids && ids.kind === 'time') throw new DataError(`${file}: id column '${m.id}' holds timestamps`, { file, column: m.id });
    const defaultId = (stemCount.get(stems[fi]) ?? 0) > 1 ? file : stems[fi];
    const staticCols = m.statics.map((c) => table.column(c));
    const n = table.rowCount;
    if (wideSeries) {
      for (let k = 0; k < targets.length; k++) {
        const id = targets[k];
        let b = builders.get(id);
        if (!b) builders.set(id, (b = new SeriesBuilder(id, 1)));
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
      continue;
    }
    const row = new Float64Array(vals.length);
    const offsetRows = new Map<string, Array<{ offset: number; ms: number; line: number }>>();
    let lastId: string | undefined;
    let b: SeriesBuilder | undefined;
    for (let i = 0; i < n; i++) {
      if (!f.ok[i]) continue;
      let id = defaultId;
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
        b = builders.get(id);
        if (!b) {
          builders.set(id, (b = new SeriesBuilder(id, vals.length)));
          if (cfg.static_attributes) Object.assign(b.attributes, cfg.static_attributes);
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
      for (let k = 0; k < staticCols.length; k++) {
        const col = staticCols[k];
        const v = col.kind === 'string' ? parseStatic(col.values[i]) : Number.isFinite(col.values[i]) ? col.values[i] : undefined;
        if (v === undefined) continue;
        const name = m.statics[k];
        const prev = b!.attributes[name];
        if (prev === undefined) b!.attributes[name] = v;
        else if (prev !== v && !(counters[`static_varies:${name}`] ?? 0)) {
          bump(counters, `static_varies:${name}`);
          warnings.push(`static column '${name}' varies within series '${id}' (${prev} vs ${v}); keeping the first value`);
        }
      }
    }
    for (const [id, rows] of offsetRows) checkOffsetChanges(file, id, rows, warnings);
  }
  if (wideSeries && cfg.static_attributes) for (const b of builders.values()) Object.assign(b.attributes, cfg.static_attributes);
  return { channels: channels!, series: [...builders.values()].map((b) => b.build()), files, warnings, counters };
}
