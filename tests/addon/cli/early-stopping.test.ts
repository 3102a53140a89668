import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const cli = path.resolve('dist/ts/cli/main.js');

const small = [
  '--set',
  'training.max_steps_per_epoch=2',
  '--set',
  'training.val_max_windows=100',
  '--set',
  'training.threads=1',
  '--set',
  'data.overrides.patients=3',
  '--set',
  'data.overrides.days=3',
];

describe('tsfm train: training.early_stopping (CLI)', () => {
  it('stops once patience epochs have not improved by min_delta, and records why', () => {
    const runs = mkdtempSync(path.join(tmpdir(), 'tsfm-runs-'));
    // min_delta far above any loss: the first epoch improves on "no best yet", the second cannot.
    const out = execFileSync(
      process.execPath,
      [
        cli,
        'train',
        '--epochs',
        '5',
        '--runs-dir',
        runs,
        '--set',
        'training.early_stopping.patience=1',
        '--set',
        'training.early_stopping.min_delta=1000000',
        ...small,
      ],
      { encoding: 'utf8' },
    );
    const dir = /run \S+ early_stopped: (\S+)/.exec(out)![1];
    const metrics = JSON.parse(readFileSync(path.join(dir, 'metrics.json'), 'utf8'));
    expect(metrics.status).toBe('early_stopped');
    expect(metrics.epochs).toHaveLength(2);
    // Counted from 1, like the console and the stop reason ('best epoch 1').
    expect(metrics.best_epoch).toBe(1);
    expect(metrics.epochs.map((e: { epoch: number }) => e.epoch)).toEqual([1, 2]);
    expect(JSON.parse(readFileSync(path.join(dir, 'metadata.json'), 'utf8')).metrics.best_epoch).toBe(1);
    const reason = 'early stopping: val_loss did not improve by more than 1e+06 for 1 epochs (best epoch 1)';
    expect(metrics.stop_reason).toBe(reason);
    const meta = JSON.parse(readFileSync(path.join(dir, 'metadata.json'), 'utf8'));
    expect(meta.status).toBe('completed');
    expect(meta.tags).toMatchObject({ stop: 'early_stopped', stop_reason: reason });
  });

  it('patience 0 (off) trains every epoch', () => {
    const runs = mkdtempSync(path.join(tmpdir(), 'tsfm-runs-'));
    const out = execFileSync(
      process.execPath,
      [
        cli,
        'train',
        '--epochs',
        '3',
        '--runs-dir',
        runs,
        '--set',
        'training.early_stopping.patience=0',
        '--set',
        'training.early_stopping.min_delta=1000000',
        ...small,
      ],
      { encoding: 'utf8' },
    );
    const metrics = JSON.parse(readFileSync(path.join(/run \S+ completed: (\S+)/.exec(out)![1], 'metrics.json'), 'utf8'));
    expect(metrics.status).toBe('completed');
    expect(metrics.epochs).toHaveLength(3);
    expect(metrics.stop_reason).toBeUndefined();
  });

  it('rejects a negative patience naming the key', () => {
    const r = spawnSync(process.execPath, [cli, 'train', '--set', 'training.early_stopping.patience=-1'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/training\.early_stopping\.patience/);
  });
});
