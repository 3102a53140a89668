/**
 * The tsfm configuration schema: the single source of truth for the config's TypeScript types, its
 * defaults and the documentation of every option (`tsfm config docs`, docs/configuration.md).
 *
 * Conventions: every object is strict (unknown keys are errors); every field carries `.describe()`;
 * nested sections use `.prefault({})` so that their own field defaults fill in when they are absent.
 */
import { z } from 'zod';

const int = () => z.number().int();
const fraction = () => z.number().min(0).max(1);
/** Fractions given in YAML are decimals: allow a little rounding slack when they must sum to 1. */
const SUM_TOLERANCE = 1e-6;

export const MODEL_FAMILIES = ['dlinear', 'ttm', 'patchtst', 'granite_ttm', 'tsmixer', 'nhits', 'tide', 'lstm', 'gru'] as const;
export const LOSSES = ['mse', 'mae', 'pinball'] as const;
export const METRICS = ['mse', 'mae', 'rmse', 'mape', 'smape', 'mase', 'pinball', 'coverage'] as const;
/** Metrics that need quantile forecasts. */
export const QUANTILE_METRICS: ReadonlySet<string> = new Set(['pinball', 'coverage']);

// ---------------------------------------------------------------------------------------------- model

export const ModelSchema = z
  .object({
    family: z
      .enum(MODEL_FAMILIES)
      .default('ttm')
      .describe(
        "Model family: `dlinear` (trend/seasonal decomposition + linear maps), `ttm` (TinyTimeMixer-style patch MLP-mixer), `patchtst` (patch Transformer), `granite_ttm` (IBM Granite TinyTimeMixer, exactly as granite-tsfm: loads its Hugging Face checkpoints with `model.pretrained`), `tsmixer` (time- and feature-mixing MLPs, Chen et al. 2023), `nhits` (multi-rate pooling and hierarchical interpolation, Challu et al. 2023), `tide` (dense MLP encoder-decoder, Das et al. 2023), `lstm` or `gru` (recurrent encoder, linear decoder to the horizon). Each family's `model.params` are listed in docs/models.md. Changing the family in a later file or with --set drops the earlier `model.params`.",
      ),
    context_length: int().min(2).default(512).describe('Number of past time steps the model sees (the look-back window).'),
    horizon: int().min(1).default(96).describe('Number of future time steps forecast at once.'),
    output: z
      .enum(['point', 'quantile'])
      .default('point')
      .describe('`point`: one value per step and channel; `quantile`: one value per step, channel and entry of `model.quantiles`.'),
    quantiles: z
      .array(z.number().gt(0).lt(1))
      .min(1)
      .default([0.1, 0.25, 0.5, 0.75, 0.9])
      .describe(
        'Quantile levels forecast when `model.output` is `quantile` (each in (0, 1), strictly increasing). Ignored for point output.',
      ),
    loss: z
      .enum(LOSSES)
      .optional()
      .describe(
        'Training loss. Defaults to `mse` for point output and `pinball` for quantile output; `pinball` needs quantile output and `mse`/`mae` need point output.',
      ),
    pretrained: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Start from a pretrained checkpoint: a Hugging Face checkpoint directory (config.json + model.safetensors) or `hf:<org>/<repo>[@<revision>]` (downloaded into `$TSFM_CACHE` or ~/.cache/tsfm, size and checksum verified; `TSFM_NO_DOWNLOAD=1` uses the cache only). Needs `model.family: granite_ttm`; the architecture comes from its config.json (`model.params` may override only `dropout` and `head_dropout`). With `training.epochs: 0` the run evaluates it zero-shot. See docs/pretrained.md.',
      ),
    params: z
      .record(z.string(), z.number())
      .default({})
      .describe(
        "Family hyper-parameters (e.g. `d_model`, `patch_length`, `num_layers`), name → number. Validated by the native core, which also supplies defaults for absent ones; every family's parameters, defaults and ranges are in docs/models.md (presets in configs/models/).",
      ),
  })
  .strict()
  .superRefine((m, ctx) => {
    for (let i = 1; i < m.quantiles.length; i++) {
      if (!(m.quantiles[i]! > m.quantiles[i - 1]!)) {
        ctx.addIssue({
          code: 'custom',
          path: ['quantiles'],
          input: m.quantiles,
          message: `expected strictly increasing quantile levels, got ${JSON.stringify(m.quantiles)}`,
        });
        break;
      }
    }
    if (m.pretrained !== undefined && m.family !== 'granite_ttm') {
      ctx.addIssue({
        code: 'custom',
        path: ['family'],
        input: m.family,
        message: `model.pretrained needs model.family 'granite_ttm' (the family of IBM's TinyTimeMixer checkpoints), got '${m.family}'`,
      });
    }
    if (m.pretrained !== undefined && m.output === 'quantile') {
      ctx.addIssue({
        code: 'custom',
        path: ['output'],
        input: m.output,
        message: 'a pretrained granite_ttm checkpoint has a point head: set model.output to point',
      });
    }
    if (m.loss === 'pinball' && m.output !== 'quantile') {
      ctx.addIssue({
        code: 'custom',
        path: ['loss'],
        input: m.loss,
        message: `'pinball' needs model.output 'quantile' (model.output is '${m.output}'); use 'mse' or 'mae' for point forecasts`,
      });
    }
    if (m.loss !== undefined && m.loss !== 'pinball' && m.output === 'quantile') {
      ctx.addIssue({
        code: 'custom',
        path: ['loss'],
        input: m.loss,
        message: `'${m.loss}' cannot train quantile output; use 'pinball' (or set model.output to 'point')`,
      });
    }
  })
  .transform((m): Omit<typeof m, 'loss'> & { loss: (typeof LOSSES)[number] } => ({
    ...m,
    loss: m.loss ?? (m.output === 'quantile' ? 'pinball' : 'mse'),
  }));

// ----------------------------------------------------------------------------------------------- data

const splitSeed = () =>
  int().min(0).default(42).describe('Seed of the random assignment of series to splits (independent of `training.seed`).');
const groupBy = () =>
  z
    .string()
    .min(1)
    .optional()
    .describe(
      'Series attribute whose equal values always land in the same split (e.g. `patient` when a patient has several series). Default: each series on its own.',
    );

const TemporalSplit = z
  .object({
    protocol: z
      .literal('temporal')
      .describe('Chronological split of every series: the first `train` fraction of its time steps, then `val`, then `test`.'),
    train: fraction().default(0.7).describe('Fraction of each series used for training (the earliest part).'),
    val: fraction().default(0.1).describe('Fraction of each series used for validation (after train).'),
    test: fraction().default(0.2).describe('Fraction of each series used for testing (the latest part).'),
    cutoffs: z
      .object({
        val: z
          .union([z.string(), z.number()])
          .describe('First time of the validation part: ISO date-time (local time of the dataset unless it has an offset) or epoch ms.'),
        test: z.union([z.string(), z.number()]).describe('First time of the test part (after `val`).'),
      })
      .strict()
      .optional()
      .describe('Date cut-offs instead of fractions: the same calendar borders for every series (`train`/`val`/`test` are then ignored).'),
  })
  .strict()
  .superRefine((s, ctx) => checkSum(s, ['train', 'val', 'test'], ctx));

const SeriesSplit = z
  .object({
    protocol: z
      .literal('series')
      .describe('Whole series (e.g. patients) are assigned at random to train, val or test: generalisation to unseen series.'),
    val_fraction: fraction().default(0.1).describe('Fraction of series (or groups) assigned to validation.'),
    test_fraction: fraction().default(0.2).describe('Fraction of series (or groups) assigned to test.'),
    seed: splitSeed(),
    group_by: groupBy(),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.val_fraction + s.test_fraction >= 1) {
      ctx.addIssue({
        code: 'custom',
        path: [],
        input: s,
        message: `val_fraction + test_fraction must be below 1 to leave series for training, got ${s.val_fraction} + ${s.test_fraction}`,
      });
    }
  });

const HybridSplit = z
  .object({
    protocol: z
      .literal('hybrid')
      .describe(
        'A `holdout_fraction` of series is held out as an out-of-distribution test set; the rest is split chronologically (`train`/`val`/`test`).',
      ),
    holdout_fraction: fraction()
      .default(0.2)
      .describe('Fraction of series (or groups) held out entirely as the out-of-distribution test set.'),
    seed: splitSeed(),
    train: fraction().default(0.7).describe('Fraction of each remaining series used for training (the earliest part).'),
    val: fraction().default(0.1).describe('Fraction of each remaining series used for validation.'),
    test: fraction().default(0.2).describe('Fraction of each remaining series used as the in-distribution test set (the latest part).'),
    group_by: groupBy(),
  })
  .strict()
  .superRefine((s, ctx) => checkSum(s, ['train', 'val', 'test'], ctx));

const GlucobenchSplit = z
  .object({
    protocol: z
      .literal('glucobench')
      .describe(
        'The GlucoBench protocol (Sergazinov et al., 2023): an out-of-distribution set of whole series plus in-distribution val/test blocks cut from the end of every other series.',
      ),
    block: int()
      .min(1)
      .default(240)
      .describe('Length, in time steps, of the in-distribution validation and test blocks taken from the end of each series.'),
    ood_fraction: fraction().default(0.1).describe('Fraction of series (or groups) held out as the out-of-distribution test set.'),
    seed: splitSeed(),
    group_by: groupBy(),
    mode: z
      .enum(['last_segment', 'every_segment'])
      .default('last_segment')
      .describe(
        "'last_segment': val/test blocks from the end of each series' last segment (the protocol as the paper describes it); 'every_segment': from the end of every segment (as GlucoBench's code splits).",
      ),
  })
  .strict();

const EttSplit = z
  .object({
    protocol: z
      .literal('ett')
      .describe(
        'The standard ETT benchmark split (Informer/Autoformer): the first 12 months (30-day months) train, the next 4 validation, the next 4 test, whatever the sampling interval; val/test contexts reach back into the preceding split.',
      ),
    borders: z
      .tuple([int().min(1), int().min(1), int().min(1)])
      .optional()
      .describe(
        'Row borders [train end, val end, test end] instead of the standard months (default 8640/11520/14400 rows for hourly data, x4 for 15-minute data).',
      ),
  })
  .strict();

function checkSum(s: Record<string, unknown>, keys: string[], ctx: z.core.$RefinementCtx<unknown>): void {
  const total = keys.reduce((a, k) => a + (s[k] as number), 0);
  if (Math.abs(total - 1) > SUM_TOLERANCE) {
    ctx.addIssue({
      code: 'custom',
      path: [],
      input: s,
      message: `${keys.join(' + ')} must sum to 1, got ${keys.map((k) => String(s[k])).join(' + ')} = ${+total.toFixed(6)}`,
    });
  }
}

export const SplitSchema = z
  .discriminatedUnion('protocol', [TemporalSplit, SeriesSplit, HybridSplit, GlucobenchSplit, EttSplit])
  .prefault({ protocol: 'temporal' })
  .describe(
    'How rows are divided into train/val/test; chosen by `protocol`. Changing the protocol in a later file or with --set discards the earlier split options.',
  );

export const DataSchema = z
  .object({
    dataset: z
      .string()
      .min(1)
      .default('simulated_t1d')
      .describe(
        'Dataset: the name of a dataset config under configs/datasets/ (e.g. `simulated_t1d`, `shanghai_t1dm`, `etth1`), a path to a dataset YAML file, a directory written by `tsfm data ingest|simulate --out`, or a data file (CSV, Parquet, Arrow, JSON; device exports are read by their reader, other tables by column auto-detection; `tsfm train --data FILE` sets it).',
      ),
    overrides: z
      .record(z.string(), z.unknown())
      .optional()
      .describe(
        'Options merged into the dataset config (e.g. a different source directory or interpolation limit); see configs/datasets/. For a data file, `time`, `target`, `id`, `units`, `interval`, `time_format` and `time_zone` are its column mapping (what `tsfm train --data FILE --time COL ...` records; `tsfm predict` reads a new table with it).',
      ),
    split: SplitSchema,
    stride: int().min(1).default(1).describe('Step, in time steps, between the start of consecutive training windows.'),
    scaler: z
      .enum(['none', 'global', 'per_series'])
      .default('per_series')
      .describe(
        'Standardisation fitted on training rows only: `none`, `global` (one mean/std per channel) or `per_series` (one per series and channel).',
      ),
    target_channels: z.array(z.string().min(1)).min(1).optional().describe("Channels to forecast. Default: the dataset's target channels."),
    series: z
      .array(z.string().min(1))
      .min(1)
      .optional()
      .describe(
        'Train (and test) on these series of the dataset only, by id (e.g. one patient: `[sim-003]`). Default: all series. An unknown id is an error.',
      ),
    train_fraction: z
      .number()
      .gt(0)
      .max(1)
      .default(1)
      .describe(
        "Keep only this fraction of each series' training windows: the most recent ones (the last part of the training block), so validation and test windows are unchanged and nothing leaks. For data-size ablations and few-shot runs. The scaler is fitted on the kept windows, except under `split.protocol: ett`, which standardises with the whole training block (the TTM few-shot protocol).",
      ),
    covariates: z
      .boolean()
      .default(true)
      .describe("Feed the dataset's covariate channels (e.g. insulin, carbohydrates) to the model as inputs."),
    cache_dir: z
      .string()
      .min(1)
      .default('.tsfm-cache')
      .describe('Directory for ingested datasets (Arrow files), relative to the working directory.'),
  })
  .strict();

// ------------------------------------------------------------------------------------------- training

export const EarlyStoppingSchema = z
  .object({
    metric: z
      .enum(['val_loss', 'val_mse', 'val_mae'])
      .default('val_loss')
      .describe('Validation quantity watched for early stopping and for choosing the best checkpoint.'),
    patience: int()
      .min(0)
      .default(3)
      .describe(
        'Epochs without improvement before training stops (the run records why in metrics.json `stop_reason` and its `stop_reason` tag); 0 disables early stopping.',
      ),
    min_delta: z.number().min(0).default(0).describe('Smallest decrease of the metric that counts as an improvement.'),
  })
  .strict();

export const DistributedSchema = z
  .object({
    backend: z
      .enum(['auto', 'gloo', 'nccl'])
      .default('auto')
      .describe('Collective backend of torch.distributed: `auto` (NCCL on CUDA, Gloo on CPU), `gloo` or `nccl`.'),
    timeout_seconds: z
      .number()
      .gt(0)
      .default(300)
      .describe('How long any collective may block before the job fails: the bound on how long a crashed or hung peer holds the others.'),
    rendezvous_timeout_seconds: z
      .number()
      .gt(0)
      .default(300)
      .describe('How long the start-up rendezvous waits for every rank to join before failing with the ranks that are missing.'),
    bucket_mb: z
      .number()
      .gt(0)
      .default(25)
      .describe('Size of the gradient buckets all-reduced while the backward pass still runs (PyTorch DDP uses 25 MB).'),
  })
  .strict();

export const FINETUNE_STRATEGIES = ['full', 'head', 'lora'] as const;
export const LORA_TARGETS = ['mixer', 'head', 'patcher', 'adapter'] as const;

export const LoraSchema = z
  .object({
    rank: int()
      .min(1)
      .default(8)
      .describe('Rank r of each adapter: A is r x in (Kaiming-uniform), B is out x r (zero), so training starts from the unadapted model.'),
    alpha: z.number().gt(0).default(16).describe('Scale of the adapters: a layer computes W x + (alpha / rank) B A x.'),
    targets: z
      .array(z.enum(LORA_TARGETS))
      .min(1)
      .default(['mixer', 'head'])
      .describe(
        'Linear layers that get adapters: `mixer` (the MLPs and gates of the patch, feature and channel mixers), `head` (the forecast head), `patcher` (the patch embedding), `adapter` (the decoder input projection).',
      ),
  })
  .strict();

export const FinetuneSchema = z
  .object({
    strategy: z
      .enum(FINETUNE_STRATEGIES)
      .default('full')
      .describe(
        'What trains when starting from weights (`model.pretrained` or `--init-from`): `full` every parameter, `head` only the forecast head (the backbone frozen), `lora` low-rank adapters on `lora.targets` with every base weight frozen (granite_ttm; exported checkpoints carry the adapters merged into the weights). `head` and `lora` need starting weights. See docs/pretrained.md.',
      ),
    lora: LoraSchema.prefault({}).describe('Low-rank adapters (used with `strategy: lora`).'),
  })
  .strict();

export const TrainingSchema = z
  .object({
    epochs: int()
      .min(0)
      .default(10)
      .describe(
        'Maximum number of passes over the training windows; 0 trains nothing and evaluates the model as it is (zero-shot, with `model.pretrained`).',
      ),
    batch_size: int()
      .min(1)
      .default(64)
      .describe('Windows per optimisation step, in total over all processes of a distributed run (each of W ranks takes batch_size / W).'),
    lr: z.number().gt(0).default(1e-3).describe('Peak learning rate of AdamW.'),
    weight_decay: z.number().min(0).default(1e-4).describe('AdamW decoupled weight decay.'),
    warmup_steps: int()
      .min(0)
      .optional()
      .describe('Linear warm-up length in optimisation steps; when set it takes precedence over `warmup_fraction`.'),
    warmup_fraction: z
      .number()
      .min(0)
      .lt(1)
      .default(0.05)
      .describe('Linear warm-up length as a fraction of all training steps (used when `warmup_steps` is not set).'),
    schedule: z
      .enum(['cosine', 'constant', 'halving'])
      .default('cosine')
      .describe(
        "Learning-rate schedule after warm-up: `cosine` decay to zero at the last step, `constant`, or `halving` every epoch (the LTSF-Linear/PatchTST benchmark scripts' schedule).",
      ),
    grad_clip: z.number().min(0).default(1.0).describe('Clip the global gradient norm to this value; 0 disables clipping.'),
    early_stopping: EarlyStoppingSchema.prefault({}).describe('Early stopping on a validation metric.'),
    seed: int().min(0).default(42).describe('Seed for weight initialisation, shuffling and dropout.'),
    threads: int().min(0).default(0).describe('CPU threads for the native core; 0 chooses automatically.'),
    device: z
      .string()
      .regex(/^(auto|cpu|cuda|cuda:\d+)$/)
      .default('auto')
      .describe('Compute device: `auto` (CUDA when available), `cpu`, `cuda` or `cuda:N`.'),
    precision: z
      .enum(['fp32', 'bf16', 'fp16'])
      .default('fp32')
      .describe('Numeric precision of training; `bf16` and `fp16` (mixed precision) need a CUDA device.'),
    prefetch: z
      .enum(['auto', 'on', 'off'])
      .default('auto')
      .describe(
        'Gather the next batch on a background thread while the current one trains (`auto`: on CUDA, where it also copies from page-locked memory without blocking). The batches are the same either way.',
      ),
    max_steps_per_epoch: int()
      .min(1)
      .optional()
      .describe('Cap on optimisation steps per epoch (windows are drawn at random). Default: one full pass.'),
    val_max_windows: int()
      .min(1)
      .optional()
      .describe('Evaluate validation on at most this many windows (a fixed random subset) for speed. Default: all.'),
    log_every: int().min(1).default(50).describe('Log training loss every this many steps.'),
    checkpoint_every_epochs: int()
      .min(0)
      .default(1)
      .describe('Save a checkpoint every this many epochs; 0 saves only the best and the final one.'),
    deterministic: z
      .boolean()
      .default(true)
      .describe('Use deterministic kernels and ordering so that a run is reproducible from its config (may be slower on CUDA).'),
    grad_accumulation_steps: int()
      .min(1)
      .default(1)
      .describe(
        'Micro-batches per optimisation step: `batch_size` is split into this many backward passes whose gradients add up (less memory, same result). Distributed runs synchronise gradients only on the last one.',
      ),
    finetune: FinetuneSchema.prefault({}).describe('Fine-tuning strategy: which parameters train (full, head or LoRA adapters).'),
    distributed: DistributedSchema.prefault({}).describe(
      'Data-parallel training over several processes (`tsfm train --nproc-per-node`, torchrun or SLURM); see docs/distributed.md.',
    ),
  })
  .strict();

// ----------------------------------------------------------------------------------------- evaluation

export const EvaluationSchema = z
  .object({
    metrics: z
      .array(z.enum(METRICS))
      .min(1)
      .default(['mse', 'mae', 'rmse'])
      .describe(
        'Metrics reported on the evaluation split, in the original (unscaled) units. `pinball` and `coverage` need quantile output.',
      ),
    split: z.enum(['test', 'val']).default('test').describe('Split the final evaluation runs on.'),
    scale: z
      .enum(['original', 'scaled'])
      .default('original')
      .describe(
        "Units of the reported metrics: 'original' (the data's units, e.g. mg/dL) or 'scaled' (after the train-fitted scaler; the ETT benchmark protocol reports MSE/MAE on z-normalised data).",
      ),
    max_windows: int().min(1).optional().describe('Evaluate on at most this many windows (a fixed random subset). Default: all.'),
  })
  .strict();

// --------------------------------------------------------------------------------------------- output

export const OutputSchema = z
  .object({
    runs_dir: z.string().min(1).default('runs').describe('Directory under which each run gets its own directory.'),
    run_id: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/)
      .optional()
      .describe('Name of the run directory (letters, digits, `.`, `_`, `-`). Default: generated from the time and the config hash.'),
    save_predictions: z.boolean().default(true).describe('Save the evaluation forecasts next to the metrics.'),
  })
  .strict();

// ----------------------------------------------------------------------------------------------- root

export const TsfmConfigSchema = z
  .object({
    model: ModelSchema.prefault({}).describe('The forecasting model.'),
    data: DataSchema.prefault({}).describe('Dataset, split, windowing and scaling.'),
    training: TrainingSchema.prefault({}).describe('Optimisation.'),
    evaluation: EvaluationSchema.prefault({}).describe('Final evaluation.'),
    output: OutputSchema.prefault({}).describe('Where results go.'),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.model.output !== 'quantile') {
      c.evaluation.metrics.forEach((m, i) => {
        if (QUANTILE_METRICS.has(m)) {
          ctx.addIssue({
            code: 'custom',
            path: ['evaluation', 'metrics', i],
            input: m,
            message: `'${m}' needs model.output 'quantile' (model.output is '${c.model.output}')`,
          });
        }
      });
    }
  });

/** The resolved configuration (every default filled in). */
export type TsfmConfig = z.output<typeof TsfmConfigSchema>;
/** What a config file or object may contain (everything optional). */
export type TsfmConfigInput = z.input<typeof TsfmConfigSchema>;
export type ModelConfig = TsfmConfig['model'];
export type DataConfig = TsfmConfig['data'];
export type SplitConfig = DataConfig['split'];
export type TrainingConfig = TsfmConfig['training'];
export type EvaluationConfig = TsfmConfig['evaluation'];
export type OutputConfig = TsfmConfig['output'];
export type ModelFamily = (typeof MODEL_FAMILIES)[number];
export type Metric = (typeof METRICS)[number];

/** The config with every default filled in. */
export function defaultConfig(): TsfmConfig {
  return TsfmConfigSchema.parse({});
}
