/**
 * `tsfm doctor`: what this machine runs tsfm on, and checks with a one-line fix each. `ok` is false (and
 * the command exits non-zero) when training cannot run here.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { packageRoot } from '../config/index.js';
import { loadNative, nativeAddonPath } from '../native/loader.js';
import { syntheticSeries, syntheticSplit } from '../system/synthetic.js';
import {
  betterOpenblasCore,
  buildSettings,
  cpuInfo,
  cpuVectorFlags,
  loadedBlas,
  nvidiaGpus,
  sharedMemoryBytes,
  type BlasInfo,
  type GpuInfo,
} from '../system/probe.js';
import { createModel, createTrainer } from '../native/engine.js';

export type CheckStatus = 'ok' | 'warn' | 'fail';
export interface Check {
  name: string;
  status: CheckStatus;
  message: string;
  fix?: string;
}

export interface DoctorReport {
  ok: boolean;
  node: string;
  tsfm: string;
  addon?: { path: string; build?: Record<string, unknown> };
  torch?: {
    version: string;
    builtAgainst?: string;
    cuda: string;
    cudnn: string;
    nccl: string;
    blas: BlasInfo & { info: string; matmulGflops?: number };
    openmp: string;
    intraOpThreads: number;
    interOpThreads: number;
    blasThreads: number;
    distributed: boolean;
    /** Instruction set of the fused CPU kernels (attention, dropout), or 'off'. */
    fusedKernels: string;
  };
  cpu: { model: string; cores: number; availableParallelism: number; memoryGiB: number; loadAverage: number };
  gpus: GpuInfo[];
  cudaDevicesSeen: number;
  sharedMemoryBytes?: number;
  checks: Check[];
}

export interface DoctorOptions {
  /** Skip the timed matmul and the two-step training check (fast, for tests of the report shape). */
  skipRuntimeChecks?: boolean;
  /** Probe overrides for tests. */
  env?: NodeJS.ProcessEnv;
}

const GiB = 2 ** 30;
/** A reference (unoptimised) BLAS multiplies 256x256 fp32 matrices at ~1-3 GFLOP/s; OpenBLAS/MKL at 30+ per core. */
const SLOW_MATMUL_GFLOPS = 4;
/** Docker's default /dev/shm is 64 MiB; multi-process training and Gloo want far more. */
const MIN_SHM_BYTES = 1 * GiB;

function packageVersion(): string {
  try {
    return JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')).version;
  } catch {
    return 'unknown';
  }
}

type Native = ReturnType<typeof loadNative>;
type AddCheck = (name: string, status: CheckStatus, message: string, fix?: string) => void;

/** What the checks after the addon loaded read: the report so far, the runtime and its build settings. */
interface Probe {
  o: DoctorOptions;
  env: NodeJS.ProcessEnv;
  add: AddCheck;
  report: DoctorReport & { torch: NonNullable<DoctorReport['torch']> };
  native: Native;
  rt: ReturnType<Native['runtimeInfo']>;
  settings: Record<string, string>;
  blas: BlasInfo;
  build: Record<string, unknown> | undefined;
  cpu: ReturnType<typeof cpuInfo>;
}

/** Runs the checks in the order they are printed; without a loading addon only the first two. */
export async function runDoctor(o: DoctorOptions = {}): Promise<DoctorReport> {
  const env = o.env ?? process.env;
  const checks: Check[] = [];
  const add: AddCheck = (name, status, message, fix) => checks.push({ name, status, message, fix });
  const cpu = cpuInfo();
  const report = machineReport(cpu, checks);
  checkNode(add);
  let native: Native;
  try {
    native = loadNative();
  } catch (e) {
    const msg = (e as Error).message;
    const fix = msg.match(/Fix: (.*)$/m)?.[1] ?? 'run `bash scripts/setup.sh`';
    add('addon', 'fail', `the native addon does not load: ${msg.split('\n')[0]}`, fix);
    report.ok = false;
    return report;
  }
  const build = readBuildInfo();
  report.addon = { path: nativeAddonPath(), build };
  add('addon', 'ok', `addon loaded${build ? ` (built against LibTorch ${build.torchVersion} from ${build.torchSource})` : ''}`);
  const rt = native.runtimeInfo();
  const settings = buildSettings(rt.buildConfig);
  const blas = loadedBlas();
  report.cudaDevicesSeen = rt.cudaDeviceCount;
  report.torch = torchReport(rt, settings, blas, build);
  const p: Probe = { o, env, add, report: report as Probe['report'], native, rt, settings, blas, build, cpu };
  checkAbi(p);
  await checkBlas(p);
  checkBlasKernels(p);
  checkCuda(p);
  checkThreads(p);
  checkMemory(p);
  await checkFusedKernels(p);
  if (!o.skipRuntimeChecks) {
    await checkOptimizerStep(p);
    await checkTraining(p);
  }
  report.ok = !checks.some((c) => c.status === 'fail');
  return report;
}

/** The report's machine part (CPU, GPUs, /dev/shm), read before the addon loads. */
function machineReport(cpu: ReturnType<typeof cpuInfo>, checks: Check[]): DoctorReport {
  return {
    ok: true,
    node: process.version,
    tsfm: packageVersion(),
    cpu: {
      model: cpu.model,
      cores: cpu.cores,
      availableParallelism: cpu.availableParallelism,
      memoryGiB: +(cpu.memoryBytes / GiB).toFixed(1),
      loadAverage: +os.loadavg()[0].toFixed(2),
    },
    gpus: nvidiaGpus(),
    cudaDevicesSeen: 0,
    sharedMemoryBytes: sharedMemoryBytes(),
    checks,
  };
}

function checkNode(add: AddCheck): void {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major < 22 || (major === 22 && minor < 13))
    add(
      'node',
      'fail',
      `Node ${process.version} is too old (need >= 22.13)`,
      'run through `npm run tsfm --` (Node 24 from node_modules) or install Node >= 22.13',
    );
  else add('node', 'ok', `Node ${process.version}`);
}

/** build/build-info.json of a locally built addon; undefined for a prebuilt one. */
function readBuildInfo(): Record<string, unknown> | undefined {
  try {
    return JSON.parse(readFileSync(path.join(packageRoot(), 'build', 'build-info.json'), 'utf8'));
  } catch {
    /* prebuilt addon */
    return undefined;
  }
}

function torchReport(
  rt: Probe['rt'],
  settings: Record<string, string>,
  blas: BlasInfo,
  build: Record<string, unknown> | undefined,
): NonNullable<DoctorReport['torch']> {
  return {
    version: settings.TORCH_VERSION ?? rt.torchVersion,
    builtAgainst: build?.torchVersion as string | undefined,
    cuda: settings.USE_CUDA === 'ON' ? `yes (CUDA ${settings.CUDA_RUNTIME ?? settings.CUDA_VERSION ?? '?'})` : 'no (CPU build)',
    cudnn: settings.CUDNN_VERSION ?? (settings.USE_CUDNN === 'ON' ? 'yes' : 'no'),
    nccl: settings.USE_NCCL === 'ON' || settings.USE_NCCL === '1' ? 'yes' : 'no',
    blas: { ...blas, info: settings.BLAS_INFO ?? '?', ...(rt.blasCore ? { core: rt.blasCore } : {}) },
    openmp: settings.USE_OPENMP === 'ON' ? `yes (${settings.OPENMP ?? '?'})` : 'no',
    intraOpThreads: rt.intraOpThreads,
    interOpThreads: rt.interOpThreads,
    blasThreads: rt.blasThreads,
    distributed: rt.distributed,
    fusedKernels: rt.fusedKernels,
  };
}

/** ABI / version: the addon must run on the LibTorch it was compiled against. */
function checkAbi({ add, build, report }: Probe): void {
  const runtimeVersion = report.torch.version;
  const builtMajorMinor = String(build?.torchVersion ?? '')
    .split('.')
    .slice(0, 2)
    .join('.');
  const runMajorMinor = runtimeVersion.split('.').slice(0, 2).join('.');
  if (build && builtMajorMinor && builtMajorMinor !== runMajorMinor)
    add(
      'libtorch-abi',
      'fail',
      `addon built against LibTorch ${build.torchVersion} but running on ${runtimeVersion}`,
      'rebuild the addon against the LibTorch you run with: `npm run build:native`',
    );
  else add('libtorch-abi', 'ok', `LibTorch ${runtimeVersion} (the one the addon was built against)`);
}

/** BLAS: the reference implementation makes matrix products ~30x slower. */
async function checkBlas({ o, add, report, native, rt, blas }: Probe): Promise<void> {
  if (!o.skipRuntimeChecks) {
    const r = await native.benchMatmul({ device: 'cpu', dtype: 'fp32', size: 256, minSeconds: 0.2 });
    report.torch.blas.matmulGflops = +(r.work / r.seconds / 1e9 / Math.max(1, rt.intraOpThreads)).toFixed(1);
  }
  // The mapped library decides when it is known; the timing only when it is not (a busy machine is slow too).
  const slow =
    blas.kind === 'unknown' && report.torch.blas.matmulGflops !== undefined && report.torch.blas.matmulGflops < SLOW_MATMUL_GFLOPS;
  const blasFix =
    'install OpenBLAS: `apt-get install libopenblas0-pthread` (or `update-alternatives --config libblas.so.3-x86_64-linux-gnu` to pick it)';
  if (blas.kind === 'reference' || slow)
    add(
      'blas',
      'warn',
      `${blas.kind === 'reference' ? `the reference BLAS is loaded (${blas.libraries.join(', ')})` : 'BLAS'}` +
        `${report.torch.blas.matmulGflops !== undefined ? `, fp32 matmul at ${report.torch.blas.matmulGflops} GFLOP/s per thread` : ''}: training runs many times slower`,
      blasFix,
    );
  else
    add(
      'blas',
      'ok',
      `BLAS: ${blas.kind}${blas.libraries.length ? ` (${blas.libraries[0]})` : ''}${report.torch.blas.matmulGflops !== undefined ? `, fp32 matmul ${report.torch.blas.matmulGflops} GFLOP/s per thread` : ''}`,
    );
}

/** OpenBLAS picks its kernels by CPU model at load; one older than the CPU runs SSE3 kernels on an AVX-512 core. */
function checkBlasKernels({ env, add, rt }: Probe): void {
  const coreType = betterOpenblasCore(rt.blasCore, cpuVectorFlags());
  const forced = env.OPENBLAS_CORETYPE;
  if (coreType) {
    const cause = forced ? `, because OPENBLAS_CORETYPE=${forced} is set` : ' (this OpenBLAS does not know the CPU model)';
    add(
      'blas-kernels',
      'warn',
      `OpenBLAS runs its ${rt.blasCore} kernels on this CPU, which has ${coreType === 'SkylakeX' ? 'AVX-512' : 'AVX2'}${cause}: fp32 matrix products run several times slower than they could`,
      forced
        ? `unless it was set to work around an OpenBLAS bug on this CPU, export OPENBLAS_CORETYPE=${coreType} (or unset it)`
        : `export OPENBLAS_CORETYPE=${coreType} before starting tsfm (or install a newer OpenBLAS)`,
    );
  } else if (rt.blasCore) add('blas-kernels', 'ok', `OpenBLAS kernels: ${rt.blasCore}`);
}

/** CUDA: a GPU that training cannot use, and NCCL for more than one. */
function checkCuda({ add, report, rt, settings, build }: Probe): void {
  const cudaBuild = settings.USE_CUDA === 'ON' || build?.cuda === true;
  if (cudaBuild && !rt.cudaAvailable)
    add(
      'cuda',
      'warn',
      `this LibTorch is built with CUDA but sees no usable GPU${report.gpus.length ? ` (nvidia-smi lists ${report.gpus.length})` : ''}; training runs on the CPU only`,
      report.gpus.length
        ? 'check the NVIDIA driver matches the CUDA runtime and CUDA_VISIBLE_DEVICES'
        : 'install the NVIDIA driver, or use a CPU LibTorch',
    );
  else if (!cudaBuild && report.gpus.length)
    add(
      'cuda',
      'warn',
      `${report.gpus.length} NVIDIA GPU(s) present but this LibTorch is CPU-only`,
      'build against a CUDA LibTorch: set LIBTORCH=/path/to/libtorch-cuda and run `npm run build:native`',
    );
  else add('cuda', 'ok', rt.cudaAvailable ? `${rt.cudaDeviceCount} CUDA device(s) usable` : 'CPU LibTorch, no GPU (CPU training)');
  if (rt.cudaDeviceCount > 1 && report.torch.nccl !== 'yes')
    add(
      'nccl',
      'warn',
      `${rt.cudaDeviceCount} GPUs but this LibTorch has no NCCL: multi-GPU training falls back to Gloo (slow) or cannot run`,
      'use a LibTorch built with NCCL (the official CUDA builds are)',
    );
  else if (rt.cudaDeviceCount > 1) add('nccl', 'ok', 'NCCL available for multi-GPU training');
}

/** Threads: more compute threads than cores makes every step slower; so does a loaded machine. */
function checkThreads({ env, add, report, rt, cpu }: Probe): void {
  const cores = cpu.availableParallelism;
  const omp = Number(env.OMP_NUM_THREADS ?? NaN);
  if (rt.intraOpThreads > cores)
    add(
      'threads',
      'warn',
      `${rt.intraOpThreads} intra-op threads on ${cores} usable cores (oversubscription)`,
      `set training.threads (or OMP_NUM_THREADS) to at most ${cores}`,
    );
  else if (Number.isFinite(omp) && omp > cores)
    add('threads', 'warn', `OMP_NUM_THREADS=${omp} exceeds the ${cores} usable cores`, `export OMP_NUM_THREADS=${cores}`);
  else if (rt.blasThreads > cores)
    add(
      'threads',
      'warn',
      `OpenBLAS's pool has ${rt.blasThreads} threads on ${cores} usable cores (its busy-waiting threads slow small models down)`,
      `export OPENBLAS_NUM_THREADS=${cores}`,
    );
  else
    add(
      'threads',
      'ok',
      `${rt.intraOpThreads} intra-op / ${rt.interOpThreads} inter-op${rt.blasThreads >= 0 ? ` / ${rt.blasThreads} OpenBLAS` : ''} threads on ${cores} usable cores`,
    );
  if (report.cpu.loadAverage > cores)
    add(
      'load',
      'warn',
      `load average ${report.cpu.loadAverage} exceeds ${cores} cores: other processes compete for the CPU (timings will be noisy)`,
      'benchmark on an idle machine, or note that it was shared',
    );
}

/** Shared memory (multi-process DDP/Gloo training keeps buffers in /dev/shm) and RAM. */
function checkMemory({ add, report, cpu }: Probe): void {
  if (report.sharedMemoryBytes !== undefined && report.sharedMemoryBytes < MIN_SHM_BYTES)
    add(
      'shm',
      'warn',
      `/dev/shm is only ${(report.sharedMemoryBytes / 2 ** 20).toFixed(0)} MiB`,
      'give it more: `docker run --shm-size=8g ...` or `mount -o remount,size=8G /dev/shm`',
    );
  else
    add(
      'shm',
      'ok',
      report.sharedMemoryBytes === undefined
        ? 'no /dev/shm (single-process training only)'
        : `/dev/shm ${(report.sharedMemoryBytes / GiB).toFixed(1)} GiB`,
    );
  if (cpu.memoryBytes < 2 * GiB)
    add(
      'memory',
      'warn',
      `${report.cpu.memoryGiB} GiB of memory`,
      'datasets are held in memory: use a machine with more RAM or a smaller dataset',
    );
}

/** Fused CPU kernels (attention, dropout): each instruction set this CPU runs, against LibTorch's own ops. */
async function checkFusedKernels({ o, add, native, rt }: Probe): Promise<void> {
  if (rt.fusedKernels === 'off')
    return add(
      'fused-kernels',
      'warn',
      'fused CPU kernels are off (TSFM_FUSED_KERNELS=0): attention and dropout run as plain LibTorch ops, slower',
      'unset TSFM_FUSED_KERNELS',
    );
  if (o.skipRuntimeChecks) return;
  const results = await native.checkFusedKernels();
  const bad = results.filter((c) => !c.ok);
  if (bad.length)
    add(
      'fused-kernels',
      'fail',
      `fused CPU kernels disagree with LibTorch: ${bad.map((c) => `${c.name} (${c.detail})`).join('; ')}`,
      'export TSFM_FUSED_KERNELS=0 to train without them, and report this output',
    );
  else add('fused-kernels', 'ok', `fused CPU kernels (${rt.fusedKernels}) match LibTorch in ${results.length} checks`);
}

/**
 * The training step's optimizer half (multi-tensor AdamW, clipping without a host sync) against
 * LibTorch's own, on every device that trains.
 */
async function checkOptimizerStep({ add, native, rt }: Probe): Promise<void> {
  const devices = ['cpu', ...Array.from({ length: rt.cudaAvailable ? rt.cudaDeviceCount : 0 }, (_, i) => `cuda:${i}`)];
  const results = (await Promise.all(devices.map((d) => native.checkOptimizerStep(d)))).flat();
  const bad = results.filter((c) => !c.ok);
  if (bad.length)
    add(
      'optimizer-step',
      'fail',
      `the multi-tensor optimizer step disagrees with LibTorch's: ${bad.map((c) => `${c.name} (${c.detail})`).join('; ')}`,
      'report this output: training on this device would not match torch::optim::AdamW',
    );
  else add('optimizer-step', 'ok', `multi-tensor AdamW and gradient clipping match LibTorch's on ${devices.join(', ')}`);
}

/**
 * The real test: two training steps of a tiny model on synthetic data, on the CPU and on the first GPU
 * (there with the background batch prefetch and mixed precision, as GPU training runs).
 */
async function checkTraining({ add, native, rt }: Probe): Promise<void> {
  const setups = [
    { device: 'cpu', precision: 'fp32' },
    ...(rt.cudaAvailable
      ? [
          { device: 'cuda', precision: 'fp32' },
          { device: 'cuda', precision: 'bf16' },
        ]
      : []),
  ];
  let split: ReturnType<typeof syntheticSplit> | undefined;
  for (const setup of setups) {
    const name = setup.device === 'cpu' ? 'training' : `training-${setup.device}-${setup.precision}`;
    let model: InstanceType<typeof native.NativeModel> | undefined;
    try {
      split ??= syntheticSplit(native, syntheticSeries(4096), 64, 16);
      model = createModel(native, { family: 'dlinear', contextLength: 64, horizon: 16, channels: 1, seed: 1 });
      const trainer = createTrainer(native, model, { epochs: 1, batchSize: 32, maxStepsPerEpoch: 2, patience: 0, ...setup });
      const fit = await trainer.fit({ train: split }).finally(() => trainer.dispose());
      if (!(fit.globalStep === 2 && Number.isFinite(fit.history[0]?.trainLoss)))
        throw new Error(`unexpected result (${fit.globalStep} steps, loss ${fit.history[0]?.trainLoss})`);
      add(name, 'ok', `two training steps of a small model ran on ${setup.device} (${setup.precision})`);
    } catch (e) {
      add(
        name,
        'fail',
        `a two-step training run on ${setup.device} (${setup.precision}) failed: ${(e as Error).message.split('\n')[0]}`,
        setup.device === 'cpu'
          ? 'run `bash scripts/setup.sh`; if it persists, report it with this output'
          : 'train on the CPU (training.device: cpu) and report this output',
      );
    } finally {
      model?.dispose();
    }
  }
}

export function formatDoctor(r: DoctorReport): string {
  const lines: string[] = [];
  const row = (k: string, v: string) => lines.push(`  ${k.padEnd(14)} ${v}`);
  lines.push(`tsfm ${r.tsfm} doctor`);
  row('node', r.node);
  if (r.addon)
    row('addon', `${r.addon.path}${r.addon.build ? ` (LibTorch ${r.addon.build.torchVersion}, ${r.addon.build.torchSource})` : ''}`);
  if (r.torch) {
    row(
      'libtorch',
      `${r.torch.version}; CUDA ${r.torch.cuda}; cuDNN ${r.torch.cudnn}; NCCL ${r.torch.nccl}; distributed ${r.torch.distributed ? 'yes' : 'no'}`,
    );
    row(
      'blas',
      `${r.torch.blas.kind}${r.torch.blas.core ? ` (kernels ${r.torch.blas.core})` : ''} (BLAS_INFO=${r.torch.blas.info}${r.torch.blas.libraries.length ? `; ${r.torch.blas.libraries.join(', ')}` : ''})${r.torch.blas.matmulGflops !== undefined ? `; fp32 matmul ${r.torch.blas.matmulGflops} GFLOP/s per thread` : ''}`,
    );
    row(
      'threads',
      `OpenMP ${r.torch.openmp}; intra-op ${r.torch.intraOpThreads}, inter-op ${r.torch.interOpThreads}${r.torch.blasThreads >= 0 ? `, OpenBLAS ${r.torch.blasThreads}` : ''}`,
    );
    row('kernels', `fused CPU attention and dropout: ${r.torch.fusedKernels}`);
  }
  row(
    'cpu',
    `${r.cpu.model}, ${r.cpu.cores} cores (${r.cpu.availableParallelism} usable), ${r.cpu.memoryGiB} GiB, load ${r.cpu.loadAverage}`,
  );
  if (r.gpus.length)
    for (const g of r.gpus)
      row(`gpu ${g.index}`, `${g.name}, ${(g.memoryBytes / GiB).toFixed(1)} GiB, compute ${g.computeCapability}, driver ${g.driver}`);
  else row('gpus', 'none (no nvidia-smi or no NVIDIA GPU)');
  if (r.sharedMemoryBytes !== undefined) row('/dev/shm', `${(r.sharedMemoryBytes / GiB).toFixed(1)} GiB`);
  lines.push('', 'checks:');
  for (const c of r.checks) {
    lines.push(`  [${c.status === 'ok' ? ' ok ' : c.status}] ${c.name}: ${c.message}`);
    if (c.fix && c.status !== 'ok') lines.push(`         fix: ${c.fix}`);
  }
  lines.push('', r.ok ? 'tsfm can train on this machine.' : 'tsfm cannot train on this machine until the failures above are fixed.');
  return lines.join('\n') + '\n';
}
