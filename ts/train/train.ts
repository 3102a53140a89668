/**
 * `train()`: config -> dataset -> splits -> scaler -> native trainer -> test metrics -> run directory.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { configHash, configsDir, packageRoot, renderConfigYaml, type TsfmConfig } from '../config/index.js';
import { loadDataset } from '../data/load.js';
import { makeSplits } from '../data/splits.js';
import { fitScaler, scalerToJSON } from '../data/scaler.js';
import type { TimeSeriesDataset, WindowSet } from '../data/types.js';
import { loadNative } from '../native/loader.js';
import { toNativeDataset } from '../native/dataset.js';
import { toSplitProtocol } from './split-protocol.js';
import { detectDistributed, rankPrefix, type DistributedEnv } from '../parallel/env.js';
import { faultFromEnv } from '../parallel/fault.js';

export interface ProgressEvent {
  kind: 'step' | 'epoch';
  epoch: number; epochs: number; step: number; stepsPerEpoch: number; globalStep: number; totalSteps: number;
  loss: number; lr: number; samplesPerSec: number; etaSeconds: number;
  valLoss?: number; valMse?: number; valMae?: number; improved?: boolean;
}

export interface TrainOptions {
  onProgress?: (e: ProgressEvent) => void;
  onLog?: (line: string) => void;
  resume?: string;
  signal?: AbortSignal;
  /** This process's place in a data-parallel job; default: read from the environment (torchrun, SLURM, `tsfm train --nproc-per-node`). */
  distributed?: DistributedEnv;
}

export interface TrainResult {
  runId: string;
  runDir: string;
  status: string;
  testMetrics: { mse: number; rmse: number; mae: number; windows: number };
  baselineLastValue: { rmse: number; mae: number };
  history: unknown[];
  /** Data-parallel rank of this process (0 when not distributed). Only rank 0 writes the run directory and computes test metrics. */
  rank: number;
}

function writeAtomic(file: string, text: string): void {
  writeFileSync(file + '.tmp', text);
  renameSync(file + '.tmp', file);
}

function datasetConfigPath(ref: string): string {
  const candidates = [ref, path.join(configsDir(), 'datasets', `${ref}.yaml`), path.join(configsDir(), 'datasets', ref)];
  const found = candidates.find((p) => existsSync(p) && p.match(/\.ya?ml$/));
  if (!found) throw new Error(`data.dataset: no dataset config '${ref}' (looked for ${candidates.join(', ')})`);
  return found;
}

export function runIdNow(): string {
  const d = new Date();
  const p = (n: number) => String(n).padStart(2, '0');
  return `run_${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}_${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}_${Math.random().toString(16).slice(2, 6)}`;
}

export async function loadConfiguredDataset(config: TsfmConfig): Promise<TimeSeriesDataset> {
  const file = datasetConfigPath(config.data.dataset);
  const raw = { ...(parseYaml(readFileSync(file, 'utf8')) as object), ...(config.data.overrides ?? {}) };
  const { dataset } = await loadDataset(raw, {
    baseDir: packageRoot(),
    cacheDir: path.resolve(config.data.cache_dir),
    minSegmentLength: config.model.context_length + config.model.horizon,
  }, file);
  return dataset;
}

export async function train(config: TsfmConfig, opts: TrainOptions = {}): Promise<TrainResult> {
  const native = loadNative();
  const dist = opts.distributed ?? detectDistributed();
  const writer = dist.rank === 0;  // rank 0 alone writes run files, checkpoints and metrics
  const prefix = rankPrefix(dist);
  const log = opts.onLog ? (l: string) => opts.onLog!(prefix + l) : () => {};
  const ds = await loadConfiguredDataset(config);
  const { context_length: context, horizon } = config.model;
  const splits = makeSplits(ds, { context, horizon, stride: config.data.stride }, toSplitProtocol(config.data.split));
  const scaler = fitScaler(ds, splits.train, config.data.scaler);

  const targetNames = config.data.target_channels ?? ds.channels.filter((c) => c.role === 'target').map((c) => c.name);
  const index = (name: string) => {
    const i = ds.channels.findIndex((c) => c.name === name);
    if (i < 0) throw new Error(`data.target_channels: unknown channel '${name}' (channels: ${ds.channels.map((c) => c.name).join(', ')})`);
    return i;
  };
  const targetChannels = targetNames.map(index);
  const inputChannels = config.data.covariates
    ? ds.channels.map((_, i) => i)
    : [...targetChannels];

  const nativeDs = toNativeDataset(ds);
  const scaling = scaler.kind === 'none' ? null : { kind: scaler.kind, mean: scaler.mean, std: scaler.std, channels: ds.channels.length };
  const split = (windows: WindowSet) => ({ dataset: nativeDs, windows, scaling, inputChannels, targetChannels });

  const runId = config.output.run_id ?? process.env.TSFM_RUN_ID ?? runIdNow();
  const runDir = path.resolve(config.output.runs_dir, runId);
  if (writer && existsSync(runDir) && !opts.resume) throw new Error(`output.run_id: run '${runId}' already exists at ${runDir}; choose another id`);
  if (writer) mkdirSync(path.join(runDir, 'checkpoints'), { recursive: true });
  if (writer) writeAtomic(path.join(runDir, 'config.yaml'), renderConfigYaml(config));
  // The scaler was fitted on this run's training windows only; evaluation and prediction invert with it.
  if (writer) writeAtomic(path.join(runDir, 'scaler.json'), JSON.stringify({ ...scalerToJSON(scaler), channels: ds.channels.map((c) => c.name), series: ds.series.map((s) => s.id) }));

  const model = new native.NativeModel({
    family: config.model.family, contextLength: context, horizon, channels: inputChannels.length,
    quantiles: config.model.output === 'quantile' ? config.model.quantiles : undefined,
    params: config.model.params ?? {}, seed: config.training.seed,
  });
  const t = config.training;
  const loss = config.model.loss ?? (config.model.output === 'quantile' ? 'pinball' : 'mse');
  const trainer = new native.NativeTrainer(model, {
    epochs: t.epochs, batchSize: t.batch_size, lr: t.lr, weightDecay: t.weight_decay,
    warmupFraction: t.warmup_fraction, warmupSteps: t.warmup_steps ?? -1, schedule: t.schedule, gradClip: t.grad_clip,
    loss, earlyStoppingMetric: t.early_stopping.metric, patience: t.early_stopping.patience, minDelta: t.early_stopping.min_delta,
    seed: t.seed, threads: t.threads || Number(process.env.TSFM_THREADS_PER_WORKER ?? 0), device: workerDevice(t.device, dist, native.runtimeInfo().cudaAvailable),
    precision: t.precision, maxStepsPerEpoch: t.max_steps_per_epoch ?? 0, valMaxWindows: t.val_max_windows ?? 0,
    logEvery: t.log_every, deterministic: t.deterministic, checkpointDir: path.join(runDir, 'checkpoints'),
    gradAccumSteps: t.grad_accumulation_steps, ...faultFromEnv(dist.rank),
    // TSFM_DDP_FORCE=1 runs the DDP machinery even for one process (to measure its overhead).
    distributed: dist.worldSize > 1 || process.env.TSFM_DDP_FORCE === '1' ? {
      rank: dist.rank, worldSize: dist.worldSize, masterAddr: dist.masterAddr, masterPort: dist.masterPort,
      backend: t.distributed.backend, timeoutMs: t.distributed.timeout_seconds * 1000, bucketMb: t.distributed.bucket_mb,
      force: process.env.TSFM_DDP_FORCE === '1',
    } : undefined,
  });
  if (opts.resume) await trainer.loadCheckpoint(opts.resume);
  const info = model.info();
  log(`tsfm: ${info.family} (${info.parameters} parameters) on ${ds.name}: ${ds.series.length} series, ${ds.values[0].length} rows; run ${runId}`);
  const onAbort = () => trainer.stop();
  opts.signal?.addEventListener('abort', onAbort);
  const fit = await trainer.fit({ train: split(splits.train), val: split(splits.val) }, opts.onProgress);
  opts.signal?.removeEventListener('abort', onAbort);
  if (!writer) {
    trainer.dispose();
    model.dispose();
    nativeDs.dispose();
    const none = { mse: NaN, rmse: NaN, mae: NaN, windows: 0 };
    return { runId, runDir, status: fit.status, testMetrics: none, baselineLastValue: { rmse: NaN, mae: NaN }, history: fit.history, rank: dist.rank };
  }

  const best = path.join(runDir, 'checkpoints', 'best.pt');
  if (existsSync(best)) await trainer.loadWeights(best);
  const evalSplit = config.evaluation.split === 'val' ? splits.val : splits.test;
  const pred = await trainer.predict(split(evalSplit));
  const truth = await trainer.targets(split(evalSplit));
  const ctx = await trainer.targets({ ...split(evalSplit), windows: { ...evalSplit, context: context - 1, horizon: 1 } }).catch(() => null);
  let se = 0, ae = 0, bse = 0, bae = 0;
  const n = truth.data.length;
  const H = horizon;
  const perWindow = truth.shape[1] * H;
  for (let i = 0; i < n; i++) {
    const p = config.model.output === 'quantile' ? medianAt(pred, i, config.model.quantiles) : pred.data[i];
    se += (p - truth.data[i]) ** 2;
    ae += Math.abs(p - truth.data[i]);
    if (ctx) {
      const w = Math.floor(i / perWindow), c = Math.floor((i % perWindow) / H);
      const last = ctx.data[w * truth.shape[1] + c];
      bse += (last - truth.data[i]) ** 2;
      bae += Math.abs(last - truth.data[i]);
    }
  }
  const testMetrics = { mse: se / n, rmse: Math.sqrt(se / n), mae: ae / n, windows: truth.shape[0] };
  const baselineLastValue = { rmse: Math.sqrt(bse / n), mae: bae / n };
  const result: TrainResult = { runId, runDir, status: fit.status, testMetrics, baselineLastValue, history: fit.history, rank: dist.rank };
  writeAtomic(path.join(runDir, 'metrics.json'), JSON.stringify({
    status: fit.status, config_hash: configHash(config), dataset: { name: ds.name, version: ds.version },
    model: info, epochs: fit.history, best_epoch: fit.bestEpoch, train_seconds: fit.seconds, samples_per_sec: fit.samplesPerSec,
    test: testMetrics, baselines: { last_value: baselineLastValue },
  }, null, 2));
  trainer.dispose();
  model.dispose();
  nativeDs.dispose();
  return result;
}

function medianAt(pred: { data: Float32Array; shape: number[] }, i: number, quantiles: number[]): number {
  // pred [N, Q, C, H]; i indexes [N, C, H]
  const [, Q, C, H] = pred.shape;
  let m = 0;
  for (let q = 1; q < Q; q++) if (Math.abs(quantiles[q] - 0.5) < Math.abs(quantiles[m] - 0.5)) m = q;
  const w = Math.floor(i / (C * H)), r = i % (C * H);
  return pred.data[(w * Q + m) * C * H + r];
}

/** Distributed workers on CUDA take the GPU of their local rank. */
function workerDevice(device: string, dist: DistributedEnv, cuda: boolean): string {
  const resolved = device === 'auto' ? (cuda ? 'cuda' : 'cpu') : device;
  return resolved === 'cuda' && dist.worldSize > 1 ? `cuda:${dist.localRank}` : resolved;
}
