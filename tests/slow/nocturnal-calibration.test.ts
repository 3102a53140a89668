// The bedtime-anchored nocturnal task at cohort scale: on the simulated cohort with at least 100 test nights
// and 30 positive ones, a model's recalibrated night probability of glucose < 70 mg/dL is calibrated on the
// test nights (ECE below 0.05 with 10 bins), and every forecaster reports a point AUROC with its interval.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EvaluationSummary } from '../../ts/evaluate/evaluate.js';

const cli = path.resolve('dist/ts/cli/main.js');

describe('nocturnal hypoglycaemia probability on the simulated cohort', () => {
  it('is calibrated on >= 100 test nights with >= 30 positive (ECE < 0.05)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tsfm-nocturnal-'));
    const config = path.join(dir, 'night.yaml');
    // 80 patients x 28 days: 400 test nights under the default temporal split; 6 h nights of 5-min readings.
    writeFileSync(
      config,
      `defaults: [models/dlinear]
model: {context_length: 96, horizon: 72}
data: {dataset: simulated_t1d, covariates: false, overrides: {patients: 80, days: 28}, cache_dir: ${path.join(dir, 'cache')}}
training: {epochs: 20, max_steps_per_epoch: 200, val_max_windows: 2000, threads: 2}
`,
    );
    const runs = path.join(dir, 'runs');
    const t = spawnSync(process.execPath, [cli, 'train', config, '--runs-dir', runs, '--run-id', 'night'], { encoding: 'utf8' });
    expect(t.status, t.stderr).toBe(0);
    const e = spawnSync(process.execPath, [cli, 'evaluate', '--run', 'night', '--runs-dir', runs, '--split', 'nocturnal'], {
      encoding: 'utf8',
    });
    expect(e.status, e.stderr).toBe(0);
    const s = JSON.parse(
      readFileSync(path.join(runs, 'night', 'eval', 'simulated_t1d-nocturnal', 'summary.json'), 'utf8'),
    ) as EvaluationSummary;
    const night70 = s.night!.results.find((r) => r.threshold === 70 && r.window === 'night')!;
    expect(s.night!.counts.test_nights).toBeGreaterThanOrEqual(100);
    expect(night70.positives).toBeGreaterThanOrEqual(30);
    const model = night70.forecasters.model!;
    console.log(
      `nocturnal < 70: ${s.night!.counts.test_nights} test nights, ${night70.positives} positive; model ECE ${model.ece.toFixed(3)}, Brier ${model.brier.brier.toFixed(3)}`,
    );
    expect(model.ece).toBeLessThan(0.05);
    for (const f of ['model', 'night_classifier', 'threshold_crossing', 'patient_rate', 'bedtime_logistic']) {
      const d = night70.forecasters[f]!.discrimination;
      expect(d.reportable, f).toBe(true);
      if (d.reportable) expect(d.aurocCI.lo).toBeLessThanOrEqual(d.auroc);
    }
  });
});
