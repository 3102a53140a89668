/**
 * Study files (configs/search/*.yaml or your own): a base training config, a search space, the sampler,
 * the pruner and the number of trials. Validated with zod; errors are one line each, naming the file and key.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { ConfigError, defaultConfigPath, loadConfig, resolveConfigRef, type TsfmConfig } from '../config/index.js';
import { ASHA_DEFAULTS, MEDIAN_DEFAULTS, type PrunerConfig } from './pruners.js';
import type { SamplerConfig } from './sampler.js';
import { lookup, overridesOf, parseSpace, SpaceError, SpaceSchema, type Assignment, type SearchSpace } from './space.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export const StudySchema = z
  .object({
    name: z
      .string()
      .regex(NAME, 'use letters, digits, ".", "_" and "-"')
      .describe('Study name: its trials are runs <name>.t<k> and it lives in <runs_dir>/studies/<name>/.'),
    description: z.string().optional(),
    base: z
      .string()
      .min(1)
      .optional()
      .describe('Base training config (path relative to this file, or a name under configs/). Default: configs/default.yaml.'),
    set: z.array(z.string().min(1)).default([]).describe('`--set` overrides applied to every trial before the sampled ones.'),
    objective: z
      .string()
      .regex(/^[A-Za-z0-9_]+$/)
      .default('val_loss')
      .describe("Metric of the run's metadata to minimise (val_loss: best epoch's validation loss)."),
    trials: z.number().int().min(1).default(20),
    workers: z.number().int().min(1).default(1).describe('Trials run at once (child processes).'),
    sampler: z.enum(['tpe', 'random', 'grid']).default('tpe'),
    seed: z.number().int().min(0).default(0).describe('Seed of the sampler (trials still use training.seed).'),
    grid_points: z.number().int().min(1).default(5).describe('Grid: values per float (or wide int) parameter.'),
    n_startup_trials: z.number().int().min(0).default(10).describe('TPE: random trials before the model is used.'),
    pruner: z
      .enum(['none', 'median', 'asha'])
      .default('none')
      .describe(
        'Stop poor trials from their per-epoch validation loss: median (5 startup trials, no warm-up) or asha (min resource 1, reduction factor 3).',
      ),
    runs_dir: z.string().min(1).optional(),
    space: SpaceSchema.shape.space,
    conditional: SpaceSchema.shape.conditional,
  })
  .strict();

export type StudyConfig = z.output<typeof StudySchema>;

export interface Study {
  config: StudyConfig;
  file: string;
  base: string;
  space: SearchSpace;
  baseConfig: TsfmConfig;
  runsDir: string;
}

export class StudyError extends Error {
  constructor(readonly issues: string[]) {
    super(issues.length === 1 ? issues[0]! : `${issues.length} study problems:\n${issues.map((i) => `  ${i}`).join('\n')}`);
    this.name = 'StudyError';
  }
}

const issuePath = (p: ReadonlyArray<PropertyKey>) =>
  p
    .map((s) => (typeof s === 'number' ? `[${s}]` : `.${String(s)}`))
    .join('')
    .replace(/^\./, '')
    .replace(/\.\[/g, '[') || '(top level)';

export const samplerOf = (c: StudyConfig): SamplerConfig => ({
  kind: c.sampler,
  seed: c.seed,
  gridPoints: c.grid_points,
  tpe: { nStartupTrials: c.n_startup_trials },
});
export const prunerOf = (c: StudyConfig): PrunerConfig =>
  c.pruner === 'median' ? { ...MEDIAN_DEFAULTS } : c.pruner === 'asha' ? { ...ASHA_DEFAULTS } : { kind: 'none' };

/** The overrides of a trial: the study's, then the sampled values. */
export const trialOverrides = (s: Study, a: Assignment): string[] => [...s.config.set, ...overridesOf(s.space, a)];

/** One value of each parameter (and the values its condition needs) set on the base config: a bad key or value fails now, not in trial 7. */
function checkKeys(s: Study): string[] {
  const issues: string[] = [];
  for (const p of s.space.params) {
    const d = p.dist;
    const values = d.kind === 'categorical' ? d.choices : [d.low];
    for (const v of values) {
      const cond = Object.entries(p.when ?? {}).map(([k, vs]) => `${k}=${JSON.stringify(vs[0])}`);
      try {
        loadConfig(s.base, { overrides: [...s.config.set, ...cond, `${p.key}=${JSON.stringify(v)}`] });
      } catch (e) {
        const first = (e instanceof ConfigError ? e.issues[0] : (e as Error).message.split('\n')[0]) ?? '';
        issues.push(`${s.file}: space ${p.key}: ${first.replace(/^--set [^:]*: /, '')}`);
        break;
      }
    }
  }
  return issues;
}

export function parseStudy(raw: unknown, file: string, opts: { runsDir?: string } = {}): Study {
  const r = StudySchema.safeParse(raw);
  if (!r.success) throw new StudyError([...new Set(r.error.issues.map((i) => `${file}: ${issuePath(i.path)}: ${i.message}`))]);
  const config = r.data;
  let space: SearchSpace;
  try {
    space = parseSpace({ space: config.space, conditional: config.conditional }, file);
  } catch (e) {
    throw e instanceof SpaceError ? new StudyError(e.issues) : e;
  }
  let base: string;
  let baseConfig: TsfmConfig;
  try {
    base = config.base ? resolveConfigRef(config.base, path.dirname(file)) : defaultConfigPath();
    baseConfig = loadConfig(base, { overrides: config.set }).config;
  } catch (e) {
    throw new StudyError([`${file}: base: ${(e as Error).message.split('\n')[0]}`]);
  }
  const runsDir = path.resolve(opts.runsDir ?? config.runs_dir ?? baseConfig.output.runs_dir);
  const study: Study = { config, file, base, space, baseConfig, runsDir };
  const issues = checkKeys(study);
  if (issues.length) throw new StudyError(issues);
  return study;
}

export function loadStudyFile(file: string, opts: { runsDir?: string } = {}): Study {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new StudyError([`${file}: cannot read the study file`]);
  }
  const doc = YAML.parseDocument(text);
  if (doc.errors.length) throw new StudyError([`${file}: invalid YAML: ${doc.errors[0]!.message.split('\n')[0]}`]);
  return parseStudy(doc.toJS() ?? {}, path.resolve(file), opts);
}

/** Where a condition on an unsampled key looks: the base config. */
export const baseLookup = (s: Study) => (key: string) => lookup(s.baseConfig, key);
