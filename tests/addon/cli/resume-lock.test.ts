// `--resume` of a run that another process is still training is refused before anything is written:
// the first training goes on and ends with its own config and metrics.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const cli = path.resolve('dist/ts/cli/main.js');

describe('tsfm train --resume of a run that is still training', () => {
  it('refuses in one line and leaves the running training untouched', async () => {
    const runs = mkdtempSync(path.join(tmpdir(), 'tsfm-lock-'));
    const args = [
      cli,
      'train',
      '--runs-dir',
      runs,
      '--run-id',
      'live',
      '--epochs',
      '6',
      '--set',
      'training.threads=1',
      '--set',
      'data.overrides.patients=3',
      '--set',
      'data.overrides.days=4',
      '--set',
      'training.early_stopping.patience=1000',
    ];
    const first = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    first.stderr.on('data', (d) => (stderr += d));
    first.stdout.on('data', (d) => (stdout += d));
    const exited = new Promise<number | null>((resolve) => first.on('exit', (code) => resolve(code)));
    const last = path.join(runs, 'live', 'checkpoints', 'last.pt');
    while (!existsSync(last) && first.exitCode === null) await new Promise((r) => setTimeout(r, 50));
    const before = readFileSync(path.join(runs, 'live', 'config.yaml'), 'utf8');

    const second = spawnSync(
      process.execPath,
      [cli, 'train', '--runs-dir', runs, '--resume', last, '--epochs', '9', '--set', 'training.lr=0.05'],
      { encoding: 'utf8' },
    );
    expect(second.status).toBe(1);
    expect(second.stderr.trim().split('\n')).toHaveLength(1);
    expect(second.stderr).toMatch(/live: the run is still being written by process \d+ on \S+/);
    expect(readFileSync(path.join(runs, 'live', 'config.yaml'), 'utf8')).toBe(before);

    expect(await exited, stderr).toBe(0);
    expect(stdout).toMatch(/run live completed/);
    const metrics = JSON.parse(readFileSync(path.join(runs, 'live', 'metrics.json'), 'utf8'));
    expect(metrics.epochs).toHaveLength(6);
    expect(readFileSync(path.join(runs, 'live', 'config.yaml'), 'utf8')).toMatch(/epochs: 6/);
  });
});
