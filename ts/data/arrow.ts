/**
 * Canonical long table <-> Arrow. Layout: series_id (dictionary<utf8>), timestamp (ms, UTC), one
 * float32 column per channel; one record batch. The JSON sidecar (and the same JSON in the Arrow
 * schema metadata under 'tsfm') carries channels, series, segments, report and versions.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  Dictionary,
  Field,
  Float32,
  Int32,
  RecordBatch,
  Schema,
  Struct,
  Table,
  TimestampMillisecond,
  Type,
  Utf8,
  makeData,
  tableFromIPC,
  tableToIPC,
  vectorFromArray,
} from 'apache-arrow';
import type { ChannelInfo, IngestReport, Segment, SeriesInfo, TimeSeriesDataset } from './types.js';
import { DataError } from './errors.js';

/** Version of the on-disk layout. */
export const DATASET_FORMAT_VERSION = 1;
export const DATA_FILE = 'data.arrow';
export const META_FILE = 'dataset.json';

export interface DatasetMeta {
  formatVersion: number;
  name: string;
  version: string;
  intervalMs: number;
  timeZone: string;
  channels: ChannelInfo[];
  series: SeriesInfo[];
  segments: Segment[];
  report: IngestReport;
}

export function datasetMeta(ds: TimeSeriesDataset): DatasetMeta {
  return {
    formatVersion: DATASET_FORMAT_VERSION,
    name: ds.name,
    version: ds.version,
    intervalMs: ds.intervalMs,
    timeZone: ds.timeZone,
    channels: ds.channels,
    series: ds.series,
    segments: ds.segments,
    report: ds.report,
  };
}

/** Rows of the dataset (every channel has this length). */
export function datasetRows(ds: Pick<TimeSeriesDataset, 'values' | 'segments'>): number {
  if (ds.values.length) return ds.values[0].length;
  let n = 0;
  for (const s of ds.segments) n += s.length;
  return n;
}

/** Builds the Arrow table; channel columns wrap the dataset's own Float32Arrays (no copy). */
export function toArrowTable(ds: TimeSeriesDataset, opts: { embedMeta?: boolean } = {}): Table {
  const n = datasetRows(ds);
  const seriesIdx = new Int32Array(n);
  const ts = new BigInt64Array(n);
  for (const seg of ds.segments) {
    seriesIdx.fill(seg.series, seg.offset, seg.offset + seg.length);
    for (let j = 0; j < seg.length; j++) ts[seg.offset + j] = BigInt(seg.startMs + j * ds.intervalMs);
  }
  const dict = vectorFromArray(
    ds.series.map((s) => s.id),
    new Utf8(),
  );
  const idType = new Dictionary(new Utf8(), new Int32());
  const children = [
    makeData({ type: idType, length: n, data: seriesIdx, dictionary: dict }),
    makeData({ type: new TimestampMillisecond('UTC'), length: n, data: ts }),
    ...ds.values.map((v) => makeData({ type: new Float32(), length: n, data: v })),
  ];
  const fields = [
    new Field('series_id', idType, false),
    new Field('timestamp', new TimestampMillisecond('UTC'), false),
    ...ds.channels.map((c) => new Field(c.name, new Float32(), false)),
  ];
  const names = new Set<string>();
  for (const f of fields) {
    if (names.has(f.name)) throw new DataError(`channel name '${f.name}' collides with another column`);
    names.add(f.name);
  }
  const metadata = new Map<string, string>();
  if (opts.embedMeta !== false) metadata.set('tsfm', JSON.stringify({ ...datasetMeta(ds), report: undefined }));
  const schema = new Schema(fields, metadata);
  const batch = new RecordBatch(schema, makeData({ type: new Struct(fields), length: n, children }));
  return new Table([batch]);
}

function columnValues(table: Table, name: string): Float32Array {
  const col = table.getChild(name);
  if (!col) throw new DataError(`Arrow table has no column '${name}'; columns: ${table.schema.fields.map((f) => f.name).join(', ')}`);
  const n = table.numRows;
  if (
    col.data.length === 1 &&
    col.type.typeId === Type.Float &&
    (col.data[0].values as unknown) instanceof Float32Array &&
    col.data[0].nullCount === 0
  ) {
    const v = col.data[0].values as Float32Array;
    return v.length === n ? v : v.subarray(0, n);
  }
  // several chunks, another float type, or nulls: one copy into float32 (nulls -> NaN)
  const out = new Float32Array(n);
  let i = 0;
  for (const d of col.data) {
    for (let k = 0; k < d.length; k++) {
      const x = d.getValid(k) ? Number((d.values as ArrayLike<number | bigint>)[d.offset + k]) : NaN;
      out[i++] = x;
    }
  }
  return out;
}

/**
 * Dataset from an Arrow table. `meta` comes from the sidecar, else from the schema metadata; without
 * either, channels are all float columns (as targets), segments are recovered from series_id and
 * timestamp steps (interval = median step).
 */
export function fromArrowTable(table: Table, meta?: DatasetMeta): TimeSeriesDataset {
  let m = meta;
  if (!m) {
    const raw = table.schema.metadata.get('tsfm');
    if (raw) m = { ...(JSON.parse(raw) as DatasetMeta) };
  }
  if (m) {
    const n = table.numRows;
    let total = 0;
    for (const s of m.segments) total += s.length;
    if (total !== n) throw new DataError(`Arrow table has ${n} rows but its segments cover ${total}`);
    const report: IngestReport = m.report ?? {
      files: [],
      rowsRead: n,
      rowsKept: n,
      pointsInterpolated: 0,
      dropped: {},
      gapsSplit: 0,
      segments: m.segments.length,
      series: m.series.length,
      warnings: [],
    };
    return {
      name: m.name,
      version: m.version,
      intervalMs: m.intervalMs,
      timeZone: m.timeZone,
      channels: m.channels,
      values: m.channels.map((c) => columnValues(table, c.name)),
      series: m.series,
      segments: m.segments,
      report,
    };
  }
  return inferFromTable(table);
}

function inferFromTable(table: Table): TimeSeriesDataset {
  const n = table.numRows;
  const idCol = table.getChild('series_id');
  const tCol = table.getChild('timestamp');
  if (!tCol) throw new DataError(`Arrow table needs a 'timestamp' column to be read as a dataset`);
  const ids: string[] = [];
  const t = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    ids.push(idCol ? String(idCol.get(i)) : 'series_0');
    const v = tCol.get(i) as unknown;
    t[i] = v instanceof Date ? v.getTime() : Number(v);
  }
  const steps: number[] = [];
  for (let i = 1; i < n; i++) if (ids[i] === ids[i - 1] && t[i] > t[i - 1]) steps.push(t[i] - t[i - 1]);
  steps.sort((a, b) => a - b);
  const intervalMs = steps.length ? steps[steps.length >> 1] : 1;
  const series: SeriesInfo[] = [];
  const segments: Segment[] = [];
  for (let i = 0; i < n; i++) {
    const newSeries = i === 0 || ids[i] !== ids[i - 1];
    if (newSeries) {
      if (series.some((s) => s.id === ids[i]))
        throw new DataError(`Arrow table rows are not grouped by series ('${ids[i]}' appears twice)`);
      series.push({ id: ids[i] });
    }
    if (newSeries || t[i] - t[i - 1] !== intervalMs) segments.push({ series: series.length - 1, offset: i, length: 0, startMs: t[i] });
    segments[segments.length - 1].length++;
  }
  const channels: ChannelInfo[] = table.schema.fields
    .filter((f) => f.name !== 'series_id' && f.name !== 'timestamp' && f.type.typeId === Type.Float)
    .map((f) => ({ name: f.name, role: 'target' as const }));
  return {
    name: 'arrow',
    version: 'unversioned',
    intervalMs,
    timeZone: 'UTC',
    channels,
    values: channels.map((c) => columnValues(table, c.name)),
    series,
    segments,
    report: {
      files: [],
      rowsRead: n,
      rowsKept: n,
      pointsInterpolated: 0,
      dropped: {},
      gapsSplit: 0,
      segments: segments.length,
      series: series.length,
      warnings: [],
    },
  };
}

/** Writes `<dir>/data.arrow` (Arrow IPC file) and `<dir>/dataset.json` atomically (via a temp dir). */
export async function writeDatasetIPC(ds: TimeSeriesDataset, dir: string): Promise<void> {
  const parent = path.dirname(path.resolve(dir));
  await mkdir(parent, { recursive: true });
  const tmp = `${path.resolve(dir)}.tmp-${process.pid}-${Date.now()}`;
  await mkdir(tmp, { recursive: true });
  try {
    const bytes = tableToIPC(toArrowTable(ds), 'file');
    await writeFile(path.join(tmp, DATA_FILE), bytes);
    await writeFile(path.join(tmp, META_FILE), JSON.stringify(datasetMeta(ds), null, 1));
    await rm(dir, { recursive: true, force: true });
    await rename(tmp, dir);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
}

/** Reads a dataset written by writeDatasetIPC; channel arrays are views of the file's Arrow buffers. */
export async function readDatasetIPC(dir: string): Promise<TimeSeriesDataset> {
  let metaText: string;
  let bytes: Buffer;
  try {
    metaText = await readFile(path.join(dir, META_FILE), 'utf8');
    bytes = await readFile(path.join(dir, DATA_FILE));
  } catch {
    throw new DataError(`no dataset at ${dir} (expected ${DATA_FILE} and ${META_FILE})`, { file: dir });
  }
  const meta = JSON.parse(metaText) as DatasetMeta;
  if (meta.formatVersion !== DATASET_FORMAT_VERSION) {
    throw new DataError(`${dir}: dataset format version ${meta.formatVersion} is not supported (expected ${DATASET_FORMAT_VERSION})`, {
      file: dir,
    });
  }
  // Arrow needs 8-byte aligned buffers to view them without copying.
  const u8 = bytes.byteOffset % 8 === 0 ? bytes : new Uint8Array(bytes);
  const table = tableFromIPC(u8);
  return fromArrowTable(table, meta);
}
