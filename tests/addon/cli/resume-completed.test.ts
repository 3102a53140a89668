// `--resume` of a completed run never loses its results: the same settings are refused unless --continue,
// other settings start a new run that names it as its parent, and every resume is recorded.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const cli = path.resolve('dist/ts/cli/main.js');
const tiny = [
  '--set',
  'data.overrides.patients=2',
  '--set',
  'data.overrides.days=3',
  '--set',
  'training.threads=1',
  '--set',
  'model.family=dlinear',
  '--set',
  'training.max_steps_per_epoch=3',
  '--set',
  'training.val_max_windows=50',
  '--set',
  'training.early_stopping.patience=100',
];
const tsfm = (...args: string[]) => spawnSync(process.execPath, [cli, 'train', ...args, ...tiny], { encoding: 'utf8' });
const files = (dir: string) =>
  Object.fromEntries(
    ['config.yaml', 'metrics.json', 'scaler.json', 'checkpoints/last.pt'].map((f) => [
      f,
      readFileSync(path.join(dir, f)).toString('base64'),
    ]),
  );
const meta = (dir: string) => JSON.parse(readFileSync(path.join(dir, 'metadata.json'), 'utf8'));

describe('tsfm train --resume of a completed run', () => {
  it('refuses the same settings, starts a child run for other settings, and continues in place only with --continue', () => {
    const runs = mkdtempSync(path.join(tmpdir(), 'tsfm-resume-done-'));
    const first = tsfm('--runs-dir', runs, '--run-id', 'done', '--epochs', '1');
    expect(first.status, first.stderr).toBe(0);
    const dir = path.join(runs, 'done');
    const last = path.join(dir, 'checkpoints', 'last.pt');
    const before = files(dir);

    const same = tsfm('--runs-dir', runs, '--resume', last, '--epochs', '1');
    expect(same.status).toBe(1);
    expect(same.stderr.trim().split('\n')).toHaveLength(1);
    expect(same.stderr).toMatch(/--resume: run done is already completed and its results are kept; pass --continue/);
    expect(files(dir)).toEqual(before);

    const other = tsfm('--runs-dir', runs, '--resume', last, '--epochs', '2', '--set', 'training.lr=0.0005');
    expect(other.status, other.stderr).toBe(0);
    expect(other.stderr).toMatch(
      /new run \S+ from run done's last\.pt \(completed; its results are kept\); changed: training\.epochs 1 -> 2, training\.lr 0\.001 -> 0\.0005/,
    );
    expect(files(dir)).toEqual(before);
    const child = readdirSync(runs).find((d) => d !== 'done' && d.startsWith('run_'))!;
    const childMeta = meta(path.join(runs, child));
    expect(childMeta.parent).toBe('done');
    expect(childMeta.tags.parent_run).toBe('done');
    expect(childMeta.resumes).toEqual([
      expect.objectContaining({
        from_run: 'done',
        from_status: 'completed',
        checkpoint: last,
        changed: { 'training.epochs': ['1', '2'], 'training.lr': ['0.001', '0.0005'] },
      }),
    ]);
    expect(JSON.parse(readFileSync(path.join(runs, child, 'metrics.json'), 'utf8')).epochs).toHaveLength(2);

    const cont = tsfm('--runs-dir', runs, '--resume', last, '--continue', '--epochs', '2');
    expect(cont.status, cont.stderr).toBe(0);
    expect(cont.stderr).toMatch(/resuming run done from last\.pt \(was completed\); changed: training\.epochs 1 -> 2/);
    const m = meta(dir);
    expect(m.status).toBe('completed');
    expect(m.resumes).toEqual([
      expect.objectContaining({ from_run: 'done', from_status: 'completed', changed: { 'training.epochs': ['1', '2'] } }),
    ]);
    expect(JSON.parse(readFileSync(path.join(dir, 'metrics.json'), 'utf8')).epochs).toHaveLength(2);

    const bad = tsfm('--runs-dir', runs, '--continue');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/--continue: needs --resume/);
  });
});
