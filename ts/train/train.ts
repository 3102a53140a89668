/**
 * `train()`: config -> dataset -> splits -> scaler -> native trainer -> test metrics -> run directory.
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { configHash, renderConfigYaml, type TsfmConfig } from '../config/index.js';
import { countWindows } from '../data/windows.js';
import { fitScaler } from '../data/scaler.js';
import type { WindowSet } from '../data/types.js';
import { loadNative } from '../native/loader.js';
import { toNativeDataset } from '../native/dataset.js';
import type { NativeFitResult, NativeModel, NativeProgressEvent, NativeSplit, NativeTrainer } from '../native/types.js';
import {
  checkCheckpointFitsRun,
  loadPretrainedWeights,
  pretrainedModelSpec,
  pretrainedOverrides,
  pretrainedRecord,
  pretrainedRunInfo,
  resolvePretrained,
  validatePretrainedWeights,
  type PretrainedCheckpoint,
} from '../pretrained/index.js';
import { fitMetrics, openRun, runStatusOf, type Run } from '../runs/index.js';
import { SCALED, type MetricUnits } from '../runs/units.js';
import { trainTestMetrics } from '../metrics/train-metrics.js';
import { detectDistributed, rankPrefix, type DistributedEnv } from '../parallel/env.js';
import { prepare } from '../pipeline/prepare.js';
import { resolveDevice } from '../pipeline/device.js';
import { createModel, createTrainer } from '../native/engine.js';
import { modelSpecOf, trainerOptionsOf } from '../pipeline/native-options.js';
import { scalerFileOf } from '../pipeline/scaler-file.js';
import { checkTrainingWindows } from './validate.js';
import { chooseRunDir, describeResume } from './resume.js';

export { chooseRunDir } from './resume.js';

/** A training progress event (step or epoch), as the native trainer reports it. */
export type ProgressEvent = NativeProgressEvent;

export interface TrainOptions {
  onProgress?: (e: ProgressEvent) => void;
  onLog?: (line: string) => void;
  resume?: string;
  /** With `resume` of a completed run: train it further in its own directory (recorded) instead of refusing. */
  continueRun?: boolean;
  /** Start from these weights (a checkpoint of a compatible model) instead of a fresh initialisation: fine-tuning. */
  initFrom?: string;
  signal?: AbortSignal;
  /** Labels stored with the run (e.g. experiment, cell). */
  tags?: Record<string, string>;
  /** Distributed rank of this process: only rank 0 writes the run directory. Default 0. */
  rank?: number;
  /** Processes in the distributed job (recorded in the run's metadata). Default 1. */
  worldSize?: number;
  /** This process's place in a data-parallel job; default: read from the environment (torchrun, SLURM, `tsfm train --nproc-per-node`). */
  distributed?: DistributedEnv;
}

export interface TrainResult {
  runId: string;
  runDir: string;
  status: string;
  /** Pooled over test points; medianRmse/medianMae: median of per-window values (GlucoBench's form); crps for quantile models. */
  testMetrics: { mse: number; rmse: number; mae: number; windows: number; medianRmse: number; medianMae: number; crps?: number };
  baselineLastValue: { rmse: number; mae: number; medianRmse: number };
  history: unknown[];
  /** Data-parallel rank of this process (0 when not distributed). Only rank 0 writes the run directory and computes test metrics. */
  rank: number;
}

export async function train(config: TsfmConfig, opts: TrainOptions = {}): Promise<TrainResult> {
  const native = loadNative();
  const dist = opts.distributed ?? detectDistributed();
  const target = chooseRunDir(config, opts.resume, { continueRun: opts.continueRun, rank: rankOf(opts, dist) });
  // Said once the checkpoint has loaded and the run opens (a refused resume prints only its error).
  const resumeNote = rankOf(opts, dist) === 0 ? describeResume(target) : undefined;
  const r = target.resume;
  const open = () =>
    openRun({
      runsDir: target.runsDir,
      runId: target.runId,
      reopen: target.reopen,
      kind: 'train',
      config,
      tags: opts.tags,
      parent: target.parent,
      resume: r && { checkpoint: r.checkpoint, from_run: r.fromRun, from_status: r.fromStatus, changed: r.changed },
      rank: rankOf(opts, dist),
      worldSize: opts.worldSize ?? dist.worldSize,
      native: native.runtimeInfo(),
    });
  // Rank 0 alone checks: the other ranks would race with it creating the directory.
  if (rankOf(opts, dist) === 0 && !target.reopen && existsSync(path.join(target.runsDir, target.runId))) {
    throw new Error(
      `output.run_id: run '${target.runId}' already exists at ${path.join(target.runsDir, target.runId)}; choose another id (runs are never overwritten)`,
    );
  }
  // The run directory is created (or a resumed one reopened) only once the data, the model, the trainer and any
  // checkpoint have loaded: bad input writes nothing. From then on every failure is recorded in the run.
  // A pretrained checkpoint is resolved (downloaded, verified, checked against the run's context and horizon,
  // its weights test-loaded) before the run exists: a bad checkpoint or a mismatched config writes nothing.
  const { context_length: context, horizon } = config.model;
  const pre = config.model.pretrained ? await resolvePretrained(config.model.pretrained, { context, horizon }) : undefined;
  if (pre) {
    pretrainedOverrides(config.model.params ?? {});
    await validatePretrainedWeights(native, pre);
  }
  const holder: { run?: Run } = {};
  // The process leaves mid-training (a second Ctrl-C or SIGTERM exits at once): the run says so instead of
  // being found 'failed (killed?)' later. Everything here is synchronous, as an exit handler must be.
  const onExit = (code: number) => {
    const stopped = opts.signal?.aborted === true;
    holder.run?.finish(
      stopped ? 'interrupted' : 'failed',
      stopped
        ? 'interrupted at once by a second stop signal (the last saved checkpoint is kept)'
        : `the process exited with code ${code} during training`,
    );
  };
  try {
    const getRun = () => {
      if (!holder.run) {
        if (resumeNote) opts.onLog?.(resumeNote);
        holder.run = open();
      }
      return holder.run;
    };
    process.on('exit', onExit);
    return await trainInRun(config, opts, dist, native, path.join(target.runsDir, target.runId), getRun, pre);
  } catch (e) {
    holder.run?.finish('failed', e);
    throw e;
  } finally {
    process.off('exit', onExit);
  }
}

/** What a run records about its model and data once its trainer is ready (rank 0 writes it). */
interface RunStart {
  ds: Awaited<ReturnType<typeof prepare>>['dataset'];
  info: ReturnType<NativeModel['info']> & { parameters: number; trainable_parameters?: number };
  ft: ReturnType<typeof finetuneInfo>;
  device: string;
  units: MetricUnits;
}

/** The axes the run's metrics are on (metrics.json `units`, shown by `tsfm runs show`). */
function metricUnits(config: TsfmConfig, ds: RunStart['ds'], targetChannels: number[], scalerKind: string): MetricUnits {
  const target = [...new Set(targetChannels.map((i) => ds.channels[i]?.unit).filter(Boolean))].join(', ') || 'original units';
  return {
    test: config.evaluation.scale === 'scaled' ? SCALED : target,
    validation: scalerKind === 'none' ? target : SCALED,
  };
}

async function trainInRun(
  config: TsfmConfig,
  opts: TrainOptions,
  dist: DistributedEnv,
  native: ReturnType<typeof loadNative>,
  runDir: string,
  getRun: () => Run,
  pre?: PretrainedCheckpoint,
): Promise<TrainResult> {
  const runId = path.basename(runDir);
  const writer = rankOf(opts, dist) === 0; // rank 0 alone writes the run directory, checkpoints and metrics
  const log = (line: string) => {
    getRun().log(line);
    opts.onLog?.(rankPrefix(dist) + line);
  };
  const prepared = await prepare(config, { applyTrainFraction: true });
  checkTrainingWindows(config, prepared);
  const { dataset: ds, splits, targetChannels, inputChannels } = prepared;
  const scaler = fitScaler(ds, prepared.scalerWindows, config.data.scaler);

  // Native memory is released on every path out, failures included (last created, first released).
  const owned: Array<{ dispose(): void }> = [];
  const own = <T extends { dispose(): void }>(x: T): T => (owned.push(x), x);
  try {
    const nativeDs = own(toNativeDataset(ds));
    const scaling = scaler.kind === 'none' ? null : { kind: scaler.kind, mean: scaler.mean, std: scaler.std, channels: ds.channels.length };
    const split: SplitOf = (windows) => ({ dataset: nativeDs, windows, scaling, inputChannels, targetChannels });

    const model = own(createRunModel(native, config, inputChannels.length, pre, opts));
    // Every parameter is trainable until the trainer applies training.finetune (freezing, LoRA adapters).
    const baseParameters = model.info().parameters;
    const device = resolveDevice(config.training.device, native.runtimeInfo().cudaAvailable, dist);
    const trainer = own(createTrainer(native, model, trainerOptionsOf(config, { runDir, device, dist })));
    const t = config.training;
    // Validate the checkpoint before touching the run directory, so a mismatch loses nothing.
    if (opts.resume) await trainer.loadCheckpoint(opts.resume);
    else if (opts.initFrom) await trainer.loadWeights(opts.initFrom);
    else if (pre) await loadPretrainedWeights(native, model, pre);
    const run = getRun();
    if (writer) mkdirSync(path.join(runDir, 'checkpoints'), { recursive: true });
    // The scaler was fitted on this run's training windows only; evaluation and prediction invert with it.
    // `global` holds the train-wide statistics, used by `tsfm predict` for series the run never saw.
    run.writeJson('scaler.json', scalerFileOf(ds, prepared.scalerWindows, scaler));
    const ft = finetuneInfo(config, baseParameters, model.info().parameters, Boolean(pre ?? opts.initFrom ?? opts.resume));
    const info = { ...model.info(), parameters: ft.parameters, ...(ft.record ? { trainable_parameters: ft.trainable } : {}) };
    const start: RunStart = { ds, info, ft, device, units: metricUnits(config, ds, targetChannels, scaler.kind) };
    recordRunStart(run, config, opts, start, pre);
    log(startLine(config, opts, start, splits.train, runId, pre));
    const fit = await fitRun(trainer, run, config, opts, split(splits.train), split(splits.val));
    // The evaluated weights are the run's best checkpoint, so evaluate/predict on the run load them like any other.
    if (t.epochs === 0 && writer) await trainer.saveCheckpoint(path.join(runDir, 'checkpoints', 'best.pt'));
    if (!writer) return nonWriterResult(runId, runDir, fit, dist.rank);

    const best = path.join(runDir, 'checkpoints', 'best.pt');
    if (existsSync(best)) await trainer.loadWeights(best);
    const evalSplit = config.evaluation.split === 'val' ? splits.val : splits.test;
    const { testMetrics, baselineLastValue } = await testEvaluation(trainer, config, split, evalSplit);
    recordRunResult(run, config, fit, start, pre, { testMetrics, baselineLastValue }, log);
    return { runId, runDir, status: fit.status, testMetrics, baselineLastValue, history: fit.history, rank: dist.rank };
  } finally {
    for (const o of owned.reverse()) o.dispose();
  }
}

type SplitOf = (windows: WindowSet) => NativeSplit;
type Evaluation = Pick<TrainResult, 'testMetrics' | 'baselineLastValue'>;

/** The run's dataset, model, device and starting point in its metadata. */
function recordRunStart(run: Run, config: TsfmConfig, opts: TrainOptions, start: RunStart, pre?: PretrainedCheckpoint): void {
  const { ds, info, ft, device } = start;
  run.update({
    dataset: { name: ds.name, version: ds.version },
    model: {
      family: info.family,
      parameters: ft.parameters,
      ...(ft.record ? { trainable_parameters: ft.trainable } : {}),
      context_length: config.model.context_length,
      horizon: config.model.horizon,
    },
    device,
    ...(opts.initFrom && !opts.resume ? { strategy: 'fine_tune', tags: { init_from: path.resolve(opts.initFrom) } } : {}),
    ...(pre ? pretrainedRunInfo(pre, config.training.epochs === 0) : {}),
  });
  if (ft.record) run.update({ tags: ft.tags });
  // The resolved config.yaml names every family hyper-parameter the model was built with (the core's defaults
  // for those the config left out, e.g. after `--set model.family=...` dropped the earlier family's params).
  // (A pretrained model's architecture comes from its checkpoint's config.json instead, and params stays as given.)
  if (!pre) run.writeArtifact('config.yaml', renderConfigYaml({ ...config, model: { ...config.model, params: { ...info.params } } }));
}

/** "tsfm: ttm (N parameters) on <dataset>: S series, R rows, W training windows; run <id>". */
function startLine(
  config: TsfmConfig,
  opts: TrainOptions,
  start: RunStart,
  train: WindowSet,
  runId: string,
  pre?: PretrainedCheckpoint,
): string {
  const { ds, info, ft } = start;
  const trainFraction = config.data.train_fraction < 1 ? ` (data.train_fraction ${config.data.train_fraction})` : '';
  const what =
    config.training.epochs === 0
      ? `zero-shot from ${pre?.source ?? opts.initFrom ?? opts.resume}, no training`
      : `${countWindows(train)} training windows${trainFraction}`;
  const counted = `${ft.parameters.toLocaleString('en-US')} parameters${ft.record ? `, ${ft.trainable.toLocaleString('en-US')} trainable` : ''}`;
  return `tsfm: ${info.family} (${counted}) on ${ds.name}: ${ds.series.length} series, ${ds.values[0].length} rows, ${what}; run ${runId}`;
}

/** Trains (epochs 0: nothing is trained; the loaded weights are evaluated as they are, zero-shot), stoppable by opts.signal. */
async function fitRun(
  trainer: NativeTrainer,
  run: Run,
  config: TsfmConfig,
  opts: TrainOptions,
  train: NativeSplit,
  val: NativeSplit,
): Promise<NativeFitResult> {
  if (config.training.epochs === 0) return untrained();
  const onAbort = () => trainer.stop();
  opts.signal?.addEventListener('abort', onAbort);
  const onProgress = (e: ProgressEvent) => {
    if (e.kind === 'epoch')
      run.log(`epoch ${e.epoch + 1}/${e.epochs} train_loss ${e.loss} val_loss ${e.valLoss}${e.improved ? ' (best)' : ''}`);
    opts.onProgress?.(e);
  };
  try {
    return await trainer.fit({ train, val }, onProgress);
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }
}
/** A rank other than 0 evaluates nothing: its result carries the fit alone. */
function nonWriterResult(runId: string, runDir: string, fit: NativeFitResult, rank: number): TrainResult {
  const none = { mse: NaN, rmse: NaN, mae: NaN, windows: 0, medianRmse: NaN, medianMae: NaN };
  return {
    runId,
    runDir,
    status: fit.status,
    testMetrics: none,
    baselineLastValue: { rmse: NaN, mae: NaN, medianRmse: NaN },
    history: fit.history,
    rank,
  };
}

/** Test metrics of the loaded weights on `evalSplit`, beside the last-value baseline's. */
async function testEvaluation(trainer: NativeTrainer, config: TsfmConfig, split: SplitOf, evalSplit: WindowSet): Promise<Evaluation> {
  const unscale = config.evaluation.scale === 'original';
  const pred = await trainer.predict(split(evalSplit), { unscale });
  const truth = await trainer.targets(split(evalSplit), { unscale });
  // The last context point of each window, as a 1-step target of a window shifted back by one.
  const context = config.model.context_length;
  const ctx = await trainer.targets({ ...split(evalSplit), windows: { ...evalSplit, context: context - 1, horizon: 1 } }, { unscale });
  const ev = trainTestMetrics(pred, truth, ctx, config.model.output === 'quantile' ? config.model.quantiles : undefined);
  const m = ev.model;
  const testMetrics = {
    mse: m.pooled.mse,
    rmse: m.pooled.rmse,
    mae: m.pooled.mae,
    windows: truth.shape[0],
    medianRmse: m.medianPerWindow.rmse,
    medianMae: m.medianPerWindow.mae,
    crps: m.probabilistic?.crps,
  };
  const baselineLastValue = {
    rmse: ev.lastValue?.pooled.rmse ?? NaN,
    mae: ev.lastValue?.pooled.mae ?? NaN,
    medianRmse: ev.lastValue?.medianPerWindow.rmse ?? NaN,
  };
  return { testMetrics, baselineLastValue };
}

/** metrics.json, the run's metrics and tags (an early stop says why), and its final status. */
function recordRunResult(
  run: Run,
  config: TsfmConfig,
  fit: NativeFitResult,
  start: RunStart,
  pre: PretrainedCheckpoint | undefined,
  ev: Evaluation,
  log: (line: string) => void,
): void {
  const { ds, info, ft } = start;
  const { testMetrics, baselineLastValue } = ev;
  const metrics = {
    status: fit.status,
    ...(fit.stopReason ? { stop_reason: fit.stopReason } : {}),
    config_hash: configHash(config),
    dataset: { name: ds.name, version: ds.version },
    model: info,
    ...(pre ? { pretrained: pretrainedRecord(pre, config.training.epochs === 0) } : {}),
    ...(ft.record ? { finetune: ft.block } : {}),
    // Epochs counted from 1 in the records, as the console prints them.
    epochs: fit.history.map((e) => ({ ...e, epoch: e.epoch + 1 })),
    best_epoch: fit.bestEpoch >= 0 ? fit.bestEpoch + 1 : null,
    train_seconds: fit.seconds,
    samples_per_sec: fit.samplesPerSec,
    test: testMetrics,
    baselines: { last_value: baselineLastValue },
    units: start.units,
  };
  run.writeArtifact('metrics.json', JSON.stringify(metrics, null, 2));
  const early = fit.status === 'early_stopped';
  run.update({
    trainSeconds: fit.seconds,
    tags: early ? { stop: 'early_stopped', stop_reason: fit.stopReason ?? 'early stopping' } : undefined,
  });
  if (early && fit.stopReason) log(`tsfm: ${fit.stopReason}`);
  run.logMetrics(fitMetrics(fit, { test: testMetrics, baseline_last_value: baselineLastValue }));
  run.finish(runStatusOf(fit.status), fit.status === 'interrupted' ? 'interrupted by the user (checkpoints/last.pt saved)' : undefined);
}

/** The fit result of a run that trains nothing (training.epochs 0). */
function untrained(): NativeFitResult {
  return {
    status: 'completed',
    epochsCompleted: 0,
    globalStep: 0,
    bestEpoch: -1,
    bestMetric: NaN,
    seconds: 0,
    samplesPerSec: 0,
    history: [],
  };
}

/** This process's rank: the caller's, else the distributed environment's. */
function rankOf(opts: TrainOptions, dist: DistributedEnv): number {
  return opts.rank ?? dist.rank;
}

/**
 * training.finetune as a run records it. `base`: the model's parameters before the trainer applied the
 * strategy (all trainable then); `trainable`: after (the addon counts parameters that require gradients).
 * LoRA adds its adapters, all trainable, to the base weights, all frozen; head and full add nothing.
 */
export function finetuneInfo(config: TsfmConfig, base: number, trainable: number, fromWeights: boolean) {
  const f = config.training.finetune;
  const parameters = f.strategy === 'lora' ? base + trainable : base;
  const lora = f.strategy === 'lora' ? { rank: f.lora.rank, alpha: f.lora.alpha, targets: [...f.lora.targets] } : undefined;
  const tags: Record<string, string> = { finetune_strategy: f.strategy };
  if (lora) Object.assign(tags, { lora_rank: String(lora.rank), lora_alpha: String(lora.alpha), lora_targets: lora.targets.join(',') });
  // Recorded when a run fine-tunes starting weights; a run from scratch (always full) records nothing new.
  const record = f.strategy !== 'full' || (fromWeights && config.training.epochs > 0);
  return {
    parameters,
    trainable,
    record,
    tags,
    block: { strategy: f.strategy, ...(lora ? { lora } : {}), trainable_parameters: trainable, parameters },
  };
}

/** The run's model: from the config, or shaped by a pretrained checkpoint's config.json. */
function createRunModel(
  native: ReturnType<typeof loadNative>,
  config: TsfmConfig,
  channels: number,
  pre: PretrainedCheckpoint | undefined,
  opts: TrainOptions,
) {
  const { context_length: context, horizon } = config.model;
  if (config.training.epochs === 0 && !pre && !opts.initFrom && !opts.resume)
    throw new Error('training.epochs: 0 trains nothing, so it needs weights to evaluate: set model.pretrained (or --init-from)');
  const strategy = config.training.finetune.strategy;
  if (strategy !== 'full' && !pre && !opts.initFrom && !opts.resume)
    throw new Error(
      `training.finetune.strategy: ${strategy} fine-tunes starting weights, and this run has none: set model.pretrained (or --init-from), or use strategy full`,
    );
  if (!pre) return createModel(native, modelSpecOf(config, channels));
  const shape = { context, horizon, channels };
  checkCheckpointFitsRun(pre.config, shape, pre.source);
  return createModel(native, {
    ...pretrainedModelSpec(pre, shape, pretrainedOverrides(config.model.params ?? {})),
    seed: config.training.seed,
  });
}
