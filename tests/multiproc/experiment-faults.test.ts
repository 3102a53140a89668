// Experiment runner faults: a SIGKILLed runner leaves no cell training as an orphan, a second runner of
// the same experiment is refused while one runs, and a cell whose settings changed runs again while a
// finished one with unchanged settings is never repeated.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, runMetadata, waitFor } from './helpers.js';

function experiment(epochs: number, steps: number) {
  return `name: faults\nworkers: 1\ndatasets: [simulated_t1d]\nseeds: [1]\nmodels: [{name: dlinear, set: [model.params.kernel_size=5]}]
set: [training.epochs=${epochs}, training.max_steps_per_epoch=${steps}, training.val_max_windows=50, model.context_length=32, training.early_stopping.patience=1000]\n`;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('tsfm experiment run under faults', () => {
  it('SIGKILL of the runner ends its cell; a concurrent runner is refused; a changed cell reruns, an unchanged one does not', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tsfm-expfault-'));
    const file = path.join(dir, 'exp.yaml');
    const runsDir = path.join(dir, 'runs');
    writeFileSync(file, experiment(200, 50));
    const runner = spawn(process.execPath, [cli, 'experiment', 'run', file, '--runs-dir', runsDir], { stdio: 'ignore' });
    await waitFor(() => runMetadata(runsDir).some((m) => m.status === 'running'), 120_000, 'the cell to start');

    const second = spawnSync(process.execPath, [cli, 'experiment', 'run', file, '--runs-dir', runsDir], { encoding: 'utf8' });
    expect(second.status).toBe(1);
    expect(second.stderr).toMatch(/experiment 'faults' is already running \(process \d+ on \S+, lock .*runner\.lock\)/);

    const cell = JSON.parse(
      execFileSync('cat', [path.join(runsDir, runMetadata(runsDir)[0]!.run_id, 'metadata.json')], { encoding: 'utf8' }),
    );
    const cellPid = cell.owner.pid as number;
    expect(alive(cellPid)).toBe(true);
    runner.kill('SIGKILL');
    await waitFor(() => !alive(cellPid), 10_000, 'the orphaned cell to end');

    // The next runner takes the dead runner's lock; with short settings the cell completes (a new attempt).
    writeFileSync(file, experiment(1, 3));
    const out = execFileSync(process.execPath, [cli, 'experiment', 'run', file, '--runs-dir', runsDir], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(out).toMatch(/experiment faults: 1 completed, 0 already done/);
    const again = execFileSync(process.execPath, [cli, 'experiment', 'run', file, '--runs-dir', runsDir], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(again).toMatch(/experiment faults: 0 completed, 1 already done/);

    // Two epochs instead of one: the finished cell no longer stands and runs again.
    writeFileSync(file, experiment(2, 3));
    const changed = execFileSync(process.execPath, [cli, 'experiment', 'run', file, '--runs-dir', runsDir], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(changed).toMatch(/experiment faults: 1 completed, 0 already done/);
    const completed = runMetadata(runsDir).filter((m) => m.status === 'completed');
    expect(completed).toHaveLength(2);
    expect(new Set(completed.map((m) => m.tags.cell_hash)).size).toBe(2);
    expect(runMetadata(runsDir).filter((m) => m.status === 'running')).toEqual([]);
  });
});
