/** Bench results as Markdown, and the change against an earlier result (`--compare`). */
import type { BenchResult } from './index.js';

const f = (x: number | undefined, d = 1) => (x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(d));
const pct = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '-' : `${(100 * x).toFixed(1)}%`);
const ms = (s: number) => (1e3 * s).toFixed(2);

/** The bench report: one section per suite that ran, in the order the suites run. */
export function benchMarkdown(r: BenchResult): string {
  const lines: string[] = headerLines(r);
  if (r.micro) lines.push(...microLines(r.micro));
  if (r.training?.length) lines.push(...trainingLines(r.training));
  if (r.windowing) lines.push(...windowingLines(r.windowing));
  if (r.ddp) lines.push(...ddpLines(r.ddp));
  return lines.join('\n');
}

/** The title and the machine the figures were measured on. */
function headerLines(r: BenchResult): string[] {
  const fp = r.fingerprint;
  return [
    `# tsfm bench ${r.startedAt}${r.options.quick ? ' (--quick)' : ''}`,
    '',
    `Machine \`${fp.id}\`: ${fp.cpu}, ${fp.cores} cores, ${fp.memoryGiB} GiB; ${fp.os}; Node ${fp.node}; LibTorch ${fp.torch}; BLAS ${fp.blas}; ` +
      `${fp.gpus.length ? fp.gpus.map((g) => `${g.name} (${(g.memoryBytes / 2 ** 30).toFixed(0)} GiB, cc ${g.computeCapability}, driver ${g.driver})`).join(', ') : 'no GPU'}; ` +
      `intra-op threads used: ${r.options.threads}${fp.fusedKernels ? `; fused CPU kernels: ${fp.fusedKernels}` : ''}.${fp.note ? ` Note: ${fp.note}.` : ''}`,
    '',
  ];
}

function microLines(micro: NonNullable<BenchResult['micro']>): string[] {
  const lines = [
    '## Micro-benchmarks',
    '',
    '| device | dtype | matmul n | TFLOP/s | peak TFLOP/s | of peak |',
    '|---|---|---|---|---|---|',
  ];
  for (const m of micro.matmul)
    lines.push(
      m.skipped
        ? `| ${m.device} | ${m.dtype} | ${m.size} | skipped: ${m.skipped} | | |`
        : `| ${m.device} | ${m.dtype} | ${m.size} | ${f(m.tflops, 4)} | ${f(m.peakTflops, 4)}${m.device === 'cpu' ? ' (measured fp32)' : ''} | ${pct(m.fractionOfPeak)} |`,
    );
  lines.push('', `memcpy (1 thread, ${(micro.memcpy.bytes / 2 ** 20).toFixed(0)} MiB): ${f(micro.memcpy.gbPerSec, 2)} GB/s.`);
  if (micro.copy.length) {
    lines.push('', '| device | direction | host memory | GB/s |', '|---|---|---|---|');
    for (const c of micro.copy) lines.push(`| ${c.device} | ${c.direction} | ${c.pinned ? 'pinned' : 'pageable'} | ${f(c.gbPerSec, 2)} |`);
  } else lines.push('', 'Host <-> device copies: skipped (no CUDA device).');
  lines.push('');
  return lines;
}

function trainingLines(training: NonNullable<BenchResult['training']>): string[] {
  const lines = [
    '## Training throughput',
    '',
    'samples/s = batch / median step time over the measured steps (after warm-up; on a GPU: batch x steps / the wall time of the measured steps between two device synchronisations, from a run without phase marks), best of alternating native/Python rounds; phases are mean ms per step of the native trainer (on a GPU each phase mark synchronises); ' +
      'ratio = native / Python samples/s; CPU ratio = the same per process CPU-second (robust to other load on a shared machine); data = batch-gather windows/s / native samples/s; MFU against the setup peak (CPU: the measured fp32 matmul rate).',
    '',
    '| family | size | setup | params | batch | native samples/s | Python samples/s | ratio | CPU ratio | data ms | fwd ms | bwd ms | comm ms | opt ms | MFU | peak MiB (CPU: RSS; GPU: device) | data pipeline |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const t of training) {
    const p = t.native.phases;
    lines.push(
      `| ${t.family} | ${t.size} | ${t.setup} | ${t.native.parameters} | ${t.batch} | ${f(t.native.samplesPerSec, 0)} | ` +
        `${t.python ? f(t.python.samplesPerSec, 0) : `- (${t.pythonSkipped})`} | ${t.ratio ? `${f(t.ratio, 2)}x` : '-'} | ${t.cpuRatio ? `${f(t.cpuRatio, 2)}x` : '-'} | ` +
        `${ms(p.data)} | ${ms(p.forward)} | ${ms(p.backward)} | ${ms(p.communication)} | ${ms(p.optimizer)} | ${pct(t.native.mfu)} | ` +
        `${f((t.native.peakDeviceBytes ?? t.native.peakRssBytes ?? NaN) / 2 ** 20, 0)} | ${f(t.dataPipelineRatio, 0)}x |`,
    );
  }
  lines.push('');
  return lines;
}

function windowingLines(w: NonNullable<BenchResult['windowing']>): string[] {
  return [
    '## Windowing (issue 3)',
    '',
    `${w.points.toExponential(0)} float32 points (${(w.dataBytes / 1e6).toFixed(0)} MB) in ${w.windows.toExponential(3)} windows of context ${w.context} + horizon ${w.horizon}; ` +
      `batch ${w.batch}, gather on ${w.threads} thread(s), memcpy peer on 1; ${(100 * w.epochFraction).toFixed(1)}% of an epoch iterated (${w.windowsIterated} windows).`,
    '',
    '| measure | value | target |',
    '|---|---|---|',
    `| windows/s over the iterated epoch | ${f(w.windowsPerSec, 0)} (${f(w.epochGatherGbPerSec, 2)} GB/s) | |`,
    `| gather bandwidth (best of ${w.bandwidthRounds} alternating bursts) | ${f(w.gatherGbPerSec, 2)} GB/s | |`,
    `| memcpy bandwidth (best of the same bursts) | ${f(w.memcpyGbPerSec, 2)} GB/s | |`,
    `| gather / memcpy | ${f(w.bandwidthRatio, 2)} | >= ${w.targets.bandwidthRatioMin} ${w.targets.bandwidthOk ? 'met' : 'NOT met'} |`,
    `| peak RSS growth / data size | ${f(w.memoryRatio, 3)} (${(w.rssGrowthBytes / 1e6).toFixed(0)} MB) | <= ${w.targets.memoryRatioMax} ${w.targets.memoryOk ? 'met' : 'NOT met'} |`,
    `| generate data / build index | ${f(w.generateSeconds, 2)} s / ${f(w.indexSeconds * 1e3, 1)} ms | |`,
    '',
  ];
}

function ddpLines(d: NonNullable<BenchResult['ddp']>): string[] {
  const lines = ['## Data-parallel', ''];
  if (d.allReduce.length) {
    lines.push(
      'All-reduce (float32 sum, in place): algorithm bandwidth = bytes / time; bus bandwidth = that x 2(N-1)/N (nccl-tests).',
      '',
      '| device | backend | ranks | size MiB | repeats | alg GB/s | bus GB/s |',
      '|---|---|---|---|---|---|---|',
    );
    for (const a of d.allReduce)
      for (const z of a.sizes)
        lines.push(
          `| ${a.device} | ${a.backend} | ${a.ranks} | ${f(z.bytes / 2 ** 20, 0)} | ${z.repeats} | ${f(z.algGBps, 2)} | ${f(z.busGBps, 2)} |`,
        );
    lines.push('');
  }
  if (d.training.length) {
    lines.push(
      '`tsfm train` on the default config, 1 thread per process, median samples/s (all ranks together) over interleaved repeats.',
      '',
      '| device | steps | plain | DDP world size 1 | world 1 / plain (target >= 95%) | workers | N workers | N workers / plain |',
      '|---|---|---|---|---|---|---|---|',
    );
    for (const t of d.training)
      lines.push(
        `| ${t.device} | ${t.steps} x ${t.repeats} | ${f(t.plain, 0)} | ${f(t.ddpWorld1, 0)} | ${pct(t.world1VsPlain)} ${t.world1VsPlain >= 0.95 ? 'met' : 'NOT met'} | ` +
          `${t.ranks} | ${t.ddpWorkers !== undefined ? f(t.ddpWorkers, 0) : '-'} | ${t.scaling !== undefined ? `${f(t.scaling, 2)}x` : '-'} |`,
      );
    lines.push('');
  }
  if (d.skipped.length) lines.push(...d.skipped.map((s) => `- skipped: ${s}`), '');
  return lines;
}

export interface Change {
  key: string;
  metric: string;
  before: number;
  after: number;
  change: number;
}

/** Every numeric headline figure present in both results, keyed by what was measured. */
function headlines(r: BenchResult): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  const put = (key: string, metric: string, v: number | undefined) => {
    if (v === undefined || !Number.isFinite(v)) return;
    if (!out.has(key)) out.set(key, new Map());
    out.get(key)!.set(metric, v);
  };
  for (const m of r.micro?.matmul ?? []) put(`matmul ${m.device} ${m.dtype} n=${m.size}`, 'TFLOP/s', m.tflops);
  if (r.micro) put('memcpy', 'GB/s', r.micro.memcpy.gbPerSec);
  for (const c of r.micro?.copy ?? []) put(`copy ${c.device} ${c.direction} ${c.pinned ? 'pinned' : 'pageable'}`, 'GB/s', c.gbPerSec);
  for (const t of r.training ?? []) {
    const key = `train ${t.family}/${t.size}/${t.setup}`;
    put(key, 'native samples/s', t.native.samplesPerSec);
    put(key, 'python samples/s', t.python?.samplesPerSec);
    put(key, 'native/python', t.ratio);
    put(key, 'native/python CPU-time', t.cpuRatio);
    put(key, 'data pipeline x', t.dataPipelineRatio);
  }
  for (const a of r.ddp?.allReduce ?? [])
    for (const z of a.sizes) put(`all-reduce ${a.device} x${a.ranks} ${(z.bytes / 2 ** 20).toFixed(0)} MiB`, 'bus GB/s', z.busGBps);
  for (const t of r.ddp?.training ?? []) {
    put(`ddp ${t.device}`, 'world 1 / plain', t.world1VsPlain);
    put(`ddp ${t.device}`, `${t.ranks} workers / plain`, t.scaling);
  }
  if (r.windowing) {
    put('windowing', 'windows/s', r.windowing.windowsPerSec);
    put('windowing', 'gather/memcpy', r.windowing.bandwidthRatio);
    put('windowing', 'RSS growth/data', r.windowing.memoryRatio);
  }
  return out;
}

export function compareResults(before: BenchResult, after: BenchResult): Change[] {
  const a = headlines(before),
    b = headlines(after);
  const changes: Change[] = [];
  for (const [key, metrics] of b)
    for (const [metric, v] of metrics) {
      const old = a.get(key)?.get(metric);
      if (old !== undefined) changes.push({ key, metric, before: old, after: v, change: old !== 0 ? v / old - 1 : NaN });
    }
  return changes;
}

export function comparisonMarkdown(before: BenchResult, after: BenchResult): string {
  const changes = compareResults(before, after);
  const same = before.fingerprint.id === after.fingerprint.id;
  const lines = [
    `## Change against ${before.startedAt} (machine ${before.fingerprint.id}${same ? ', same machine' : `, a DIFFERENT machine than ${after.fingerprint.id}`})`,
    '',
    '| measured | metric | before | after | change |',
    '|---|---|---|---|---|',
  ];
  for (const c of changes)
    lines.push(
      `| ${c.key} | ${c.metric} | ${c.before.toPrecision(4)} | ${c.after.toPrecision(4)} | ${c.change >= 0 ? '+' : ''}${(100 * c.change).toFixed(1)}% |`,
    );
  if (!changes.length) lines.push('| (nothing measured in both) | | | | |');
  return lines.join('\n') + '\n';
}
