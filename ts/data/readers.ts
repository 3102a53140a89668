/**
 * Format-independent tabular input: CSV (optionally gzipped), Arrow IPC / Feather v2, Parquet
 * (through parquet-wasm). Columns come back either as strings (CSV) or as typed values (Arrow).
 */
import { readFile, stat } from 'node:fs/promises';
import { tableFromIPC, Type } from 'apache-arrow';
import type { Table } from 'apache-arrow';
import { readCsv } from './csv.js';
import { DataError } from './errors.js';

export type Column =
  | { kind: 'string'; values: ArrayLike<string | null> }
  | { kind: 'number'; values: Float64Array }
  /** Arrow timestamps/dates: epoch ms; `zoned` when the Arrow type carried a time zone (absolute). */
  | { kind: 'time'; values: Float64Array; zoned: boolean };

export interface RawTable {
  path: string;
  format: 'csv' | 'arrow' | 'parquet' | 'json';
  header: string[];
  rowCount: number;
  /** Source line (CSV) or 1-based row number (Arrow/Parquet) of data row i. */
  lineOf(i: number): number;
  /** 'line' for CSV, 'row' otherwise (used in error messages). */
  lineWord: 'line' | 'row';
  column(name: string): Column;
  /** Rows that could not be read at all (wrong field count). Not part of rowCount. */
  malformed: Array<{ line: number; message: string }>;
}

export type FileFormat = 'csv' | 'arrow' | 'parquet';

export function detectFormat(path: string): FileFormat {
  const p = path.toLowerCase();
  if (/\.(arrow|feather|ipc|arrows)$/.test(p)) return 'arrow';
  if (/\.(parquet|pq)$/.test(p)) return 'parquet';
  return 'csv';
}

export const SUPPORTED_EXTENSIONS = /\.(csv|tsv|txt)(\.gz)?$|\.(arrow|feather|ipc|arrows|parquet|pq)$/i;

async function assertReadable(path: string): Promise<void> {
  try {
    const st = await stat(path);
    if (!st.isFile()) throw new DataError(`not a file: ${path}`, { file: path });
  } catch (e) {
    if (e instanceof DataError) throw e;
    throw new DataError(`file not found or unreadable: ${path}`, { file: path });
  }
}

/**
 * Reads a table. For CSV, `columns` selects which header names to materialise (saves memory on wide
 * files); it receives the header.
 */
export async function readTable(
  path: string,
  opts: { columns?: (header: string[]) => string[]; delimiter?: string; skipRecords?: number } = {},
): Promise<RawTable> {
  await assertReadable(path);
  const format = detectFormat(path);
  if (format === 'csv') {
    const t = await readCsv(path, { columns: opts.columns, delimiter: opts.delimiter, skipRecords: opts.skipRecords });
    return {
      path,
      format,
      header: t.header,
      rowCount: t.rowCount,
      lineOf: (i) => t.lines[i],
      lineWord: 'line',
      column(name) {
        const c = t.columns.get(name);
        if (!c) throw new DataError(`${path}: column '${name}' was not loaded`, { file: path, column: name });
        return { kind: 'string', values: c };
      },
      malformed: t.malformed.map((m) => ({ line: m.line, message: `expected ${t.header.length} fields, found ${m.fields}` })),
    };
  }
  let table: Table;
  const bytes = await readFile(path);
  try {
    if (format === 'arrow') {
      table = tableFromIPC(bytes);
    } else {
      table = await readParquetTable(bytes);
    }
  } catch (e) {
    if (e instanceof DataError) throw e;
    throw new DataError(`${path}: cannot read ${format} file: ${(e as Error).message}`, { file: path });
  }
  return arrowRawTable(path, format, table);
}

let parquetModule: typeof import('parquet-wasm') | undefined;

async function readParquetTable(bytes: Uint8Array): Promise<Table> {
  if (!parquetModule) {
    try {
      parquetModule = await import('parquet-wasm');
    } catch {
      throw new DataError('reading Parquet needs the optional dependency parquet-wasm (npm install parquet-wasm)');
    }
  }
  const wasmTable = parquetModule.readParquet(bytes);
  try {
    return tableFromIPC(wasmTable.intoIPCStream());
  } finally {
    try {
      wasmTable.free();
    } catch {
      /* already consumed */
    }
  }
}

/** Wraps an Arrow table as a RawTable. */
export function arrowRawTable(path: string, format: FileFormat, table: Table): RawTable {
  const header = table.schema.fields.map((f) => f.name);
  return {
    path,
    format,
    header,
    rowCount: table.numRows,
    lineOf: (i) => i + 1,
    lineWord: 'row',
    malformed: [],
    column(name) {
      const idx = header.indexOf(name);
      if (idx < 0) throw new DataError(`${path}: column '${name}' not found`, { file: path, column: name });
      const field = table.schema.fields[idx];
      const vec = table.getChildAt(idx)!;
      const n = table.numRows;
      const tid = field.type.typeId;
      if (tid === Type.Timestamp || tid === Type.Date || tid === Type.DateDay || tid === Type.DateMillisecond) {
        const out = new Float64Array(n);
        for (let i = 0; i < n; i++) {
          const v = vec.get(i) as unknown;
          out[i] = v === null || v === undefined ? NaN : v instanceof Date ? v.getTime() : Number(v);
        }
        const tz = (field.type as { timezone?: string | null }).timezone;
        return { kind: 'time', values: out, zoned: tid === Type.Timestamp && !!tz };
      }
      if (tid === Type.Int || tid === Type.Float || tid === Type.Decimal || tid === Type.Bool) {
        const out = new Float64Array(n);
        for (let i = 0; i < n; i++) {
          const v = vec.get(i) as unknown;
          out[i] = v === null || v === undefined ? NaN : Number(v);
        }
        return { kind: 'number', values: out };
      }
      const out: (string | null)[] = new Array(n);
      for (let i = 0; i < n; i++) {
        const v = vec.get(i) as unknown;
        out[i] = v === null || v === undefined ? null : String(v);
      }
      return { kind: 'string', values: out };
    },
  };
}
