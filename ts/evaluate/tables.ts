/** Writes evaluation tables as Arrow IPC files (readable by pyarrow, polars, R arrow, DuckDB). */
import { readFileSync } from 'node:fs';
import { tableFromArrays, tableToIPC, tableFromIPC } from 'apache-arrow';
import { writeFileAtomic } from '../runs/atomic.js';

export type Columns = Record<string, Float64Array | Float32Array | Int32Array | string[]>;

export function writeArrowTable(file: string, columns: Columns): void {
  const table = tableFromArrays(columns as Parameters<typeof tableFromArrays>[0]);
  writeFileAtomic(file, tableToIPC(table, 'file'));
}

/** Reads an Arrow IPC file into plain column arrays. */
export function readArrowTable(file: string): Record<string, unknown[]> {
  const t = tableFromIPC(readFileSync(file));
  const out: Record<string, unknown[]> = {};
  for (const f of t.schema.fields) out[f.name] = Array.from(t.getChild(f.name)!.toArray() as ArrayLike<unknown>);
  return out;
}
