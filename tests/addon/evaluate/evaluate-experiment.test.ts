// `tsfm evaluate --experiment NAME` evaluates every trained run of an experiment, and the experiment's table
// then lists LinReg (from those evaluations) beside the models and the last-value baseline, the best marked
// among all of them; `tsfm experiment run` ends by printing that table.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ExperimentResults } from '../../../ts/experiments/aggregate.js';

const cli = path.resolve('dist/ts/cli/main.js');
const tsfm = (args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });

describe('tsfm evaluate --experiment', () => {
  it('evaluates every run of the experiment; the table gains LinReg and marks the true best', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tsfm-eval-exp-'));
    const file = path.join(dir, 'exp.yaml');
    writeFileSync(
      file,
      `name: evexp
set: [data.cache_dir=${path.join(dir, 'cache')}, data.overrides.patients=3, data.overrides.days=6, data.covariates=false, training.epochs=1, training.max_steps_per_epoch=2, training.val_max_windows=50, training.threads=1, model.context_length=32]
models: [{name: dlinear, set: [model.params.kernel_size=5]}]
datasets: [simulated_t1d]
seeds: [1, 2]
workers: 1
`,
    );
    const runsDir = path.join(dir, 'runs');
    const run = tsfm(['experiment', 'run', file, '--runs-dir', runsDir]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/Model +\| test_rmse +\| n +\| Best\n/);
    expect(run.stdout).toMatch(/\| last value \(baseline\) +\| [\d.]+ ± [\d.]+ +\| 2 /);
    expect(run.stdout).not.toMatch(/LinReg/);

    const ev = tsfm(['evaluate', '--experiment', 'evexp', '--runs-dir', runsDir, '--no-forecasts']);
    expect(ev.status, ev.stderr).toBe(0);
    expect(ev.stderr).toMatch(/experiment evexp: 2 of 2 runs evaluated/);
    const dirs = ev.stdout.trim().split('\n');
    expect(dirs).toHaveLength(2);
    for (const d of dirs) expect(existsSync(path.join(d, 'summary.json'))).toBe(true);

    const report = tsfm(['experiment', 'report', file, '--runs-dir', runsDir]);
    expect(report.status, report.stderr).toBe(0);
    expect(report.stdout).toMatch(/\| simulated_t1d \| global \| 32 \| (\*\*)?LinReg(\*\*)? \*baseline\* \| /);
    const res = JSON.parse(readFileSync(path.join(runsDir, 'experiments', 'evexp', 'results.json'), 'utf8')) as ExperimentResults;
    expect(res.rows.map((r) => r.model)).toEqual(['dlinear', 'last value', 'LinReg']);
    const best = res.rows.filter((r) => r.best);
    expect(best).toHaveLength(1);
    expect(best[0]!.mean).toBe(Math.min(...res.rows.map((r) => r.mean!)));

    const neither = tsfm(['evaluate', '--runs-dir', runsDir]);
    expect(neither.status).toBe(1);
    expect(neither.stderr.trim()).toBe('tsfm: evaluate: give either --run <id|dir> or --experiment <name>');
    const unknown = tsfm(['evaluate', '--experiment', 'nope', '--runs-dir', runsDir]);
    expect(unknown.stderr).toMatch(/--experiment: no completed run of experiment 'nope'/);
  }, 300_000);
});
