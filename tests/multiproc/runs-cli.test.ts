import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openRun } from '../../ts/runs/run.js';
import { cli } from './helpers.js';

function makeRuns(): string {
  const runs = mkdtempSync(path.join(tmpdir(), 'tsfm-cli-'));
  // 'better' has the lower test RMSE, 'good' the lower validation RMSE.
  for (const [id, status, rmse, val] of [
    ['good', 'completed', 10, 0.7],
    ['better', 'completed', 8, 0.9],
    ['bad', 'failed', 0, 0],
  ] as const) {
    const run = openRun({ runsDir: runs, runId: id, tags: { task: 'nocturnal' } });
    run.update({ model: { family: 'ttm', parameters: 10, horizon: 12 }, dataset: { name: 'broll', version: 'v' } });
    run.writeArtifact('checkpoints/best.pt', 'w');
    run.logMetrics({ test_rmse: rmse, val_rmse: val });
    run.finish(status, status === 'failed' ? new Error('out of memory') : undefined);
  }
  return runs;
}

const tsfm = (args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

describe('runs / models commands', () => {
  it('list, show, compare, best, stage', () => {
    const runs = makeRuns();
    const d = ['--runs-dir', runs];
    expect(tsfm(['runs', 'list', ...d, '--status', 'failed']).stdout).toMatch(/bad +\| ttm +\| broll +\| failed/);
    const show = tsfm(['runs', 'show', 'goo', ...d]).stdout;
    expect(show).toMatch(/run good \(train\) completed/);
    expect(show).toMatch(/test_rmse +10/);
    expect(tsfm(['runs', 'show', 'bad', ...d]).stdout).toMatch(/failed: out of memory/);
    expect(tsfm(['runs', 'compare', 'good', 'better', ...d]).stdout).toMatch(/metric test_rmse +\| 10 +\| 8/);
    // Selection on validation by default; on test only when asked, with a warning.
    const onVal = tsfm(['models', 'best', ...d]);
    expect(onVal.stdout).toMatch(/^good\tttm\tnocturnal\tval_rmse=0\.7\t/);
    expect(onVal.stderr).toBe('');
    const onTest = tsfm(['models', 'best', '--task', 'nocturnal', '--on', 'test', ...d]);
    expect(onTest.stdout).toMatch(/^better\tttm\tnocturnal\ttest_rmse=8\t/);
    expect(onTest.stderr).toMatch(/warning: selecting on the test metric test_rmse/);
    expect(tsfm(['models', 'stage', 'better', 'production', '--note', 'night study', ...d]).stdout).toMatch(/better: none -> production/);
    // A second production model for the task demotes the first.
    const second = tsfm(['models', 'stage', 'good', 'production', ...d]).stdout;
    expect(second).toMatch(/good: none -> production\nbetter: production -> archived \(one production model per task\)/);
    expect(tsfm(['models', 'list', '--stage', 'production', ...d]).stdout).toMatch(/good +\| ttm .*production/);
    expect(tsfm(['models', 'list', '--stage', 'production', ...d]).stdout).not.toMatch(/better/);
    tsfm(['models', 'stage', 'better', 'production', ...d]);
    expect(tsfm(['models', 'list', '--stage', 'production', ...d]).stdout).toMatch(/better +\| ttm .*production/);
    const bad = tsfm(['models', 'stage', 'better', 'prod', ...d]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/stage: unknown stage 'prod'/);
    expect(tsfm(['models', 'stage', 'bad', 'staging', ...d]).stderr).toMatch(
      /run 'bad' is not a model \(it failed; a model is a completed run with a checkpoint\)/,
    );
  });

  it('models best refuses models of several tasks, naming them, unless --task picks one', () => {
    const runs = makeRuns();
    const run = openRun({ runsDir: runs, runId: 'other', tags: {} });
    run.update({ model: { family: 'dlinear', parameters: 10, horizon: 6 }, dataset: { name: 'broll', version: 'v' } });
    run.writeArtifact('checkpoints/best.pt', 'w');
    run.logMetrics({ test_rmse: 1, val_rmse: 0.1 });
    run.finish('completed');
    const d = ['--runs-dir', runs];
    execFileSync(process.execPath, [cli, 'registry', 'rebuild', ...d]);
    const mixed = tsfm(['models', 'best', ...d]);
    expect(mixed.status).toBe(1);
    expect(mixed.stderr.trim()).toBe(
      'tsfm: models best: the matching models belong to 2 tasks (broll_h6, nocturnal); choose one with --task',
    );
    expect(tsfm(['models', 'best', '--task', 'broll_h6', ...d]).stdout).toMatch(/^other\tdlinear\tbroll_h6\tval_rmse=0\.1\t/);
    expect(tsfm(['models', 'best', '--family', 'ttm', ...d]).stdout).toMatch(/^good\t/);
  });

  it('rm and gc ask for confirmation, keep production models, and never lose saved runs on refusal', () => {
    const runs = makeRuns();
    const d = ['--runs-dir', runs];
    const refused = tsfm(['runs', 'rm', 'good', ...d]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/refusing without confirmation; pass --yes/);
    expect(existsSync(path.join(runs, 'good'))).toBe(true);
    expect(tsfm(['runs', 'gc', ...d]).stderr).toMatch(/say what to collect/);
    expect(tsfm(['runs', 'gc', '--failed', '--dry-run', ...d]).stdout).toBe('bad\tfailed\n');
    expect(tsfm(['runs', 'gc', '--failed', '--yes', ...d]).stdout).toMatch(/deleted 1 run/);
    expect(existsSync(path.join(runs, 'bad'))).toBe(false);
    tsfm(['models', 'stage', 'better', 'production', ...d]);
    expect(tsfm(['runs', 'gc', '--older-than', '0s', '--yes', ...d]).stdout).toMatch(/good\tstarted/);
    expect(existsSync(path.join(runs, 'better'))).toBe(true);
    expect(existsSync(path.join(runs, 'good'))).toBe(false);
    expect(tsfm(['runs', 'gc', '--older-than', 'soon', ...d]).stderr).toMatch(/--older-than: expected an age like 30d/);
    const list = execFileSync(process.execPath, [cli, 'runs', 'list', '--json', ...d], { encoding: 'utf8' })
      .trim()
      .split('\n');
    expect(list.map((l) => JSON.parse(l).run_id)).toEqual(['better']);
  });
});
