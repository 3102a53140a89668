/**
 * Tidepool export: the JSON array of data-model records that Tidepool's web export writes
 * (`TidepoolExport.json`), or a CSV with the same fields as columns. The series is the `cbg` records:
 * `time` (UTC, ISO 8601), `value` in `units` (Tidepool stores mmol/L, mg/dL / 18.01559 to five decimals; an
 * mg/dL export multiplies back), `timezoneOffset` (minutes east of UTC, inferred by Tidepool), `deviceTime`
 * (the device's local clock), `deviceId`. A reading past the device's range is stored at the threshold with
 * an annotation `{code: 'bg/out-of-range', value: 'low'|'high', threshold}` (in JSON exports `annotations`
 * may be a JSON string): it is kept at the threshold and counted as censored. Other record types (smbg,
 * bolus, basal, food, upload, ...) are counted and not read.
 */
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { DataError } from '../errors.js';
import { readTable } from '../readers.js';
import type { RawTable } from '../readers.js';
import { RowFilter, bump, checkOffsetChanges, handleMalformed, newFileStat, requireSomeNumeric } from '../raw.js';
import type { AdapterResult } from '../raw.js';
import { isTidepoolHeader, sniffFile, wrongFormatError } from '../sniff.js';
import { parseIsoInto } from '../time.js';
import type { ParsedTime } from '../time.js';
import { MGDL_PER_MMOLL } from '../units.js';
import type { GlucoseUnit } from '../units.js';
import type { AdapterContext } from './generic.js';
import { DEVICE_LIMITS_MGDL, DeviceRun, elementLines, mostCommon, parseGlucoseCells, pushRows, restrictTo, strings } from './devices.js';

const FIELDS = ['type', 'time', 'value', 'units', 'timezoneOffset', 'deviceTime', 'deviceId', 'annotations'] as const;
type Field = (typeof FIELDS)[number];

/** CSV header names of each field: the data-model name, or the export's display name. */
const CSV_NAMES: Record<Field, string[]> = {
  type: ['type'],
  time: ['time', 'zulutime'],
  value: ['value'],
  units: ['units'],
  timezoneOffset: ['timezoneoffset'],
  deviceTime: ['devicetime'],
  deviceId: ['deviceid'],
  annotations: ['annotations'],
};

interface TidepoolRows {
  table: RawTable;
  /** Row indices of the cbg records. */
  cbg: number[];
}

function memoryTable(file: string, cols: Map<string, (string | null)[]>, lines: number[], n: number): RawTable {
  return {
    path: file,
    format: 'json',
    header: [...cols.keys()],
    rowCount: n,
    lineOf: (i) => lines[i]!,
    lineWord: 'line',
    malformed: [],
    column(name) {
      return { kind: 'string', values: cols.get(name)! };
    },
  };
}

async function jsonRows(file: string, run: DeviceRun): Promise<TidepoolRows> {
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch {
    throw new DataError(`file not found or unreadable: ${file}`, { file });
  }
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) buf = gunzipSync(buf);
  let text = buf.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new DataError(`${file}: not valid JSON (${(e as Error).message}): a truncated Tidepool export?`, { file });
  }
  if (!Array.isArray(data) || !data.some((r) => r && typeof r === 'object' && typeof (r as { type?: unknown }).type === 'string')) {
    throw await wrongFormatError(file, 'tidepool', 'expected a JSON array of data records with a `type`');
  }
  const starts = elementLines(text);
  const lineOf = (k: number): number => (starts.length === data.length ? starts[k]! : k + 1);
  const cols = new Map<string, (string | null)[]>(FIELDS.map((f) => [f, []]));
  const lines: number[] = [];
  for (let k = 0; k < data.length; k++) {
    const r = data[k] as Record<string, unknown> | null;
    if (!r || typeof r !== 'object' || Array.isArray(r))
      throw new DataError(`${file}:${lineOf(k)}: record ${k + 1} is not an object`, { file, line: lineOf(k) });
    if (r.type !== 'cbg') {
      bump(run.counters, `tidepool_${typeof r.type === 'string' ? r.type : 'untyped'}_ignored`);
      continue;
    }
    for (const f of FIELDS) {
      const v = r[f];
      cols.get(f)!.push(v === undefined || v === null ? null : typeof v === 'object' ? JSON.stringify(v) : String(v));
    }
    lines.push(lineOf(k));
  }
  if (lines.length === 0 && (await sniffFile(file)).kind !== 'tidepool') throw await wrongFormatError(file, 'tidepool', 'no cbg records');
  const table = memoryTable(file, cols, lines, lines.length);
  return { table, cbg: lines.map((_, i) => i) };
}

async function csvRows(file: string, run: DeviceRun, delimiter?: string): Promise<TidepoolRows> {
  const raw = await readTable(file, { delimiter });
  if (!isTidepoolHeader(raw.header.join(',')))
    throw await wrongFormatError(file, 'tidepool', "line 1 has no 'time', 'value', 'units' and 'timezoneOffset' or 'deviceId' columns");
  const norm = (h: string): string => h.toLowerCase().replace(/[^a-z0-9]/g, '');
  const byNorm = new Map(raw.header.map((h) => [norm(h), h]));
  const cols = new Map<string, (string | null)[]>();
  for (const f of FIELDS) {
    const h = CSV_NAMES[f].map((n) => byNorm.get(n)).find((x) => x !== undefined);
    cols.set(f, h ? Array.from(strings(raw.column(h))) : new Array<string | null>(raw.rowCount).fill(null));
  }
  const types = cols.get('type')!;
  const cbg: number[] = [];
  const hasType = CSV_NAMES.type.some((n) => byNorm.has(n));
  for (let i = 0; i < raw.rowCount; i++) {
    const t = (types[i] ?? '').trim();
    if (!hasType || t === 'cbg') cbg.push(i);
    else bump(run.counters, `tidepool_${t || 'untyped'}_ignored`);
  }
  const table: RawTable = { ...raw, header: [...cols.keys()], column: (name) => ({ kind: 'string', values: cols.get(name)! }) };
  return { table, cbg };
}

function unitOf(s: string | null): GlucoseUnit | undefined {
  const u = (s ?? '').trim().toLowerCase();
  if (u === 'mmol/l') return 'mmol/L';
  if (u === 'mg/dl') return 'mg/dL';
  return undefined;
}

/** The file's unit, from its first cbg record; a record in another unit is a mixed-units error naming its line. */
function fileUnit(file: string, table: RawTable, rows: number[]): GlucoseUnit {
  const units = table.column('units').values as ArrayLike<string | null>;
  let unit: GlucoseUnit | undefined;
  let first = 0;
  for (const i of rows) {
    const u = unitOf(units[i] ?? null);
    if (!u) {
      if (units[i] === null || (units[i] ?? '').trim() === '') continue;
      throw new DataError(`${file}:${table.lineOf(i)}: 'units' is '${units[i]}' (expected mmol/L or mg/dL)`, {
        file,
        line: table.lineOf(i),
      });
    }
    if (!unit) {
      unit = u;
      first = i;
    } else if (u !== unit)
      throw new DataError(
        `${file}:${table.lineOf(i)}: a cbg record in ${u} where line ${table.lineOf(first)} is in ${unit}: mixed units in one file (two exports joined?)`,
        { file, line: table.lineOf(i) },
      );
  }
  if (!unit) throw new DataError(`${file}: no cbg record states its 'units' (mmol/L or mg/dL)`, { file });
  return unit;
}

/** `bg/out-of-range` annotation of a record: 'low'/'high' and its threshold (mg/dL), if any. */
function outOfRange(cell: string | null, unit: GlucoseUnit): { side: 'low' | 'high'; mgdl?: number } | undefined {
  if (!cell || !cell.includes('out-of-range')) return undefined;
  let list: unknown;
  try {
    list = JSON.parse(cell);
    if (typeof list === 'string') list = JSON.parse(list);
  } catch {
    return undefined;
  }
  if (!Array.isArray(list)) return undefined;
  const a = list.find((x) => x && typeof x === 'object' && (x as { code?: unknown }).code === 'bg/out-of-range') as
    { value?: unknown; threshold?: unknown } | undefined;
  if (!a || (a.value !== 'low' && a.value !== 'high')) return undefined;
  const th = Number(a.threshold);
  // Thresholds are written in the device's unit (40 / 400 mg/dL for a Dexcom): a small number is mmol/L.
  const mgdl = Number.isFinite(th) && th > 0 ? (th > 35 || unit === 'mg/dL' ? th : th * MGDL_PER_MMOLL) : undefined;
  return { side: a.value, mgdl };
}

/** Times: `time` (UTC), else `deviceTime` less `timezoneOffset`. Explicit offsets go to `offsets` (minutes). */
function parseTimes(table: RawTable, rows: number[], f: RowFilter, offsets: Float64Array): Float64Array {
  const time = table.column('time').values as ArrayLike<string | null>;
  const dev = table.column('deviceTime').values as ArrayLike<string | null>;
  const tzo = table.column('timezoneOffset').values as ArrayLike<string | null>;
  const out = new Float64Array(table.rowCount).fill(NaN);
  const tmp: ParsedTime = { ms: 0, absolute: false };
  for (const i of rows) {
    const off = tzo[i] === null || tzo[i] === '' ? NaN : Number(tzo[i]);
    offsets[i] = off;
    const s = (time[i] ?? '').trim();
    let w = s ? parseIsoInto(s, tmp) : NaN;
    // `time` is UTC: with no designator it is read as UTC too, as Tidepool's Excel 'Zulu Time' cells are.
    if (w === w) out[i] = w;
    else if (dev[i] && Number.isFinite(off)) {
      w = parseIsoInto(dev[i]!.trim(), tmp);
      if (w === w) out[i] = tmp.absolute ? w : w - off * 60_000;
    }
    tmp.offsetMin = undefined;
    if (!Number.isFinite(out[i]))
      f.reject(i, 'unparseable_time', `record has no usable 'time' ('${s}') or 'deviceTime' with 'timezoneOffset'`);
  }
  return out;
}

/** Reads Tidepool exports (JSON or CSV), one series per file. */
export async function readTidepool(ctx: AdapterContext): Promise<AdapterResult> {
  const run = new DeviceRun(ctx, 'tidepool');
  for (let fi = 0; fi < ctx.files.length; fi++) {
    const file = ctx.files[fi]!;
    const stat = newFileStat(file);
    run.files.push(stat);
    const head = (await readFile(file).catch(() => Buffer.alloc(0))).subarray(0, 4096).toString('utf8').trimStart();
    const json = /^\ufeff?\s*[[{]/.test(head) || /\.json(\.gz)?$/i.test(file);
    const { table, cbg } = json ? await jsonRows(file, run) : await csvRows(file, run, ctx.cfg.delimiter);
    if (json) stat.rowsRead = table.rowCount;
    else handleMalformed(table, stat, run.onError, run.warnings);
    if (cbg.length === 0)
      throw new DataError(`${file}: no cbg (CGM) records in ${table.rowCount} record(s): a truncated export, or one without CGM data?`, {
        file,
      });
    const f = new RowFilter(table, stat, run.onError, run.warnings);
    if (!json) restrictTo(f, stat, cbg);
    const unit = fileUnit(file, table, cbg);
    run.checkDeclared(file, unit, "its records' 'units'");
    const offsets = new Float64Array(table.rowCount).fill(NaN);
    const times = parseTimes(table, cbg, f, offsets);
    const devices = strings(table.column('deviceId'));
    const ids = new Set(cbg.map((i) => (devices[i] ?? '').trim()).filter(Boolean));
    const device = mostCommon(cbg.map((i) => (devices[i] ?? '').trim()));
    const b = run.seriesFor(file, device ? { device } : {});
    if (ids.size > 1)
      run.warnings.push(
        `${file}: cbg records from ${ids.size} devices (deviceId) merged into one series; readings in the same slot are averaged`,
      );
    // Out-of-range records become Low/High cells, then sit at their own threshold.
    const ann = strings(table.column('annotations'));
    const cells: (string | null)[] = Array.from(strings(table.column('value')));
    const threshold = new Map<number, number>();
    for (const i of cbg) {
      const o = outOfRange(ann[i] ?? null, unit);
      if (!o) continue;
      cells[i] = o.side === 'low' ? 'Low' : 'High';
      if (o.mgdl !== undefined) threshold.set(i, o.mgdl);
    }
    const order = [...cbg].sort((a, c) => times[a]! - times[c]! || a - c);
    const glucose = new Float64Array(table.rowCount).fill(NaN);
    const censored = new Int8Array(table.rowCount);
    parseGlucoseCells(cells, order, f, 'value', unit, DEVICE_LIMITS_MGDL.tidepool, glucose, censored, run, b.id);
    for (const [i, mg] of threshold) if (censored[i]) glucose[i] = mg;
    requireSomeNumeric(glucose, f.ok, file, 'value');
    reportZones(file, b.id, order, times, offsets, table, f, run);
    pushRows(run, b, fi, table, f, order, times, glucose, censored, stat);
  }
  return run.result();
}

/** Time-zone changes (daylight saving, travel) from `timezoneOffset`, and a hint when the dataset zone is UTC. */
function reportZones(
  file: string,
  series: string,
  order: number[],
  times: Float64Array,
  offsets: Float64Array,
  table: RawTable,
  f: RowFilter,
  run: DeviceRun,
): void {
  const rows = order.filter((i) => f.ok[i]).map((i) => ({ offset: offsets[i]!, ms: times[i]!, line: table.lineOf(i) }));
  const before = run.warnings.length;
  checkOffsetChanges(file, series, rows, run.warnings);
  if (run.warnings.length > before) {
    let changes = 0;
    for (let k = 1; k < rows.length; k++) if (rows[k]!.offset === rows[k]!.offset && rows[k]!.offset !== rows[k - 1]!.offset) changes++;
    run.count(series, 'utc_offset_changes', changes);
  }
  const seen = rows.find((r) => r.offset === r.offset && r.offset !== 0);
  if (seen && (run.ctx.cfg.time_zone ?? 'UTC') === 'UTC')
    run.warnings.push(
      `${file}: readings were taken at UTC${seen.offset < 0 ? '-' : '+'}${Math.abs(seen.offset / 60)} (timezoneOffset) and are placed by their UTC 'time'; set time_zone to the wearer's zone for local-time tasks (nights, meals)`,
    );
}
