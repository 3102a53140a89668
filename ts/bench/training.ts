/**
 * End-to-end training throughput: the native trainer (with per-step phase timing) and, when a Python
 * torch exists, the plain PyTorch loop in bench/python/train_loop.py on the same model, data, batch size
 * and optimizer, one after the other in the same run.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadNative } from '../native/loader.js';
import { residentBytes, resetPeakResident } from '../system/probe.js';
import { trainFlopsPerSample } from './flops.js';
import { findPythonTorch, PythonPeer, type PythonTorch } from './python.js';
import { syntheticSeries, syntheticSplit } from '../system/synthetic.js';
import { createModel, createTrainer } from '../native/engine.js';
import type { NativeModel } from '../native/types.js';

export type SizeName = 'small' | 'medium' | 'large';
export const FAMILIES = ['dlinear', 'ttm', 'patchtst', 'tsmixer', 'nhits', 'tide', 'lstm', 'gru'] as const;
export const SIZES: SizeName[] = ['small', 'medium', 'large'];

/** Window, batch and model size per size class; params are family hyper-parameters over the defaults. */
export const SIZE_TABLE: Record<
  SizeName,
  { context: number; horizon: number; batch: number; params: Record<string, Record<string, number>> }
> = {
  small: {
    context: 96,
    horizon: 24,
    batch: 64,
    params: {
      dlinear: {},
      ttm: { patch_length: 8, d_model: 32, num_layers: 4 },
      patchtst: { patch_length: 16, stride: 8, d_model: 32, num_heads: 4, num_layers: 2, d_ff: 64 },
      tsmixer: {},
      nhits: { hidden_size: 128 },
      tide: { hidden_size: 64, temporal_decoder_hidden: 32 },
      lstm: { hidden_size: 32 },
      gru: { hidden_size: 32 },
    },
  },
  // Every family at its defaults (docs/models.md).
  medium: {
    context: 512,
    horizon: 96,
    batch: 64,
    params: { dlinear: {}, ttm: {}, patchtst: {}, tsmixer: {}, nhits: {}, tide: {}, lstm: {}, gru: {} },
  },
  large: {
    context: 1024,
    horizon: 192,
    batch: 128,
    params: {
      dlinear: {},
      ttm: { d_model: 128, num_layers: 8 },
      patchtst: { d_model: 256, num_heads: 16, num_layers: 4, d_ff: 512 },
      tsmixer: { num_blocks: 6, ff_dim: 512 },
      nhits: { hidden_size: 1024, blocks_per_stack: 2 },
      tide: { hidden_size: 512, num_encoder_layers: 3, num_decoder_layers: 3 },
      lstm: { hidden_size: 256 },
      gru: { hidden_size: 256 },
    },
  },
};

export interface Setup {
  name: string;
  device: string;
  precision: 'fp32' | 'bf16' | 'fp16';
}

export interface PhaseBreakdown {
  data: number;
  forward: number;
  backward: number;
  communication: number;
  optimizer: number;
}

export interface LoopResult {
  samplesPerSec: number; // batch / median step time (robust to noise from other processes)
  samplesPerSecMean: number; // batch / mean step time
  stepSeconds: { median: number; mean: number; p90: number };
  phases: PhaseBreakdown; // mean seconds per step
  /** batch / median process CPU seconds per step: what the step costs, nearly independent of other load. */
  samplesPerCpuSec: number;
  mfu?: number; // model FLOPs utilisation against the setup's peak
  peakRssBytes?: number; // peak resident memory of the process that trained
  peakDeviceBytes?: number; // GPU setups: peak bytes of the caching allocator on the device
  parameters: number;
  /** samples/s measured over all steps between two device synchronisations (GPU setups), not per step. */
  timedThroughput?: boolean;
}

export interface TrainingCaseResult {
  family: string;
  size: SizeName;
  setup: string;
  device: string;
  precision: string;
  context: number;
  horizon: number;
  batch: number;
  steps: number;
  threads: number;
  trainFlopsPerSample: number;
  native: LoopResult;
  python?: LoopResult & { torch: string };
  /** samples/s of every alternating round (the reported figures are each side's best round). */
  rounds: { native: number; python?: number }[];
  pythonSkipped?: string;
  /** native / python samples/s (median-based). */
  ratio?: number;
  /** native / python samples per CPU-second: the comparison that survives a shared machine. */
  cpuRatio?: number;
  /** data pipeline windows/s (batch gather at this window size and batch) / native samples/s. */
  dataPipelineRatio?: number;
  dataWindowsPerSec?: number;
}

export interface TrainingBenchOptions {
  families: string[];
  sizes: SizeName[];
  setups: Setup[];
  warmupSteps: number;
  steps: number;
  rounds: number;
  threads: number;
  python: boolean;
  deterministic: boolean;
  /** FLOP/s peak per setup name, for MFU. */
  peaks: Record<string, number | undefined>;
  onLog?: (line: string) => void;
}

const median = (a: number[]) => {
  const s = [...a].sort((x, y) => x - y);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : NaN;
};
const quantile = (a: number[], q: number) => {
  const s = [...a].sort((x, y) => x - y);
  return s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))] : NaN;
};
const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / Math.max(1, a.length);

function summarise(phases: Record<string, ArrayLike<number>>, skip: number, batch: number, parameters: number): LoopResult {
  const names: (keyof PhaseBreakdown)[] = ['data', 'forward', 'backward', 'communication', 'optimizer'];
  const arrays = Object.fromEntries(names.map((n) => [n, Array.from(phases[n] ?? []).slice(skip)])) as Record<
    keyof PhaseBreakdown,
    number[]
  >;
  const steps = arrays.data.length;
  const totals = Array.from({ length: steps }, (_, i) => names.reduce((s, n) => s + (arrays[n][i] ?? 0), 0));
  const med = median(totals),
    avg = mean(totals);
  const cpu = Array.from(phases.cpu ?? []).slice(skip);
  return {
    samplesPerSec: batch / med,
    samplesPerSecMean: batch / avg,
    samplesPerCpuSec: batch / median(cpu),
    stepSeconds: { median: med, mean: avg, p90: quantile(totals, 0.9) },
    phases: Object.fromEntries(names.map((n) => [n, mean(arrays[n])])) as unknown as PhaseBreakdown,
    parameters,
  };
}

/**
 * GPU throughput: batch x steps / wall seconds between two device synchronisations, with none inside the
 * steps (per-step marks would make the host wait for the GPU every phase). Replaces the median-based rate.
 */
export function withTimedThroughput(r: LoopResult, timed: { timedSeconds?: number; timedSteps?: number }, batch: number): LoopResult {
  if (!timed.timedSeconds || !timed.timedSteps)
    throw new Error('bench: no timed steps came back (addon or bench/python older than this bench?)');
  r.samplesPerSec = r.samplesPerSecMean = (batch * timed.timedSteps) / timed.timedSeconds;
  r.timedThroughput = true;
  return r;
}

const SERIES_POINTS = 200_000;

/**
 * Waits (at most maxMs) until this process has been idle for 100 ms: what earlier suites left behind (V8
 * collecting the windowing suite's 400 MB, memory going back to the system) otherwise runs beside the next
 * native round, whose per-step process CPU time would count it.
 */
export async function settle(maxMs = 5000): Promise<void> {
  const end = Date.now() + maxMs;
  while (Date.now() < end) {
    const c0 = process.cpuUsage();
    await new Promise((r) => setTimeout(r, 100));
    const c = process.cpuUsage(c0);
    if ((c.user + c.system) / 1e3 < 10) return; // under 10% of one core
  }
}

type Native = ReturnType<typeof loadNative>;
type Split = ReturnType<typeof syntheticSplit>;
type PythonResult = LoopResult & { torch: string };

/** What every case of one bench run shares: the addon, the options and the series file Python reads. */
interface BenchRun {
  native: Native;
  opts: TrainingBenchOptions;
  dir: string;
  seriesFile: string;
  py: PythonTorch | null;
}

/** One family x size x setup case: its model and the training options native and Python both use. */
interface BenchCase {
  family: string;
  size: SizeName;
  setup: Setup;
  sz: (typeof SIZE_TABLE)[SizeName];
  split: Split;
  model: NativeModel;
  info: ReturnType<NativeModel['info']>;
  common: { lr: number; weightDecay: number; gradClip: number; seed: number; threads: number; deterministic: boolean };
  onGpu: boolean;
  gpuIndex: number;
}

/** Runs every family x size x setup case; `series` is shared by native and Python. */
export async function trainingBench(opts: TrainingBenchOptions): Promise<TrainingCaseResult[]> {
  const native = loadNative();
  const series = syntheticSeries(SERIES_POINTS, 7);
  const dir = mkdtempSync(path.join(tmpdir(), 'tsfm-bench-'));
  const seriesFile = path.join(dir, 'series.f32');
  writeFileSync(seriesFile, new Uint8Array(series.buffer, series.byteOffset, series.byteLength));
  const run: BenchRun = { native, opts, dir, seriesFile, py: opts.python ? await findPythonTorch() : null };
  const results: TrainingCaseResult[] = [];
  try {
    for (const setup of opts.setups) {
      for (const size of opts.sizes) {
        const sz = SIZE_TABLE[size];
        const split = syntheticSplit(native, series, sz.context, sz.horizon);
        for (const family of opts.families) results.push(await benchCase(run, setup, size, split, family));
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}

/** One case: alternating native and Python rounds, then MFU and the data pipeline rate against the best native round. */
async function benchCase(run: BenchRun, setup: Setup, size: SizeName, split: Split, family: string): Promise<TrainingCaseResult> {
  const { native, opts } = run;
  const sz = SIZE_TABLE[size];
  const model = createModel(native, {
    family,
    contextLength: sz.context,
    horizon: sz.horizon,
    channels: 1,
    params: sz.params[family] ?? {},
    seed: 1,
  });
  const info = model.info();
  const common = { lr: 1e-3, weightDecay: 1e-4, gradClip: 1.0, seed: 3, threads: opts.threads, deterministic: opts.deterministic };
  const flops = trainFlopsPerSample({ family, contextLength: sz.context, horizon: sz.horizon, channels: 1, params: info.params });
  const peakFlops = opts.peaks[setup.name];
  const onGpu = setup.device !== 'cpu';
  const c: BenchCase = {
    family,
    size,
    setup,
    sz,
    split,
    model,
    info,
    common,
    onGpu,
    gpuIndex: onGpu ? Number(setup.device.split(':')[1] ?? 0) : -1,
  };
  const pythonSkipped = pythonSkipReason(run, setup);
  const caseFile = writePythonCase(run, c);
  // The same thread configuration as the native side, whose setThreads also sizes OpenBLAS's pool.
  const threadsEnv = { ...process.env, OMP_NUM_THREADS: String(opts.threads), OPENBLAS_NUM_THREADS: String(opts.threads) };
  const peer = pythonSkipped ? undefined : new PythonPeer(run.py!.python, 'train_loop.py', [caseFile], threadsEnv);
  const { nat, pyr, rounds } = await alternateRounds(run, c, peer);
  if (peakFlops) {
    nat.mfu = (flops * nat.samplesPerSec) / peakFlops;
    if (pyr) pyr.mfu = (flops * pyr.samplesPerSec) / peakFlops;
  }
  const res: TrainingCaseResult = {
    family,
    size,
    setup: setup.name,
    device: setup.device,
    precision: setup.precision,
    context: sz.context,
    horizon: sz.horizon,
    batch: sz.batch,
    steps: opts.steps,
    threads: opts.threads,
    trainFlopsPerSample: flops,
    native: nat,
    rounds,
    python: pyr,
    pythonSkipped,
    ratio: pyr ? nat.samplesPerSec / pyr.samplesPerSec : undefined,
    cpuRatio: pyr ? nat.samplesPerCpuSec / pyr.samplesPerCpuSec : undefined,
  };
  res.dataWindowsPerSec = await dataWindowsPerSec(native, split, sz.batch);
  res.dataPipelineRatio = res.dataWindowsPerSec / nat.samplesPerSec;
  model.dispose();
  run.opts.onLog?.(caseLine(res));
  return res;
}

/** Why the Python peer does not run this case, or undefined when it does. */
function pythonSkipReason(run: BenchRun, setup: Setup): string | undefined {
  if (!run.opts.python) return 'disabled (--no-python)';
  if (!run.py) return 'no Python with torch found (apt-get install python3-torch, or set TSFM_PYTHON)';
  if (setup.device !== 'cpu' && setup.precision === 'fp16') return 'fp16 loss scaling not mirrored in the Python loop';
  return undefined;
}

/** The case as bench/python/train_loop.py reads it: the same model, series, batch, optimizer and device. */
function writePythonCase(run: BenchRun, c: BenchCase): string {
  const { opts } = run;
  const caseFile = path.join(run.dir, `${c.family}-${c.size}-${c.setup.name}.json`);
  writeFileSync(
    caseFile,
    JSON.stringify({
      spec: { family: c.family, context_length: c.sz.context, horizon: c.sz.horizon, channels: 1, quantiles: [], params: c.info.params },
      series: run.seriesFile,
      batch_size: c.sz.batch,
      warmup_steps: opts.warmupSteps,
      steps: opts.steps,
      lr: c.common.lr,
      weight_decay: c.common.weightDecay,
      grad_clip: c.common.gradClip,
      threads: opts.threads,
      seed: c.common.seed,
      deterministic: opts.deterministic,
      device: c.setup.device,
      precision: c.setup.precision,
    }),
  );
  return caseFile;
}

/** Alternating rounds, best of each: other processes on a shared machine slow a round down, never up. */
async function alternateRounds(
  run: BenchRun,
  c: BenchCase,
  peer: PythonPeer | undefined,
): Promise<{ nat: LoopResult; pyr?: PythonResult; rounds: { native: number; python?: number }[] }> {
  let nat: LoopResult | undefined;
  let pyr: PythonResult | undefined;
  const rounds: { native: number; python?: number }[] = [];
  try {
    await peer?.ready();
    for (let round = 0; round < run.opts.rounds; round++) {
      await settle();
      const n = await runNative(run, c);
      const p = peer ? await runPython(c, peer) : undefined;
      rounds.push({ native: n.samplesPerSec, python: p?.samplesPerSec });
      if (!nat || n.samplesPerSec > nat.samplesPerSec) nat = n;
      if (p && (!pyr || p.samplesPerSec > pyr.samplesPerSec)) pyr = p;
    }
  } finally {
    peer?.close();
  }
  return { nat: nat!, pyr, rounds };
}

/** One epoch of warm-up + measured steps of the native trainer on the case's model. */
async function fitNative(run: BenchRun, c: BenchCase, profileSteps: boolean) {
  const total = run.opts.warmupSteps + run.opts.steps;
  const trainer = createTrainer(run.native, c.model, {
    ...c.common,
    epochs: 1,
    batchSize: c.sz.batch,
    warmupSteps: Math.max(1, Math.floor(total / 20)),
    schedule: 'cosine',
    device: c.setup.device,
    precision: c.setup.precision,
    maxStepsPerEpoch: total,
    patience: 0,
    logEvery: 1e9,
    profileSteps,
    timeFromStep: run.opts.warmupSteps,
  });
  try {
    return await trainer.fit({ train: c.split });
  } finally {
    trainer.dispose();
  }
}

/** A native round: per-step phases and peak memory (and, on a GPU, samples/s from a run without phase marks). */
async function runNative(run: BenchRun, c: BenchCase): Promise<LoopResult> {
  const { native } = run;
  resetPeakResident();
  if (c.onGpu) native.resetCudaPeakMemory(c.gpuIndex);
  const fit = await fitNative(run, c, true);
  const peak = residentBytes().peak;
  if (!fit.stepPhases) throw new Error('bench: the native trainer returned no step phases (addon older than this bench? rebuild it)');
  const r = summarise(fit.stepPhases, run.opts.warmupSteps, c.sz.batch, c.info.parameters);
  r.peakRssBytes = peak;
  // On a GPU the phase marks synchronise; samples/s comes from a second run that never waits
  // inside a step (the way training runs), timed between two synchronisations.
  if (c.onGpu) {
    withTimedThroughput(r, await fitNative(run, c, false), c.sz.batch);
    const device = native.cudaPeakMemory(c.gpuIndex);
    if (device >= 0) r.peakDeviceBytes = device;
  }
  return r;
}

/** A Python round of the peer; its model must have the native one's parameter count. */
async function runPython(c: BenchCase, peer: PythonPeer): Promise<PythonResult> {
  const out = await peer.round();
  if (out.parameters !== c.info.parameters)
    throw new Error(
      `bench: the Python ${c.family} has ${out.parameters} parameters, the native one ${c.info.parameters}; bench/python/models.py is out of step`,
    );
  const r = summarise({ ...out.phases, communication: [] }, 0, c.sz.batch, out.parameters);
  r.peakRssBytes = out.peak_rss_bytes;
  if (c.onGpu) {
    withTimedThroughput(r, { timedSeconds: out.phases.timed_seconds, timedSteps: out.phases.timed_steps }, c.sz.batch);
    r.peakDeviceBytes = out.peak_device_bytes;
  }
  return { ...r, torch: out.torch };
}

/** Data pipeline at this window size and batch: batch-gather windows/s over ~0.3 s, sized from a 20-batch probe. */
async function dataWindowsPerSec(native: Native, split: Split, batchSize: number): Promise<number> {
  const probe = await native.benchGather(split, { batchSize, batches: 20, seed: 5 });
  const batches = Math.max(20, Math.min(5000, Math.round((0.3 / Math.max(1e-6, probe.seconds)) * 20)));
  const g = await native.benchGather(split, { batchSize, batches, seed: 6 });
  return g.windows / g.seconds;
}

function caseLine(res: TrainingCaseResult): string {
  return (
    `train ${res.family}/${res.size}/${res.setup}: native ${res.native.samplesPerSec.toFixed(0)} samples/s` +
    (res.python
      ? `, python ${res.python.samplesPerSec.toFixed(0)} samples/s, ratio ${res.ratio!.toFixed(2)}x (CPU-time ratio ${res.cpuRatio!.toFixed(2)}x)`
      : `, python skipped: ${res.pythonSkipped}`) +
    `, data pipeline ${res.dataPipelineRatio!.toFixed(0)}x`
  );
}
