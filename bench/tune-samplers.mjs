#!/usr/bin/env node
// tsfm's TPE and random search beside Optuna's (bench/python/tune_samplers.py, run with /usr/bin/python3) on a
// shifted 5-D sphere and Branin: the median over seeds of the best value after 30 and after 50 trials, as a
// markdown table under bench/results/. Needs `npx tsc -p tsconfig.json` (imports dist/ts/tune), not the addon.
//   node bench/tune-samplers.mjs [--trials 50] [--seeds 20] [--python /usr/bin/python3]
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { createSampler, parseSpace, DEFAULT_TPE, DEFAULT_PARZEN } = await import(path.join(root, 'dist', 'ts', 'tune', 'index.js'));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const TRIALS = Number(arg('--trials', '50'));
const SEEDS = Number(arg('--seeds', '20'));
const PYTHON = arg('--python', '/usr/bin/python3');
const CHECKPOINTS = [30, 50].filter((n) => n <= TRIALS);

// The same functions as the Python side.
const SHIFT = [1.2, -0.8, 2.5, -2.0, 0.4];
const FUNCTIONS = {
  sphere5: {
    space: { space: Object.fromEntries(SHIFT.map((_, i) => [`x${i}`, { uniform: [-5, 5] }])) },
    f: (a) => SHIFT.reduce((s, c, i) => s + (a[`x${i}`] - c) ** 2, 0),
    optimum: 0,
  },
  branin: {
    space: { space: { x1: { uniform: [-5, 10] }, x2: { uniform: [0, 15] } } },
    f: ({ x1, x2 }) => {
      const b = 5.1 / (4 * Math.PI ** 2),
        c = 5 / Math.PI,
        t = 1 / (8 * Math.PI);
      return (x2 - b * x1 ** 2 + c * x1 - 6) ** 2 + 10 * (1 - t) * Math.cos(x1) + 10;
    },
    optimum: 0.397887,
  },
};
const TSFM = {
  'tsfm TPE': { kind: 'tpe' },
  'tsfm TPE (true density)': { kind: 'tpe', tpe: { ...DEFAULT_TPE, parzen: { ...DEFAULT_PARZEN, bandwidthTerm: true } } },
  'tsfm random': { kind: 'random' },
};

function curve(fn, config, seed) {
  const space = parseSpace(fn.space, 'bench');
  const sampler = createSampler(space, () => undefined, { ...config, seed });
  const trials = [];
  let best = Infinity;
  const out = [];
  for (let k = 0; k < TRIALS; k++) {
    const params = sampler(trials, k);
    const value = fn.f(params);
    trials.push({ number: k, state: 'completed', params, value, intermediate: [], attempt: 1 });
    best = Math.min(best, value);
    out.push(best);
  }
  return out;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const results = {};
const seconds = {};
for (const [name, fn] of Object.entries(FUNCTIONS)) {
  results[name] = {};
  for (const [label, config] of Object.entries(TSFM)) {
    const t0 = performance.now();
    results[name][label] = Array.from({ length: SEEDS }, (_, s) => curve(fn, config, s));
    seconds[label] = (seconds[label] ?? 0) + (performance.now() - t0) / 1000;
  }
}
const t0 = performance.now();
const py = spawnSync(
  PYTHON,
  [path.join(root, 'bench', 'python', 'tune_samplers.py'), '--trials', String(TRIALS), '--seeds', String(SEEDS)],
  { encoding: 'utf8', maxBuffer: 1 << 26 },
);
if (py.status !== 0) throw new Error(`${PYTHON} tune_samplers.py failed: ${py.stderr.trim().split('\n').pop()}`);
const optuna = JSON.parse(py.stdout);
seconds['Optuna (TPE + random)'] = (performance.now() - t0) / 1000;
for (const name of Object.keys(FUNCTIONS)) {
  results[name][`Optuna ${optuna.optuna} TPE`] = optuna.results[name].tpe;
  results[name][`Optuna ${optuna.optuna} random`] = optuna.results[name].random;
}

const date = new Date().toISOString().slice(0, 10);
const lines = [
  `# Hyperparameter samplers: tsfm vs Optuna (${date})`,
  '',
  `Median over ${SEEDS} seeds of the best value found after n trials (lower is better), and the seeds on which`,
  'each sampler beat Optuna TPE at that n. Independent TPE with Optuna 3.1 defaults (10 random startup trials,',
  'gamma = min(ceil(0.1 n), 25), prior weight 1, magic clip, no endpoints, 24 EI candidates, ramped weights).',
  'tsfm TPE follows Optuna 3.1.0 also in its kernel log density, which leaves out -log(sigma); "true density"',
  'adds it (bandwidthTerm). Seeds are not comparable across libraries (different generators).',
  `Reproduce: \`npx tsc -p tsconfig.json && node bench/tune-samplers.mjs --trials ${TRIALS} --seeds ${SEEDS}\`.`,
  '',
];
for (const [name, fn] of Object.entries(FUNCTIONS)) {
  lines.push(
    `## ${name} (optimum ${fn.optimum})`,
    '',
    `| sampler | ${CHECKPOINTS.map((n) => `median best @${n}`).join(' | ')} | ${CHECKPOINTS.map((n) => `beats Optuna TPE @${n}`).join(' | ')} |`,
    `|---|${CHECKPOINTS.map(() => '---:').join('|')}|${CHECKPOINTS.map(() => '---:').join('|')}|`,
  );
  const ref = results[name][`Optuna ${optuna.optuna} TPE`];
  for (const [label, curves] of Object.entries(results[name])) {
    const med = CHECKPOINTS.map((n) => median(curves.map((c) => c[n - 1])).toPrecision(4));
    // paired by seed index only as a count of "how often lower", not a paired test (the generators differ)
    const wins = CHECKPOINTS.map((n) => `${curves.filter((c, i) => c[n - 1] < ref[i][n - 1]).length}/${SEEDS}`);
    lines.push(
      `| ${label} | ${med.join(' | ')} | ${label.includes('Optuna') && label.includes('TPE') ? CHECKPOINTS.map(() => '—').join(' | ') : wins.join(' | ')} |`,
    );
  }
  lines.push('');
}
lines.push(
  'Wall time (all functions and seeds): ' +
    Object.entries(seconds)
      .map(([k, v]) => `${k} ${v.toFixed(1)} s`)
      .join(', ') +
    '.',
  '',
);
mkdirSync(path.join(root, 'bench', 'results'), { recursive: true });
const file = path.join(root, 'bench', 'results', `tune-samplers-${date}${SEEDS !== 20 || TRIALS !== 50 ? `-t${TRIALS}s${SEEDS}` : ''}.md`);
writeFileSync(file, lines.join('\n'));
console.log(lines.join('\n'));
console.log(`written: ${path.relative(root, file)}`);
