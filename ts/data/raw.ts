/**
 * Intermediate representation between adapters (format-specific reading) and regularisation:
 * per-series observations on the source's own time stamps, plus per-file row accounting.
 */
import path from 'node:path';
import type { ChannelRole } from './types.js';
import type { Column, RawTable } from './readers.js';
import { DataError, unknownColumnError } from './errors.js';
import type { ParsedTime, ZoneConverter, WallParser } from './time.js';
import { checkGlucoseUnits } from './units.js';
import type { GlucoseUnit } from './units.js';

/** How gaps in a channel are filled on the regular grid. */
export type FillKind = 'interpolate' | 'zero' | 'ffill';

export interface ChannelSpec {
  name: string;
  role: ChannelRole;
  unit?: string;
  /** interpolate: continuous (targets always); zero: events (doses, meals) summed per slot; ffill: rates/states. */
  fill: FillKind;
}

export interface RawSeries {
  id: string;
  attributes: Record<string, string | number>;
  /** Epoch ms (UTC) per observation; only rows with a valid time. */
  times: Float64Array;
  /** values[c][i]; NaN = missing. */
  values: Float64Array[];
  /** Index into the file list, per observation. */
  file: Int32Array;
  /** Source line per observation (for messages). */
  lines: Int32Array;
}

export interface FileStat {
  path: string;
  rowsRead: number;
  rowsParsed: number;
  rowsKept: number;
  pointsInterpolated: number;
  dropped: Record<string, number>;
}

export interface AdapterResult {
  channels: ChannelSpec[];
  series: RawSeries[];
  files: FileStat[];
  warnings: string[];
  counters: Record<string, number>;
  /** Counts per series id (device readers: censored_low, censored_high, ...). */
  seriesCounters?: Record<string, Record<string, number>>;
}

export function newFileStat(p: string): FileStat {
  return { path: p, rowsRead: 0, rowsParsed: 0, rowsKept: 0, pointsInterpolated: 0, dropped: {} };
}

export function bump(rec: Record<string, number>, key: string, by = 1): void {
  rec[key] = (rec[key] ?? 0) + by;
}

/** Per-file parsing state: which rows are still valid, and the first reason each bad row was dropped. */
export class RowFilter {
  readonly ok: Uint8Array;
  readonly stat: FileStat;
  readonly onError: 'error' | 'skip';
  readonly table: RawTable;
  readonly warnings: string[];
  private samples = 0;
  constructor(table: RawTable, stat: FileStat, onError: 'error' | 'skip', warnings: string[]) {
    this.table = table;
    this.ok = new Uint8Array(table.rowCount).fill(1);
    this.stat = stat;
    this.onError = onError;
    this.warnings = warnings;
  }
  /** Marks row i bad; throws in 'error' mode. */
  reject(i: number, reason: string, message: string): void {
    const where = `${this.table.path}:${this.table.lineOf(i)}`;
    if (this.onError === 'error') {
      throw new DataError(`${where}: ${message} (set on_error: skip to drop such rows)`, {
        file: this.table.path,
        line: this.table.lineOf(i),
      });
    }
    if (this.ok[i]) {
      this.ok[i] = 0;
      bump(this.stat.dropped, reason);
      if (this.samples++ < 3) this.warnings.push(`skipped ${where}: ${message}`);
    }
  }
}

/** Throws the field-count errors of a CSV (or counts them as 'malformed_row' in skip mode). */
export function handleMalformed(table: RawTable, stat: FileStat, onError: 'error' | 'skip', warnings: string[]): void {
  stat.rowsRead = table.rowCount + table.malformed.length;
  if (table.malformed.length === 0) return;
  const m = table.malformed[0];
  if (onError === 'error') {
    throw new DataError(`${table.path}:${m.line}: malformed row: ${m.message} (set on_error: skip to drop such rows)`, {
      file: table.path,
      line: m.line,
    });
  }
  bump(stat.dropped, 'malformed_row', table.malformed.length);
  warnings.push(`skipped ${table.malformed.length} malformed row(s) in ${table.path}, first at line ${m.line}: ${m.message}`);
}

export function requireColumn(table: RawTable, name: string, role: string): void {
  if (!table.header.includes(name)) throw unknownColumnError(table.path, name, role, table.header);
}

const MISSING_TOKENS = new Set(['', 'na', 'n/a', 'nan', 'null', 'none', '-', '--', '?', '#n/a']);

export function isMissingToken(s: string): boolean {
  return MISSING_TOKENS.has(s.trim().toLowerCase());
}

/** Parses a numeric column; empty/NA cells are NaN, anything else unparseable is a malformed_number. */
export function parseNumberColumn(col: Column, name: string, f: RowFilter): Float64Array {
  const n = f.table.rowCount;
  if (col.kind !== 'string') return col.kind === 'number' ? col.values : col.values;
  const out = new Float64Array(n);
  const vals = col.values;
  for (let i = 0; i < n; i++) {
    const s = vals[i];
    if (s === null || s.length === 0) {
      out[i] = NaN;
      continue;
    }
    const v = +s;
    if (v === v && Number.isFinite(v)) {
      out[i] = v;
      continue;
    }
    out[i] = NaN;
    if (!f.ok[i] || isMissingToken(s)) continue;
    f.reject(i, 'malformed_number', `column '${name}': cannot parse number '${s}'`);
  }
  return out;
}

/** Parses a time column into UTC epoch ms; unparseable cells reject the row ('unparseable_time'). */
/**
 * Times of a column as UTC ms. When `offsets` is given, the explicit UTC offset (minutes) of each string cell is
 * written there (NaN where the cell has none), for checkOffsetChanges.
 */
export function parseTimeColumn(
  col: Column,
  name: string,
  f: RowFilter,
  parser: WallParser,
  zone: ZoneConverter,
  formatLabel: string,
  offsets?: Float64Array,
): Float64Array {
  const n = f.table.rowCount;
  const out = new Float64Array(n);
  if (col.kind === 'time') {
    for (let i = 0; i < n; i++) {
      const v = col.values[i];
      out[i] = col.zoned ? v : zone.wallToUtc(v);
      if (!Number.isFinite(v) && f.ok[i]) f.reject(i, 'unparseable_time', `column '${name}': missing time`);
    }
    return out;
  }
  if (col.kind === 'number') {
    // numeric time column: epoch seconds (< 1e11) or ms
    for (let i = 0; i < n; i++) {
      const v = col.values[i];
      out[i] = Math.abs(v) < 1e11 ? v * 1000 : v;
      if (!Number.isFinite(v) && f.ok[i]) f.reject(i, 'unparseable_time', `column '${name}': missing time`);
    }
    return out;
  }
  const tmp: ParsedTime = { ms: 0, absolute: false };
  const vals = col.values;
  let prev: number | undefined;
  for (let i = 0; i < n; i++) {
    const s = vals[i] ?? '';
    const w = parser(s, tmp);
    if (w !== w) {
      out[i] = NaN;
      if (f.ok[i]) f.reject(i, 'unparseable_time', `column '${name}': cannot parse time '${s}' (expected ${formatLabel})`);
      continue;
    }
    out[i] = tmp.absolute ? w : zone.wallToUtc(w, prev);
    if (offsets) offsets[i] = tmp.absolute && tmp.offsetMin !== undefined ? tmp.offsetMin : NaN;
    tmp.offsetMin = undefined;
    prev = out[i];
  }
  return out;
}

const fmtOffset = (m: number) =>
  `${m < 0 ? '-' : '+'}${String(Math.floor(Math.abs(m) / 60)).padStart(2, '0')}:${String(Math.abs(m) % 60).padStart(2, '0')}`;

/**
 * Explicit UTC offsets within one series: a change now and then is daylight saving or travel (rows are placed by
 * their offsets, with a warning); offsets that change more than twice and more often than once a week are an
 * export fault (placed by them, the series breaks into dozens of segments), and fail naming the first change.
 */
export function checkOffsetChanges(
  file: string,
  series: string,
  rows: ReadonlyArray<{ offset: number; ms: number; line: number }>,
  warnings: string[],
): void {
  const changes: Array<{ from: number; to: number; line: number }> = [];
  let last = NaN;
  for (const r of rows) {
    if (r.offset !== r.offset) continue;
    if (last === last && r.offset !== last) changes.push({ from: last, to: r.offset, line: r.line });
    last = r.offset;
  }
  if (!changes.length) return;
  const days = Math.max(1 / 24, (rows[rows.length - 1]!.ms - rows[0]!.ms) / 86_400_000);
  const first = changes[0]!;
  const what = `the UTC offset changes ${changes.length} time${changes.length === 1 ? '' : 's'} in ${days.toFixed(1)} days (first at line ${first.line}: ${fmtOffset(first.from)} to ${fmtOffset(first.to)})`;
  if (changes.length > 2 && changes.length / days > 1 / 7)
    throw new DataError(
      `${file}: series '${series}': ${what}; timestamps with inconsistent offsets cannot be placed in time: fix the export, or drop the offsets and set the dataset's time_zone`,
      { file, line: first.line },
    );
  warnings.push(`${file}: series '${series}': ${what} (daylight saving or travel); rows are placed by their offsets`);
}

/** Fails when a file's target column holds no numeric value at all. */
export function requireSomeNumeric(values: Float64Array, ok: Uint8Array, file: string, column: string): void {
  for (let i = 0; i < values.length; i++) if (ok[i] && Number.isFinite(values[i])) return;
  throw new DataError(`${file}: column '${column}' has no numeric values`, { file, column });
}

/** Checks declared glucose units on a file's values and converts mmol/L to mg/dL in place. */
export function glucoseToMgdl(values: Float64Array, unit: GlucoseUnit, file: string, column: string, factor: number): void {
  checkGlucoseUnits(values, unit, file, column);
  if (unit === 'mmol/L') for (let i = 0; i < values.length; i++) values[i] *= factor;
}

/** A stable, readable series name for a file: its base name without data extensions. */
export function fileStem(p: string): string {
  return path
    .basename(p)
    .replace(/\.gz$/i, '')
    .replace(/\.(csv|tsv|txt|arrow|feather|ipc|arrows|parquet|pq|json|xml)$/i, '');
}

/** Growable builder of observations for one series (across files). */
export class SeriesBuilder {
  readonly id: string;
  attributes: Record<string, string | number> = {};
  private n = 0;
  private cap = 0;
  private times: Float64Array = new Float64Array(0);
  private vals: Float64Array[];
  private file: Int32Array = new Int32Array(0);
  private lines: Int32Array = new Int32Array(0);
  constructor(id: string, nChannels: number) {
    this.id = id;
    this.vals = Array.from({ length: nChannels }, () => new Float64Array(0));
  }
  private grow(need: number): void {
    if (need <= this.cap) return;
    const cap = Math.max(need, this.cap * 2, 256);
    const g64 = (a: Float64Array): Float64Array => {
      const b = new Float64Array(cap);
      b.set(a.subarray(0, this.n));
      return b;
    };
    const g32 = (a: Int32Array): Int32Array => {
      const b = new Int32Array(cap);
      b.set(a.subarray(0, this.n));
      return b;
    };
    this.times = g64(this.times);
    this.vals = this.vals.map(g64);
    this.file = g32(this.file);
    this.lines = g32(this.lines);
    this.cap = cap;
  }
  push(t: number, values: ArrayLike<number>, file: number, line: number): void {
    this.grow(this.n + 1);
    const k = this.n++;
    this.times[k] = t;
    for (let c = 0; c < this.vals.length; c++) this.vals[c][k] = values[c];
    this.file[k] = file;
    this.lines[k] = line;
  }
  get length(): number {
    return this.n;
  }
  build(): RawSeries {
    const n = this.n;
    return {
      id: this.id,
      attributes: this.attributes,
      times: this.times.slice(0, n),
      values: this.vals.map((v) => v.slice(0, n)),
      file: this.file.slice(0, n),
      lines: this.lines.slice(0, n),
    };
  }
}
