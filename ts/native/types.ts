/**
 * The native addon's raw surface, as the binding (native/binding/) defines it. The binding is mechanical;
 * these declarations are its contract, and the rest of ts/ uses the addon only through them. NativeAddon lists
 * every export, no more and no fewer: tests/addon/native/contract.test.ts checks it against the built addon.
 */

/** A tensor that crossed the boundary: a Float32Array over the tensor's own memory (no copy) and its shape. */
export interface NativeTensor {
  data: Float32Array;
  shape: number[];
}

export interface RuntimeInfo {
  torchVersion: string;
  cudaAvailable: boolean;
  cudaDeviceCount: number;
  /** Built with torch.distributed (c10d) support. */
  distributed: boolean;
  intraOpThreads: number;
  interOpThreads: number;
  /** OpenBLAS's thread pool (kept equal to intraOpThreads by setThreads); -1 when LibTorch does not run on OpenBLAS. */
  blasThreads: number;
  /** The kernel set OpenBLAS picked for this CPU (openblas_get_corename), '' when not on OpenBLAS. */
  blasCore: string;
  buildConfig: string;
  parallelInfo: string;
  /** Instruction set of the fused CPU kernels (attention, dropout) in use, or 'off' (TSFM_FUSED_KERNELS=0). */
  fusedKernels: 'avx2' | 'baseline' | 'off';
}

/** One check of a fused CPU kernel against the LibTorch reference ops (checkFusedKernels). */
export interface FusedKernelCheck {
  name: string;
  ok: boolean;
  maxError: number;
  detail: string;
}

export interface ModelFamilyInfo {
  family: string;
  description: string;
  outputs: Array<'point' | 'quantile'>;
  defaults: Record<string, number>;
}

export interface NativeDatasetOptions {
  /** One Float32Array per channel, all of the same length; read in place while the dataset lives. */
  columns: Float32Array[];
  segmentOffsets: ArrayLike<number>;
  segmentLengths: ArrayLike<number>;
  segmentSeries: ArrayLike<number>;
  numSeries: number;
}

export interface NativeDataset {
  info(): { rows: number; channels: number; segments: number; disposed: boolean };
  dispose(): void;
}

export interface NativeModelSpec {
  family: string;
  contextLength: number;
  horizon: number;
  channels: number;
  /** Quantile levels for quantile output; absent for point forecasts. */
  quantiles?: number[];
  params?: Record<string, number>;
  seed?: number;
}

export interface NativeModelInfo {
  family: string;
  contextLength: number;
  horizon: number;
  channels: number;
  parameters: number;
  output: 'point' | 'quantile';
  quantiles: number[];
  /** Every family hyper-parameter, defaults merged in. */
  params: Record<string, number>;
}

export interface NativeModel {
  info(): NativeModelInfo;
  /** x: [batch, channels, context] row-major -> [batch, channels, horizon] (or [batch, Q, channels, horizon]). */
  forward(x: Float32Array, batch: number): NativeTensor;
  /** Copies of every parameter and buffer, by name. */
  stateDict(): Record<string, NativeTensor>;
  /** Weights, x and the eval-mode output in a torch.load()-able file for bench/python/check_equivalence.py. */
  writeReferenceDump(x: Float32Array, batch: number, path: string): void;
  dispose(): void;
}

export interface NativeTrainerOptions {
  /** Time each step's phases (NativeFitResult.stepPhases); on CUDA each phase mark synchronises. */
  profileSteps?: boolean;
  /** Gather the next batch on a background thread while the current one trains ('auto': on CUDA only, where
   *  it also uses page-locked buffers and asynchronous copies). The batches are the same either way. */
  prefetch?: 'auto' | 'on' | 'off';
  /** Benchmark aid: time from this global step to the last with no device sync in between (NativeFitResult.timedSeconds). */
  timeFromStep?: number;
  epochs?: number;
  batchSize?: number;
  lr?: number;
  weightDecay?: number;
  warmupFraction?: number;
  warmupSteps?: number;
  schedule?: 'cosine' | 'constant' | 'halving';
  gradClip?: number;
  loss?: string;
  earlyStoppingMetric?: string;
  patience?: number;
  minDelta?: number;
  seed?: number;
  threads?: number;
  device?: string;
  precision?: string;
  maxStepsPerEpoch?: number;
  valMaxWindows?: number;
  logEvery?: number;
  deterministic?: boolean;
  checkpointDir?: string;
  checkpointEveryEpochs?: number;
  /** Testing aid: behave as if interrupted after this many steps. */
  stopAfterSteps?: number;
  /** Micro-batches per optimisation step (batchSize is their total). */
  gradAccumSteps?: number;
  /** Testing aid: at global step faultStep, 'exit' crashes the process, 'throw' raises, 'hang' blocks. */
  faultKind?: 'exit' | 'throw' | 'hang' | string;
  faultStep?: number;
  /** Data-parallel training: this process's rank and its peers' rendezvous (c10d TCPStore, Gloo/NCCL). */
  distributed?: NativeDistributedOptions;
  /** training.finetune, applied to the model when the trainer is built (freezes parameters, adds LoRA adapters). */
  finetune?: NativeFinetuneOptions;
}

export interface NativeFinetuneOptions {
  /** full (default) | head | lora */
  strategy: string;
  loraRank?: number;
  loraAlpha?: number;
  /** mixer | head | patcher | adapter */
  loraTargets?: string[];
}

export interface NativeDistributedOptions {
  rank: number;
  worldSize: number;
  masterAddr?: string;
  masterPort?: number;
  /** auto (nccl on CUDA, gloo on CPU) | gloo | nccl */
  backend?: string;
  /** Collective timeout. */
  timeoutMs?: number;
  /** How long to wait for every rank to join. */
  rendezvousTimeoutMs?: number;
  bucketMb?: number;
  /** Run the process group and gradient sync even at world size 1 (overhead measurements). */
  force?: boolean;
}

export interface WindowsSpec {
  context: number;
  horizon: number;
  stride: number;
  spanStart: Float64Array | ArrayLike<number>;
  spanCount: Float64Array | ArrayLike<number>;
}

export interface ScalingSpec {
  kind: 'global' | 'per_series';
  mean: Float32Array | ArrayLike<number>;
  std: Float32Array | ArrayLike<number>;
  channels: number;
}

/** A set of windows over a dataset, scaled on the fly during the batch gather. */
export interface NativeSplit {
  dataset: NativeDataset;
  windows: WindowsSpec;
  scaling: ScalingSpec | null;
  inputChannels: number[];
  targetChannels: number[];
}

export interface NativeProgressEvent {
  kind: 'step' | 'epoch';
  epoch: number;
  epochs: number;
  step: number;
  stepsPerEpoch: number;
  globalStep: number;
  totalSteps: number;
  loss: number;
  lr: number;
  samplesPerSec: number;
  etaSeconds: number;
  valLoss?: number;
  valMse?: number;
  valMae?: number;
  improved?: boolean;
}

export interface NativeEpochRecord {
  epoch: number;
  trainLoss: number;
  valLoss: number;
  valMse: number;
  valMae: number;
  lr: number;
  seconds: number;
  improved: boolean;
}

export interface NativeFitResult {
  status: 'completed' | 'early_stopped' | 'interrupted';
  /** Why an early-stopped or interrupted run stopped (early stopping's patience, a stop request, a test aid). */
  stopReason?: string;
  epochsCompleted: number;
  globalStep: number;
  bestEpoch: number;
  bestMetric: number;
  seconds: number;
  samplesPerSec: number;
  history: NativeEpochRecord[];
  /** Seconds per step by phase (and process CPU seconds per step), when profileSteps was set. */
  /** With timeFromStep: wall seconds over timedSteps steps, synchronised with the device only at the two ends. */
  timedSeconds?: number;
  timedSteps?: number;
  stepPhases?: Record<'data' | 'forward' | 'backward' | 'communication' | 'optimizer' | 'cpu', Float64Array>;
}

export interface NativeTrainer {
  fit(data: { train: NativeSplit; val?: NativeSplit }, onProgress?: (e: NativeProgressEvent) => void): Promise<NativeFitResult>;
  /** Finish the current step, checkpoint and resolve fit() as interrupted. */
  stop(): void;
  evaluate(split: NativeSplit): Promise<{ loss: number; mse: number; mae: number; windows: number }>;
  predict(split: NativeSplit, opts?: { unscale?: boolean }): Promise<NativeTensor>;
  targets(split: NativeSplit, opts?: { unscale?: boolean }): Promise<NativeTensor>;
  saveCheckpoint(path: string): Promise<void>;
  loadCheckpoint(path: string): Promise<void>;
  loadWeights(path: string): Promise<void>;
  dispose(): void;
}

export interface NativePredictorOptions {
  /** cpu | cuda | cuda:N (default cpu). */
  device?: string;
  /** fp32 | bf16 | fp16; the last two on CUDA only (default fp32). */
  precision?: string;
  /** Windows per forward pass (default 256). */
  batchSize?: number;
  /** Intra-op threads for its calls; 0 (default): the process-wide setting. */
  threads?: number;
  /** The run's training.finetune: a LoRA run's model gets the same adapters before its weights load. */
  finetune?: NativeFinetuneOptions;
}

export interface NativePredictorInfo extends NativeModelInfo {
  checkpoint: string;
  device: string;
  precision: string;
  batchSize: number;
}

/** A trained model for inference: the spec's model with a checkpoint's weights, in eval mode; no optimiser. */
export interface NativePredictor {
  /** Forecasts of every window in index order, as NativeTrainer.predict gives them for the same weights. */
  predict(split: NativeSplit, opts?: { unscale?: boolean }): Promise<NativeTensor>;
  info(): NativePredictorInfo;
  /** Frees the model (idempotent); later calls throw 'predictor was disposed'. */
  dispose(): void;
}

/** NativePredictor's class: built only by open() (calling it directly throws). */
export interface NativePredictorClass {
  prototype: NativePredictor;
  /** Builds the model and reads the checkpoint off the JS thread; rejects naming the file when it is missing, unreadable or another model's. */
  open(spec: NativeModelSpec, checkpoint: string, opts?: NativePredictorOptions): Promise<NativePredictor>;
}

export interface BenchThroughput {
  work: number;
  seconds: number;
  repeats: number;
}

export interface NativeAddon {
  NativeDataset: new (opts: NativeDatasetOptions) => NativeDataset;
  NativeModel: new (spec: NativeModelSpec) => NativeModel;
  NativeTrainer: new (model: NativeModel, opts: NativeTrainerOptions) => NativeTrainer;
  NativePredictor: NativePredictorClass;
  runtimeInfo(): RuntimeInfo;
  setThreads(n: number): void;
  /** Turns the fused CPU kernels on or off for this process (default: on unless TSFM_FUSED_KERNELS=0). */
  setFusedKernels(enabled: boolean): void;
  /** Runs every fused CPU kernel, for each instruction set this CPU runs, against the LibTorch reference. */
  checkFusedKernels(): Promise<FusedKernelCheck[]>;
  /** The multi-tensor AdamW step and sync-free gradient clipping against torch::optim::AdamW and clip_grad_norm_ on a device. */
  checkOptimizerStep(device: string): Promise<FusedKernelCheck[]>;
  /** Peak bytes LibTorch's CUDA caching allocator handed out on a device since the last reset; -1 in a build without CUDA. */
  cudaPeakMemory(device: number): number;
  resetCudaPeakMemory(device: number): void;
  listModelFamilies(): ModelFamilyInfo[];
  /** Hugging Face checkpoint weights (<dir>/model.safetensors, tensors named as the model's state) into or out of a model; resolves to the tensor count. */
  hfWeights(model: NativeModel, op: 'load' | 'save', dir: string): Promise<number>;
  gatherBatch(split: NativeSplit, ids: ArrayLike<number>): { x: NativeTensor; y: NativeTensor; series: Int32Array };
  windowCount(split: NativeSplit): number;
  samplerOrder(n: number, opts?: { seed?: number; epoch?: number; rank?: number; worldSize?: number; shuffle?: boolean }): Float64Array;
  benchGather(
    split: NativeSplit,
    opts?: { batchSize?: number; batches?: number; seed?: number; shuffle?: boolean },
  ): Promise<{ windows: number; bytes: number; seconds: number }>;
  /** Micro-benchmarks: `work` is bytes (copies) or FLOPs (matmul) done in `seconds`. */
  memcpyBandwidth(opts?: { bytes?: number; minSeconds?: number }): Promise<BenchThroughput>;
  benchMatmul(opts: {
    device?: string;
    dtype?: 'fp32' | 'tf32' | 'bf16' | 'fp16' | string;
    size?: number;
    minSeconds?: number;
  }): Promise<BenchThroughput>;
  /** All-reduce (sum, float32) of each size in bytes over a process group this process joins as `rank`. */
  benchAllReduce(opts: {
    rank: number;
    worldSize: number;
    masterAddr?: string;
    masterPort?: number;
    backend?: string;
    device?: string;
    sizes: number[];
    minSeconds?: number;
    timeoutMs?: number;
  }): Promise<BenchThroughput[]>;
  benchCopy(opts: {
    device?: string;
    bytes?: number;
    pinned?: boolean;
    direction?: 'h2d' | 'd2h' | string;
    minSeconds?: number;
  }): Promise<BenchThroughput>;
}
