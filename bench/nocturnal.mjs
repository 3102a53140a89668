#!/usr/bin/env node
// The bedtime-anchored nocturnal hypoglycaemia task (`tsfm evaluate --split nocturnal`) for each model on the
// simulated cohort (80 patients x 28 days: 400 test nights) and Shanghai T1DM, beside the three baselines, as a
// markdown table under bench/results/ (night-level AUROC with its 95% CI, Brier, ECE; < 70 and < 54 mg/dL).
//   node bench/nocturnal.mjs [--families dlinear,ttm] [--datasets simulated,shanghai]
import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'dist', 'ts', 'cli', 'main.js');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return (i >= 0 ? process.argv[i + 1] : fallback).split(',');
};
const families = arg('--families', 'dlinear,ttm');
const datasets = arg('--datasets', 'simulated,shanghai');

// 6 h nights: 72 five-minute steps (simulated) or 24 fifteen-minute steps (Shanghai); 8 h of context before bedtime.
const DATA = {
  simulated: { yaml: 'dataset: simulated_t1d, overrides: {patients: 80, days: 28}', context: 96, horizon: 72 },
  shanghai: { yaml: 'dataset: shanghai_t1dm', context: 32, horizon: 24 },
};
const BUDGET = {
  dlinear: 'epochs: 20, max_steps_per_epoch: 200',
  ttm: 'epochs: 6, max_steps_per_epoch: 100',
  patchtst: 'epochs: 6, max_steps_per_epoch: 100',
};

const dir = mkdtempSync(path.join(tmpdir(), 'tsfm-nocturnal-bench-'));
const rows = [];
for (const ds of datasets) {
  for (const fam of families) {
    const d = DATA[ds];
    const config = path.join(dir, `${fam}-${ds}.yaml`);
    writeFileSync(
      config,
      `defaults: [models/${fam}]\nmodel: {context_length: ${d.context}, horizon: ${d.horizon}}\ndata: {${d.yaml}}\ntraining: {${BUDGET[fam]}, val_max_windows: 2000, threads: ${Math.min(4, cpus().length)}}\n`,
    );
    const id = `${fam}-${ds}`;
    const t0 = Date.now();
    for (const cmd of [
      ['train', config, '--run-id', id],
      ['evaluate', '--run', id, '--split', 'nocturnal'],
    ]) {
      const r = spawnSync(process.execPath, [cli, ...cmd, '--runs-dir', path.join(dir, 'runs')], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`${cmd.join(' ')}: ${r.stderr.trim().split('\n').pop()}`);
    }
    const evalDir = path.join(dir, 'runs', id, 'eval');
    const name = ds === 'simulated' ? 'simulated_t1d' : 'shanghai_t1dm';
    const s = JSON.parse(readFileSync(path.join(evalDir, `${name}-nocturnal`, 'summary.json'), 'utf8'));
    rows.push({ ds: name, fam, seconds: (Date.now() - t0) / 1000, night: s.night });
  }
}

const f3 = (x) => (Number.isFinite(x) ? x.toFixed(3) : 'n/a');
const auroc = (d) =>
  d.reportable
    ? `${f3(d.auroc)} (${f3(d.aurocCI.lo)}-${f3(d.aurocCI.hi)})`
    : `n/r: ${d.positives} pos. (CI ${f3(d.aurocCI.lo)}-${f3(d.aurocCI.hi)})`;
const lines = [
  `# Nocturnal hypoglycaemia from bedtime (${new Date().toISOString().slice(0, 10)})`,
  '',
  "Command: `node bench/nocturnal.mjs` (CPU). Context ends at midnight, the model forecasts 00:00-06:00; the model's",
  'score is the copula probability of the night minimum below the threshold, Platt-recalibrated on validation nights.',
  "night_classifier: logistic regression on the context window, fitted on training nights, Platt-recalibrated on validation nights. Baselines: threshold crossing of the point forecast, the patient's own rate (training nights), bedtime logistic regression.",
  'AUROC with a stratified bootstrap 95% CI; n/r: fewer than 10 positive test nights (no point AUROC). ECE: 10 bins.',
  '',
];
for (const thr of [70, 54]) {
  for (const win of ['night', '00:00-03:00', '03:00-06:00']) {
    lines.push(
      `## < ${thr} mg/dL, ${win}`,
      '',
      '| dataset | model run | test nights | positive | forecaster | AUROC (95% CI) | Brier | ECE |',
      '|---|---|---|---|---|---|---|---|',
    );
    for (const r of rows) {
      const res = r.night.results.find((x) => x.threshold === thr && x.window === win);
      for (const f of ['model', 'night_classifier', 'threshold_crossing', 'patient_rate', 'bedtime_logistic']) {
        const s = res.forecasters[f];
        if (!s) continue;
        lines.push(
          `| ${r.ds} | ${r.fam} | ${r.night.counts.test_nights} | ${res.positives} | ${f} | ${auroc(s.discrimination)} | ${f3(s.brier.brier)} | ${f3(s.ece)} |`,
        );
      }
    }
    lines.push('');
  }
}
lines.push(`Wall time per model (train + evaluate): ${rows.map((r) => `${r.fam}/${r.ds} ${r.seconds.toFixed(0)} s`).join(', ')}.`, '');
mkdirSync(path.join(root, 'bench', 'results'), { recursive: true });
const out = path.join(root, 'bench', 'results', `nocturnal-${new Date().toISOString().slice(0, 10)}.md`);
writeFileSync(out, lines.join('\n'));
console.log(lines.join('\n'));
console.error(`written to ${out}`);
