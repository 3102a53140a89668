import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openRun } from '../../ts/runs/run.js';
import { cli } from './helpers.js';

function makeRuns(): string {
  const runs = mkdtempSync(path.join(tmpdir(), 'tsfm-cli-'));
  for (const [id, status, rmse] of [
    ['good', 'completed', 10],
    ['better', 'completed', 8],
    ['bad', 'failed', 0],
  ] as const) {
    const run = openRun({ runsDir: runs, runId: id, tags: { task: 'nocturnal' } });
    run.update({ model: { family: 'ttm', parameters: 10, horizon: 12 }, dataset: { name: 'broll', version: 'v' } });
    run.writeArtifact('checkpoints/best.pt', 'w');
    run.logMetrics({ test_rmse: rmse });
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
    expect(tsfm(['models', 'best', '--task', 'nocturnal', ...d]).stdout).toMatch(/^better\tttm\tbroll\ttest_rmse=8\t/);
    expect(tsfm(['models', 'stage', 'better', 'production', '--note', 'night study', ...d]).stdout).toMatch(/better: none -> production/);
    expect(tsfm(['models', 'list', '--stage', 'production', ...d]).stdout).toMatch(/better +\| ttm .*production/);
    const bad = tsfm(['models', 'stage', 'better', 'prod', ...d]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/stage: unknown stage 'prod'/);
    expect(tsfm(['models', 'stage', 'bad', 'staging', ...d]).stderr).toMatch(
      /run 'bad' is not a model \(it failed; a model is a completed run with a checkpoint\)/,
    );
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
