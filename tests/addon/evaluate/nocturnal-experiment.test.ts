// An experiment with `evaluate: [test, nocturnal]`: every trained cell (global, and a per-patient fine-tune)
// also gets `tsfm evaluate --split nocturnal`, its night scores are kept next to the experiment, and the
// results table shows the night-level AUROC (CI), Brier and ECE of the model beside the night classifier and
// the baselines. A config whose evaluate list leaves out 'test' is refused with one line naming the key.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ExperimentResults } from '../../../ts/experiments/aggregate.js';
import type { NocturnalRecord } from '../../../ts/experiments/nocturnal.js';

const cli = path.resolve('dist/ts/cli/main.js');

function setup(body: string) {
  const dir = mkdtempSync(path.join(tmpdir(), 'tsfm-night-exp-'));
  const file = path.join(dir, 'exp.yaml');
  // 3 simulated patients x 20 days; 8 h context and the 6 h night at 5 min; a few steps per cell
  writeFileSync(
    file,
    `name: nightexp
set: [data.cache_dir=${path.join(dir, 'cache')}, data.overrides.patients=3, data.overrides.days=20, data.covariates=false, training.epochs=1, training.max_steps_per_epoch=3, training.val_max_windows=50, training.threads=1, model.context_length=96, model.horizon=72]
models: [dlinear]
datasets: [simulated_t1d]
seeds: [1]
${body}`,
  );
  return { dir, file, runsDir: path.join(dir, 'runs') };
}

describe('experiment evaluate: [test, nocturnal]', () => {
  it('scores every trained cell on bedtime-anchored nights and tables the night-level metrics', () => {
    const { file, runsDir } = setup(
      'strategies: [global, {name: ppf, kind: per_patient_finetune, series: [sim-001]}]\nworkers: 1\nevaluate: [test, nocturnal]\n',
    );
    const r = spawnSync(process.execPath, [cli, 'experiment', 'run', file, '--runs-dir', runsDir], { encoding: 'utf8' });
    expect(r.stderr).not.toMatch(/failed/);
    expect(r.status, r.stderr).toBe(0);
    const dir = path.join(runsDir, 'experiments', 'nightexp');
    const records = readdirSync(path.join(dir, 'nocturnal')).map(
      (f) => JSON.parse(readFileSync(path.join(dir, 'nocturnal', f), 'utf8')) as NocturnalRecord,
    );
    // global, the per-patient strategy's global cell and its fine-tune on sim-001
    expect(records).toHaveLength(3);
    for (const rec of records) {
      expect(existsSync(rec.summary)).toBe(true);
      expect(rec.results.map((x) => `${x.threshold} ${x.window}`)).toContain('70 night');
      for (const x of rec.results) expect(x.scores.model).toHaveLength(x.labels.length);
    }
    const global = records.find((x) => x.cell === 'dlinear.simulated_t1d.global.s1')!;
    const one = records.find((x) => x.cell === 'dlinear.simulated_t1d.ppf.sim-001.s1')!;
    // the fine-tuned cell sees its patient's nights only
    expect(one.test_nights).toBeGreaterThan(0);
    expect(one.test_nights).toBeLessThan(global.test_nights);

    const res = JSON.parse(readFileSync(path.join(dir, 'results.json'), 'utf8')) as ExperimentResults;
    const row = res.rows.find((x) => x.strategy === 'global')!;
    const night70 = row.nocturnal!.filter((s) => s.threshold === 70 && s.window === 'night');
    expect(night70.map((s) => s.forecaster)).toEqual(
      expect.arrayContaining(['model', 'threshold_crossing', 'patient_rate', 'bedtime_logistic']),
    );
    const model = night70.find((s) => s.forecaster === 'model')!;
    expect(model.nights).toBe(global.test_nights);
    expect(model.positives).toBe(global.results.find((x) => x.threshold === 70 && x.window === 'night')!.labels.filter(Boolean).length);
    expect(model.brier).toBeGreaterThanOrEqual(0);
    expect(model.ece).toBeGreaterThanOrEqual(0);
    expect(model.auroc_ci[0]).toBeLessThanOrEqual(model.auroc_ci[1]);
    const ppf = res.rows.find((x) => x.strategy === 'ppf' && x.series > 0)!;
    expect(ppf.nocturnal!.find((s) => s.forecaster === 'model')!.nights).toBe(one.test_nights);
    const md = readFileSync(path.join(dir, 'results.md'), 'utf8');
    expect(md).toMatch(/## Nocturnal hypoglycaemia/);
    expect(md).toMatch(/\| simulated_t1d \| global \| 96 \| dlinear \| < 70 \| model \| \d+ \| \d+ \| (n\/r|0\.\d{3})/);

    // resuming evaluates nothing again: the records stand
    const again = spawnSync(process.execPath, [cli, 'experiment', 'run', file, '--runs-dir', runsDir], { encoding: 'utf8' });
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/0 completed, 3 already done/);
  }, 300_000);

  it("refuses an evaluate list without 'test', naming the file and key", () => {
    const { file, runsDir } = setup('evaluate: [nocturnal]\n');
    const r = spawnSync(process.execPath, [cli, 'experiment', 'run', file, '--runs-dir', runsDir], { encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/exp\.yaml: evaluate: must include 'test'/);
    expect(existsSync(runsDir)).toBe(false);
  });
});
