import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, runMetadata } from './helpers.js';

// 2 simulated patients × 3 days, a few steps per cell: 12 cells and 12 transfer evaluations, about half a minute on 2 cores.
function setup(body: string) {
  const dir = mkdtempSync(path.join(tmpdir(), 'tsfm-strat-'));
  // The transfer target: another small simulated cohort (another seed and start date).
  writeFileSync(
    path.join(dir, 'other.yaml'),
    'format: simulated\nname: sim_other\npatients: 2\ndays: 3\nseed: 7\ninterval: 5min\nstart_date: "2024-03-01"\n',
  );
  const file = path.join(dir, 'exp.yaml');
  writeFileSync(
    file,
    `set: [data.cache_dir=${path.join(dir, 'cache')}, data.overrides.patients=2, data.overrides.days=3, training.epochs=1, training.max_steps_per_epoch=3, training.val_max_windows=50, model.context_length=32]
models: [{name: dlinear, set: [model.params.kernel_size=5]}]
datasets: [simulated_t1d]
seeds: [1]
${body}`,
  );
  return { dir, file, runsDir: path.join(dir, 'runs') };
}

const runLog = (runsDir: string, runId: string) => readFileSync(path.join(runsDir, runId, 'logs', 'run.log'), 'utf8');
const trainWindows = (runsDir: string, runId: string) => Number(/, (\d+) training windows/.exec(runLog(runsDir, runId))![1]);

describe('experiment strategies', () => {
  it('per_series + per_patient_finetune + a training-fraction ablation + a transfer dataset', () => {
    const { file, runsDir } = setup(
      `name: strat\nworkers: 2\nstrategies: [global, per_series, per_patient_finetune]\ntrain_fractions: [0.5, 1]\ntest_datasets: [{name: other, dataset: other.yaml}]\n`,
    );
    const r = spawnSync(process.execPath, [cli, 'experiment', 'run', file, '--runs-dir', runsDir], { encoding: 'utf8' });
    expect(r.stderr).not.toMatch(/failed/);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/experiment strat: 12 completed, 0 already done, 0 failed, 0 not finished/);
    const meta = runMetadata(runsDir);
    const run = (cell: string) =>
      meta.find((m) => m.tags.cell === cell)! as ReturnType<typeof runMetadata>[number] & {
        metrics: Record<string, number>;
        strategy?: string;
        start_time: string;
        end_time: string;
      };
    expect(meta.filter((m) => m.status === 'completed')).toHaveLength(12);

    // per_series: each model saw one series only (scaler, test windows) — half of the global model's test windows.
    const global = run('dlinear.simulated_t1d.global.f1.s1');
    for (const id of ['sim-001', 'sim-002']) {
      const m = run(`dlinear.simulated_t1d.per_series.${id}.f1.s1`);
      expect(m.tags.series).toBe(id);
      expect(JSON.parse(readFileSync(path.join(runsDir, m.run_id, 'scaler.json'), 'utf8')).series).toEqual([id]);
      expect(m.metrics.test_windows).toBe(global.metrics.test_windows / 2);
      expect(m.strategy).not.toBe('fine_tune');
    }

    // per_patient_finetune: per series, a fine-tune from the global cell's best weights, started after it ended.
    for (const f of ['0.5', '1']) {
      const g = run(`dlinear.simulated_t1d.per_patient_finetune.global.f${f}.s1`);
      expect(g.tags.series).toBeUndefined();
      expect(g.metrics.test_windows).toBe(global.metrics.test_windows);
      for (const id of ['sim-001', 'sim-002']) {
        const m = run(`dlinear.simulated_t1d.per_patient_finetune.${id}.f${f}.s1`);
        expect(m.strategy).toBe('fine_tune');
        expect(m.tags.global_run).toBe(g.run_id);
        expect(m.tags.init_from).toBe(path.join(runsDir, g.run_id, 'checkpoints', 'best.pt'));
        expect(Date.parse(m.start_time)).toBeGreaterThanOrEqual(Date.parse(g.end_time));
        expect(JSON.parse(readFileSync(path.join(runsDir, m.run_id, 'scaler.json'), 'utf8')).series).toEqual([id]);
      }
    }

    // train_fraction 0.5: half of each series' training windows (rounded up per series), the rest unchanged.
    const full = trainWindows(runsDir, global.run_id);
    const half = trainWindows(runsDir, run('dlinear.simulated_t1d.global.f0.5.s1').run_id);
    expect(half).toBeGreaterThanOrEqual(full / 2);
    expect(half).toBeLessThanOrEqual(full / 2 + 2);
    expect(run('dlinear.simulated_t1d.global.f0.5.s1').metrics.test_windows).toBe(global.metrics.test_windows);
    expect(trainWindows(runsDir, run('dlinear.simulated_t1d.per_series.sim-001.f0.5.s1').run_id)).toBe(
      Math.ceil(trainWindows(runsDir, run('dlinear.simulated_t1d.per_series.sim-001.f1.s1').run_id) / 2),
    );

    // Transfer: every run evaluated on the other cohort, the score recorded and tabled.
    const transferDir = path.join(runsDir, 'experiments', 'strat', 'transfer');
    expect(readdirSync(transferDir)).toHaveLength(12);
    const rec = JSON.parse(readFileSync(path.join(transferDir, global.run_id, 'other.json'), 'utf8'));
    const summary = JSON.parse(readFileSync(rec.summary, 'utf8'));
    expect(summary.dataset.name).toBe('sim_other');
    expect(rec.value).toBe(summary.channels[0].forecasters.model.pooled.rmse);
    expect(rec.value).toBeGreaterThan(0);

    const csv = readFileSync(path.join(runsDir, 'experiments', 'strat', 'results.csv'), 'utf8')
      .trim()
      .split('\n');
    const header = csv[0]!.split(',');
    const all = csv.slice(1).map((l) => Object.fromEntries(l.split(',').map((v, i) => [header[i], v])));
    // Each group's model row is followed by its last-value baseline row, on the same runs' test windows.
    expect(all.map((x) => x.baseline || 'model')).toEqual(Array.from({ length: 8 }, () => ['model', 'last_value']).flat());
    const rows = all.filter((x) => !x.baseline);
    expect(rows.map((x) => `${x.strategy}/${x.train_fraction}/${x.series}`)).toEqual([
      'global/0.5/0',
      'global/1/0',
      'per_series/0.5/2',
      'per_series/1/2',
      'per_patient_finetune/global/0.5/0',
      'per_patient_finetune/global/1/0',
      'per_patient_finetune/0.5/2',
      'per_patient_finetune/1/2',
    ]);
    for (const x of rows) {
      expect(x.n).toBe('1');
      expect(Number(x.transfer_other_mean)).toBeGreaterThan(0);
    }
    const seriesMean = (cells: string[]) => cells.map((c) => run(c).metrics.test_rmse).reduce((a, b) => a + b, 0) / cells.length;
    expect(Number(rows[3]!.mean)).toBeCloseTo(
      seriesMean(['dlinear.simulated_t1d.per_series.sim-001.f1.s1', 'dlinear.simulated_t1d.per_series.sim-002.f1.s1']),
      9,
    );
    expect(readFileSync(path.join(runsDir, 'experiments', 'strat', 'results.md'), 'utf8')).toMatch(
      /\| Dataset \| Strategy \| Context \| Train fraction \| Series \| Model \| test_rmse \| n \| → other \|/,
    );

    // Resuming: nothing re-trained, no evaluation repeated; a missing transfer score is evaluated again.
    const recFile = path.join(transferDir, global.run_id, 'other.json');
    const kept = path.join(transferDir, run('dlinear.simulated_t1d.per_series.sim-001.f1.s1').run_id, 'other.json');
    const keptMtime = statSync(kept).mtimeMs;
    rmSync(recFile);
    const again = execFileSync(process.execPath, [cli, 'experiment', 'run', file, '--runs-dir', runsDir], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(again).toMatch(/experiment strat: 0 completed, 12 already done, 0 failed/);
    expect(existsSync(recFile)).toBe(true);
    expect(statSync(kept).mtimeMs).toBe(keptMtime);
    expect(runMetadata(runsDir)).toHaveLength(12);

    // `tsfm evaluate` of a per-series run on its own dataset evaluates the series it was trained on (data.series).
    const one = run('dlinear.simulated_t1d.per_series.sim-002.f1.s1');
    execFileSync(process.execPath, [cli, 'evaluate', '--run', one.run_id, '--runs-dir', runsDir, '--no-forecasts'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const own = JSON.parse(readFileSync(path.join(runsDir, one.run_id, 'eval', 'simulated_t1d-test', 'summary.json'), 'utf8'));
    expect(own.channels[0].forecasters.model.windows).toBe(one.metrics.test_windows);
    expect(own.channels[0].forecasters.model.pooled.rmse).toBeCloseTo(one.metrics.test_rmse, 2);
  });

  it('an unknown series or transfer dataset is rejected before any cell starts, naming the entry', () => {
    for (const [body, message] of [
      [
        `name: bad\nstrategies: [{name: pp, kind: per_series, series: [sim-001, sim-009]}]\n`,
        /exp\.yaml: strategies\[0\]\.series: unknown series 'sim-009' in dataset 'simulated_t1d'/,
      ],
      [
        `name: bad\nstrategies: [{name: one, set: ["data.series=[sim-0001]"]}]\n`,
        /exp\.yaml: cell dlinear\.simulated_t1d\.one\.s1: data\.series: unknown series 'sim-0001' .*did you mean 'sim-001'/,
      ],
      [`name: bad\ntest_datasets: [glucoworld]\n`, /exp\.yaml: test_datasets\[0\]: unknown dataset 'glucoworld'/],
    ] as const) {
      const { file, runsDir } = setup(body);
      const r = spawnSync(process.execPath, [cli, 'experiment', 'run', file, '--runs-dir', runsDir], { encoding: 'utf8' });
      expect(r.status).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
      expect(existsSync(runsDir)).toBe(false);
    }
  });
});
