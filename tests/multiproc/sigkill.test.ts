import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, waitFor } from './helpers.js';

describe('a training killed with SIGKILL', () => {
  it('shows as failed in `runs list` once its process is gone, and stays failed after a rebuild', async () => {
    const runsDir = mkdtempSync(path.join(tmpdir(), 'tsfm-kill-'));
    // Long enough that it is still training when killed.
    const child = spawn(
      process.execPath,
      [
        cli,
        'train',
        '--runs-dir',
        runsDir,
        '--run-id',
        'victim',
        '--epochs',
        '200',
        '--set',
        'training.max_steps_per_epoch=200',
        '--set',
        'training.threads=1',
        '--set',
        'model.context_length=32',
        '--set',
        'training.early_stopping.patience=0',
      ],
      { stdio: 'ignore' },
    );
    const log = path.join(runsDir, 'victim', 'logs', 'run.log');
    await waitFor(() => existsSync(log) && /parameters/.test(readFileSync(log, 'utf8')), 120_000, 'training to start');
    const listed = () =>
      execFileSync(process.execPath, [cli, 'runs', 'list', '--runs-dir', runsDir, '--json'], { encoding: 'utf8' })
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
    expect(listed()[0]).toMatchObject({ run_id: 'victim', status: 'running' });
    const exited = new Promise((r) => child.on('exit', r));
    child.kill('SIGKILL');
    await exited;
    const [run] = listed();
    expect(run).toMatchObject({ run_id: 'victim', status: 'failed' });
    expect(run.error).toMatch(/process \d+ on .* ended without finishing the run/);
    // Recorded in the run directory itself, so the registry can be rebuilt from it.
    const meta = JSON.parse(readFileSync(path.join(runsDir, 'victim', 'metadata.json'), 'utf8'));
    expect(meta.status).toBe('failed');
    execFileSync(process.execPath, [cli, 'registry', 'rebuild', '--runs-dir', runsDir]);
    expect(listed()[0]).toMatchObject({ run_id: 'victim', status: 'failed' });
    const table = execFileSync(process.execPath, [cli, 'runs', 'list', '--runs-dir', runsDir], { encoding: 'utf8' });
    expect(table).toMatch(/^Run ID +\| Model +\| Dataset +\| Status +\| test_rmse +\| Duration/);
    expect(table).toMatch(/victim +\| ttm +\| simulated_t1d +\| failed/);
  });
});
