// Ctrl-C during `tsfm train`: the first SIGINT finishes the step, saves a checkpoint and marks the run
// interrupted (exit 130); a second SIGINT exits at once. Resuming the interrupted run continues it.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const cli = path.resolve('dist/ts/cli/main.js');
const long = [
  '--epochs',
  '50',
  '--set',
  'training.threads=1',
  '--set',
  'data.overrides.patients=3',
  '--set',
  'data.overrides.days=4',
  '--set',
  'training.early_stopping.patience=1000',
];

function startTraining(runs: string, extra: string[] = []) {
  const child = spawn(process.execPath, [cli, 'train', '--runs-dir', runs, ...long, ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<{ code: number | null; signal: string | null; at: number }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  // Training has started once the first epoch line is printed.
  const training = new Promise<void>((resolve) => {
    const check = () => (/epoch 1\//.test(stderr) ? resolve() : setTimeout(check, 50));
    check();
  });
  return { child, exited, training, out: () => stdout, err: () => stderr };
}

describe('tsfm train and SIGINT', () => {
  it('first Ctrl-C saves a checkpoint, marks the run interrupted and exits 130; resume continues the run', async () => {
    const runs = mkdtempSync(path.join(tmpdir(), 'tsfm-sigint-'));
    const t = startTraining(runs);
    await t.training;
    t.child.kill('SIGINT');
    const { code } = await t.exited;
    expect(code, t.err()).toBe(130);
    expect(t.err()).toMatch(/saving a checkpoint/);
    const dir = /run \S+ interrupted: (\S+)/.exec(t.out())![1];
    expect(existsSync(path.join(dir, 'checkpoints', 'last.pt'))).toBe(true);
    const metrics = JSON.parse(readFileSync(path.join(dir, 'metrics.json'), 'utf8'));
    expect(metrics.status).toBe('interrupted');
    const doneEpochs = metrics.epochs.length;
    expect(doneEpochs).toBeLessThan(50);

    // Resume in the same run directory for a couple more epochs.
    const r = startTraining(runs, ['--resume', path.join(dir, 'checkpoints', 'last.pt'), '--epochs', String(doneEpochs + 2)]);
    const res = await r.exited;
    expect(res.code, r.err()).toBe(0);
    expect(r.out()).toContain(`completed: ${dir}`);
    const after = JSON.parse(readFileSync(path.join(dir, 'metrics.json'), 'utf8'));
    expect(after.status).toBe('completed');
    expect(after.epochs.length).toBe(doneEpochs + 2);
  });

  it('SIGTERM (timeout, SLURM, docker stop) is handled like Ctrl-C: checkpoint, run interrupted, exit 143', async () => {
    const runs = mkdtempSync(path.join(tmpdir(), 'tsfm-sigterm-'));
    const t = startTraining(runs);
    await t.training;
    t.child.kill('SIGTERM');
    const { code } = await t.exited;
    expect(code, t.err()).toBe(143);
    expect(t.err()).toMatch(/SIGTERM: finishing the current step and saving a checkpoint/);
    const dir = /run \S+ interrupted: (\S+)/.exec(t.out())![1];
    expect(existsSync(path.join(dir, 'checkpoints', 'last.pt'))).toBe(true);
    expect(JSON.parse(readFileSync(path.join(dir, 'metadata.json'), 'utf8')).status).toBe('interrupted');
  });

  it('a second Ctrl-C exits at once', async () => {
    const runs = mkdtempSync(path.join(tmpdir(), 'tsfm-sigint2-'));
    const t = startTraining(runs);
    await t.training;
    t.child.kill('SIGINT');
    t.child.kill('SIGINT');
    const sent = Date.now();
    const { code, at } = await t.exited;
    expect(code).toBe(130);
    expect(at - sent).toBeLessThan(2000);
    // Recorded as interrupted (not found 'failed (killed?)' later), with the cause.
    const [id] = readdirSync(runs).filter((d) => d.startsWith('run_'));
    const meta = JSON.parse(readFileSync(path.join(runs, id!, 'metadata.json'), 'utf8'));
    expect(meta.status).toBe('interrupted');
  });
});
