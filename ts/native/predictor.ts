/**
 * A trained model for inference over the addon's NativePredictor: the model a spec describes with a
 * checkpoint's weights, on one device, with no optimiser. It owns the native object: dispose() frees it
 * (idempotent) and any later call throws naming the checkpoint.
 */
import type {
  NativeAddon,
  NativeModelSpec,
  NativePredictor,
  NativePredictorInfo,
  NativePredictorOptions,
  NativeSplit,
  NativeTensor,
} from './types.js';

export class Predictor {
  private constructor(
    private handle: NativePredictor | undefined,
    readonly checkpoint: string,
  ) {}

  /** Reads `checkpoint` (a tsfm .pt written by the trainer) off the JS thread; rejects naming the file when it is missing, unreadable or another model's. */
  static async open(native: NativeAddon, spec: NativeModelSpec, checkpoint: string, opts: NativePredictorOptions = {}): Promise<Predictor> {
    return new Predictor(await native.NativePredictor.open(spec, checkpoint, opts), checkpoint);
  }

  get disposed(): boolean {
    return this.handle === undefined;
  }

  info(): NativePredictorInfo {
    return this.live().info();
  }

  /** Forecasts of the split's windows: [N, K, H] or [N, Q, K, H], in original units unless `unscale` is false. */
  async predict(split: NativeSplit, opts: { unscale?: boolean } = {}): Promise<NativeTensor> {
    return this.live().predict(split, opts);
  }

  dispose(): void {
    this.handle?.dispose();
    this.handle = undefined;
  }

  private live(): NativePredictor {
    if (!this.handle) throw new Error(`predictor for ${this.checkpoint} was disposed`);
    return this.handle;
  }
}
