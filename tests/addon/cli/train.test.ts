import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const cli = path.resolve('dist/ts/cli/main.js');

describe('tsfm train (CLI)', () => {
  it('trains the default model on the simulated cohort and writes a run directory', () => {
    const runs = mkdtempSync(path.join(tmpdir(), 'tsfm-runs-'));
    const out = execFileSync(
      process.execPath,
      [
        cli,
        'train',
        '--epochs',
        '1',
        '--runs-dir',
        runs,
        '--set',
        'training.max_steps_per_epoch=20',
        '--set',
        'training.val_max_windows=500',
        '--set',
        'training.threads=1',
      ],
      { encoding: 'utf8' },
    );
    const m = /run (\S+) completed: (\S+)/.exec(out);
    expect(m).not.toBeNull();
    const dir = m![2];
    expect(existsSync(path.join(dir, 'config.yaml'))).toBe(true);
    expect(existsSync(path.join(dir, 'checkpoints', 'last.pt'))).toBe(true);
    const metrics = JSON.parse(readFileSync(path.join(dir, 'metrics.json'), 'utf8'));
    expect(metrics.test.rmse).toBeGreaterThan(0);
    expect(metrics.baselines.last_value.rmse).toBeGreaterThan(0);
    expect(out).toMatch(/test \(\d+ windows\): MSE [\d.]+ RMSE/);
  });

  it('training.prefetch on and off train on the same batches: the same test metrics', () => {
    const runs = mkdtempSync(path.join(tmpdir(), 'tsfm-runs-'));
    const metrics = (prefetch: string) => {
      const out = execFileSync(
        process.execPath,
        [
          cli,
          'train',
          '--epochs',
          '1',
          '--runs-dir',
          runs,
          '--set',
          `training.prefetch=${prefetch}`,
          '--set',
          'training.max_steps_per_epoch=8',
          '--set',
          'training.val_max_windows=200',
          '--set',
          'training.threads=1',
          '--set',
          'data.overrides.patients=3',
          '--set',
          'data.overrides.days=3',
        ],
        { encoding: 'utf8' },
      );
      return JSON.parse(readFileSync(path.join(/run \S+ completed: (\S+)/.exec(out)![1], 'metrics.json'), 'utf8')).test;
    };
    const on = metrics('on');
    expect(on.rmse).toBeGreaterThan(0);
    expect(metrics('off')).toEqual(on);
  });

  it('rejects an unknown config key with one line and a non-zero exit', () => {
    const r = spawnSync(process.execPath, [cli, 'train', '--set', 'training.lrr=1'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/training\.lrr.*did you mean 'training\.lr'/);
  });

  it('rejects an unknown model parameter naming it', () => {
    const r = spawnSync(
      process.execPath,
      [cli, 'train', '--set', 'model.params.patch_len=4', '--runs-dir', mkdtempSync(path.join(tmpdir(), 'r-'))],
      { encoding: 'utf8' },
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/patch_len/);
  });

  it('--dry-run prints the resolved config without training', () => {
    const out = execFileSync(process.execPath, [cli, 'train', '--dry-run'], { encoding: 'utf8' });
    expect(out).toMatch(/family: ttm/);
    expect(out).toMatch(/would train ttm/);
  });
});
