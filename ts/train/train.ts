/**
 * `train()`: config -> dataset -> splits -> scaler -> native trainer -> test metrics -> run directory.
 */
import { appendFileSync, existsSync, mkdirSync, writeFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import { configHash, renderConfigYaml, type TsfmConfig } from '../config/index.js';
import { openDataset } from '../data/resolve.js';
import { makeSplits } from '../data/splits.js';
import { fitScaler, scalerToJSON } from '../data/scaler.js';
import type { TimeSeriesDataset, WindowSet } from '../data/types.js';
import { loadNative } from '../native/loader.js';
import { toNativeDataset } from '../native/dataset.js';
import { toSplitProtocol } from './split-protocol.js';
import { trainTestMetrics } from '../eval/train-metrics.js';

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
}

export interface TrainResult {
  runId: string;
  runDir: string;
  status: string;
  /** Pooled over test points; medianRmse/medianMae: median of per-window values (GlucoBench's form); crps for quantile models. */
  testMetrics: { mse: number; rmse: number; mae: number; windows: number; medianRmse: number; medianMae: number; crps?: number };
  baselineLastValue: { rmse: number; mae: number; medianRmse: number };
  history: unknown[];
}

function writeAtomic(file: string, text: string): void {
  writeFileSync(file + '.tmp', text);
  renameSync(file + '.tmp', file);
}

/** The run's log: lines go to the caller's logger and, once the run directory exists, to train.log (timestamped). */
class RunLog {
  private file?: string;
  private pending: string[] = [];
  constructor(private readonly sink?: (line: string) => void) {}
  attach(file: string): void {
    this.file = file;
    appendFileSync(file, this.pending.join(''));
    this.pending = [];
  }
  line(text: string, echo = true): void {
    if (echo) this.sink?.(text);
    const entry = `${new Date().toISOString()} ${text}\n`;
    if (this.file) appendFileSync(this.file, entry);
    else this.pending.push(entry);
  }
}

function runIdNow(): string {
  const d = new Date();
  const p = (n: number) => String(n).padStart(2, '0');
  return `run_${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}_${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}_${Math.random().toString(16).slice(2, 6)}`;
}

/**
 * A new run directory, or, when resuming from `<run>/checkpoints/*.pt` without an explicit run id, that
 * run's own directory (the resumed run continues where it stopped). An existing run is never reused otherwise.
 */
function chooseRunDir(config: TsfmConfig, resume?: string): { runId: string; runDir: string } {
  if (resume && !config.output.run_id) {
    const dir = path.dirname(path.dirname(path.resolve(resume)));
    if (path.basename(path.dirname(path.resolve(resume))) === 'checkpoints' && existsSync(path.join(dir, 'config.yaml'))) {
      return { runId: path.basename(dir), runDir: dir };
    }
  }
  const runId = config.output.run_id ?? runIdNow();
  const runDir = path.resolve(config.output.runs_dir, runId);
  if (existsSync(runDir)) throw new Error(`output.run_id: run '${runId}' already exists at ${runDir}; choose another id`);
  return { runId, runDir };
}

export async function loadConfiguredDataset(config: TsfmConfig): Promise<TimeSeriesDataset> {
  const { dataset } = await openDataset(config.data.dataset, {
    cacheDir: config.data.cache_dir,
    minSegmentLength: config.model.context_length + config.model.horizon,
    overrides: config.data.overrides,
  });
  return dataset;
}

export async function train(config: TsfmConfig, opts: TrainOptions = {}): Promise<TrainResult> {
  const native = loadNative();
  const runLog = new RunLog(opts.onLog);
  const log = (line: string) => runLog.line(line);
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

  const { runId, runDir } = chooseRunDir(config, opts.resume);
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
    seed: t.seed, threads: t.threads, device: t.device === 'auto' ? (native.runtimeInfo().cudaAvailable ? 'cuda' : 'cpu') : t.device,
    precision: t.precision, maxStepsPerEpoch: t.max_steps_per_epoch ?? 0, valMaxWindows: t.val_max_windows ?? 0,
    logEvery: t.log_every, deterministic: t.deterministic, checkpointDir: path.join(runDir, 'checkpoints'),
  });
  // Validate the checkpoint before touching the run directory, so a mismatch loses nothing.
  if (opts.resume) await trainer.loadCheckpoint(opts.resume);
  mkdirSync(path.join(runDir, 'checkpoints'), { recursive: true });
  writeAtomic(path.join(runDir, 'config.yaml'), renderConfigYaml(config));
  runLog.attach(path.join(runDir, 'train.log'));
  // The scaler was fitted on this run's training windows only; evaluation and prediction invert with it.
  writeAtomic(path.join(runDir, 'scaler.json'), JSON.stringify({ ...scalerToJSON(scaler), channels: ds.channels.map((c) => c.name), series: ds.series.map((s) => s.id) }));
  const info = model.info();
  log(`tsfm: ${info.family} (${info.parameters} parameters) on ${ds.name}: ${ds.series.length} series, ${ds.values[0].length} rows; run ${runId}`);
  const onAbort = () => trainer.stop();
  opts.signal?.addEventListener('abort', onAbort);
  const onProgress = (e: ProgressEvent) => {
    if (e.kind === 'epoch') runLog.line(`epoch ${e.epoch + 1}/${e.epochs} train_loss ${e.loss} val_loss ${e.valLoss ?? ''} lr ${e.lr} samples_per_sec ${e.samplesPerSec.toFixed(1)}${e.improved ? ' best' : ''}`, false);
    opts.onProgress?.(e);
  };
  const fit = await trainer.fit({ train: split(splits.train), val: split(splits.val) }, onProgress);
  log(`tsfm: ${fit.status} after ${fit.history.length} epochs in ${fit.seconds.toFixed(1)} s (${fit.samplesPerSec.toFixed(0)} samples/s); best epoch ${fit.bestEpoch + 1}`);
  opts.signal?.removeEventListener('abort', onAbort);

  const best = path.join(runDir, 'checkpoints', 'best.pt');
  if (existsSync(best)) await trainer.loadWeights(best);
  const evalSplit = config.evaluation.split === 'val' ? splits.val : splits.test;
  const unscale = config.evaluation.scale === 'original';
  const pred = await trainer.predict(split(evalSplit), { unscale });
  const truth = await trainer.targets(split(evalSplit), { unscale });
  // The last context point of each window, as a 1-step target of a window shifted back by one.
  const ctx = await trainer.targets({ ...split(evalSplit), windows: { ...evalSplit, context: context - 1, horizon: 1 } }, { unscale });
  const ev = trainTestMetrics(pred, truth, ctx, config.model.output === 'quantile' ? config.model.quantiles : undefined);
  const m = ev.model;
  const testMetrics = { mse: m.pooled.mse, rmse: m.pooled.rmse, mae: m.pooled.mae, windows: truth.shape[0], medianRmse: m.medianPerWindow.rmse, medianMae: m.medianPerWindow.mae, crps: m.probabilistic?.crps };
  const baselineLastValue = { rmse: ev.lastValue?.pooled.rmse ?? NaN, mae: ev.lastValue?.pooled.mae ?? NaN, medianRmse: ev.lastValue?.medianPerWindow.rmse ?? NaN };
  const result: TrainResult = { runId, runDir, status: fit.status, testMetrics, baselineLastValue, history: fit.history };
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
