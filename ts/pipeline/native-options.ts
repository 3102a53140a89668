/**
 * The one mapping from a config to the native layer's options: the model spec and the trainer options
 * (snake_case config keys -> the addon's camelCase options, defaults taken from the config schema).
 */
import path from 'node:path';
import type { TsfmConfig } from '../config/index.js';
import type { NativeFinetuneOptions, NativeModelSpec, NativeTrainerOptions } from '../native/types.js';
import type { DistributedEnv } from '../parallel/env.js';
import { faultFromEnv } from '../parallel/fault.js';
import { runModelParams } from '../pretrained/index.js';

/** The native model a config describes, reading `channels` input channels. */
export function modelSpecOf(config: TsfmConfig, channels: number): NativeModelSpec {
  return {
    family: config.model.family,
    contextLength: config.model.context_length,
    horizon: config.model.horizon,
    channels,
    quantiles: config.model.output === 'quantile' ? config.model.quantiles : undefined,
    // A pretrained run's architecture comes from its checkpoint's config.json (with the config's overrides).
    params: runModelParams(config.model),
    seed: config.training.seed,
  };
}

/** The training loss: the configured one, else pinball for quantile output and MSE for point output. */
export function lossOf(config: TsfmConfig): string {
  return config.model.loss ?? (config.model.output === 'quantile' ? 'pinball' : 'mse');
}

/**
 * training.finetune for the native trainer: undefined for `full` (the trainer's default), so runs that do not
 * fine-tune pass exactly what they did before.
 */
export function finetuneOf(config: TsfmConfig): NativeFinetuneOptions | undefined {
  const f = config.training.finetune;
  if (f.strategy === 'full') return undefined;
  return f.strategy === 'lora'
    ? { strategy: 'lora', loraRank: f.lora.rank, loraAlpha: f.lora.alpha, loraTargets: [...f.lora.targets] }
    : { strategy: f.strategy };
}

/** Trainer options of a training run writing checkpoints under `runDir`, as process `dist` of its job. */
export function trainerOptionsOf(config: TsfmConfig, a: { runDir: string; device: string; dist: DistributedEnv }): NativeTrainerOptions {
  const t = config.training;
  const { dist } = a;
  // TSFM_DDP_FORCE=1 runs the DDP machinery even for one process (to measure its overhead).
  const force = process.env.TSFM_DDP_FORCE === '1';
  return {
    // epochs 0 (zero-shot) trains nothing, but the trainer still needs a valid schedule
    epochs: Math.max(1, t.epochs),
    batchSize: t.batch_size,
    lr: t.lr,
    weightDecay: t.weight_decay,
    warmupFraction: t.warmup_fraction,
    warmupSteps: t.warmup_steps ?? -1,
    schedule: t.schedule,
    gradClip: t.grad_clip,
    loss: lossOf(config),
    earlyStoppingMetric: t.early_stopping.metric,
    patience: t.early_stopping.patience,
    minDelta: t.early_stopping.min_delta,
    seed: t.seed,
    threads: t.threads || Number(process.env.TSFM_THREADS_PER_WORKER ?? 0),
    device: a.device,
    precision: t.precision,
    prefetch: t.prefetch,
    maxStepsPerEpoch: t.max_steps_per_epoch ?? 0,
    valMaxWindows: t.val_max_windows ?? 0,
    logEvery: t.log_every,
    deterministic: t.deterministic,
    checkpointDir: path.join(a.runDir, 'checkpoints'),
    gradAccumSteps: t.grad_accumulation_steps,
    ...faultFromEnv(dist.rank),
    finetune: finetuneOf(config),
    distributed:
      dist.worldSize > 1 || force
        ? {
            rank: dist.rank,
            worldSize: dist.worldSize,
            masterAddr: dist.masterAddr,
            masterPort: dist.masterPort,
            backend: t.distributed.backend,
            timeoutMs: t.distributed.timeout_seconds * 1000,
            rendezvousTimeoutMs: t.distributed.rendezvous_timeout_seconds * 1000,
            bucketMb: t.distributed.bucket_mb,
            force,
          }
        : undefined,
  };
}
