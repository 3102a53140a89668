import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../../ts/config/index.js';
import { checkRunId, newRunId } from '../../../ts/runs/ids.js';
import { writeFileAtomic } from '../../../ts/runs/atomic.js';
import { processState, currentProcess } from '../../../ts/runs/liveness.js';
import { effectiveStatus, readMetadata } from '../../../ts/runs/metadata.js';
import { openRun } from '../../../ts/runs/run.js';
import { fitMetrics } from '../../../ts/runs/summary.js';
import { parseBuildVersions } from '../../../ts/runs/environment.js';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'tsfm-runs-'));

describe('run ids', () => {
  it('default ids are run_YYYYMMDD_HHMMSS_<short> in UTC and differ', () => {
    const id = newRunId(new Date(Date.UTC(2025, 0, 2, 3, 4, 5)));
    expect(id).toMatch(/^run_20250102_030405_[0-9a-f]{6}$/);
    expect(new Set(Array.from({ length: 50 }, () => newRunId())).size).toBe(50);
  });
  it('rejects ids that cannot be a directory name, naming the id', () => {
    expect(() => checkRunId('../x', 'output.run_id')).toThrow(/output\.run_id: '\.\.\/x' is not a valid run id/);
    expect(checkRunId('exp.cell-1_a')).toBe('exp.cell-1_a');
  });
});

describe('atomic writes', () => {
  it('replaces the file whole and leaves no temporary file', () => {
    const dir = tmp();
    const f = path.join(dir, 'a.json');
    writeFileAtomic(f, 'one');
    writeFileAtomic(f, 'two');
    expect(readFileSync(f, 'utf8')).toBe('two');
    expect(readdirSync(dir)).toEqual(['a.json']);
  });
});

describe('run lifecycle', () => {
  const config = defaultConfig();

  it('creates the directory with config.yaml and metadata, then records the end', () => {
    const runs = tmp();
    const run = openRun({ runsDir: runs, runId: 'r1', config, tags: { a: 'b' }, registry: false });
    let m = readMetadata(run.dir);
    expect(m.status).toBe('running');
    expect(m.owner.pid).toBe(process.pid);
    expect(m.params['training.lr']).toBe('0.001');
    expect(m.environment.node_version).toBe(process.version);
    expect(m.config_hash).toMatch(/^[0-9a-f]{12}$/);
    expect(existsSync(path.join(run.dir, 'config.yaml'))).toBe(true);
    run.logMetrics({ test_rmse: 12.5, bad: Number.NaN });
    run.writeJson('metrics.json', { x: 1 });
    run.finish('completed');
    m = readMetadata(run.dir);
    expect(m.status).toBe('completed');
    expect(m.metrics).toEqual({ test_rmse: 12.5 });
    expect(m.artifacts).toEqual(['config.yaml', 'metrics.json']);
    expect(m.duration_s).toBeGreaterThanOrEqual(0);
  });

  it('never overwrites an existing run id', () => {
    const runs = tmp();
    openRun({ runsDir: runs, runId: 'same', config, registry: false }).finish('completed');
    expect(() => openRun({ runsDir: runs, runId: 'same', config, registry: false })).toThrow(/run 'same' already exists/);
    expect(readMetadata(path.join(runs, 'same')).status).toBe('completed');
  });

  it('records a failure with its error on one line', () => {
    const run = openRun({ runsDir: tmp(), runId: 'f', config, registry: false });
    run.finish('failed', new Error('data.dataset: no dataset config\nsecond line'));
    const m = readMetadata(run.dir);
    expect(m.status).toBe('failed');
    expect(m.error).toBe('data.dataset: no dataset config');
  });

  it('ranks other than 0 write nothing', () => {
    const runs = tmp();
    const run = openRun({ runsDir: runs, runId: 'r', config, rank: 1 });
    run.logMetrics({ a: 1 });
    run.finish('completed');
    expect(run.writes).toBe(false);
    expect(readdirSync(runs)).toEqual([]);
  });

  it('artifact paths cannot leave the run directory', () => {
    const run = openRun({ runsDir: tmp(), runId: 'x', config, registry: false });
    expect(() => run.writeArtifact('../escape.txt', 'no')).toThrow(/leaves the run directory/);
  });
});

describe('liveness', () => {
  it('a running run whose process has exited reads as failed; a live one as running', () => {
    const child = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
    const deadPid = Number(child.stdout.trim());
    expect(processState({ pid: deadPid, host: os.hostname(), start_ticks: null })).toBe('dead');
    expect(processState(currentProcess())).toBe('alive');
    expect(processState({ ...currentProcess(), host: 'another-host' })).toBe('unknown');
    // The same pid with another start time is a different (recycled) process.
    const me = currentProcess();
    if (me.start_ticks !== null) expect(processState({ ...me, start_ticks: me.start_ticks + 1 })).toBe('dead');
    const run = openRun({ runsDir: tmp(), runId: 'k', config: defaultConfig(), registry: false });
    const m = readMetadata(run.dir);
    expect(effectiveStatus(m).status).toBe('running');
    const eff = effectiveStatus({ ...m, owner: { pid: deadPid, host: os.hostname(), start_ticks: null } });
    expect(eff).toMatchObject({ status: 'failed', stale: true });
    expect(eff.error).toMatch(new RegExp(`process ${deadPid} .* ended without finishing`));
  });
});

describe('metric summary and environment', () => {
  it('flattens fit and evaluation numbers to MLflow-style names', () => {
    const m = fitMetrics(
      {
        status: 'completed',
        bestEpoch: 1,
        seconds: 2,
        samplesPerSec: 100,
        history: [
          { trainLoss: 2, valLoss: 3, valMse: 4 },
          { trainLoss: 1, valLoss: 2, valMse: 9, valMae: 1 },
        ],
      },
      { test: { rmse: 5, windows: 10 }, baseline_last_value: { rmse: 6 } },
    );
    expect(m).toMatchObject({
      epochs: 2,
      best_epoch: 2, // history[1], counted from 1
      train_loss: 1,
      val_loss: 2,
      val_rmse: 3,
      val_mae: 1,
      test_rmse: 5,
      test_windows: 10,
      baseline_last_value_rmse: 6,
    });
  });
  it('reads CUDA and cuDNN versions from the LibTorch build string', () => {
    expect(parseBuildVersions('  - CUDA Runtime 12.1\n  - CuDNN 8.9.2\n')).toEqual({ cuda: '12.1', cudnn: '8.9.2', nccl: null });
    expect(parseBuildVersions(undefined)).toEqual({ cuda: null, cudnn: null, nccl: null });
  });
});
