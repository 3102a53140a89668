/**
 * CGM device exports: Dexcom Clarity CSV, LibreView CSV and Nightscout entries (JSON, CSV or text). One series per file
 * (the wearer), one target channel `glucose` in mg/dL.
 *
 * Readings the device reports only as out of range (Dexcom `Low`/`High`, LibreView `LO`/`HI`,
 * Nightscout sgv 39) are kept at the device's limit — they are real observations, below or above it —
 * and counted per series (`censored_low`, `censored_high`); they are never dropped or treated as gaps.
 * Device limits (mg/dL), from the manufacturers' user guides: Dexcom G6/G7 and ONE 40–400; FreeStyle
 * Libre 1/2/3 40–500. Nightscout stores Dexcom's codes: sgv 39 means below 40; sgv 0–12 are sensor
 * error codes (no reading), counted as `sensor_error_code` and kept as missing.
 */
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { DataError } from '../errors.js';
import { readTable } from '../readers.js';
import type { Column, RawTable } from '../readers.js';
import {
  RowFilter,
  SeriesBuilder,
  bump,
  fileStem,
  handleMalformed,
  isMissingToken,
  newFileStat,
  parseTimeColumn,
  requireSomeNumeric,
} from '../raw.js';
import type { AdapterResult, ChannelSpec, FileStat } from '../raw.js';
import { isDexcomHeader, isLibreHeader, sniffFile, wrongFormatError } from '../sniff.js';
import type { DeviceFormat } from '../sniff.js';
import { makeWallParser, parseIsoInto } from '../time.js';
import type { ParsedTime, WallParser } from '../time.js';
import { MGDL_PER_MMOLL, finiteMedian } from '../units.js';
import type { GlucoseUnit } from '../units.js';
import type { AdapterContext } from './generic.js';

/** Reporting range of each device family in mg/dL (out-of-range readings are censored at these limits). */
export const DEVICE_LIMITS_MGDL: Record<DeviceFormat, { low: number; high: number }> = {
  dexcom_clarity: { low: 40, high: 400 },
  libreview: { low: 40, high: 500 },
  nightscout: { low: 40, high: 400 },
  // Tidepool stores each reading with its device's range in a `bg/out-of-range` annotation; this is the widest.
  tidepool: { low: 40, high: 500 },
  // Medtronic Enlite / Guardian sensors (the OhioT1DM pumps' CGM): 40–400 mg/dL.
  ohiot1dm: { low: 40, high: 400 },
};

export const GLUCOSE: ChannelSpec = { name: 'glucose', role: 'target', unit: 'mg/dL', fill: 'interpolate' };

/** The unit a header names, if any. */
export function unitInHeader(h: string): GlucoseUnit | undefined {
  if (/mmol/i.test(h)) return 'mmol/L';
  if (/mg\s*\/?\s*dl/i.test(h)) return 'mg/dL';
  return undefined;
}

/** State shared by the readers of one dataset. */
export class DeviceRun {
  readonly warnings: string[] = [];
  readonly counters: Record<string, number> = {};
  readonly files: FileStat[] = [];
  readonly builders = new Map<string, SeriesBuilder>();
  readonly seriesCounters: Record<string, Record<string, number>> = {};
  private readonly stemCount = new Map<string, number>();
  constructor(
    readonly ctx: AdapterContext,
    readonly format: DeviceFormat,
    /** Channels of each series (glucose first). */
    readonly channelCount = 1,
  ) {
    for (const f of ctx.files) this.stemCount.set(fileStem(f), (this.stemCount.get(fileStem(f)) ?? 0) + 1);
  }
  get onError(): 'error' | 'skip' {
    return this.ctx.cfg.on_error ?? 'error';
  }
  seriesFor(file: string, attributes: Record<string, string | number>): SeriesBuilder {
    const id = (this.stemCount.get(fileStem(file)) ?? 0) > 1 ? file : fileStem(file);
    let b = this.builders.get(id);
    if (!b) {
      this.builders.set(id, (b = new SeriesBuilder(id, this.channelCount)));
      Object.assign(b.attributes, { source: this.format, ...attributes }, this.ctx.cfg.static_attributes ?? {});
    }
    return b;
  }
  count(series: string, key: string, by = 1): void {
    if (!by) return;
    bump(this.counters, key, by);
    bump((this.seriesCounters[series] ??= {}), key, by);
  }
  /** Declared `units` must agree with the unit the file states. */
  checkDeclared(file: string, unit: GlucoseUnit, where: string): void {
    const declared = this.ctx.cfg.units;
    if (declared && declared !== unit) {
      throw new DataError(
        `${file}: ${where} says ${unit} but the dataset config says units: ${declared}; remove 'units' (device exports state their unit)`,
        { file },
      );
    }
  }
  result(channels: ChannelSpec[] = [{ ...GLUCOSE }]): AdapterResult {
    return {
      channels,
      series: [...this.builders.values()].map((b) => b.build()),
      files: this.files,
      warnings: this.warnings,
      counters: this.counters,
      seriesCounters: this.seriesCounters,
    };
  }
}

/**
 * Glucose cells -> mg/dL, with Low/High kept at the device limits (`censored` -1/+1). A number that
 * cannot be in the file's unit (below 30 in mg/dL, above 35 in mmol/L) is a mixed-units error naming the line.
 */
export function parseGlucoseCells(
  cells: ArrayLike<string | null>,
  rows: ArrayLike<number>,
  f: RowFilter,
  column: string,
  unit: GlucoseUnit,
  limits: { low: number; high: number },
  out: Float64Array,
  censored: Int8Array,
  run: DeviceRun,
  series: string,
): void {
  const factor = unit === 'mmol/L' ? MGDL_PER_MMOLL : 1;
  let outside = 0;
  for (let k = 0; k < rows.length; k++) {
    const i = rows[k]!;
    if (!f.ok[i]) continue;
    const s = (cells[i] ?? '').trim();
    out[i] = NaN;
    if (s === '' || isMissingToken(s)) continue;
    if (/^(low|lo)$/i.test(s)) {
      out[i] = limits.low;
      censored[i] = -1;
      continue;
    }
    if (/^(high|hi)$/i.test(s)) {
      out[i] = limits.high;
      censored[i] = 1;
      continue;
    }
    const v = Number(s.replace(',', '.'));
    if (!Number.isFinite(v)) {
      f.reject(i, 'malformed_number', `column '${column}': cannot parse glucose '${s}' (expected a number, Low or High)`);
      continue;
    }
    if (unit === 'mg/dL' && v < 30) {
      f.reject(i, 'unit_mismatch', `column '${column}': glucose ${s} looks like mmol/L in a mg/dL file (mixed units in one file?)`);
      continue;
    }
    if (unit === 'mmol/L' && v > 35) {
      f.reject(i, 'unit_mismatch', `column '${column}': glucose ${s} looks like mg/dL in a mmol/L file (mixed units in one file?)`);
      continue;
    }
    const mg = v * factor;
    if (mg < limits.low - 1 || mg > limits.high + 1) outside++;
    out[i] = mg;
  }
  run.count(series, 'outside_device_range', outside);
}

export function strings(col: Column): ArrayLike<string | null> {
  return col.kind === 'string' ? col.values : Array.from(col.values, (v) => (Number.isFinite(v) ? String(v) : null));
}

/** Pushes the selected rows of one file into its series and counts the censored ones. */
export function pushRows(
  run: DeviceRun,
  b: SeriesBuilder,
  fi: number,
  table: RawTable,
  f: RowFilter,
  rows: ArrayLike<number>,
  times: Float64Array,
  glucose: Float64Array,
  censored: Int8Array,
  stat: FileStat,
): void {
  const one = [0];
  let low = 0;
  let high = 0;
  for (let k = 0; k < rows.length; k++) {
    const i = rows[k]!;
    if (!f.ok[i]) continue;
    one[0] = glucose[i]!;
    b.push(times[i]!, one, fi, table.lineOf(i));
    stat.rowsParsed++;
    if (censored[i] === -1) low++;
    else if (censored[i] === 1) high++;
  }
  run.count(b.id, 'censored_low', low);
  run.count(b.id, 'censored_high', high);
}

/** Rows of a table that are not readings (metadata, other events) are out of the row accounting; `keep` are the readings. */
export function restrictTo(f: RowFilter, stat: FileStat, keep: number[]): void {
  const mask = new Uint8Array(f.ok.length);
  for (const i of keep) mask[i] = 1;
  for (let i = 0; i < f.ok.length; i++) if (!mask[i]) f.ok[i] = 0;
  stat.rowsRead -= f.ok.length - keep.length;
}

export function mostCommon(values: Iterable<string>): string | undefined {
  const n = new Map<string, number>();
  for (const v of values) if (v) n.set(v, (n.get(v) ?? 0) + 1);
  let best: string | undefined;
  for (const [k, c] of n) if (best === undefined || c > n.get(best)!) best = k;
  return best;
}

// ---------------------------------------------------------------------------------------------- Dexcom

/**
 * Dexcom Clarity CSV: header `Index,Timestamp (YYYY-MM-DDThh:mm:ss),Event Type,Event Subtype,Patient Info,
 * Device Info,Source Device ID,Glucose Value (mg/dL),...`, then metadata rows (FirstName, LastName, Device,
 * Alert settings) and events; the readings are the rows of Event Type `EGV`. Names are never stored.
 */
export async function readDexcomClarity(ctx: AdapterContext): Promise<AdapterResult> {
  const run = new DeviceRun(ctx, 'dexcom_clarity');
  for (let fi = 0; fi < ctx.files.length; fi++) {
    const file = ctx.files[fi]!;
    const stat = newFileStat(file);
    run.files.push(stat);
    const table = await readTable(file, { delimiter: ctx.cfg.delimiter });
    if (!isDexcomHeader(table.header.join(','))) {
      throw await wrongFormatError(file, 'dexcom_clarity', "line 1 has no 'Timestamp', 'Event Type' and 'Glucose Value' columns");
    }
    handleMalformed(table, stat, run.onError, run.warnings);
    const find = (re: RegExp): string | undefined => table.header.find((h) => re.test(h));
    const timeCol = find(/^timestamp/i)!;
    const eventCol = find(/^event type$/i)!;
    const gluCol = find(/^glucose value/i)!;
    const devCol = find(/^source device id$/i) ?? find(/^device info$/i);
    let unit = unitInHeader(gluCol) ?? unitInHeader(find(/rate of change/i) ?? '') ?? ctx.cfg.units;
    const events = strings(table.column(eventCol));
    const times = strings(table.column(timeCol));
    const gluCells = strings(table.column(gluCol));
    const egv: number[] = [];
    const other = new Map<string, number>();
    for (let i = 0; i < table.rowCount; i++) {
      const e = (events[i] ?? '').trim();
      if (/^egv$/i.test(e)) egv.push(i);
      else if (/^event type$/i.test(e) || (times[i] ?? '').trim() === timeCol) {
        // a second header row (two exports joined): its unit must be the file's
        const again = unitInHeader(gluCells[i] ?? '');
        if (again && unit && again !== unit) {
          throw new DataError(
            `${file}:${table.lineOf(i)}: a second header row says '${gluCells[i]}' where line 1 says '${gluCol}': mixed units in one file (two exports joined?); export each unit separately`,
            { file, line: table.lineOf(i) },
          );
        }
        bump(run.counters, 'repeated_header');
      } else other.set(e || '(empty)', (other.get(e || '(empty)') ?? 0) + 1);
    }
    if (egv.length === 0) {
      throw new DataError(
        `${file}: no EGV rows (Event Type 'EGV') after ${table.rowCount} metadata/event row(s): a truncated or empty Dexcom Clarity export?`,
        { file },
      );
    }
    for (const [e, n] of other) bump(run.counters, `dexcom_rows_ignored:${e}`, n);
    const f = new RowFilter(table, stat, run.onError, run.warnings);
    restrictTo(f, stat, egv);
    if (!unit) {
      const nums = egv.map((i) => Number(gluCells[i])).filter(Number.isFinite);
      unit = finiteMedian(nums) < 30 ? 'mmol/L' : 'mg/dL';
      run.warnings.push(`${file}: column '${gluCol}' names no unit; read as ${unit} from its values`);
    }
    run.checkDeclared(file, unit, `column '${gluCol}'`);
    const device = devCol ? mostCommon(egv.map((i) => String(strings(table.column(devCol))[i] ?? '').trim())) : undefined;
    const b = run.seriesFor(file, device ? { device } : {});
    const t = parseTimeColumn(table.column(timeCol), timeCol, f, ctx.parser, ctx.zone, ctx.timeFormatLabel);
    const glucose = new Float64Array(table.rowCount).fill(NaN);
    const censored = new Int8Array(table.rowCount);
    parseGlucoseCells(gluCells, egv, f, gluCol, unit, DEVICE_LIMITS_MGDL.dexcom_clarity, glucose, censored, run, b.id);
    requireSomeNumeric(glucose, f.ok, file, gluCol);
    pushRows(run, b, fi, table, f, egv, t, glucose, censored, stat);
  }
  return run.result();
}

// ------------------------------------------------------------------------------------------- LibreView

/** `DD-MM-YYYY HH:mm` (the LibreView default) or `MM-DD-YYYY HH:mm` when a first field exceeds 12 nowhere and a second one does. */
function libreTimeParser(
  cells: ArrayLike<string | null>,
  rows: number[],
  file: string,
  run: DeviceRun,
): { parser: WallParser; label: string } {
  let maxA = 0;
  let maxB = 0;
  let sep = '-';
  let iso = false;
  for (const i of rows) {
    const s = (cells[i] ?? '').trim();
    const m = /^(\d{1,2})([-/.])(\d{1,2})\2\d{4}/.exec(s);
    if (m) {
      maxA = Math.max(maxA, +m[1]!);
      maxB = Math.max(maxB, +m[3]!);
      sep = m[2]!;
    } else if (/^\d{4}-\d{2}-\d{2}/.test(s)) iso = true;
  }
  if (iso && maxA === 0) return { parser: parseIsoInto, label: 'YYYY-MM-DD HH:MM' };
  const monthFirst = maxA <= 12 && maxB > 12;
  if (maxA <= 12 && maxB <= 12 && rows.length > 0)
    run.warnings.push(
      `${file}: day and month cannot be told apart in 'Device Timestamp' (no field above 12); read as DD${sep}MM${sep}YYYY (set time_format to change)`,
    );
  const label = monthFirst ? `MM${sep}DD${sep}YYYY HH:mm` : `DD${sep}MM${sep}YYYY HH:mm`;
  return { parser: makeWallParser(label), label };
}

/**
 * LibreView CSV: a title line (`Glucose Data,Generated on,<date>,Generated by,<name>`), then the header
 * `Device,Serial Number,Device Timestamp,Record Type,Historic Glucose mg/dL,Scan Glucose mg/dL,...`.
 * Record Type 0 rows are the sensor's historic readings (every 15 min; 5 min for Libre 3): the series.
 * Type 1 (scans) and the rest (strips, insulin, food, notes) are counted and not read.
 */
export async function readLibreView(ctx: AdapterContext): Promise<AdapterResult> {
  const run = new DeviceRun(ctx, 'libreview');
  for (let fi = 0; fi < ctx.files.length; fi++) {
    const file = ctx.files[fi]!;
    const stat = newFileStat(file);
    run.files.push(stat);
    const sniffed = await sniffFile(file);
    if (sniffed.kind !== 'libreview') {
      throw await wrongFormatError(file, 'libreview', "no 'Device Timestamp,Record Type,Historic Glucose' header on line 1 or 2");
    }
    const table = await readTable(file, { delimiter: ctx.cfg.delimiter, skipRecords: (sniffed.headerLine ?? 1) - 1 });
    if (!isLibreHeader(table.header.join(',')))
      throw await wrongFormatError(file, 'libreview', 'the header line is incomplete (truncated?)');
    handleMalformed(table, stat, run.onError, run.warnings);
    const find = (re: RegExp): string[] => table.header.filter((h) => re.test(h));
    const hist = find(/^historic glucose/i);
    const units = [...new Set(hist.map(unitInHeader))];
    if (hist.length !== 1 || units.length !== 1 || !units[0]) {
      throw new DataError(
        `${file}:${sniffed.headerLine ?? 1}: expected one 'Historic Glucose mg/dL' or 'Historic Glucose mmol/L' column, found ${hist.map((h) => `'${h}'`).join(', ')}: mixed units in one file?`,
        { file, line: sniffed.headerLine },
      );
    }
    const gluCol = hist[0]!;
    const unit = units[0];
    run.checkDeclared(file, unit, `column '${gluCol}'`);
    const timeCol = find(/^device timestamp$/i)[0]!;
    const types = strings(table.column(find(/^record type$/i)[0]!));
    const timeCells = strings(table.column(timeCol));
    const gluCells = strings(table.column(gluCol));
    const devices = find(/^device$/i)[0] ? strings(table.column(find(/^device$/i)[0]!)) : undefined;
    const serials = find(/^serial number$/i)[0] ? strings(table.column(find(/^serial number$/i)[0]!)) : undefined;
    const historic: number[] = [];
    for (let i = 0; i < table.rowCount; i++) {
      const ty = (types[i] ?? '').trim();
      if (ty === '0') historic.push(i);
      else if (/^record type$/i.test(ty)) {
        // a repeated header row (two exports joined): its unit must be the file's
        const u = unitInHeader(gluCells[i] ?? '');
        if (u && u !== unit)
          throw new DataError(
            `${file}:${table.lineOf(i)}: a second header row says '${gluCells[i]}' where line ${sniffed.headerLine ?? 1} says '${gluCol}': mixed units in one file (two exports joined?)`,
            { file, line: table.lineOf(i) },
          );
        bump(run.counters, 'repeated_header');
      } else bump(run.counters, ty === '1' ? 'libre_scans_ignored' : `libre_record_type_${ty || 'empty'}_ignored`);
    }
    if (historic.length === 0)
      throw new DataError(
        `${file}: no historic readings (Record Type 0) in ${table.rowCount} row(s): a truncated or empty LibreView export?`,
        { file },
      );
    const f = new RowFilter(table, stat, run.onError, run.warnings);
    restrictTo(f, stat, historic);
    const serialSet = new Set(serials ? historic.map((i) => (serials[i] ?? '').trim()).filter(Boolean) : []);
    if (serialSet.size > 1)
      run.warnings.push(
        `${file}: readings from ${serialSet.size} devices (serial numbers) merged into one series; readings in the same slot are averaged`,
      );
    const device = devices ? mostCommon(historic.map((i) => (devices[i] ?? '').trim())) : undefined;
    const b = run.seriesFor(file, device ? { device } : {});
    const tp = ctx.cfg.time_format ? { parser: ctx.parser, label: ctx.timeFormatLabel } : libreTimeParser(timeCells, historic, file, run);
    const t = parseTimeColumn(table.column(timeCol), timeCol, f, tp.parser, ctx.zone, tp.label);
    const glucose = new Float64Array(table.rowCount).fill(NaN);
    const censored = new Int8Array(table.rowCount);
    parseGlucoseCells(gluCells, historic, f, gluCol, unit, DEVICE_LIMITS_MGDL.libreview, glucose, censored, run, b.id);
    requireSomeNumeric(glucose, f.ok, file, gluCol);
    pushRows(run, b, fi, table, f, historic, t, glucose, censored, stat);
  }
  return run.result();
}

// ------------------------------------------------------------------------------------------ Nightscout

/** 1-based line where each top-level element of a JSON array starts. */
export function elementLines(text: string): number[] {
  const out: number[] = [];
  let depth = 0;
  let inStr = false;
  let esc = false;
  let line = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) line++;
    if (inStr) {
      if (esc) esc = false;
      else if (c === 92) esc = true;
      else if (c === 34) inStr = false;
      continue;
    }
    if (c === 34) {
      inStr = true;
      if (depth === 1) out.push(line);
    } else if (c === 91 || c === 123) {
      if (depth === 1) out.push(line);
      depth++;
    } else if (c === 93 || c === 125) depth--;
    else if (depth === 1 && c > 32 && c !== 44) {
      // a bare number/literal element: mark its start once
      const prev = text.charCodeAt(i - 1);
      if (prev <= 32 || prev === 44 || prev === 91) out.push(line);
    }
  }
  return out;
}

/** The columns read from a Nightscout file, one value per sgv entry, and each entry's line. */
interface NightscoutColumns {
  sgv: (string | null)[];
  date: (string | null)[];
  dateString: (string | null)[];
  device: (string | null)[];
  lines: number[];
}

function emptyNightscoutColumns(): NightscoutColumns {
  return { sgv: [], date: [], dateString: [], device: [], lines: [] };
}

/** A Nightscout entries file as a table of its sgv entries (columns sgv, date, dateString, device). */
async function nightscoutTable(file: string, run: DeviceRun): Promise<{ table: RawTable; entries: number }> {
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch {
    throw new DataError(`file not found or unreadable: ${file}`, { file });
  }
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) buf = gunzipSync(buf);
  let text = buf.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const trimmed = text.trimStart();
  const json = trimmed.startsWith('[') || trimmed.startsWith('{');
  const { cols, entries } = json ? await nightscoutJsonEntries(file, text, run) : nightscoutTextEntries(file, text);
  const columns = new Map<string, (string | null)[]>([
    ['sgv', cols.sgv],
    ['date', cols.date],
    ['dateString', cols.dateString],
    ['device', cols.device],
  ]);
  const table: RawTable = {
    path: file,
    format: json ? 'json' : 'csv',
    header: [...columns.keys()],
    rowCount: cols.sgv.length,
    lineOf: (i) => cols.lines[i]!,
    lineWord: 'line',
    malformed: [],
    column(name) {
      return { kind: 'string', values: columns.get(name)! };
    },
  };
  return { table, entries };
}

/** `/api/v1/entries.json`: an array of entry objects; entries of other types (mbg, cal) are counted. */
async function nightscoutJsonEntries(file: string, text: string, run: DeviceRun): Promise<{ cols: NightscoutColumns; entries: number }> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    const lines = text.split('\n').length;
    throw new DataError(
      `${file}: not valid JSON (${(e as Error).message}; the file has ${lines} line(s)): a truncated Nightscout export?`,
      { file },
    );
  }
  if (!Array.isArray(data)) {
    const keys = data && typeof data === 'object' ? Object.keys(data).slice(0, 6).join(', ') : typeof data;
    throw await wrongFormatError(file, 'nightscout', `expected a JSON array of entries, found an object with ${keys}`);
  }
  const starts = elementLines(text);
  const lineOfEntry = (k: number): number => (starts.length === data.length ? starts[k]! : k + 1);
  const cols = emptyNightscoutColumns();
  const str = (v: unknown): string | null => (v === undefined || v === null ? null : String(v));
  for (let k = 0; k < data.length; k++) {
    const e = data[k] as Record<string, unknown> | null;
    if (!e || typeof e !== 'object' || Array.isArray(e))
      throw new DataError(`${file}:${lineOfEntry(k)}: entry ${k + 1} is not an object`, { file, line: lineOfEntry(k) });
    const type = typeof e.type === 'string' ? e.type : e.sgv !== undefined ? 'sgv' : '';
    if (type !== 'sgv') {
      bump(run.counters, `nightscout_${type || 'untyped'}_ignored`);
      continue;
    }
    cols.sgv.push(str(e.sgv));
    cols.date.push(str(e.date));
    cols.dateString.push(str(e.dateString ?? e.sysTime));
    cols.device.push(str(e.device));
    cols.lines.push(lineOfEntry(k));
  }
  if (data.length > 0 && cols.sgv.length === 0 && !data.some((e) => e && typeof e === 'object' && ('sgv' in e || 'date' in e))) {
    throw await wrongFormatError(file, 'nightscout', 'no entry has sgv or date');
  }
  return { cols, entries: data.length };
}

/**
 * `/api/v1/entries.csv` (or `.txt`/`.tsv`): one sgv entry per line, no header, fields
 * `dateString, date, sgv, direction, device` separated by tabs or commas, strings optionally quoted.
 */
function nightscoutTextEntries(file: string, text: string): { cols: NightscoutColumns; entries: number } {
  const cols = emptyNightscoutColumns();
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    const f = line.split(/[\t,]/).map((x) => x.trim().replace(/^"(.*)"$/, '$1'));
    if (f.length < 3 || !/^\d{9,14}$/.test(f[1]!)) {
      throw new DataError(
        `${file}:${i + 1}: not a Nightscout entries line (expected dateString, date in epoch ms, sgv, direction, device; got '${line.slice(0, 80)}')`,
        { file, line: i + 1 },
      );
    }
    cols.dateString.push(f[0] || null);
    cols.date.push(f[1]!);
    cols.sgv.push(f[2] || null);
    cols.device.push(f[4] || null);
    cols.lines.push(i + 1);
  }
  return { cols, entries: cols.sgv.length };
}

/**
 * Nightscout `/api/v1/entries.json`: an array of `{type: 'sgv', sgv, date (epoch ms), dateString, direction, device}`.
 * Times are the absolute `date` (or `dateString` with its offset); sgv is mg/dL.
 */
export async function readNightscout(ctx: AdapterContext): Promise<AdapterResult> {
  const run = new DeviceRun(ctx, 'nightscout');
  const limits = DEVICE_LIMITS_MGDL.nightscout;
  for (let fi = 0; fi < ctx.files.length; fi++) {
    const file = ctx.files[fi]!;
    const stat = newFileStat(file);
    run.files.push(stat);
    const { table } = await nightscoutTable(file, run);
    stat.rowsRead = table.rowCount;
    if (table.rowCount === 0) throw new DataError(`${file}: no sgv entries: an empty or truncated Nightscout export?`, { file });
    run.checkDeclared(file, 'mg/dL', 'Nightscout (sgv is always mg/dL)');
    const f = new RowFilter(table, stat, run.onError, run.warnings);
    const n = table.rowCount;
    const sgv = strings(table.column('sgv'));
    const date = strings(table.column('date'));
    const ds = strings(table.column('dateString'));
    const times = new Float64Array(n).fill(NaN);
    const tmp: ParsedTime = { ms: 0, absolute: false };
    let offsetSeen: number | undefined;
    for (let i = 0; i < n; i++) {
      const d = Number(date[i]);
      const s = ds[i] ?? '';
      if (s) {
        const w = parseIsoInto(s.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'), tmp);
        if (w === w && tmp.absolute && tmp.offsetMin !== undefined && offsetSeen === undefined) offsetSeen = tmp.offsetMin;
        if (!(date[i] !== null && Number.isFinite(d)) && w === w) times[i] = tmp.absolute ? w : ctx.zone.wallToUtc(w);
        tmp.offsetMin = undefined;
      }
      if (date[i] !== null && Number.isFinite(d)) times[i] = Math.abs(d) < 1e11 ? d * 1000 : d;
      if (!Number.isFinite(times[i]))
        f.reject(i, 'unparseable_time', `entry has no usable 'date' (epoch ms) or 'dateString' ('${date[i] ?? ''}', '${s}')`);
    }
    if (offsetSeen && (ctx.cfg.time_zone ?? 'UTC') === 'UTC') {
      run.warnings.push(
        `${file}: entries were recorded at UTC${offsetSeen < 0 ? '-' : '+'}${Math.abs(offsetSeen / 60)} (dateString) but time_zone is UTC; set time_zone to the wearer's zone for local-time tasks (nights, meals)`,
      );
    }
    const device = mostCommon(Array.from(strings(table.column('device')), (x) => x ?? ''));
    const b = run.seriesFor(file, device ? { device } : {});
    const glucose = new Float64Array(n).fill(NaN);
    const censored = new Int8Array(n);
    // Nightscout lists entries newest first: read them oldest first.
    const all = Array.from({ length: n }, (_, i) => i).sort((a, b) => times[a]! - times[b]! || a - b);
    // Dexcom codes first: 0-12 are sensor errors (no reading), 39 is below 40.
    const cells: (string | null)[] = Array.from(sgv, (x) => x);
    let codes = 0;
    for (let i = 0; i < n; i++) {
      const v = Number(cells[i]);
      if (cells[i] !== null && Number.isInteger(v) && v >= 0 && v <= 12) {
        cells[i] = '';
        codes++;
      } else if (v === 39) cells[i] = 'Low';
    }
    run.count(b.id, 'sensor_error_code', codes);
    parseGlucoseCells(cells, all, f, 'sgv', 'mg/dL', limits, glucose, censored, run, b.id);
    requireSomeNumeric(glucose, f.ok, file, 'sgv');
    pushRows(run, b, fi, table, f, all, times, glucose, censored, stat);
  }
  return run.result();
}
