/**
 * What a data file is, from its first bytes: a CGM device export (Dexcom Clarity CSV, LibreView CSV,
 * Nightscout entries JSON, Tidepool JSON/CSV, OhioT1DM XML) or a plain table (CSV, Arrow, Parquet). Used to pick a reader when a file
 * is named directly, and to say what a file looks like when a configured format does not fit it.
 */
import { open, readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { DataError } from './errors.js';
import { detectFormat } from './readers.js';

export type DeviceFormat = 'dexcom_clarity' | 'libreview' | 'nightscout' | 'tidepool' | 'ohiot1dm';

export const DEVICE_FORMAT_LABEL: Record<DeviceFormat, string> = {
  dexcom_clarity: 'a Dexcom Clarity export',
  libreview: 'a LibreView export',
  nightscout: 'Nightscout entries JSON',
  tidepool: 'a Tidepool export',
  ohiot1dm: 'an OhioT1DM XML file',
};

export interface Sniffed {
  /** A device export, or 'table' for anything else. */
  kind: DeviceFormat | 'table';
  /** LibreView: the 1-based line of the column header (2 after the title line, 1 without it). */
  headerLine?: number;
  /** The first line (CSV) or the first characters (JSON), for messages. */
  first: string;
}

const HEAD_BYTES = 64 * 1024;

/** The first bytes of a file as text (whole file when gzipped, which CGM exports are small enough for). */
export async function headText(file: string): Promise<string> {
  let buf: Buffer;
  try {
    const fh = await open(file, 'r');
    try {
      const b = Buffer.alloc(HEAD_BYTES);
      const { bytesRead } = await fh.read(b, 0, HEAD_BYTES, 0);
      buf = b.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
    if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) buf = gunzipSync(await readFile(file)).subarray(0, HEAD_BYTES);
  } catch (e) {
    throw new DataError(`file not found or unreadable: ${file} (${(e as Error).message})`, { file });
  }
  let s = new TextDecoder('utf-8').decode(buf);
  if (s.charCodeAt(0) === 0xfeff) s = s.slice(1);
  return s;
}

const lower = (s: string): string => s.toLowerCase();

export function isDexcomHeader(line: string): boolean {
  const l = lower(line);
  return l.includes('event type') && l.includes('glucose value') && l.includes('timestamp');
}

/** Tidepool's CSV: its data-model fields as columns (`type,time,value,units,...,timezoneOffset`, or the export's `Zulu Time`). */
export function isTidepoolHeader(line: string): boolean {
  const cols = new Set(
    line.split(',').map((h) =>
      h
        .trim()
        .replace(/^"|"$/g, '')
        .toLowerCase()
        .replace(/[^a-z0-9]/g, ''),
    ),
  );
  return (
    (cols.has('time') || cols.has('zulutime')) &&
    cols.has('value') &&
    cols.has('units') &&
    (cols.has('timezoneoffset') || cols.has('deviceid'))
  );
}

/** Tidepool JSON: data-model records (`"type":"cbg"`, `"timezoneOffset"`, `"uploadId"`), not Nightscout's sgv entries. */
function isTidepoolJson(text: string): boolean {
  return /"type"\s*:\s*"(cbg|smbg|upload|basal|bolus|food|wizard|pumpSettings|deviceEvent)"/.test(text) && !/"sgv"\s*:/.test(text);
}

/** A line of Nightscout's entries.csv / entries.txt: `dateString<TAB or ,>date(epoch ms)<sep>sgv...`, no header. */
export function isNightscoutTextLine(line: string): boolean {
  return /^"?\d{4}-\d{2}-\d{2}[T ][^\t,]*"?[\t,]\d{12,13}[\t,]"?\d+"?([\t,]|$)/.test(line.trim());
}

export function isLibreHeader(line: string): boolean {
  const l = lower(line);
  return l.includes('device timestamp') && l.includes('record type') && l.includes('historic glucose');
}

/** Classifies a file by its content (Arrow and Parquet files by extension are always tables). */
export async function sniffFile(file: string): Promise<Sniffed> {
  if (detectFormat(file) !== 'csv') return { kind: 'table', first: '' };
  const text = await headText(file);
  const trimmed = text.trimStart();
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
    const first = trimmed.slice(0, 120);
    if (isTidepoolJson(text)) return { kind: 'tidepool', first };
    return { kind: /"sgv"\s*:|"type"\s*:\s*"sgv"/.test(text) || /\.json(\.gz)?$/i.test(file) ? 'nightscout' : 'table', first };
  }
  if (trimmed.startsWith('<')) {
    const first = trimmed.slice(0, 120);
    return { kind: /<patient[\s>]/.test(text) && /<glucose_level[\s>/]/.test(text) ? 'ohiot1dm' : 'table', first };
  }
  const lines = text.split(/\r?\n/, 3);
  const first = lines[0] ?? '';
  if (isDexcomHeader(first)) return { kind: 'dexcom_clarity', first };
  if (isTidepoolHeader(first)) return { kind: 'tidepool', first };
  if (isNightscoutTextLine(first)) return { kind: 'nightscout', first };
  if (isLibreHeader(first)) return { kind: 'libreview', headerLine: 1, first };
  if (lines.length > 1 && isLibreHeader(lines[1]!)) return { kind: 'libreview', headerLine: 2, first };
  return { kind: 'table', first };
}

/** `not <expected>: <what it is instead>` for a file that a configured device format does not fit. */
export async function wrongFormatError(file: string, expected: DeviceFormat, why: string): Promise<DataError> {
  let hint = '';
  try {
    const s = await sniffFile(file);
    if (s.kind !== 'table' && s.kind !== expected) hint = `; it looks like ${DEVICE_FORMAT_LABEL[s.kind]}: use format: ${s.kind}`;
    else if (s.kind === 'table') hint = `; line 1 is '${s.first.slice(0, 100)}'`;
  } catch {
    /* the reader's own error is enough */
  }
  return new DataError(`${file}: not ${DEVICE_FORMAT_LABEL[expected]} (${why})${hint}`, { file });
}
