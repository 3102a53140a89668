// A run whose process was killed is recorded as failed with the time it last wrote anything as its end
// (not its start), and a distributed run's failure names the rank and signal the launcher recorded.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../../ts/config/index.js';
import { Registry } from '../../../ts/runs/registry/registry.js';
import { markStaleRuns } from '../../../ts/runs/registry/reconcile.js';
import { openRun } from '../../../ts/runs/run.js';

function deadPid(): number {
  return Number(spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' }).stdout.trim());
}

/** A run left 'running' by a process that is gone, whose last checkpoint was written `minutes` after its start. */
function killedRun(minutes: number): { runsDir: string; dir: string; start: number } {
  const runsDir = mkdtempSync(path.join(tmpdir(), 'tsfm-stale-'));
  const run = openRun({ runsDir, runId: 'killed', config: defaultConfig() });
  const file = path.join(run.dir, 'metadata.json');
  const meta = JSON.parse(readFileSync(file, 'utf8'));
  const start = Date.parse(meta.start_time);
  writeFileSync(file, JSON.stringify({ ...meta, owner: { pid: deadPid(), host: os.hostname(), start_ticks: null } }));
  utimesSync(file, new Date(start), new Date(start));
  mkdirSync(path.join(run.dir, 'checkpoints'));
  const ckpt = path.join(run.dir, 'checkpoints', 'last.pt');
  writeFileSync(ckpt, 'weights');
  const last = new Date(start + minutes * 60_000);
  utimesSync(ckpt, last, last);
  return { runsDir, dir: run.dir, start };
}

describe('runs whose process was killed', () => {
  it('end when they last wrote anything, not when they started', () => {
    const { runsDir, dir, start } = killedRun(7);
    const reg = Registry.open(runsDir);
    expect(markStaleRuns(reg)).toEqual(['killed']);
    reg.close();
    const meta = JSON.parse(readFileSync(path.join(dir, 'metadata.json'), 'utf8'));
    expect(meta.status).toBe('failed');
    expect(meta.duration_s).toBeCloseTo(7 * 60, 0);
    expect(Date.parse(meta.end_time) - start).toBeCloseTo(7 * 60_000, -3);
  });

  it("name the rank and signal from the launcher's failure.json", () => {
    const { runsDir, dir } = killedRun(1);
    writeFileSync(
      path.join(dir, 'failure.json'),
      JSON.stringify({ status: 'failed', rank: 1, exit_code: null, signal: 'SIGKILL', error: 'worker ended' }),
    );
    const reg = Registry.open(runsDir);
    markStaleRuns(reg);
    reg.close();
    const meta = JSON.parse(readFileSync(path.join(dir, 'metadata.json'), 'utf8'));
    expect(meta.error).toBe('rank 1 failed (killed by SIGKILL): worker ended');
  });
});
