#!/usr/bin/env node
// Data-parallel throughput on this machine: samples/s of `tsfm train` with 1 and 2 CPU workers (one thread
// each, Gloo over loopback), and the cost of the DDP machinery itself at world size 1 (TSFM_DDP_FORCE=1:
// process group + hooked, bucketed gradient all-reduce) against plain training.
//
//   node bench/ddp_scaling.mjs [--steps 300] [--repeats 3] [--config configs/default.yaml] [--out bench/results] [--note text]
//
// Writes bench/results/ddp-scaling-<host>.json (and prints a table). Needs `npm run build` first.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, hostname, loadavg, tmpdir } from 'node:os';
import { createServer } from 'node:net';
import path from 'node:path';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const steps = Number(arg('steps', '300'));
const repeats = Number(arg('repeats', '3'));
const config = arg('config', 'configs/default.yaml');
const outDir = arg('out', 'bench/results');
const note = arg('note', '');
const loadBefore = loadavg()[0];
const cli = path.resolve('dist/ts/cli/main.js');
const runs = mkdtempSync(path.join(tmpdir(), 'tsfm-bench-ddp-'));

const freePort = () => new Promise((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
});

let n = 0;
async function trainOnce(label, extra, env = {}) {
  const id = `${label}-${n++}`;
  const args = [cli, 'train', config, '--run-dir', runs, '--epochs', '1', '--set', `output.run_id=${id}`,
    '--set', `training.max_steps_per_epoch=${steps}`, '--set', 'training.val_max_windows=64', '--set', 'training.early_stopping.patience=0',
    '--set', 'training.threads=1', '--set', 'training.log_every=1000000', ...extra];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', env: { ...process.env, ...env } });
  if (r.status !== 0) throw new Error(`${label} failed: ${r.stderr}`);
  const m = JSON.parse(readFileSync(path.join(runs, id, 'metrics.json'), 'utf8'));
  return m.samples_per_sec;
}

const cases = [
  { name: 'plain, 1 process', run: () => trainOnce('plain', []) },
  { name: 'DDP world size 1 (forced)', run: async () => trainOnce('ddp1', [], { TSFM_DDP_FORCE: '1', RANK: '0', WORLD_SIZE: '1', MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(await freePort()) }) },
  { name: 'DDP 2 CPU workers', run: async () => trainOnce('ddp2', ['--nproc-per-node', '2', '--master-port', String(await freePort())]) },
];
const results = {};
for (let r = 0; r < repeats; r++)  // interleaved, so that load from other processes hits every case alike
  for (const c of cases) (results[c.name] ??= []).push(await c.run());
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const summary = Object.fromEntries(Object.entries(results).map(([k, v]) => [k, { median_samples_per_sec: median(v), runs: v }]));
const plain = summary['plain, 1 process'].median_samples_per_sec;
const out = {
  machine: { host: hostname(), cpu: cpus()[0]?.model, logical_cpus: cpus().length, device: 'cpu' },
  note, load_average_1min: { before: loadBefore, after: loadavg()[0] },
  date: new Date().toISOString(), config, steps_per_run: steps, repeats, threads_per_worker: 1,
  results: summary,
  ddp1_vs_plain: summary['DDP world size 1 (forced)'].median_samples_per_sec / plain,
  scaling_2_workers: summary['DDP 2 CPU workers'].median_samples_per_sec / plain,
};
mkdirSync(outDir, { recursive: true });
const file = path.join(outDir, `ddp-scaling-${hostname()}.json`);
writeFileSync(file, JSON.stringify(out, null, 2) + '\n');
for (const [k, v] of Object.entries(summary)) console.log(`${k.padEnd(28)} ${v.median_samples_per_sec.toFixed(0).padStart(8)} samples/s  (runs: ${v.runs.map((x) => x.toFixed(0)).join(', ')})`);
console.log(`DDP world 1 / plain: ${(100 * out.ddp1_vs_plain).toFixed(1)}%   2 workers / 1: ${out.scaling_2_workers.toFixed(2)}x`);
console.log(`wrote ${file}`);
