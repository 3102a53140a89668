// A runs directory that cannot be written (a file in the way, a read-only or a full file system) stops
// with one line naming the path and the cause, never a bare errno, and leaves no temporary file behind.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../../ts/config/index.js';
import { writeFileAtomic } from '../../../ts/runs/atomic.js';
import { openRun } from '../../../ts/runs/run.js';

// Small tmpfs mounts need root (CI and the dev machines run as root); elsewhere those cases are skipped.
const mounts: string[] = [];
function tmpfs(options: string): string | null {
  const dir = mkdtempSync(path.join(tmpdir(), 'tsfm-tmpfs-'));
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir]);
  if (r.status !== 0) return null;
  mounts.push(dir);
  return dir;
}
afterAll(() => {
  for (const m of mounts) spawnSync('umount', [m]);
});
const canMount = process.getuid?.() === 0 && spawnSync('which', ['mount']).status === 0;

describe('runs directory faults', () => {
  it('a file where the runs directory should be', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'tsfm-fsf-')), 'runs');
    writeFileSync(file, 'not a directory');
    expect(() => openRun({ runsDir: file, runId: 'a', config: defaultConfig(), registry: false })).toThrow(
      new RegExp(`^output.runs_dir ${file}: cannot create the run directory \\(.*(EEXIST|ENOTDIR)\\)\\); choose another with --runs-dir$`),
    );
  });

  it.runIf(canMount)('a read-only file system', () => {
    const ro = tmpfs('size=1m,ro');
    expect(ro).not.toBeNull();
    expect(() => openRun({ runsDir: path.join(ro!, 'runs'), runId: 'a', config: defaultConfig(), registry: false })).toThrow(
      /cannot create the run directory \(read-only file system \(EROFS\)\)/,
    );
  });

  it.runIf(canMount)('a full disk: one line naming the file, and no temporary left', () => {
    const small = tmpfs('size=64k');
    expect(small).not.toBeNull();
    execFileSync('dd', ['if=/dev/zero', `of=${path.join(small!, 'filler')}`, 'bs=4k', 'count=15'], { stdio: 'ignore' });
    mkdirSync(path.join(small!, 'd'));
    const target = path.join(small!, 'd', 'metrics.json');
    expect(() => writeFileAtomic(target, 'x'.repeat(200_000))).toThrow(
      new RegExp(`^${target}: cannot write \\(no space left on the device \\(ENOSPC\\)\\)$`),
    );
    expect(readdirSync(path.join(small!, 'd'))).toEqual([]);
  });
});
