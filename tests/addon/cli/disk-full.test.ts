// A full disk while `tsfm train` writes a checkpoint: one line naming the file and the free space, exit 1,
// the run recorded failed with that reason in its directory and the registry, no temporary file left, and
// a completed run on the same disk untouched. Needs root to mount a 3 MB tmpfs (CI runs as root).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const cli = path.resolve('dist/ts/cli/main.js');
const disk = mkdtempSync(path.join(tmpdir(), 'tsfm-full-'));
const mounted = (() => {
  if (process.getuid?.() !== 0) return false;
  return spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=3m', 'tmpfs', disk]).status === 0;
})();
afterAll(() => {
  if (mounted) spawnSync('umount', [disk]);
});

const small = [
  '--epochs',
  '1',
  '--set',
  'training.max_steps_per_epoch=2',
  '--set',
  'training.val_max_windows=50',
  '--set',
  'data.overrides.patients=3',
  '--set',
  'data.overrides.days=3',
];
const train = (runs: string, id: string, extra: string[]) =>
  spawnSync(process.execPath, [cli, 'train', '--runs-dir', runs, '--run-id', id, ...small, ...extra], { encoding: 'utf8' });

function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}

describe.skipIf(!mounted)('a full disk during a checkpoint write', () => {
  it('fails with one line naming the checkpoint, records the run failed and leaves nothing behind', () => {
    const runs = path.join(disk, 'runs');
    mkdirSync(runs);
    expect(train(runs, 'done', []).status).toBe(0);
    const before = Object.fromEntries(files(path.join(runs, 'done')).map((f) => [f, readFileSync(f).toString('base64')]));

    // A 1M-parameter model: its checkpoint (weights and AdamW state, ~12 MB) cannot fit in what is left of 3 MB.
    const r = train(runs, 'full', ['--set', 'model.params.d_model=256']);
    expect(r.status).toBe(1);
    // The model line that training prints, then the error: one line.
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(
      /^tsfm: \S+\/full\/checkpoints\/best\.pt: cannot write the checkpoint: No space left on device \(\d+ bytes to write, \d+ free; write failed\)$/,
    );
    expect(r.stderr).not.toMatch(/terminate called|c10::Error/);

    const meta = JSON.parse(readFileSync(path.join(runs, 'full', 'metadata.json'), 'utf8'));
    expect(meta.status).toBe('failed');
    expect(meta.error).toMatch(/No space left on device/);
    const listed = execFileSync(process.execPath, [cli, 'runs', 'list', '--runs-dir', runs, '--json'], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { run_id: string; status: string });
    expect(listed.find((x) => x.run_id === 'full')?.status).toBe('failed');
    expect(listed.find((x) => x.run_id === 'done')?.status).toBe('completed');
    // Evaluating the failed run names its recorded cause, not a missing file.
    const ev = spawnSync(process.execPath, [cli, 'evaluate', '--run', 'full', '--runs-dir', runs], { encoding: 'utf8' });
    expect(ev.status).toBe(1);
    expect(ev.stderr.trim()).toMatch(
      /^tsfm: run full failed before saving any weights: .*No space left on device.*; there is nothing to evaluate or predict with/,
    );
    expect(files(disk).filter((f) => /\.tmp(\.|$)/.test(f))).toEqual([]);
    // The completed run is byte for byte what it was.
    const after = Object.fromEntries(files(path.join(runs, 'done')).map((f) => [f, readFileSync(f).toString('base64')]));
    expect(after).toEqual(before);
  });
});
