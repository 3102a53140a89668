/**
 * Benchmark: every evaluation metric on 10^7 forecast points (default), against peers measured in
 * the same run: a plain loop computing only the MSE, and copying the truth and forecast arrays.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/eval-metrics.js [--points 10000000] [--horizon 12] [--json out.json]
 *
 * Data: synthetic glucose-like truths (40-400 mg/dL), a point forecast and 7 quantiles per point,
 * nights of 8 consecutive windows (for the night-level task), contexts of 24 points (for MASE).
 */
import { writeFileSync } from 'node:fs';
import { evaluateForecasts } from '../ts/metrics/metrics.js';
import { evaluatePoint } from '../ts/metrics/point.js';
import { evaluateQuantiles } from '../ts/metrics/probabilistic.js';
import { evaluateClinical } from '../ts/metrics/clinical.js';
import { probBelowManyFromQuantiles, brierScore } from '../ts/metrics/hypo.js';
import { mulberry32 } from '../ts/util/random.js';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
}

const P = Number(arg('points', '10000000'));
const H = Number(arg('horizon', '12'));
const N = Math.ceil(P / H);
const C = 24;
const levels = [0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95];
const z = [-1.645, -1.2816, -0.6745, 0, 0.6745, 1.2816, 1.645];
const Q = levels.length;

const rnd = mulberry32(7);
const gauss = () => Math.sqrt(-2 * Math.log(rnd() + 1e-12)) * Math.cos(2 * Math.PI * rnd());
const truth = new Float32Array(N * H);
const point = new Float32Array(N * H);
const quant = new Float32Array(N * Q * H);
const context = new Float32Array(N * C);
const night = new Float64Array(N);
let g = 140;
for (let w = 0; w < N; w++) {
  night[w] = Math.floor(w / 8);
  for (let c = 0; c < C; c++) context[w * C + c] = g + c * 0.1;
  for (let h = 0; h < H; h++) {
    g = Math.min(400, Math.max(40, g + 3 * gauss()));
    const i = w * H + h;
    truth[i] = g;
    const sd = 5 + 1.5 * h;
    const p = g + sd * gauss();
    point[i] = p;
    for (let q = 0; q < Q; q++) quant[(w * Q + q) * H + h] = p + z[q] * sd;
  }
}

/** Wall seconds, and CPU seconds of this process (the fairer figure on a loaded machine). */
function time<T>(fn: () => T): { s: number; cpu: number; out: T } {
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  const out = fn();
  const c = process.cpuUsage(c0);
  return { s: Number(process.hrtime.bigint() - t0) / 1e9, cpu: (c.user + c.system) / 1e6, out };
}

// peers
const mseLoop = time(() => {
  let se = 0;
  for (let i = 0; i < truth.length; i++) {
    const e = point[i] - truth[i];
    se += e * e;
  }
  return se / truth.length;
});
const copy = time(() => {
  const a = new Float32Array(truth.length),
    b = new Float32Array(point.length);
  a.set(truth);
  b.set(point);
  return a[0] + b[0];
});

// everything first (the path users run), then each part on the same Float64 arrays evaluateForecasts uses
const all = time(() =>
  evaluateForecasts({
    windows: N,
    horizon: H,
    truth,
    point,
    quantiles: { levels, values: quant },
    context: { values: context, length: C },
    night,
    glucose: true,
  }),
);
const t64 = Float64Array.from(truth),
  p64 = Float64Array.from(point),
  q64 = Float64Array.from(quant);
const parts = {
  point: time(() => evaluatePoint(t64, p64, N, H)).s,
  quantiles: time(() => evaluateQuantiles(t64, { levels, values: q64 }, N, H)).s,
  clinical: time(() => evaluateClinical(t64, p64)).s,
  hypo: time(() => {
    const pr = probBelowManyFromQuantiles({ levels, values: q64 }, N, H, [70, 54]);
    brierScore(pr[0], t64, N, H, 70);
    brierScore(pr[1], t64, N, H, 54);
  }).s,
};

const result = {
  points: N * H,
  windows: N,
  horizon: H,
  quantiles: Q,
  seconds: { all_metrics: all.s, ...parts, peer_mse_loop: mseLoop.s, peer_copy: copy.s },
  cpu_seconds: { all_metrics: all.cpu, peer_mse_loop: mseLoop.cpu, peer_copy: copy.cpu },
  ratio_all_vs_mse_loop: all.s / mseLoop.s,
  ratio_all_vs_copy: all.s / copy.s,
  ratio_cpu_all_vs_mse_loop: all.cpu / mseLoop.cpu,
  check: { rmse: all.out.metrics.pooled.rmse, mse_loop_rmse: Math.sqrt(mseLoop.out) },
  node: process.version,
};
console.log(
  `all metrics on ${(N * H).toExponential(2)} forecast points (${Q} quantiles, ${H} steps): ${all.s.toFixed(2)} s (${all.cpu.toFixed(2)} CPU s)`,
);
console.log(
  `  parts: point ${parts.point.toFixed(2)} s, quantiles ${parts.quantiles.toFixed(2)} s, clinical ${parts.clinical.toFixed(2)} s, hypo (2 thresholds) ${parts.hypo.toFixed(2)} s`,
);
console.log(
  `  peers: plain MSE loop ${mseLoop.s.toFixed(3)} s (ratio ${result.ratio_all_vs_mse_loop.toFixed(0)}x), copying truth+forecast ${copy.s.toFixed(3)} s (ratio ${result.ratio_all_vs_copy.toFixed(0)}x)`,
);
const out = arg('json', '');
if (out) writeFileSync(out, JSON.stringify(result, null, 2));
