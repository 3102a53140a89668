import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readTable } from '../../../ts/data/readers.js';

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
    expect(t.header).toEqual(['series', 'origin_time', 'time', 'step', 'channel', 'forecast', 'actual']);
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
    expect(origin.kind).toBe('string');
    if (origin.kind !== 'string' || series.kind !== 'string') throw new Error('series/origin_time are not strings');
    for (let i = 0; i < t.rowCount; i++)
      expect(Math.abs(Date.parse(String(origin.values[i])) - last.get(String(series.values[i]))!)).toBeLessThanOrEqual(150_000);
    if (forecast.kind === 'number') expect(Array.from(forecast.values).every((v) => v > 40 && v < 400)).toBe(true);
    else throw new Error('forecast column is not numeric');
  });

  it('bad inputs: unknown run, missing file, data without the trained channel', () => {
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
    expect(badExt.stderr.trim()).toMatch(/^tsfm: --out .*f\.xlsx: unknown format; use \.csv, \.arrow or \.parquet$/);
    // A file whose glucose column has another name: the model's channel 'gl' is missing.
    const csv = path.join(dir, 'renamed.csv');
    const lines = readFileSync(BROLL, 'utf8').split('\n').slice(0, 400);
    writeFileSync(csv, ['id,time,glucose', ...lines.slice(1).map((l) => l.split(',').slice(1).join(','))].join('\n'));
    const yaml = path.join(dir, 'renamed.yaml');
    writeFileSync(yaml, `name: renamed\nformat: long\npath: ${csv}\nid: id\ntime: time\ntarget: glucose\ninterval: 5min\nmax_gap: 45min\n`);
    const wrong = spawnSync(process.execPath, [cli, 'predict', '--run', 'm', '--data', yaml, '--runs-dir', runs], { encoding: 'utf8' });
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toMatch(/channel 'gl' the model was trained with is missing \(the data has: glucose\)/);
  });
});
