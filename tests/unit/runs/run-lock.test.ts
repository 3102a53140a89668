// Two processes never write one run: reopening a run that a live process still writes is refused, and the
// temporaries of writes that died before their rename are removed on reopen and never listed as artifacts.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../../ts/config/index.js';
import { openRun } from '../../../ts/runs/run.js';
import { readMetadata } from '../../../ts/runs/metadata.js';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'tsfm-lock-'));

describe('per-run lock', () => {
  it('refuses to reopen a run that a live process is writing, naming its pid and host', () => {
    const runsDir = tmp();
    const run = openRun({ runsDir, runId: 'busy', config: defaultConfig(), registry: false });
    expect(run.metadata()?.status).toBe('running');
    expect(() => openRun({ runsDir, runId: 'busy', reopen: true, config: defaultConfig(), registry: false })).toThrow(
      new RegExp(`busy: the run is still being written by process ${process.pid} on \\S+; wait for it`),
    );
    run.finish('interrupted');
    const again = openRun({ runsDir, runId: 'busy', reopen: true, config: defaultConfig(), registry: false });
    expect(again.metadata()?.status).toBe('running');
  });

  it('reopens a run whose writer died (its status still says running)', async () => {
    const runsDir = tmp();
    openRun({ runsDir, runId: 'dead', config: defaultConfig(), registry: false });
    // Rewrite the owner as a process that has exited.
    const child = spawn(process.execPath, ['-e', '0']);
    const pid = child.pid!;
    await new Promise((r) => child.on('exit', r));
    const file = path.join(runsDir, 'dead', 'metadata.json');
    const meta = JSON.parse(readFileSync(file, 'utf8'));
    meta.owner = { ...meta.owner, pid, start_ticks: null };
    writeFileSync(file, JSON.stringify(meta));
    expect(() => openRun({ runsDir, runId: 'dead', reopen: true, config: defaultConfig(), registry: false })).not.toThrow();
  });

  it('removes and never lists the temporaries of interrupted checkpoint writes', () => {
    const runsDir = tmp();
    const run = openRun({ runsDir, runId: 'tmpfiles', config: defaultConfig(), registry: false });
    const ck = path.join(runsDir, 'tmpfiles', 'checkpoints');
    mkdirSync(ck, { recursive: true });
    writeFileSync(path.join(ck, 'last.pt'), 'weights');
    writeFileSync(path.join(ck, 'last.pt.tmp'), 'half');
    run.log('x');
    expect(readMetadata(path.join(runsDir, 'tmpfiles')).artifacts).not.toContain('checkpoints/last.pt.tmp');
    run.finish('interrupted');
    expect(readMetadata(path.join(runsDir, 'tmpfiles')).artifacts).toContain('checkpoints/last.pt');
    openRun({ runsDir, runId: 'tmpfiles', reopen: true, config: defaultConfig(), registry: false });
    expect(existsSync(path.join(ck, 'last.pt.tmp'))).toBe(false);
    expect(existsSync(path.join(ck, 'last.pt'))).toBe(true);
  });
});
