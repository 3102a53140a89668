/**
 * The data-parallel part of `tsfm bench` (suite `ddp`), run as real multi-process jobs through the same
 * launcher as `tsfm train --nproc-per-node`:
 * - all-reduce bus bandwidth: a float32 sum over N ranks (Gloo over loopback on the CPU, NCCL across GPUs),
 *   reported like nccl-tests: algorithm bandwidth = bytes / time, bus bandwidth = that x 2(N-1)/N;
 * - training throughput of `tsfm train` on the default config: plain, DDP forced at world size 1 (what the
 *   process group and the bucketed gradient hooks cost) and N workers, interleaved so that load from other
 *   processes hits every case alike.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { packageRoot } from '../config/index.js';
import { launch } from '../parallel/launcher.js';

export interface AllReduceSize {
  bytes: number;
  repeats: number;
  seconds: number;
  algGBps: number;
  busGBps: number;
}
export interface AllReduceResult {
  device: string;
  backend: string;
  ranks: number;
  sizes: AllReduceSize[];
}

export interface DdpTrainingResult {
  device: string;
  ranks: number;
  threadsPerWorker: number;
  steps: number;
  repeats: number;
  config: string;
  /** Median samples/s over the repeats (all ranks together for the N-worker case). */
  plain: number;
  ddpWorld1: number;
  ddpWorkers?: number;
  /** ddpWorld1 / plain: the cost of the DDP machinery itself (target >= 0.95). */
  world1VsPlain: number;
  /** ddpWorkers / plain. */
  scaling?: number;
  runs: Record<string, number[]>;
}

export interface DdpBenchResult {
  allReduce: AllReduceResult[];
  training: DdpTrainingResult[];
  skipped: string[];
}

export interface DdpBenchOptions {
  devices: string[]; // 'cpu' and/or 'cuda'
  cudaDeviceCount: number;
  cli?: string; // the tsfm CLI script the workers run (default: this package's)
  allReduceSizes?: number[]; // bytes
  minSeconds?: number;
  trainSteps?: number;
  repeats?: number;
  config?: string;
  onLog?: (line: string) => void;
}

const RESULT_PREFIX = 'TSFM_BENCH_RESULT ';

function defaultCli(): string {
  return path.join(packageRoot(), 'dist', 'ts', 'cli', 'main.js');
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Bus bandwidth of an all-reduce over n ranks from its algorithm bandwidth (nccl-tests' convention). */
export function busBandwidth(algGBps: number, ranks: number): number {
  return ranks > 1 ? (algGBps * 2 * (ranks - 1)) / ranks : algGBps;
}

/** One all-reduce job: `ranks` workers running `tsfm bench-worker allreduce`; rank 0 reports. */
export async function allReduceBench(o: {
  device: 'cpu' | 'cuda';
  ranks: number;
  sizes: number[];
  minSeconds: number;
  cli?: string;
}): Promise<AllReduceResult> {
  let reported: { work: number; seconds: number; repeats: number }[] | undefined;
  const errors: string[] = [];
  const job = launch({
    nprocPerNode: o.ranks,
    masterPort: await freePort(),
    args: [
      o.cli ?? defaultCli(),
      'bench-worker',
      'allreduce',
      JSON.stringify({ device: o.device, sizes: o.sizes, minSeconds: o.minSeconds }),
    ],
    env: { ...process.env, TSFM_THREADS_PER_WORKER: '1' },
    onLine: (rank, stream, line, complete) => {
      if (!complete) return;
      if (rank === 0 && line.startsWith(RESULT_PREFIX)) reported = JSON.parse(line.slice(RESULT_PREFIX.length));
      else if (stream === 'stderr' && line.trim()) errors.push(`rank ${rank}: ${line}`);
    },
  });
  const r = await job.done;
  if (r.exitCode !== 0 || !reported)
    throw new Error(
      `all-reduce benchmark (${o.ranks} ranks on ${o.device}) failed: ${r.failure?.error || errors[0] || `exit ${r.exitCode}`}`,
    );
  return {
    device: o.device,
    backend: o.device === 'cpu' ? 'gloo' : 'nccl',
    ranks: o.ranks,
    sizes: reported.map((x, i) => {
      const alg = x.work / x.seconds / 1e9;
      return { bytes: o.sizes[i]!, repeats: x.repeats, seconds: x.seconds, algGBps: alg, busGBps: busBandwidth(alg, o.ranks) };
    }),
  };
}

/** `tsfm bench-worker allreduce <json>`: one rank of allReduceBench (the launcher's environment says which). */
export async function allReduceWorker(json: string): Promise<void> {
  const { loadNative } = await import('../native/loader.js');
  const { detectDistributed } = await import('../parallel/env.js');
  const o = JSON.parse(json) as { device: 'cpu' | 'cuda'; sizes: number[]; minSeconds: number };
  const d = detectDistributed();
  const native = loadNative();
  native.setThreads(Number(process.env.TSFM_THREADS_PER_WORKER ?? 1) || 1);
  const r = await native.benchAllReduce({
    rank: d.rank,
    worldSize: d.worldSize,
    masterAddr: d.masterAddr,
    masterPort: d.masterPort,
    device: o.device === 'cpu' ? 'cpu' : `cuda:${d.localRank}`,
    sizes: o.sizes,
    minSeconds: o.minSeconds,
  });
  if (d.rank === 0) process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(r)}\n`);
}

/** samples/s of one `tsfm train` run (read from the run's metrics.json). */
function trainOnce(
  cli: string,
  config: string,
  runDir: string,
  id: string,
  steps: number,
  device: string,
  extra: string[],
  env: NodeJS.ProcessEnv,
): number {
  const args = [
    cli,
    'train',
    config,
    '--runs-dir',
    runDir,
    '--epochs',
    '1',
    '--set',
    `output.run_id=${id}`,
    '--set',
    `training.max_steps_per_epoch=${steps}`,
    '--set',
    'training.val_max_windows=64',
    '--set',
    'training.early_stopping.patience=0',
    '--set',
    'training.threads=1',
    '--set',
    'training.log_every=1000000',
    '--set',
    `training.device=${device}`,
    ...extra,
  ];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', env: { ...process.env, ...env } });
  if (r.status !== 0) throw new Error(`DDP benchmark run '${id}' failed: ${(r.stderr || r.stdout).trim().split('\n').pop()}`);
  return JSON.parse(readFileSync(path.join(runDir, id, 'metrics.json'), 'utf8')).samples_per_sec as number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function ddpTrainingBench(o: {
  device: 'cpu' | 'cuda';
  ranks: number;
  steps: number;
  repeats: number;
  config: string;
  cli?: string;
}): Promise<DdpTrainingResult> {
  const cli = o.cli ?? defaultCli();
  const runDir = mkdtempSync(path.join(tmpdir(), 'tsfm-bench-ddp-'));
  const device = o.device === 'cpu' ? 'cpu' : 'cuda';
  let n = 0;
  const runs: Record<string, number[]> = { plain: [], ddpWorld1: [], ddpWorkers: [] };
  try {
    for (let r = 0; r < o.repeats; r++) {
      runs.plain!.push(trainOnce(cli, o.config, runDir, `plain-${n++}`, o.steps, device, [], {}));
      runs.ddpWorld1!.push(
        trainOnce(cli, o.config, runDir, `ddp1-${n++}`, o.steps, device, [], {
          TSFM_DDP_FORCE: '1',
          RANK: '0',
          LOCAL_RANK: '0',
          WORLD_SIZE: '1',
          MASTER_ADDR: '127.0.0.1',
          MASTER_PORT: String(await freePort()),
        }),
      );
      if (o.ranks > 1)
        runs.ddpWorkers!.push(
          trainOnce(
            cli,
            o.config,
            runDir,
            `ddp${o.ranks}-${n++}`,
            o.steps,
            device,
            ['--nproc-per-node', String(o.ranks), '--master-port', String(await freePort())],
            { TSFM_THREADS_PER_WORKER: '1' },
          ),
        );
    }
  } finally {
    rmSync(runDir, { recursive: true, force: true });
  }
  const plain = median(runs.plain!),
    ddpWorld1 = median(runs.ddpWorld1!);
  const ddpWorkers = runs.ddpWorkers!.length ? median(runs.ddpWorkers!) : undefined;
  return {
    device: o.device,
    ranks: o.ranks,
    threadsPerWorker: 1,
    steps: o.steps,
    repeats: o.repeats,
    config: o.config,
    plain,
    ddpWorld1,
    ddpWorkers,
    world1VsPlain: ddpWorld1 / plain,
    scaling: ddpWorkers !== undefined ? ddpWorkers / plain : undefined,
    runs,
  };
}

/** Ranks per device kind: every GPU for NCCL; two single-thread workers for Gloo when two cores exist. */
export function ddpRanks(device: string, cudaDeviceCount: number, cores = availableParallelism()): number {
  return device === 'cpu' ? Math.min(2, cores) : cudaDeviceCount;
}

export async function ddpBench(o: DdpBenchOptions): Promise<DdpBenchResult> {
  const log = o.onLog ?? (() => {});
  const out: DdpBenchResult = { allReduce: [], training: [], skipped: [] };
  const kinds = [...new Set(o.devices.map((d) => (d.startsWith('cuda') ? 'cuda' : 'cpu')))] as ('cpu' | 'cuda')[];
  for (const device of kinds) {
    const ranks = ddpRanks(device, o.cudaDeviceCount);
    if (ranks > 1) {
      log(`ddp: all-reduce over ${ranks} ${device === 'cpu' ? 'CPU processes (Gloo)' : 'GPUs (NCCL)'}`);
      out.allReduce.push(
        await allReduceBench({
          device,
          ranks,
          sizes: o.allReduceSizes ?? [1 << 20, 16 << 20, 64 << 20],
          minSeconds: o.minSeconds ?? 0.5,
          cli: o.cli,
        }),
      );
    } else out.skipped.push(`all-reduce on ${device}: one rank only (${device === 'cpu' ? 'one usable core' : 'one GPU'})`);
    log(`ddp: training on ${device}: plain, DDP at world size 1${ranks > 1 ? `, ${ranks} workers` : ''}`);
    out.training.push(
      await ddpTrainingBench({
        device,
        ranks,
        steps: o.trainSteps ?? 300,
        repeats: o.repeats ?? 3,
        config: o.config ?? path.join(packageRoot(), 'configs', 'default.yaml'),
        cli: o.cli,
      }),
    );
  }
  return out;
}
