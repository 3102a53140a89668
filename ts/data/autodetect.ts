/**
 * A data file named directly (`tsfm data ingest my_cgm.csv`): a device export is read by its reader; any
 * other CSV/Arrow/Parquet table is mapped by column auto-detection — the time column is one whose values
 * parse as times (names such as time/timestamp/date preferred), the target a numeric column named like
 * glucose (glucose, gl, sgv, bg, cgm, value, ...), the id optional (id, subject, patient, ...). The
 * choice is returned as one line that also says how to override it.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import type { DatasetConfigInput } from './config.js';
import { DataError, unknownColumnError } from './errors.js';
import { SUPPORTED_EXTENSIONS, readTable } from './readers.js';
import type { Column, RawTable } from './readers.js';
import { fileStem } from './raw.js';
import { DEVICE_FORMAT_LABEL, sniffFile } from './sniff.js';
import { makeWallParser, parseIsoInto } from './time.js';
import type { ParsedTime } from './time.js';
import { finiteMedian } from './units.js';
import type { GlucoseUnit } from './units.js';
import { unitInHeader } from './adapters/devices.js';

/** Command-line mapping of a data file (each overrides what detection would choose). */
export interface FileMappingOptions {
  time?: string;
  target?: string;
  id?: string;
  units?: GlucoseUnit;
  interval?: string;
  timeFormat?: string;
  timeZone?: string;
}

export interface FileDataset {
  config: DatasetConfigInput;
  /** One line: what was chosen and how to override it. */
  note: string;
}

const DATA_FILE = /\.(json|xml)(\.gz)?$/i;

/** An existing regular file that is data (CSV, TSV, gzip CSV, Arrow, Parquet, JSON), not a dataset YAML. */
export function isDataFile(ref: string): boolean {
  return (SUPPORTED_EXTENSIONS.test(ref) || DATA_FILE.test(ref)) && existsSync(ref) && statSync(ref).isFile();
}

const norm = (h: string): string => h.toLowerCase().replace(/[^a-z0-9]/g, '');
const TIME_NAMES = new Set([
  'time',
  'timestamp',
  'datetime',
  'date',
  'ts',
  'dt',
  'devicetimestamp',
  'displaytime',
  'systemtime',
  'localtime',
  'eventtime',
]);
const TARGET_NAMES = new Set([
  'glucose',
  'gl',
  'sgv',
  'bg',
  'cgm',
  'glu',
  'value',
  'glucosevalue',
  'glucoselevel',
  'sensorglucose',
  'bloodglucose',
  'historicglucose',
  'reading',
  'egv',
]);
const ID_NAMES = new Set([
  'id',
  'subject',
  'subjectid',
  'patient',
  'patientid',
  'pid',
  'ptid',
  'participant',
  'participantid',
  'user',
  'userid',
  'series',
  'seriesid',
  'person',
  'personid',
]);
const ROW_NUMBER_NAMES = new Set(['', 'index', 'unnamed0', 'rownames', 'row']);

function timeNameScore(h: string): number {
  const n = norm(h);
  if (TIME_NAMES.has(n)) return 3;
  return /time|date|stamp/.test(n) ? 2 : 1;
}

function targetNameScore(h: string): number {
  const n = norm(h);
  if (TARGET_NAMES.has(n) || /glucose|cgm|sgv/.test(n)) return n === 'value' || n === 'reading' ? 2 : 3;
  if (/^(gl|bg)[a-z]*(mgdl|mmoll)$/.test(n)) return 3;
  return 0;
}

/** Evenly spaced non-empty string cells (at most `k`). */
function sample(values: ArrayLike<string | null>, k = 200): string[] {
  const out: string[] = [];
  const step = Math.max(1, Math.floor(values.length / k));
  for (let i = 0; i < values.length && out.length < k; i += step) {
    const s = values[i];
    if (s !== null && s !== undefined && s.trim() !== '') out.push(s.trim());
  }
  return out;
}

const PATTERN_FAMILIES = ['/', '-', '.'].flatMap((sep) => [`DD${sep}MM${sep}YYYY`, `MM${sep}DD${sep}YYYY`]);

/** The time format of a string column (undefined when its values do not parse as times), and a caveat. */
function stringTimeFormat(values: ArrayLike<string | null>): { format: string; caveat?: string } | undefined {
  const cells = sample(values);
  if (cells.length === 0) return undefined;
  const tmp: ParsedTime = { ms: 0, absolute: false };
  const share = (parse: (s: string, o: ParsedTime) => number): number =>
    cells.filter((s) => Number.isFinite(parse(s, tmp))).length / cells.length;
  if (share(parseIsoInto) >= 0.95) return { format: 'YYYY-MM-DD HH:MM:SS' };
  if (cells.every((s) => /^\d{9,13}(\.\d+)?$/.test(s))) return { format: +cells[0]! > 1e11 ? 'epoch_ms' : 'epoch_s' };
  const m = /^(\d{1,2})([-/.])(\d{1,2})\2\d{4}(?:[ T](\d{1,2}):(\d{2})(:\d{2})?)?/.exec(cells[0]!);
  if (!m) return undefined;
  const clock = m[4] === undefined ? '' : m[6] ? ' HH:mm:SS' : ' HH:mm';
  const sep = m[2]!;
  let maxA = 0;
  let maxB = 0;
  for (const s of sample(values, 100_000)) {
    const x = /^(\d{1,2})[-/.](\d{1,2})/.exec(s);
    if (x) {
      maxA = Math.max(maxA, +x[1]!);
      maxB = Math.max(maxB, +x[2]!);
    }
  }
  const dayFirst = !(maxA <= 12 && maxB > 12);
  const family = PATTERN_FAMILIES.find((p) => p.includes(sep) && p.startsWith(dayFirst ? 'DD' : 'MM'))!;
  const format = family + clock;
  const parser = makeWallParser(format);
  if (share(parser) < 0.95) return undefined;
  return maxA <= 12 && maxB <= 12 ? { format, caveat: `day/month order ambiguous, read as ${format}` } : { format };
}

function numericShare(col: Column): number {
  if (col.kind === 'number') return 1;
  if (col.kind === 'time') return 0;
  const cells = sample(col.values);
  if (cells.length === 0) return 0;
  return cells.filter((s) => Number.isFinite(Number(s))).length / cells.length;
}

function numbers(col: Column): number[] {
  if (col.kind === 'number') return Array.from(col.values);
  if (col.kind === 'time') return [];
  return sample(col.values, 5000).map(Number).filter(Number.isFinite);
}

interface TimeChoice {
  column: string;
  format?: string;
  caveat?: string;
}

function timeOf(table: RawTable, name: string, explicitFormat?: string): TimeChoice | undefined {
  const col = table.column(name);
  if (col.kind === 'time') return { column: name };
  if (explicitFormat) return { column: name, format: explicitFormat };
  if (col.kind === 'number') {
    const med = finiteMedian(col.values);
    return med > 1e8 && med < 1e14 ? { column: name, format: med > 1e11 ? 'epoch_ms' : 'epoch_s' } : undefined;
  }
  const f = stringTimeFormat(col.values);
  return f ? { column: name, format: f.format, caveat: f.caveat } : undefined;
}

function chooseTime(table: RawTable, opts: FileMappingOptions): TimeChoice {
  if (opts.time) {
    if (!table.header.includes(opts.time)) throw unknownColumnError(table.path, opts.time, '--time', table.header);
    const t = timeOf(table, opts.time, opts.timeFormat);
    if (!t)
      throw new DataError(
        `${table.path}: --time column '${opts.time}' does not hold times tsfm can read; pass --time-format (e.g. 'DD/MM/YYYY HH:mm')`,
        { file: table.path, column: opts.time },
      );
    return t;
  }
  const candidates = table.header
    .map((h, i) => ({ h, i, score: timeNameScore(h) }))
    .filter((c) => !(c.score === 1 && table.column(c.h).kind === 'number')) // plain numbers only count as time by name
    .sort((a, b) => b.score - a.score || a.i - b.i);
  for (const c of candidates) {
    const t = timeOf(table, c.h, opts.timeFormat);
    if (t) return t;
  }
  throw new DataError(
    `${table.path}: no column whose values parse as times (columns: ${table.header.map((h) => `'${h}'`).join(', ')}); pass --time COL (and --time-format if it is not ISO)`,
    { file: table.path },
  );
}

/** Plain-table mapping by detection (see the module comment). */
async function detectTable(file: string, opts: FileMappingOptions): Promise<FileDataset> {
  const table = await readTable(file);
  const time = chooseTime(table, opts);
  const rest = table.header.filter((h) => h !== time.column);
  let id = opts.id;
  if (id !== undefined && !table.header.includes(id)) throw unknownColumnError(file, id, '--id', table.header);
  if (id === undefined) id = rest.find((h) => ID_NAMES.has(norm(h)) && h !== opts.target);
  let target = opts.target;
  let how = '';
  if (target !== undefined) {
    if (!table.header.includes(target)) throw unknownColumnError(file, target, '--target', table.header);
  } else {
    const numeric = rest.filter((h) => h !== id && !ROW_NUMBER_NAMES.has(norm(h)) && numericShare(table.column(h)) >= 0.8);
    const named = numeric
      .map((h, i) => ({ h, i, s: targetNameScore(h) }))
      .filter((c) => c.s > 0)
      .sort((a, b) => b.s - a.s || a.i - b.i);
    if (named.length) target = named[0]!.h;
    else if (numeric.length === 1) {
      target = numeric[0]!;
      how = ' (the only numeric column)';
    } else {
      throw new DataError(
        `${file}: cannot tell which column is glucose (${numeric.length ? `numeric columns: ${numeric.map((h) => `'${h}'`).join(', ')}` : 'no numeric column'}); pass --target COL`,
        { file },
      );
    }
  }
  let units = opts.units;
  let unitsHow = '';
  if (!units) {
    const named = unitInHeader(target);
    if (named) {
      units = named;
      unitsHow = ', from its name';
    } else if (targetNameScore(target) >= 2 || how) {
      const med = finiteMedian(numbers(table.column(target)));
      if (Number.isFinite(med)) {
        units = med < 30 ? 'mmol/L' : 'mg/dL';
        unitsHow = `, from its median ${med < 30 ? med.toFixed(1) : med.toFixed(0)}`;
      }
    }
  }
  let seriesCount = 1;
  if (id !== undefined) {
    const col = table.column(id);
    seriesCount = new Set(Array.from(col.values as ArrayLike<unknown>)).size;
  }
  const ignored = rest.filter((h) => h !== id && h !== target && !ROW_NUMBER_NAMES.has(norm(h)));
  const config: DatasetConfigInput = {
    name: datasetNameFor(file),
    format: 'long',
    path: path.resolve(file),
    time: time.column,
    target,
    ...(id !== undefined ? { id } : {}),
    ...(units ? { units } : {}),
    ...(time.format && time.format !== 'YYYY-MM-DD HH:MM:SS' ? { time_format: time.format } : {}),
    ...(opts.timeZone ? { time_zone: opts.timeZone } : {}),
    ...(opts.interval ? { interval: opts.interval } : {}),
  };
  const note =
    `read ${path.basename(file)} as a table: time '${time.column}'${time.format ? ` (${time.format}${time.caveat ? `; ${time.caveat}` : ''})` : ''}, ` +
    `target '${target}'${how}${units ? ` (${units}${unitsHow})` : ' (no glucose unit; pass --units to declare glucose)'}, ` +
    `${id !== undefined ? `id '${id}' (${seriesCount} series)` : 'no id column (one series)'}` +
    `${
      ignored.length
        ? `; not read: ${ignored
            .slice(0, 6)
            .map((h) => `'${h}'`)
            .join(', ')}${ignored.length > 6 ? ', ...' : ''}`
        : ''
    }` +
    `; override with --time, --target, --id, --units${time.caveat ? ', --time-format' : ''}`;
  return { config, note };
}

/** A dataset name from a file name (letters, digits, '.', '_', '-'). */
export function datasetNameFor(file: string): string {
  return (
    fileStem(file)
      .replace(/[^A-Za-z0-9._-]+/g, '_')
      .replace(/^_+|_+$/g, '') || 'data'
  );
}

/** The dataset config of a data file named directly, and the line saying what was chosen. */
export async function configForDataFile(file: string, opts: FileMappingOptions = {}): Promise<FileDataset> {
  const sniffed = await sniffFile(file);
  if (sniffed.kind === 'table') return detectTable(file, opts);
  const given = (['time', 'target', 'id'] as const).filter((k) => opts[k] !== undefined);
  if (given.length) {
    throw new DataError(
      `${file}: is ${DEVICE_FORMAT_LABEL[sniffed.kind]}, whose columns are known; ${given.map((k) => `--${k}`).join(', ')} ${given.length > 1 ? 'do' : 'does'} not apply (write a dataset YAML with format: long to map it by hand)`,
      { file },
    );
  }
  const config: DatasetConfigInput = {
    name: datasetNameFor(file),
    format: sniffed.kind,
    path: path.resolve(file),
    ...(opts.units ? { units: opts.units } : {}),
    ...(opts.timeFormat ? { time_format: opts.timeFormat } : {}),
    ...(opts.timeZone ? { time_zone: opts.timeZone } : {}),
    ...(opts.interval ? { interval: opts.interval } : {}),
  };
  const what = {
    dexcom_clarity: "the EGV rows' glucose",
    libreview: 'the historic glucose (Record Type 0)',
    nightscout: 'the sgv entries',
    tidepool: 'the cbg records',
    ohiot1dm: 'glucose_level, with bolus_insulin and carbs as covariates',
  }[sniffed.kind];
  const zone =
    sniffed.kind === 'nightscout' || sniffed.kind === 'tidepool' || opts.timeZone
      ? ''
      : "; local clock times kept as written (pass --time-zone to place them in the wearer's zone)";
  return {
    config,
    note: `read ${path.basename(file)} as ${DEVICE_FORMAT_LABEL[sniffed.kind]} (format: ${sniffed.kind}): ${what}, one series${zone}`,
  };
}
