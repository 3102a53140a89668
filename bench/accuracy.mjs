#!/usr/bin/env node
// Accuracy benchmark: train one config with the real CLI and record the test metrics, the wall time and the
// machine under bench/results/, so published-figure checks (ETTh1, Shanghai T1DM) are reproducible.
//   node bench/accuracy.mjs <config.yaml> [--name NAME] [-- extra tsfm train arguments]
import { execFileSync, spawnSync } from 'node:child_process';
import { cpus, hostname, totalmem } from 'node:os';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const dash = args.indexOf('--');
const extra = dash >= 0 ? args.slice(dash + 1) : [];
const own = dash >= 0 ? args.slice(0, dash) : args;
const config = own[0];
if (!config) {
  console.error('usage: node bench/accuracy.mjs <config.yaml> [--name NAME] [-- tsfm train arguments]');
  process.exit(2);
}
const nameAt = own.indexOf('--name');
const name = nameAt >= 0 ? own[nameAt + 1] : path.basename(config).replace(/\.ya?ml$/, '');
const runs = mkdtempSync(path.join(tmpdir(), 'tsfm-accuracy-'));
const cli = path.join(root, 'dist', 'ts', 'cli', 'main.js');
const trainArgs = ['train', config, '--run-dir', runs, ...extra];
const t0 = Date.now();
const r = spawnSync(process.execPath, [cli, ...trainArgs], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
const seconds = (Date.now() - t0) / 1000;
process.stdout.write(r.stdout);
if (r.status !== 0) process.exit(r.status ?? 1);
const runDir = /run \S+ \S+: (\S+)/.exec(r.stdout)[1];
const metrics = JSON.parse(readFileSync(path.join(runDir, 'metrics.json'), 'utf8'));
let commit = 'unknown';
try {
  commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
} catch {
  /* not a checkout */
}
const machine = {
  host: hostname(),
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
};
const record = {
  name,
  date: new Date().toISOString(),
  commit,
  command: `node bench/accuracy.mjs ${args.join(' ')}`,
  machine,
  wallSeconds: seconds,
  test: metrics.test,
  baselines: metrics.baselines,
  epochs: metrics.epochs?.length,
  bestEpoch: metrics.best_epoch,
  status: metrics.status,
};
mkdirSync(path.join(root, 'bench', 'results'), { recursive: true });
const file = path.join(root, 'bench', 'results', `accuracy-${name}.json`);
writeFileSync(file, JSON.stringify(record, null, 2) + '\n');
console.log(
  `${name}: test MSE ${metrics.test.mse.toFixed(4)} MAE ${metrics.test.mae.toFixed(4)} in ${seconds.toFixed(0)} s -> ${path.relative(root, file)}`,
);
