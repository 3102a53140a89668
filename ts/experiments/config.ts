/**
 * Experiment configs (configs/experiments/*.yaml): a matrix of models × datasets × seeds
 * (× strategies × context lengths) over a base training config. Validated with zod; every entry is
 * checked to exist before any cell starts, and an error names the file and the entry.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const name = () => z.string().regex(NAME, 'use letters, digits, ".", "_" and "-" (starting with a letter or digit)');
const overrides = () => z.array(z.string().min(1)).default([]).describe('`--set` style overrides, `dotted.path=value`.');

export const ModelEntrySchema = z.union([
  name(),
  z
    .object({
      name: name().describe('Label of the model in tables and run ids.'),
      config: z
        .string()
        .min(1)
        .optional()
        .describe('Model config file (default: configs/models/<name>.yaml; none when `set` chooses `model.family`).'),
      set: overrides(),
    })
    .strict(),
]);

export const DatasetEntrySchema = z.union([
  name(),
  z
    .object({
      name: name().describe('Label of the dataset in tables and run ids.'),
      dataset: z.string().min(1).optional().describe('Dataset config name under configs/datasets/ or a YAML path (default: name).'),
      set: overrides(),
    })
    .strict(),
]);

export const STRATEGY_KINDS = ['overrides', 'per_series', 'per_patient_finetune'] as const;

export const StrategyEntrySchema = z.union([
  z.literal('global').describe('One model over all series of the dataset.'),
  z.literal('per_series').describe('One model per series of the dataset, each cell trained on that series only (data.series).'),
  z
    .literal('per_patient_finetune')
    .describe('A global model, then per series a fine-tuning cell starting from its best checkpoint, trained on that series only.'),
  z
    .object({
      name: name().describe('Label of the strategy, e.g. no_covariates.'),
      kind: z
        .enum(STRATEGY_KINDS)
        .default('overrides')
        .describe(
          'overrides: one cell per model × dataset × seed with these overrides; per_series / per_patient_finetune: as the named strategies, with these overrides.',
        ),
      series: z
        .array(z.string().min(1))
        .min(1)
        .optional()
        .describe('per_series / per_patient_finetune: only these series (default: every series of the dataset).'),
      set: overrides().describe('Overrides that define the strategy, e.g. [data.covariates=false] for a covariate ablation.'),
      init_from: z
        .string()
        .min(1)
        .optional()
        .describe(
          'Fine-tune: start every cell of this strategy from these weights (a run id in the runs directory, or a checkpoint path); the model must have the same shape.',
        ),
    })
    .strict()
    .refine((s) => s.kind !== 'overrides' || !s.series, {
      message: '`series` needs kind per_series or per_patient_finetune',
      path: ['series'],
    })
    .refine((s) => s.kind !== 'per_patient_finetune' || !s.init_from, {
      message: 'per_patient_finetune starts from its own global cell; init_from cannot be given',
      path: ['init_from'],
    }),
]);

/** Evaluations an experiment runs on every trained cell ('test' is the training run's own; 'nocturnal': ts/experiments/nocturnal.ts). */
export const EXPERIMENT_EVALUATIONS = ['test', 'nocturnal'] as const;

/** Metrics of the aggregate table that a transfer evaluation (tsfm evaluate) also gives. */
export const TRANSFER_METRICS = ['test_rmse', 'test_mae', 'test_mse', 'test_medianRmse', 'test_medianMae'] as const;

export const ExperimentSchema = z
  .object({
    name: name().describe('Experiment name: tags its runs and names its directory <runs_dir>/experiments/<name>/.'),
    description: z.string().optional(),
    task: z.string().min(1).optional().describe('Task label stored on every run (`tsfm models best --task`).'),
    base: z
      .string()
      .min(1)
      .optional()
      .describe('Base training config (path relative to the experiment file, or a name under configs/). Default: configs/default.yaml.'),
    set: overrides().describe('Overrides applied to every cell.'),
    models: z.array(ModelEntrySchema).min(1),
    datasets: z.array(DatasetEntrySchema).min(1),
    seeds: z.array(z.number().int().min(0)).min(1).default([42]),
    strategies: z.array(StrategyEntrySchema).min(1).default(['global']),
    train_fractions: z
      .array(z.number().gt(0).max(1))
      .min(1)
      .optional()
      .describe(
        "Values of data.train_fraction to cross with the rest: a data-size ablation (each cell keeps the most recent fraction of each series' training windows).",
      ),
    test_datasets: z
      .array(DatasetEntrySchema)
      .min(1)
      .optional()
      .describe(
        'Transfer: after training, every cell is also evaluated on these datasets (`tsfm evaluate --data`); the table gets the metric on each.',
      ),
    context_lengths: z
      .array(z.number().int().min(2))
      .min(1)
      .optional()
      .describe("Values of model.context_length to cross with the rest (default: the base config's)."),
    evaluate: z
      .array(z.enum(EXPERIMENT_EVALUATIONS))
      .min(1)
      .default(['test'])
      .refine((e) => e.includes('test'), { message: "must include 'test' (every trained cell is scored on its test split)" })
      .refine((e) => new Set(e).size === e.length, { message: 'lists an evaluation twice' })
      .describe(
        "Evaluations of every trained cell: 'test' (the training run's test split, the metric's source) and 'nocturnal' (`tsfm evaluate --split nocturnal`: " +
          'bedtime-anchored night-level hypoglycaemia probability; its AUROC with CI, Brier and ECE beside the baselines go into the results table).',
      ),
    metric: z
      .string()
      .regex(/^[A-Za-z0-9_]+$/)
      .default('test_rmse')
      .describe('Metric of the comparison table (lower is better).'),
    workers: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe('Cells run at once on CPU (default: CPU cores / threads_per_worker). With CUDA: one per GPU.'),
    threads_per_worker: z.number().int().min(1).default(1).describe('training.threads of each CPU cell.'),
    runs_dir: z.string().min(1).optional().describe("Runs directory (default: the base config's output.runs_dir)."),
  })
  .strict()
  .refine((e) => !e.test_datasets || (TRANSFER_METRICS as readonly string[]).includes(e.metric), {
    message: `with test_datasets the metric must be one that tsfm evaluate reports: ${TRANSFER_METRICS.join(', ')}`,
    path: ['metric'],
  });

export type ExperimentConfig = z.output<typeof ExperimentSchema>;
export type ModelEntry = z.output<typeof ModelEntrySchema>;
export type DatasetEntry = z.output<typeof DatasetEntrySchema>;
export type StrategyEntry = z.output<typeof StrategyEntrySchema>;

/** One line per problem: `<file>: <path>: <message>`. */
export class ExperimentConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(issues.length === 1 ? issues[0]! : `${issues.length} experiment config problems:\n${issues.map((i) => `  ${i}`).join('\n')}`);
    this.name = 'ExperimentConfigError';
  }
}

function issuePath(p: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const seg of p) out += typeof seg === 'number' ? `[${seg}]` : out ? `.${String(seg)}` : String(seg);
  return out || '(top level)';
}

export function parseExperiment(raw: unknown, source: string): ExperimentConfig {
  const r = ExperimentSchema.safeParse(raw);
  if (r.success) return r.data;
  throw new ExperimentConfigError(r.error.issues.map((i) => `${source}: ${issuePath(i.path)}: ${i.message}`));
}

export function loadExperimentFile(file: string): { config: ExperimentConfig; file: string } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new ExperimentConfigError([`${file}: cannot read the experiment config`]);
  }
  const doc = YAML.parseDocument(text);
  if (doc.errors.length) throw new ExperimentConfigError([`${file}: invalid YAML: ${doc.errors[0]!.message.split('\n')[0]}`]);
  return { config: parseExperiment(doc.toJS() ?? {}, file), file: path.resolve(file) };
}

export const entryName = (e: ModelEntry | DatasetEntry | StrategyEntry): string => (typeof e === 'string' ? e : e.name);

export const strategyKind = (e: StrategyEntry): (typeof STRATEGY_KINDS)[number] =>
  typeof e === 'string' ? (e === 'global' ? 'overrides' : e) : e.kind;
