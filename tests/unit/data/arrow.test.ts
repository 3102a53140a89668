import { describe, expect, test } from 'vitest';
import path from 'node:path';
import { readFile, writeFile } from 'node:fs/promises';
import { tableFromArrays, tableFromIPC, tableToIPC } from 'apache-arrow';
import { ingestDataset, ingestDatasetWithInfo } from '../../../ts/data/ingest.js';
import { fromArrowTable, readDatasetIPC, toArrowTable, writeDatasetIPC } from '../../../ts/data/arrow.js';
import { computeDatasetVersion } from '../../../ts/data/cache.js';
import { dataDir, expectReconciled, tmpDir, writeText } from './helpers.js';

const broll = {
  name: 'broll',
  format: 'iglu',
  path: path.join(dataDir, 'broll_iglu/example_data_5_subject.csv'),
  interval: '5min',
  max_gap: '45min',
} as const;

describe('Arrow canonical table', () => {
  test('round trip through IPC; channels are views of the Arrow buffers (no copy)', async () => {
    const ds = await ingestDataset({
      name: 't1',
      format: 'shanghai',
      path: path.join(dataDir, 'shanghai_t1dm'),
      interval: '15min',
      max_gap: '45min',
    });
    const dir = path.join(await tmpDir(), 'ds');
    await writeDatasetIPC(ds, dir);
    const back = await readDatasetIPC(dir);
    expect(back.channels).toEqual(ds.channels);
    expect(back.segments).toEqual(ds.segments);
    expect(back.series).toEqual(ds.series);
    expect(back.report).toEqual(ds.report);
    expect(back.intervalMs).toBe(ds.intervalMs);
    expect(back.timeZone).toBe('Asia/Shanghai');
    for (let c = 0; c < ds.values.length; c++) expect(back.values[c]).toEqual(ds.values[c]);
    // zero copy: the Float32Array shares memory with the Arrow column of the file
    const bytes = await readFile(path.join(dir, 'data.arrow'));
    const table = tableFromIPC(bytes.byteOffset % 8 === 0 ? bytes : new Uint8Array(bytes));
    const fromTable = fromArrowTable(table, JSON.parse(await readFile(path.join(dir, 'dataset.json'), 'utf8')));
    const colValues = table.getChild('glucose')!.data[0].values as Float32Array;
    expect(table.batches.length).toBe(1);
    expect(fromTable.values[0].buffer).toBe(colValues.buffer);
    expect(fromTable.values[0].byteOffset).toBe(colValues.byteOffset);
    // timestamps are the grid times
    const ts = table.getChild('timestamp')!;
    const seg = ds.segments[3];
    expect(Number(ts.get(seg.offset + 2))).toBe(seg.startMs + 2 * ds.intervalMs);
    expect(table.getChild('series_id')!.get(seg.offset)).toBe(ds.series[seg.series].id);
  });

  test('toArrowTable wraps the dataset arrays; fromArrowTable without a sidecar uses schema metadata', async () => {
    const ds = await ingestDataset(broll);
    const t = toArrowTable(ds);
    expect(t.getChild('gl')!.data[0].values).toBe(ds.values[0]);
    const back = fromArrowTable(tableFromIPC(tableToIPC(t, 'stream')));
    expect(back.segments).toEqual(ds.segments);
    expect(back.values[0]).toEqual(ds.values[0]);
    const bare = fromArrowTable(tableFromIPC(tableToIPC(toArrowTable(ds, { embedMeta: false }), 'file')));
    expect(bare.segments).toEqual(ds.segments);
    expect(bare.intervalMs).toBe(300_000);
  });
});

describe('readers: Arrow IPC / Feather and Parquet inputs', () => {
  const rows = () => {
    const n = 50;
    const t0 = Date.UTC(2022, 0, 1);
    return tableFromArrays({
      id: Array.from({ length: n }, (_, i) => (i < 25 ? 'p1' : 'p2')),
      time: Array.from({ length: n }, (_, i) => new Date(t0 + (i % 25) * 300_000).toISOString()),
      gl: Float64Array.from({ length: n }, (_, i) => 100 + i),
    });
  };

  test('feather (Arrow IPC file)', async () => {
    const dir = await tmpDir();
    const p = path.join(dir, 'x.feather');
    await writeFile(p, tableToIPC(rows(), 'file'));
    const ds = await ingestDataset({ name: 'f', format: 'long', path: p, id: 'id', time: 'time', target: 'gl' });
    expect(ds.series.map((s) => s.id)).toEqual(['p1', 'p2']);
    expect(ds.values[0].length).toBe(50);
    expect(ds.intervalMs).toBe(300_000);
    expectReconciled(ds);
  });

  test('parquet (parquet-wasm)', async () => {
    const pq = await import('parquet-wasm');
    const dir = await tmpDir();
    const p = path.join(dir, 'x.parquet');
    const bytes = pq.writeParquet(pq.Table.fromIPCStream(tableToIPC(rows(), 'stream')));
    await writeFile(p, bytes);
    const ds = await ingestDataset({ name: 'p', format: 'long', path: p, id: 'id', time: 'time', target: 'gl' });
    expect(ds.values[0].length).toBe(50);
    expect(ds.values[0][49]).toBe(149);
    expectReconciled(ds);
  });
});

describe('dataset version and cache', () => {
  test('second ingest returns the cached copy; any change of bytes or config changes the version', async () => {
    const cacheDir = await tmpDir('tsfm-cache-');
    const first = await ingestDatasetWithInfo(broll, { cacheDir });
    expect(first.cacheHit).toBe(false);
    expect(first.cachePath).toBe(path.join(cacheDir, `broll-${first.dataset.version}`));
    expect(first.dataset.version).toMatch(/^[0-9a-f]{16}$/);
    const second = await ingestDatasetWithInfo(broll, { cacheDir });
    expect(second.cacheHit).toBe(true);
    expect(second.dataset.version).toBe(first.dataset.version);
    expect(second.dataset.values[0]).toEqual(first.dataset.values[0]);
    expect(second.dataset.report).toEqual(first.dataset.report);
    // a different ingest option is a different version (and a cache miss)
    const third = await ingestDatasetWithInfo({ ...broll, max_gap: '30min' }, { cacheDir });
    expect(third.cacheHit).toBe(false);
    expect(third.dataset.version).not.toBe(first.dataset.version);
    // min_segment_length from the caller is part of the version
    const fourth = await ingestDatasetWithInfo(broll, { cacheDir, minSegmentLength: 100 });
    expect(fourth.dataset.version).not.toBe(first.dataset.version);
  });

  test('version depends on bytes, not on where the folder is', async () => {
    const a = await tmpDir();
    const b = await tmpDir();
    const text = 'id,t,g\na,2021-01-01 00:00:00,100\n';
    const fa = await writeText(a, 'x.csv', text);
    const fb = await writeText(b, 'x.csv', text);
    const cfg = { name: 'v', format: 'long', id: 'id', time: 't', target: 'g' };
    expect(await computeDatasetVersion([fa], cfg)).toBe(await computeDatasetVersion([fb], cfg));
    await writeText(b, 'x.csv', text.replace('100', '101'));
    expect(await computeDatasetVersion([fa], cfg)).not.toBe(await computeDatasetVersion([fb], cfg));
  });
});
