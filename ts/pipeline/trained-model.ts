/**
 * A trained run as one object: its resolved config, the scaler fitted on its training windows, its weights
 * (best.pt, else last.pt) and the native model that forecasts with them. Evaluation and prediction use it;
 * nothing else loads a run's weights for inference.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseConfigYaml, type TsfmConfig } from '../config/index.js';
import { loadNative } from '../native/loader.js';
import type { NativeAddon, NativeModel, NativeSplit, NativeTensor, NativeTrainer } from '../native/types.js';
import { requireRunCheckpoint } from '../runs/checkpoints.js';
import { resolveDevice } from './device.js';
import { createModel, createTrainer } from './engine.js';
import { finetuneOf, lossOf, modelSpecOf } from './native-options.js';
import { readScalerFile, type ScalerFile } from './scaler-file.js';

export interface TrainedModelOptions {
  /** 'auto' (default: the run's training.device), 'cpu', 'cuda', 'cuda:N'. */
  device?: string;
  /** Intra-op threads (default: the run's training.threads). */
  threads?: number;
  /** Windows per forward pass (default: the run's training.batch_size). */
  batchSize?: number;
}

export class TrainedModel {
  readonly runId: string;
  readonly device: string;
  private native: NativeAddon;
  private model?: NativeModel;
  private runner?: NativeTrainer;
  private loaded?: Promise<void>;

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
    await this.load(split.inputChannels.length);
    return this.runner!.predict(split, opts);
  }

  /** Releases the native model (idempotent). */
  dispose(): void {
    this.runner?.dispose();
    this.model?.dispose();
    this.runner = undefined;
    this.model = undefined;
    this.loaded = undefined;
  }

  private load(channels: number): Promise<void> {
    if (this.model && this.model.info().channels !== channels) {
      throw new Error(`run ${this.runId} reads ${this.model.info().channels} channels, the data gives ${channels}`);
    }
    this.loaded ??= (async () => {
      const t = this.config.training;
      this.model = createModel(this.native, modelSpecOf(this.config, channels));
      this.runner = createTrainer(this.native, this.model, {
        epochs: 1, batchSize: this.opts.batchSize ?? t.batch_size, lr: t.lr, loss: lossOf(this.config), seed: t.seed,
        threads: this.opts.threads ?? t.threads, device: this.device, precision: t.precision,
        // A LoRA run's checkpoints carry adapters: the model gets the same ones before they load.
        finetune: finetuneOf(this.config),
      });
      await this.runner.loadWeights(this.checkpoint);
    })();
    return this.loaded;
  }
}
