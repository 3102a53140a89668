/**
 * A trained run as one object: its resolved config, the scaler fitted on its training windows, its weights
 * (best.pt, else last.pt) and the native predictor that forecasts with them (no trainer, no optimiser).
 * Evaluation and prediction use it; nothing else loads a run's weights for inference.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseConfigYaml, type TsfmConfig } from '../config/index.js';
import { loadNative } from '../native/loader.js';
import type { Predictor } from '../native/predictor.js';
import type { NativeAddon, NativeSplit, NativeTensor } from '../native/types.js';
import { requireRunCheckpoint } from '../runs/checkpoints.js';
import { resolveDevice } from './device.js';
import { createPredictor } from '../native/engine.js';
import { finetuneOf, modelSpecOf } from './native-options.js';
import { readScalerFile, type ScalerFile } from './scaler-file.js';

export interface TrainedModelOptions {
  /** 'auto' (default: the run's training.device), 'cpu', 'cuda', 'cuda:N'. */
  device?: string;
  /** Intra-op threads (default: the run's training.threads). */
  threads?: number;
  /** Windows per forward pass, at least 256 (default: the run's training.batch_size). */
  batchSize?: number;
}

export class TrainedModel {
  readonly runId: string;
  readonly device: string;
  private native: NativeAddon;
  /** The predictor being opened or open, and the input channels it was opened for. */
  private opening?: { channels: number; predictor: Promise<Predictor> };
  private predictor?: Predictor;

  private constructor(
    readonly runDir: string,
    readonly config: TsfmConfig,
    readonly scaler: ScalerFile,
    readonly checkpoint: string,
    private readonly opts: TrainedModelOptions,
  ) {
    this.runId = path.basename(runDir);
    this.native = loadNative();
    this.device = resolveDevice(opts.device ?? config.training.device, this.native.runtimeInfo().cudaAvailable);
  }

  /** Opens the run in `runDir` (see runs/resolve.ts for ids and prefixes); throws one line for a missing config, scaler or checkpoint. */
  static open(runDir: string, opts: TrainedModelOptions = {}): TrainedModel {
    const configFile = path.join(runDir, 'config.yaml');
    const config = parseConfigYaml(readFileSync(configFile, 'utf8'), configFile);
    // The checkpoint first: a run that failed early has neither, and its recorded error is the useful message.
    const checkpoint = requireRunCheckpoint(runDir);
    const scaler = readScalerFile(runDir);
    return new TrainedModel(runDir, config, scaler, checkpoint, opts);
  }

  get context(): number {
    return this.config.model.context_length;
  }

  get horizon(): number {
    return this.config.model.horizon;
  }

  /** Quantile levels of a quantile model, undefined for a point model. */
  get quantiles(): number[] | undefined {
    return this.config.model.output === 'quantile' ? this.config.model.quantiles : undefined;
  }

  /**
   * Forecasts of the split's windows: [N, K, H] for a point model, [N, Q, K, H] for a quantile model (K target
   * channels), in original units unless `unscale` is false.
   */
  async predict(split: NativeSplit, opts: { unscale?: boolean } = {}): Promise<NativeTensor> {
    const predictor = await this.load(split.inputChannels.length);
    return predictor.predict(split, opts);
  }

  /** Releases the native model (idempotent; one still opening is released once open). */
  dispose(): void {
    const opening = this.opening;
    this.opening = undefined;
    if (this.predictor) this.predictor.dispose();
    else
      opening?.predictor.then(
        (p) => p.dispose(),
        () => {},
      );
    this.predictor = undefined;
  }

  private load(channels: number): Promise<Predictor> {
    if (this.opening && this.opening.channels !== channels) {
      throw new Error(`run ${this.runId} reads ${this.opening.channels} channels, the data gives ${channels}`);
    }
    if (!this.opening) {
      const t = this.config.training;
      const opening = {
        channels,
        predictor: createPredictor(this.native, modelSpecOf(this.config, channels), this.checkpoint, {
          device: this.device,
          precision: t.precision,
          threads: this.opts.threads ?? t.threads,
          finetune: finetuneOf(this.config),
          // At least 256 windows a pass, as the trainer's predict (and so the run's own test metrics) used.
          batchSize: Math.max(this.opts.batchSize ?? t.batch_size, 256),
        }).then((p) => {
          if (this.opening === opening) this.predictor = p;
          return p;
        }),
      };
      this.opening = opening;
    }
    return this.opening.predictor;
  }
}
