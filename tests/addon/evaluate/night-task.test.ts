// The bedtime-anchored nocturnal task on a trained run: no reading at or after the anchor reaches the night's
// forecast or probability (perturbing them changes the labels only), while perturbing the context does change
// them (the check can fail); `tsfm evaluate --split nocturnal` writes the night-level results and a model whose
// horizon cannot cover the night is refused with one line naming model.horizon.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../ts/config/index.js';
import type { TimeSeriesDataset } from '../../../ts/data/types.js';
import type { EvaluationSummary } from '../../../ts/evaluate/evaluate.js';
import { evaluateNightsOfRun } from '../../../ts/evaluate/night-run.js';
import { toNativeDataset } from '../../../ts/native/dataset.js';
import { loadConfiguredDataset } from '../../../ts/pipeline/dataset.js';
import { prepareDataset } from '../../../ts/pipeline/prepare.js';
import { scalerForDataset } from '../../../ts/pipeline/scaler-file.js';
import { TrainedModel } from '../../../ts/pipeline/trained-model.js';
import { train } from '../../../ts/train/train.js';
import { inChromium } from '../chromium.js';

const cli = path.resolve('dist/ts/cli/main.js');
const runs = mkdtempSync(path.join(tmpdir(), 'tsfm-night-'));
// 6 h nights of 5-min readings: horizon 72 covers the night; the 8 h context ends at midnight.
const overrides = [
  'model.family=dlinear',
  'model.params={}',
  'model.context_length=96',
  'model.horizon=72',
  'data.covariates=false',
  'data.overrides.patients=6',
  'data.overrides.days=12',
  'training.epochs=1',
  'training.max_steps_per_epoch=20',
  'training.val_max_windows=200',
  'training.threads=1',
  `output.runs_dir=${runs}`,
  'output.run_id=night',
];
let runDir: string;

beforeAll(async () => {
  runDir = (await train(loadConfig(undefined, { overrides }).config)).runDir;
}, 300_000);

/** The night task on `ds` (the run's dataset, possibly altered) with the run's model. */
async function nightsOn(ds: TimeSeriesDataset) {
  const trained = TrainedModel.open(runDir);
  const { splits, targetChannels, inputChannels } = prepareDataset(trained.config, ds);
  const scaler = scalerForDataset(trained.scaler, ds, splits.train, []);
  const nativeDs = toNativeDataset(ds);
  try {
    const scaling = scaler.kind === 'none' ? null : { kind: scaler.kind, mean: scaler.mean, std: scaler.std, channels: ds.channels.length };
    return await evaluateNightsOfRun({ trained, ds, nativeDs, scaling, splits, inputChannels, targetChannels, options: { seed: 1 } });
  } finally {
    nativeDs.dispose();
    trained.dispose();
  }
}

/** A copy of `ds` with every channel set to `value` in rows [a, b) of each range. */
function altered(ds: TimeSeriesDataset, ranges: Array<[number, number]>, value: number): TimeSeriesDataset {
  const values = ds.values.map((v) => Float32Array.from(v));
  for (const [a, b] of ranges) for (const v of values) v.fill(value, a, b);
  return { ...ds, values };
}

describe('bedtime-anchored nocturnal task', () => {
  it('no reading at or after the anchor changes a night forecast or probability; the context does', async () => {
    const config = loadConfig(path.join(runDir, 'config.yaml')).config;
    const ds = await loadConfiguredDataset(config);
    const base = await nightsOn(ds);
    const nights = base.sets.test.nights;
    expect(nights.length).toBeGreaterThan(5);
    // Everything from each test night's anchor to the end of the model's window: 40 mg/dL, a low in every night.
    const after = await nightsOn(
      altered(
        ds,
        nights.map((n) => [n.night[0], n.context[0] + 96 + 72]),
        40,
      ),
    );
    const night70 = (e: typeof base) => e.night.results.find((r) => r.threshold === 70 && r.window === 'night')!;
    expect(after.night.nights).toEqual(base.night.nights);
    for (const f of ['model', 'model_raw', 'model_max_step', 'threshold_crossing', 'patient_rate', 'bedtime_logistic'])
      expect(night70(after).scores[f], f).toEqual(night70(base).scores[f]);
    expect(night70(after).labels.every((y) => y === 1)).toBe(true);
    expect(night70(base).labels.some((y) => y === 0)).toBe(true);
    // The last context reading (the one just before the anchor) does reach the forecast.
    const before = await nightsOn(
      altered(
        ds,
        nights.map((n) => [n.night[0] - 1, n.night[0]]),
        40,
      ),
    );
    expect(night70(before).scores.model_raw).not.toEqual(night70(base).scores.model_raw);
  });

  it('tsfm evaluate --split nocturnal writes night-level results; a horizon shorter than the night is refused', () => {
    const r = spawnSync(process.execPath, [cli, 'evaluate', '--run', 'night', '--runs-dir', runs, '--split', 'nocturnal'], {
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^tsfm: simulated_t1d nocturnal \(\d+ test nights, \d+ validation nights for calibration\):$/m);
    expect(r.stderr).toMatch(/< 70 mg\/dL, 00:00-03:00 \(\d+ positive\):/);
    const s = JSON.parse(readFileSync(path.join(runDir, 'eval', 'simulated_t1d-nocturnal', 'summary.json'), 'utf8')) as EvaluationSummary;
    expect(s.split).toBe('nocturnal');
    expect(s.night!.steps).toBe(72);
    expect(s.night!.windowNames).toEqual(['night', '00:00-03:00', '03:00-06:00']);
    expect(s.night!.results).toHaveLength(6);
    expect(Object.keys(s.night!.results[0]!.forecasters).sort()).toEqual([
      'bedtime_logistic',
      'model',
      'model_max_step',
      'model_raw',
      'night_classifier',
      'patient_rate',
      'threshold_crossing',
    ]);
    expect(s.night!.trajectory).toBeDefined();

    const long = spawnSync(
      process.execPath,
      [cli, 'evaluate', '--run', 'night', '--runs-dir', runs, '--split', 'nocturnal', '--night-hours', '8'],
      { encoding: 'utf8' },
    );
    expect(long.status).toBe(1);
    expect(long.stderr.trim()).toBe(
      'tsfm: --split nocturnal: the task forecasts the whole 8 h night from bedtime (96 steps of 5 min), but model.horizon is 72 (6 h); train with model.horizon >= 96, or shorten the night with --night-hours 6 (the rolling variant is --split nocturnal-rolling)',
    );
  });

  it('tsfm report on the nocturnal evaluation: tables, reliability, ROC and night panels render in headless Chromium', async () => {
    const file = path.join(runDir, 'eval', 'simulated_t1d-nocturnal', 'summary.json');
    if (!existsSync(file))
      expect(spawnSync(process.execPath, [cli, 'evaluate', '--run', 'night', '--runs-dir', runs, '--split', 'nocturnal']).status).toBe(0);
    const s = JSON.parse(readFileSync(file, 'utf8')) as EvaluationSummary;
    expect(s.channels).toEqual([]);
    expect(s.night!.panels!.length).toBe(Math.min(8, s.night!.nights.length));
    const r = spawnSync(process.execPath, [cli, 'report', 'night', '--runs-dir', runs], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const html = r.stdout.split('\n')[0];
    const text = readFileSync(html, 'utf8');
    expect(text).not.toMatch(/(src|href)\s*=\s*["']?(https?:)?\/\//i);
    // a point AUROC only with >= 10 positive nights; otherwise the count and the interval
    for (const res of s.night!.results) {
      const d = res.forecasters.model.discrimination;
      if (!d.reportable) expect(text).toContain(`not reported: ${d.positives} positive (&lt;10); CI `);
    }
    expect(s.night!.results.some((res) => !res.forecasters.model.discrimination.reportable)).toBe(true);
    const { problems, result } = await inChromium(html, (page) =>
      page.evaluate(() => {
        const marks = (sel: string) =>
          Array.from(document.querySelectorAll(`${sel} svg`)).map((svg) => svg.querySelectorAll('path, line').length);
        return {
          tables: document.querySelectorAll('table').length,
          reliability: marks('figure[id$="-night-reliability"]'),
          roc: marks('figure[id$="-night-roc"]'),
          panels: marks('figure[id*="-night"]:not([id$="-reliability"]):not([id$="-roc"])'),
          captions: Array.from(document.querySelectorAll('figcaption')).map((c) => c.textContent ?? ''),
        };
      }),
    );
    expect(problems).toEqual([]);
    expect(result.tables).toBe(s.night!.results.length + 1);
    expect(result.reliability).toHaveLength(1);
    expect(result.reliability[0]).toBeGreaterThan(5);
    expect(result.roc).toHaveLength(1);
    expect(result.roc[0]).toBeGreaterThan(5);
    expect(result.panels).toHaveLength(s.night!.panels!.length);
    for (const m of result.panels) expect(m).toBeGreaterThan(5);
    expect(result.captions.filter((c) => /the model's P\(< 70\) = \d\.\d\d, P\(< 54\) = \d\.\d\d/.test(c))).toHaveLength(
      s.night!.panels!.length,
    );
  });
});
