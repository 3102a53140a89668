import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readTable } from '../../../ts/data/readers.js';
import { predictWithRun } from '../../../ts/index.js';

const cli = path.resolve('dist/ts/cli/main.js');
// Real CGM data (iglu example data, "Broll" in GlucoBench): ../shared/data/broll_iglu/.
const BROLL = path.resolve('../shared/data/broll_iglu/example_data_5_subject.csv');

describe('tsfm predict', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tsfm-predict-'));
  const runs = path.join(dir, 'runs');
  let testRmse = 0;

  beforeAll(() => {
    execFileSync(
      process.execPath,
      [
        cli,
        'train',
        '--runs-dir',
        runs,
        '--run-id',
        'm',
        '--epochs',
        '2',
        '--set',
        'data.dataset=broll',
        '--set',
        'data.scaler=per_series',
        '--set',
        `data.cache_dir=${path.join(dir, 'cache')}`,
        '--set',
        'training.max_steps_per_epoch=30',
        '--set',
        'training.threads=1',
        '--set',
        'model.context_length=32',
        '--set',
        'model.params.d_model=8',
      ],
      { stdio: 'ignore' },
    );
    testRmse = JSON.parse(readFileSync(path.join(runs, 'm', 'metadata.json'), 'utf8')).metrics.test_rmse;
  });

  it("rolling forecasts with the run's model and scalers track the data as well as the run's test RMSE says", () => {
    const out = path.join(dir, 'rolling.csv');
    execFileSync(
      process.execPath,
      [cli, 'predict', '--run', 'm', '--data', BROLL, '--runs-dir', runs, '--origins', 'rolling', '--out', out],
      { stdio: 'ignore' },
    );
    const rows = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(','));
    const scored = rows.filter((r) => r[6] !== '');
    expect(scored.length).toBeGreaterThan(10_000);
    const rmse = Math.sqrt(scored.reduce((a, r) => a + (Number(r[5]) - Number(r[6])) ** 2, 0) / scored.length);
    expect(rmse).toBeGreaterThan(testRmse / 2);
    expect(rmse).toBeLessThan(testRmse * 2);
    expect(new Set(rows.map((r) => r[3]))).toEqual(new Set(Array.from({ length: 12 }, (_, i) => String(i + 1))));
  });

  it("'last' origins forecast the 60 minutes after each series ends, to Parquet", async () => {
    const out = path.join(dir, 'last.parquet');
    execFileSync(process.execPath, [cli, 'predict', '--run', 'm', '--data', BROLL, '--runs-dir', runs, '--out', out], { stdio: 'ignore' });
    const t = await readTable(out);
    expect(t.rowCount).toBe(5 * 12);
    // No actual column: a forecast from the end of the data is of the future.
    expect(t.header).toEqual(['series', 'origin_time', 'time', 'step', 'channel', 'forecast']);
    const series = t.column('series');
    const origin = t.column('origin_time');
    const forecast = t.column('forecast');
    expect(series.kind === 'string' && new Set(Array.from(series.values)).size).toBe(5);
    // Each series' forecast starts at its last observation (on the 5-minute grid: within half an interval).
    const last = new Map<string, number>();
    for (const l of readFileSync(BROLL, 'utf8').trim().split('\n').slice(1)) {
      const [, id, time] = l.split(',');
      last.set(id!.replace(/"/g, ''), Date.parse(time!.replace(' ', 'T') + 'Z'));
    }
    // Times are real UTC timestamps, not text.
    expect(origin.kind === 'time' && origin.zoned).toBe(true);
    if (origin.kind !== 'time' || series.kind !== 'string') throw new Error('origin_time is not a timestamp or series not text');
    for (let i = 0; i < t.rowCount; i++)
      expect(Math.abs(origin.values[i]! - last.get(String(series.values[i]))!)).toBeLessThanOrEqual(150_000);
    if (forecast.kind === 'number') expect(Array.from(forecast.values).every((v) => v > 40 && v < 400)).toBe(true);
    else throw new Error('forecast column is not numeric');
  });

  it('bad inputs: unknown run, missing file, --out; a target under another name is the model target', () => {
    const unknown = spawnSync(process.execPath, [cli, 'predict', '--run', 'nope', '--data', BROLL, '--runs-dir', runs], {
      encoding: 'utf8',
    });
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(/run 'nope' not found/);
    const missing = spawnSync(process.execPath, [cli, 'predict', '--run', 'm', '--data', path.join(dir, 'none.csv'), '--runs-dir', runs], {
      encoding: 'utf8',
    });
    expect(missing.stderr).toMatch(/--data .*none\.csv: file not found/);
    // --out into a folder that does not exist, or an unknown format: refused before forecasting, naming --out.
    const noDir = spawnSync(
      process.execPath,
      [cli, 'predict', '--run', 'm', '--data', BROLL, '--runs-dir', runs, '--out', path.join(dir, 'nope', 'f.csv')],
      { encoding: 'utf8' },
    );
    expect(noDir.status).toBe(1);
    expect(noDir.stderr.trim()).toBe(
      `tsfm: --out ${path.join(dir, 'nope', 'f.csv')}: the folder ${path.join(dir, 'nope')} does not exist (create it first)`,
    );
    const badExt = spawnSync(
      process.execPath,
      [cli, 'predict', '--run', 'm', '--data', BROLL, '--runs-dir', runs, '--out', path.join(dir, 'f.xlsx')],
      { encoding: 'utf8' },
    );
    expect(badExt.stderr.trim()).toMatch(/^tsfm: --out .*f\.xlsx: unknown format; use \.csv, \.json, \.arrow or \.parquet$/);
    // A file whose glucose column has another name: the model's channel 'gl' is missing.
    const csv = path.join(dir, 'renamed.csv');
    const lines = readFileSync(BROLL, 'utf8').split('\n').slice(0, 400);
    writeFileSync(csv, ['id,time,glucose', ...lines.slice(1).map((l) => l.split(',').slice(1).join(','))].join('\n'));
    const yaml = path.join(dir, 'renamed.yaml');
    writeFileSync(yaml, `name: renamed\nformat: long\npath: ${csv}\nid: id\ntime: time\ntarget: glucose\ninterval: 5min\nmax_gap: 45min\n`);
    const wrong = spawnSync(process.execPath, [cli, 'predict', '--run', 'm', '--data', yaml, '--runs-dir', runs], { encoding: 'utf8' });
    // A lone target under another name is the model's target (said on stderr).
    expect(wrong.status, wrong.stderr).toBe(0);
    expect(wrong.stderr).toMatch(/the data's target 'glucose' is read as the model's 'gl'/);
  });

  it('predictWithRun on arrays in memory returns typed arrays, the same forecasts as from the file', async () => {
    const lines = readFileSync(BROLL, 'utf8').trim().split('\n').slice(1);
    const rows = lines.map((l) => l.split(',')).filter((r) => r[1] === '"Subject 2"');
    const input = {
      series: rows.map((r) => r[1]!.replace(/"/g, '')),
      times: Float64Array.from(rows, (r) => Date.parse(r[2]!.replace(' ', 'T') + 'Z')),
      values: Float64Array.from(rows, (r) => Number(r[3])),
    };
    const csv = path.join(dir, 'subject2.csv');
    writeFileSync(csv, ['id,time,gl', ...rows.map((r) => r.slice(1).join(','))].join('\n') + '\n');
    const yaml = path.join(dir, 'subject2.yaml');
    // The same grid rules as the arrays get: interval 5 min, gaps bridged up to one interval.
    writeFileSync(yaml, `name: s2\nformat: long\npath: ${csv}\nid: id\ntime: time\ntarget: gl\ninterval: 5min\nunits: mg/dL\n`);
    const fromArrays = await predictWithRun(path.join(runs, 'm'), input, { origins: 'rolling', intervalMs: 300_000 });
    const fromFile = await predictWithRun(path.join(runs, 'm'), yaml, { origins: 'rolling' });
    expect(fromArrays.forecast).toBeInstanceOf(Float32Array);
    expect(fromArrays.origin).toBeInstanceOf(Float64Array);
    expect(fromArrays.time).toBeInstanceOf(Float64Array);
    expect(fromArrays.actual).toBeInstanceOf(Float32Array);
    expect(fromArrays.forecast.length).toBeGreaterThan(1000);
    expect(fromArrays.meta).toMatchObject({ runId: 'm', context: 32, horizon: 12, intervalMs: 300_000, origins: 'rolling' });
    expect(Array.from(fromArrays.origin)).toEqual(Array.from(fromFile.origin));
    expect(Array.from(fromArrays.forecast)).toEqual(Array.from(fromFile.forecast));
    // Bad arrays: one line naming what does not line up.
    await expect(predictWithRun(path.join(runs, 'm'), { ...input, times: input.times.subarray(1) })).rejects.toThrow(
      `predict: times has ${rows.length - 1} entries, values ${rows.length}; give one time per value`,
    );
  });
});
