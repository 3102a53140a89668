import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { TimeSeriesDataset } from '../../../ts/data/types.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
/** The shared real datasets (../shared/data relative to the repository root); never copied into the repo. */
export const dataDir = path.resolve(repoRoot, '../shared/data');

/** Checks the row accounting of an ingest report, per file and in total. */
export function expectReconciled(ds: TimeSeriesDataset): void {
  const r = ds.report;
  let kept = 0;
  let interp = 0;
  let read = 0;
  for (const f of r.files) {
    const dropped = Object.values(f.dropped ?? {}).reduce((a, b) => a + b, 0);
    expect(f.rowsKept! + dropped, `${f.path}: rowsRead = rowsKept + dropped`).toBe(f.rowsRead);
    kept += f.rowsKept!;
    interp += f.pointsInterpolated!;
    read += f.rowsRead;
  }
  expect(kept).toBe(r.rowsKept);
  expect(interp).toBe(r.pointsInterpolated);
  expect(read).toBe(r.rowsRead);
  const droppedTotal = Object.values(r.dropped).reduce((a, b) => a + b, 0);
  expect(r.rowsKept + droppedTotal).toBe(r.rowsRead);
  const rows = ds.values[0].length;
  expect(rows).toBe(r.rowsKept + r.pointsInterpolated);
  for (const v of ds.values) expect(v.length).toBe(rows);
  // segments tile the rows in order, grouped by series
  let off = 0;
  let lastSeries = -1;
  for (const s of ds.segments) {
    expect(s.offset).toBe(off);
    expect(s.series).toBeGreaterThanOrEqual(lastSeries);
    lastSeries = s.series;
    off += s.length;
  }
  expect(off).toBe(rows);
  expect(r.segments).toBe(ds.segments.length);
  expect(r.series).toBe(ds.series.length);
}

import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';

/** A fresh temporary directory (outside the repo). */
export async function tmpDir(prefix = 'tsfm-data-'): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), prefix));
}

/** Writes a text file into dir and returns its path. */
export async function writeText(dir: string, name: string, text: string): Promise<string> {
  const p = path.join(dir, name);
  await writeFile(p, text);
  return p;
}
