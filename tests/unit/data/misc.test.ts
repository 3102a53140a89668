import { describe, expect, test } from 'vitest';
import path from 'node:path';
import { MGDL_PER_MMOLL, formatDuration, parseDuration } from '../../../ts/data/units.js';
import { ZoneConverter, makeWallParser, parseIsoInto } from '../../../ts/data/time.js';
import { describeDataset, renderDescription } from '../../../ts/data/describe.js';
import { ingestDataset } from '../../../ts/data/ingest.js';
import { resolveDataPaths } from '../../../ts/data/config.js';
import { didYouMean } from '../../../ts/data/errors.js';
import { dataDir } from './helpers.js';

describe('units and durations', () => {
  test('one glucose constant', () => {
    expect(MGDL_PER_MMOLL).toBe(18.0182);
  });
  test('durations', () => {
    expect(parseDuration('15min')).toBe(900_000);
    expect(parseDuration('5 min')).toBe(300_000);
    expect(parseDuration('1h')).toBe(3_600_000);
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('PT45M')).toBe(2_700_000);
    expect(() => parseDuration('15 fortnights')).toThrow(/unit/);
    expect(formatDuration(900_000)).toBe('15min');
    expect(formatDuration(3_600_000)).toBe('1h');
  });
});

describe('time parsing', () => {
  const out = { ms: 0, absolute: false };
  test('ISO variants', () => {
    expect(parseIsoInto('2021-05-26 16:14:00', out)).toBe(Date.UTC(2021, 4, 26, 16, 14));
    expect(parseIsoInto('2021-05-26 16:14:00.000', out)).toBe(Date.UTC(2021, 4, 26, 16, 14));
    expect(parseIsoInto('2021-05-26T16:14', out)).toBe(Date.UTC(2021, 4, 26, 16, 14));
    expect(parseIsoInto('2021-05-26T16:14:00+08:00', out)).toBe(Date.UTC(2021, 4, 26, 8, 14));
    expect(out.absolute).toBe(true);
    expect(parseIsoInto('2021/5/6 1:02:03', out)).toBe(Date.UTC(2021, 4, 6, 1, 2, 3));
    expect(parseIsoInto('2021-05-26', out)).toBe(Date.UTC(2021, 4, 26));
    for (const bad of ['2021-02-30 00:00:00', '2021-13-01', 'yesterday', '2021-05-26 25:00', '2021-05-26 10:00:00 junk', ''])
      expect(parseIsoInto(bad, out)).toBeNaN();
  });
  test('patterns and epochs', () => {
    expect(makeWallParser('MM/DD/YYYY HH:mm')('12/31/2020 23:50', out)).toBe(Date.UTC(2020, 11, 31, 23, 50));
    expect(makeWallParser('DD.MM.YYYY HH:MM:SS')('31.12.2020 23:50:10', out)).toBe(Date.UTC(2020, 11, 31, 23, 50, 10));
    expect(makeWallParser('epoch_s')('1600000000', out)).toBe(1_600_000_000_000);
  });
  test('zones: Shanghai (UTC+8) and New York DST', () => {
    const sh = new ZoneConverter('Asia/Shanghai');
    expect(sh.wallToUtc(Date.UTC(2021, 6, 30, 16, 43))).toBe(Date.UTC(2021, 6, 30, 8, 43));
    const ny = new ZoneConverter('America/New_York');
    expect(ny.wallToUtc(Date.UTC(2021, 0, 1, 12))).toBe(Date.UTC(2021, 0, 1, 17));
    expect(ny.wallToUtc(Date.UTC(2021, 6, 1, 12))).toBe(Date.UTC(2021, 6, 1, 16));
    // ambiguous 01:30 on 2021-11-07 -> the earlier (EDT) instant
    expect(ny.wallToUtc(Date.UTC(2021, 10, 7, 1, 30))).toBe(Date.UTC(2021, 10, 7, 5, 30));
    expect(() => new ZoneConverter('Mars/Olympus')).toThrow(/time_zone/);
  });
});

describe('paths and hints', () => {
  test('directory, glob and file', async () => {
    expect((await resolveDataPaths(path.join(dataDir, 'shanghai_t1dm'))).length).toBe(16);
    expect((await resolveDataPaths(path.join(dataDir, 'shanghai_t*/processed_100*_0_*.csv'))).length).toBe(9);
    expect((await resolveDataPaths('ett/ETTh*.csv', dataDir)).map((p) => path.basename(p))).toEqual(['ETTh1.csv', 'ETTh2.csv']);
    await expect(resolveDataPaths(path.join(dataDir, 'ett/*.parquet'))).rejects.toThrow(/no files match/);
  });
  test('did you mean', () => {
    expect(didYouMean('glucos', ['id', 'time', 'glucose'])).toBe('glucose');
    expect(didYouMean('CGM', ['Date', 'CGM (mg / dl)'])).toBe('CGM (mg / dl)');
    expect(didYouMean('zzzzzz', ['id', 'time'])).toBeUndefined();
  });
});

describe('describe', () => {
  test('glucose metrics per series and overall, text table', async () => {
    const ds = await ingestDataset({
      name: 'broll',
      format: 'iglu',
      path: path.join(dataDir, 'broll_iglu'),
      interval: '5min',
      max_gap: '45min',
    });
    const d = describeDataset(ds);
    expect(d.series.length).toBe(5);
    expect(d.overall.rows).toBe(ds.values[0].length);
    const g = d.overall.glucose!;
    expect(g.tir + g.below70 + g.above180).toBeCloseTo(100, 6);
    expect(g.below54).toBeLessThanOrEqual(g.below70);
    expect(g.above250).toBeLessThanOrEqual(g.above180);
    let sum = 0;
    for (let i = 0; i < ds.values[0].length; i++) sum += ds.values[0][i];
    expect(g.mean).toBeCloseTo(sum / ds.values[0].length, 6);
    expect(d.series[0].segments).toBe(ds.segments.filter((s) => s.series === 0).length);
    // "days covered" is readings × interval; the first-to-last span (gaps included) is its own column.
    const s0 = d.series[0];
    expect(s0.coveredHours).toBeCloseTo((s0.rows * 5) / 60, 9);
    const multi = d.series.find((s) => s.segments > 1)!;
    expect(multi.spanHours).toBeGreaterThan(multi.coveredHours);
    const text = renderDescription(d);
    expect(text).toMatch(/series +rows +segs +days covered +span \(days\)/);
    const line = text.split('\n').find((l) => l.startsWith(`${multi.id} `))!;
    expect(line).toMatch(
      new RegExp(
        `^${multi.id} +${multi.rows} +${multi.segments} +${(multi.coveredHours / 24).toFixed(1)} +${(multi.spanHours / 24).toFixed(1)} `,
      ),
    );
    expect(text).toContain('days covered: readings × interval (gaps left out); span: first to last reading, gaps included.');
    expect(text).toContain('Subject 1');
    expect(text).toContain('TIR%');
    expect(text).toMatch(/overall \(5 series\)/);
  });
  test('non-glucose dataset', async () => {
    const ds = await ingestDataset({ name: 'etth2', format: 'ett', path: path.join(dataDir, 'ett/ETTh2.csv') });
    const d = describeDataset(ds);
    expect(d.overall.glucose).toBeUndefined();
    expect(renderDescription(d)).toContain('OT');
  });
});

describe('configs/datasets/*.yaml', async () => {
  const { readdirSync } = await import('node:fs');
  const { loadDatasetConfig } = await import('../../../ts/data/config.js');
  const { repoRoot } = await import('./helpers.js');
  const dir = path.join(repoRoot, 'configs/datasets');
  test("every dataset config validates and its path resolves (relative to the YAML's folder)", async () => {
    // the real-data configs (simulated_t1d.yaml belongs to the simulator and has its own schema)
    const names = ['broll.yaml', 'etth1.yaml', 'etth2.yaml', 'ettm1.yaml', 'shanghai_t1dm.yaml', 'shanghai_t2dm.yaml'];
    for (const n of names) expect(readdirSync(dir)).toContain(n);
    for (const n of names) {
      const cfg = await loadDatasetConfig(path.join(dir, n));
      expect(cfg.name).toBe(n.replace('.yaml', ''));
      expect(path.isAbsolute(String(cfg.path))).toBe(true);
      expect((await resolveDataPaths(cfg.path, '/nonexistent')).length).toBeGreaterThan(0);
    }
  });
  test("a relative path in a user's YAML resolves against the YAML's folder, not the working directory", async () => {
    const { tmpDir, writeText } = await import('./helpers.js');
    const { loadDatasetFile } = await import('../../../ts/data/load.js');
    const root = await tmpDir();
    const { mkdir } = await import('node:fs/promises');
    await mkdir(path.join(root, 'study', 'raw'), { recursive: true });
    await writeText(path.join(root, 'study', 'raw'), 'a.csv', 't,g\n2021-01-01 00:00:00,100\n2021-01-01 00:05:00,110\n');
    const yaml = await writeText(path.join(root, 'study'), 'cgm.yaml', 'name: cgm\nformat: long\npath: raw/a.csv\ntime: t\ntarget: g\n');
    const cfg = await loadDatasetConfig(yaml);
    expect(cfg.path).toBe(path.join(root, 'study', 'raw', 'a.csv'));
    const r = await loadDatasetFile(yaml, { baseDir: '/nonexistent' });
    expect(r.dataset.report.files.map((f) => f.path)).toEqual([path.join(root, 'study', 'raw', 'a.csv')]);
  });
});

describe('loadDatasetFile', async () => {
  const { loadDatasetFile } = await import('../../../ts/data/load.js');
  const { repoRoot, tmpDir } = await import('./helpers.js');
  test('real-data config through ingest, with cache', async () => {
    const cacheDir = await tmpDir('tsfm-cache-');
    const a = await loadDatasetFile(path.join(repoRoot, 'configs/datasets/etth2.yaml'), { baseDir: repoRoot, cacheDir });
    const b = await loadDatasetFile(path.join(repoRoot, 'configs/datasets/etth2.yaml'), { baseDir: repoRoot, cacheDir });
    expect([a.cacheHit, b.cacheHit]).toEqual([false, true]);
    expect(b.dataset.values[6]).toEqual(a.dataset.values[6]);
  });
  test('a simulated config goes to the simulator (ts/data/simulate), cached by its version', async () => {
    const { loadDataset } = await import('../../../ts/data/load.js');
    const cacheDir = await tmpDir('tsfm-cache-');
    const cfg = { format: 'simulated', name: 'sim_small', patients: 2, days: 1, seed: 7, interval: '5min', start_date: '2024-01-01' };
    const a = await loadDataset(cfg, { cacheDir });
    expect(a.dataset.series.length).toBe(2);
    expect(a.cachePath).toBe(path.join(cacheDir, `sim_small-${a.dataset.version}`));
    const b = await loadDataset(cfg, { cacheDir });
    expect(b.cacheHit).toBe(true);
    expect(b.dataset.values[0]).toEqual(a.dataset.values[0]);
  }, 60_000);
});

describe('docs/datasets.md', async () => {
  const { readFileSync } = await import('node:fs');
  const { parse } = await import('yaml');
  const { DatasetConfigSchema, parseDatasetConfig } = await import('../../../ts/data/config.js');
  const { repoRoot } = await import('./helpers.js');
  const text = readFileSync(path.join(repoRoot, 'docs/datasets.md'), 'utf8');
  test('documents every dataset YAML key and has an example per format, each of which validates', () => {
    for (const key of Object.keys(DatasetConfigSchema.shape)) expect(text, key).toContain(`| \`${key}\` |`);
    const examples = [...text.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => parseDatasetConfig(parse(m[1]!), 'docs/datasets.md'));
    const formats = DatasetConfigSchema.shape.format.options;
    expect(new Set(examples.map((e) => e.format))).toEqual(new Set(formats));
  });
});
