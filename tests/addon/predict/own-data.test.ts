// A researcher's own files, from file to trained model to forecast file, with the one-line commands of the
// README's "Your own data" section (at a tiny size): Dexcom Clarity, LibreView, Nightscout JSON, a plain CSV.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { readParquet } from 'parquet-wasm';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { readDatasetIPC } from '../../../ts/data/arrow.js';
import { predictWithRun } from '../../../ts/index.js';
import { dexcomFile, libreFile, nightscoutFile } from '../../unit/data/device-fixtures.js';

const cli = path.resolve('dist/ts/cli/main.js');
const dir = mkdtempSync(path.join(tmpdir(), 'tsfm-own-data-'));
// A tiny fast model: 2 epochs of at most 10 steps, 16 steps of context (TTM's patches of 8), 6 steps ahead.
const TINY = ['--epochs', '2', '--set', 'training.max_steps_per_epoch=10', '--set', 'training.threads=1'];
const WINDOW = (steps: number) => [
  '--set',
  'model.context_length=16',
  '--set',
  `model.horizon=${steps}`,
  '--set',
  'model.params.d_model=8',
];

function tsfm(...args: string[]) {
  return spawnSync(process.execPath, [cli, ...args], { cwd: dir, encoding: 'utf8' });
}

/** A day-like glucose curve in mg/dL (deterministic), k = reading index. */
const glucose = (k: number, period = 72) => Math.round(140 + 55 * Math.sin((2 * Math.PI * k) / period) + 6 * Math.sin(k * 1.7));

function parquetTable(file: string) {
  return tableFromIPC(readParquet(readFileSync(file)).intoIPCStream());
}

interface Case {
  name: string;
  file: string;
  text: string;
  intervalMin: number;
  /** Extra flags of `tsfm train` (the column mapping of a plain table). */
  mapping?: string[];
  series: string[];
}

const cases: Case[] = [
  {
    name: 'dexcom',
    file: 'clarity_export.csv',
    // 287 readings (one day), two of them reported as Low / High (kept at the device's limits).
    text: dexcomFile(Array.from({ length: 287 }, (_, k) => (k === 40 ? 'Low' : k === 100 ? 'High' : String(glucose(k))))),
    intervalMin: 5,
    series: ['clarity_export'],
  },
  {
    name: 'libre',
    file: 'libreview_export.csv',
    text: libreFile(Array.from({ length: 300 }, (_, k) => String(glucose(k, 24)))),
    intervalMin: 15,
    series: ['libreview_export'],
  },
  {
    name: 'nightscout',
    file: 'entries.json',
    text: nightscoutFile(Array.from({ length: 300 }, (_, k) => glucose(k))),
    intervalMin: 5,
    series: ['entries'],
  },
  {
    name: 'plain',
    file: 'my_cgm.csv',
    // Two people, odd column names: mapped with --time/--target/--id at training, recorded for predict.
    text:
      'when,who,sensor_reading\n' +
      ['p1', 'p2']
        .flatMap((p, i) =>
          Array.from(
            { length: 300 },
            (_, k) => `${new Date(Date.UTC(2024, 5, 1) + k * 300_000).toISOString()},${p},${glucose(k + 20 * i)}`,
          ),
        )
        .join('\n') +
      '\n',
    intervalMin: 5,
    mapping: ['--time', 'when', '--target', 'sensor_reading', '--id', 'who'],
    series: ['p1', 'p2'],
  },
];

describe('own data: file -> trained model -> forecast file', () => {
  for (const c of cases) {
    it(`${c.name}: tsfm train --data ${c.file} ... && tsfm predict --run ${c.name} --data ${c.file} --out ${c.name}.parquet`, () => {
      writeFileSync(path.join(dir, c.file), c.text);
      const trained = tsfm(
        'train',
        '--data',
        c.file,
        ...(c.mapping ?? []),
        '--run-id',
        c.name,
        '--runs-dir',
        'runs',
        ...TINY,
        ...WINDOW(6),
      );
      expect(trained.status, trained.stderr).toBe(0);
      // It says how it read the file (reader or detected columns), as `tsfm data ingest` does.
      expect(trained.stderr).toMatch(new RegExp(`^tsfm: read ${c.file.replace('.', '\\.')} as `, 'm'));
      expect(trained.stdout).toMatch(new RegExp(`run ${c.name} completed`));
      // The run records where its data came from and how it was read.
      const config = parseYaml(readFileSync(path.join(dir, 'runs', c.name, 'config.yaml'), 'utf8'));
      expect(config.data.dataset).toBe(path.join(dir, c.file));
      if (c.mapping) expect(config.data.overrides).toEqual({ time: 'when', target: 'sensor_reading', id: 'who' });

      const out = `${c.name}.parquet`;
      const predicted = tsfm('predict', '--run', c.name, '--runs-dir', 'runs', '--data', c.file, '--out', out);
      expect(predicted.status, predicted.stderr).toBe(0);
      expect(predicted.stderr).toMatch(new RegExp(`${6 * c.series.length} forecasts .* written to ${out}`));
      const t = parquetTable(path.join(dir, out));
      expect(t.schema.fields.map((f) => `${f.name}:${f.type}`)).toEqual([
        'series:Utf8',
        'origin_time:Timestamp<MILLISECOND, UTC>',
        'time:Timestamp<MILLISECOND, UTC>',
        'step:Int32',
        'channel:Utf8',
        'forecast:Float32',
      ]);
      expect(t.schema.metadata.get('tsfm:run_id')).toBe(c.name);
      expect(t.schema.metadata.get('tsfm:model')).toBe('ttm');
      expect(t.schema.metadata.get('tsfm:interval_minutes')).toBe(String(c.intervalMin));
      const rows = t.toArray().map((r) => r.toJSON());
      expect(rows).toHaveLength(6 * c.series.length);
      expect(new Set(rows.map((r) => r.series))).toEqual(new Set(c.series));
      for (const r of rows) {
        expect(Number(r.time) - Number(r.origin_time)).toBe(r.step * c.intervalMin * 60_000);
        expect(r.forecast).toBeGreaterThan(20);
        expect(r.forecast).toBeLessThan(450);
      }
    });
  }
});

describe('predict: bad inputs and reports', () => {
  it('a model trained with covariates names every one the data lacks, in one line, and writes nothing', () => {
    const sim = tsfm(
      'train',
      '--runs-dir',
      'runs',
      '--run-id',
      'sim',
      '--set',
      'data.overrides.patients=2',
      '--set',
      'data.overrides.days=3',
      ...TINY,
      ...WINDOW(6),
    );
    expect(sim.status).toBe(0);
    // Its own simulated cohort, as `tsfm data simulate --out` writes it, is read with every channel.
    expect(tsfm('data', 'simulate', '--patients', '2', '--days', '1', '--out', 'cohort').status).toBe(0);
    const own = tsfm('predict', '--run', 'sim', '--runs-dir', 'runs', '--data', 'cohort', '--out', 'cohort.csv');
    expect(own.status).toBe(0);
    expect(readFileSync(path.join(dir, 'cohort.csv'), 'utf8').split('\n')[0]).toBe('series,origin_time,time,step,channel,forecast');
    // A plain glucose file lacks insulin and carbs.
    const r = tsfm('predict', '--run', 'sim', '--runs-dir', 'runs', '--data', 'my_cgm.csv', '--target', 'sensor_reading', '--out', 'x.csv');
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n').at(-1)).toBe(
      "tsfm: --data my_cgm.csv: run sim reads covariates 'insulin', 'carbs' as inputs, which the data lacks (it has: 'sensor_reading'); add these columns, or use a run trained with data.covariates: false",
    );
    expect(existsSync(path.join(dir, 'x.csv'))).toBe(false);
  });

  it('series shorter than the context are named with their lengths; when all are, nothing is written', () => {
    const rows = (p: string, n: number) =>
      Array.from({ length: n }, (_, k) => `${new Date(Date.UTC(2024, 6, 1) + k * 300_000).toISOString()},${p},${glucose(k)}`);
    writeFileSync(path.join(dir, 'short.csv'), ['when,who,sensor_reading', ...rows('long', 40), ...rows('tiny', 5)].join('\n') + '\n');
    const r = tsfm('predict', '--run', 'plain', '--runs-dir', 'runs', '--data', 'short.csv', '--out', 'short.json');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain("1 series shorter than the model's context of 16 steps (80min), not forecast: 'tiny' (5 rows)");
    const json = JSON.parse(readFileSync(path.join(dir, 'short.json'), 'utf8'));
    expect(json).toMatchObject({ run_id: 'plain', model: 'ttm', horizon: 6, context_length: 16, skipped: [{ series: 'tiny', rows: 5 }] });
    expect(json.forecasts).toHaveLength(6);
    expect(json.forecasts[0]).toEqual({
      series: 'long',
      origin_time: new Date(Date.UTC(2024, 6, 1) + 39 * 300_000).toISOString(),
      time: new Date(Date.UTC(2024, 6, 1) + 40 * 300_000).toISOString(),
      step: 1,
      channel: 'sensor_reading',
      forecast: expect.any(Number),
    });
    writeFileSync(path.join(dir, 'tiny.csv'), ['when,who,sensor_reading', ...rows('tiny', 5), ...rows('small', 11)].join('\n') + '\n');
    const all = tsfm('predict', '--run', 'plain', '--runs-dir', 'runs', '--data', 'tiny.csv', '--out', 'tiny.json');
    expect(all.status).toBe(1);
    expect(all.stderr.trim()).toBe(
      "tsfm: --data tiny.csv: every series is shorter than the model's context of 16 steps (80min): 'tiny' (5 rows), 'small' (11 rows); nothing to forecast",
    );
    expect(existsSync(path.join(dir, 'tiny.json'))).toBe(false);
  });

  it('an unknown output extension is refused before anything runs; rolling origins carry actuals, last ones do not', () => {
    const bad = tsfm('predict', '--run', 'plain', '--runs-dir', 'runs', '--data', 'my_cgm.csv', '--out', 'f.xlsx');
    expect(bad.status).toBe(1);
    expect(bad.stderr.trim()).toBe('tsfm: --out f.xlsx: unknown format; use .csv, .json, .arrow or .parquet');
    const rolling = tsfm(
      'predict',
      '--run',
      'plain',
      '--runs-dir',
      'runs',
      '--data',
      'my_cgm.csv',
      '--origins',
      'rolling',
      '--out',
      'r.arrow',
    );
    expect(rolling.status).toBe(0);
    const t = tableFromIPC(readFileSync(path.join(dir, 'r.arrow')));
    expect(t.schema.fields.map((f) => f.name)).toContain('actual');
    const actual = t.getChild('actual')!.toArray() as Float32Array;
    // Every window but the last of each series lies inside the data: its actuals are the file's readings.
    expect(actual.filter((v) => Number.isFinite(v)).length).toBeGreaterThan(actual.length * 0.9);
    // Mapping flags without a data file are refused, naming them, by train and predict.
    expect(tsfm('train', '--target', 'x', '--dry-run').stderr.trim()).toBe(
      'tsfm: --target: need --data FILE (they say how to read a data file)',
    );
    expect(tsfm('train', '--data', 'broll', '--id', 'x', '--units', 'mg/dL', '--dry-run').stderr.trim()).toBe(
      "tsfm: --id, --units: apply only to a data file named directly; 'broll' is not one (set these in its dataset YAML)",
    );
    const flags = tsfm('predict', '--run', 'plain', '--runs-dir', 'runs', '--data', 'cohort', '--target', 'x');
    expect(flags.status).toBe(1);
    expect(flags.stderr).toMatch(/--target applies only to a data file named directly/);
  });

  it('a quantile model writes one column per level, in Arrow with its output kind in the metadata', () => {
    const q = tsfm(
      'train',
      '--data',
      'my_cgm.csv',
      '--time',
      'when',
      '--target',
      'sensor_reading',
      '--id',
      'who',
      '--run-id',
      'quant',
      '--runs-dir',
      'runs',
      '--set',
      'model.output=quantile',
      '--set',
      'model.quantiles=[0.1,0.5,0.9]',
      '--set',
      'model.loss=pinball',
      ...TINY,
      ...WINDOW(6),
    );
    expect(q.status, q.stderr).toBe(0);
    const r = tsfm('predict', '--run', 'quant', '--runs-dir', 'runs', '--data', 'my_cgm.csv', '--out', 'q.arrow');
    expect(r.status, r.stderr).toBe(0);
    const t = tableFromIPC(readFileSync(path.join(dir, 'q.arrow')));
    expect(t.schema.fields.map((f) => f.name)).toEqual([
      'series',
      'origin_time',
      'time',
      'step',
      'channel',
      'forecast',
      'q0.1',
      'q0.5',
      'q0.9',
    ]);
    expect(t.schema.metadata.get('tsfm:output')).toBe('quantile');
    // The point forecast is the median level.
    expect(Array.from(t.getChild('forecast')!.toArray() as Float32Array)).toEqual(
      Array.from(t.getChild('q0.5')!.toArray() as Float32Array),
    );
  });

  it('in memory with covariates: predictWithRun on arrays gives the forecasts of the same cohort read from its directory', async () => {
    // The 'sim' run (trained with insulin and carbs as inputs) and the cohort written by `data simulate --out` above.
    const ds = await readDatasetIPC(path.join(dir, 'cohort'));
    const ch = (name: string) => ds.values[ds.channels.findIndex((c) => c.name === name)]!;
    const series: string[] = [];
    const times: number[] = [];
    for (const seg of ds.segments)
      for (let i = 0; i < seg.length; i++) {
        series.push(ds.series[seg.series]!.id);
        times.push(seg.startMs + i * ds.intervalMs);
      }
    const run = path.join(dir, 'runs', 'sim');
    const arrays = { series, times, values: ch('glucose'), covariates: { insulin: ch('insulin'), carbs: ch('carbs') } };
    const fromArrays = await predictWithRun(run, arrays, { intervalMs: ds.intervalMs });
    const fromDir = await predictWithRun(run, path.join(dir, 'cohort'));
    expect(fromArrays.forecast.length).toBe(2 * 6);
    expect(Array.from(fromArrays.forecast)).toEqual(Array.from(fromDir.forecast));
    expect(fromArrays.series).toEqual(fromDir.series);
    // Without the covariates the model cannot forecast: both are named.
    await expect(predictWithRun(run, { series, times, values: ch('glucose') })).rejects.toThrow(
      "predict: run sim reads covariates 'insulin', 'carbs' as inputs, which the data lacks (it has: 'glucose')",
    );
  });

  it("the ingest options a run was trained with (data.overrides, e.g. max_gap) read predict's file too", () => {
    const rows = Array.from({ length: 40 }, (_, k) => `${new Date(Date.UTC(2024, 7, 1) + k * 300_000).toISOString()},p9,${glucose(k)}`);
    rows.splice(36, 1); // one missed reading, 4 before the end
    writeFileSync(path.join(dir, 'gap.csv'), ['when,who,sensor_reading', ...rows].join('\n') + '\n');
    // Trained without max_gap: the last gap-free part is 3 rows, so the series is named, not forecast.
    const plain = tsfm('predict', '--run', 'plain', '--runs-dir', 'runs', '--data', 'gap.csv');
    expect(plain.status).toBe(1);
    expect(plain.stderr).toContain("'p9' (last 3 rows, after a gap)");
    const t = tsfm(
      'train',
      '--data',
      'my_cgm.csv',
      '--time',
      'when',
      '--target',
      'sensor_reading',
      '--id',
      'who',
      '--run-id',
      'gap',
      '--runs-dir',
      'runs',
      '--set',
      'data.overrides.max_gap=15min',
      '--set',
      'data.overrides.interval=5min',
      ...TINY,
      ...WINDOW(6),
    );
    expect(t.status, t.stderr).toBe(0);
    const r = tsfm('predict', '--run', 'gap', '--runs-dir', 'runs', '--data', 'gap.csv');
    expect(r.status, r.stderr).toBe(0);
    const out = r.stdout.trim().split('\n');
    expect(out).toHaveLength(1 + 6);
    expect(out[1]).toMatch(new RegExp(`^"p9",${new Date(Date.UTC(2024, 7, 1) + 39 * 300_000).toISOString()},`));
  });
});
