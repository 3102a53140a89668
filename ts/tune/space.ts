/**
 * Search spaces: each entry maps a dotted config key (what `--set` takes) to a distribution; a
 * `conditional` block adds entries only when its `when` matches (a sampled categorical, or the base
 * config's value, e.g. model.family). Validated with zod; one line per problem, naming the key.
 */
import { z } from 'zod';

export type Scalar = string | number | boolean;
export type Distribution =
  | { kind: 'float'; low: number; high: number; log: boolean }
  | { kind: 'int'; low: number; high: number; log: boolean; step: number }
  | { kind: 'categorical'; choices: Scalar[] };

/** A parameter: `id` is unique in the space (the key, plus the condition for a conditional one). */
export interface Param {
  id: string;
  key: string;
  dist: Distribution;
  when?: Record<string, Scalar[]>;
}
export interface SearchSpace {
  params: Param[];
}
/** Sampled values by parameter id (categoricals by value, not index). */
export type Assignment = Record<string, Scalar>;

const KEY = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*$/;
const bounds = z.tuple([z.number(), z.number()]);
const scalar = z.union([z.string(), z.number(), z.boolean()]);

const KINDS = ['uniform', 'log_uniform', 'int', 'categorical'] as const;
const FIELDS: string[] = [...KINDS, 'log', 'step'];

// One object with every kind optional, so that an error points at the field (a union would only say "no match").
const DistSchema = z
  .object({
    uniform: bounds.optional(),
    log_uniform: bounds.optional(),
    int: z.tuple([z.number().int(), z.number().int()]).optional(),
    log: z.boolean().optional(),
    step: z.number().int().min(1).optional(),
    categorical: z.array(scalar).min(1).optional(),
  })
  .passthrough()
  .superRefine((d, ctx) => {
    const unknown = Object.keys(d).filter((k) => !FIELDS.includes(k));
    if (unknown.length) {
      ctx.addIssue({
        code: 'custom',
        message: `unknown field '${unknown[0]}': expected uniform, log_uniform, int (with log, step) or categorical`,
      });
      return;
    }
    const kinds = KINDS.filter((k) => d[k] !== undefined);
    if (kinds.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message: kinds.length
          ? `give one of ${kinds.join(', ')}, not several`
          : 'expected {uniform: [low, high]}, {log_uniform: [low, high]}, {int: [low, high], log?, step?} or {categorical: [...]}',
      });
      return;
    }
    if ((d.log !== undefined || d.step !== undefined) && !d.int)
      ctx.addIssue({ code: 'custom', message: 'log and step apply to int only' });
    const [lo, hi] = d.uniform ?? d.log_uniform ?? d.int ?? [0, 1];
    if (!(lo < hi)) ctx.addIssue({ code: 'custom', message: `needs low < high, got [${lo}, ${hi}]` });
    if ((d.log_uniform || (d.int && d.log)) && lo <= 0) ctx.addIssue({ code: 'custom', message: `a log scale needs low > 0, got ${lo}` });
    if (d.int && d.log && (d.step ?? 1) !== 1) ctx.addIssue({ code: 'custom', message: 'step cannot be combined with log' });
    if (d.int && (hi - lo) % (d.step ?? 1) !== 0)
      ctx.addIssue({ code: 'custom', message: `high - low must be a multiple of step ${d.step}` });
    if (d.categorical && new Set(d.categorical.map((c) => JSON.stringify(c))).size !== d.categorical.length)
      ctx.addIssue({ code: 'custom', message: 'repeated choice' });
  });

// Keys checked in a refinement: zod's own record-key error does not say what a key should look like.
const keyCheck = (what: string) => (r: Record<string, unknown>, ctx: z.RefinementCtx) => {
  for (const k of Object.keys(r))
    if (!KEY.test(k)) ctx.addIssue({ code: 'custom', path: [k], message: `expected a dotted config key, e.g. ${what}` });
};
const EntriesSchema = z.record(z.string(), DistSchema).superRefine(keyCheck('training.lr'));

export const SpaceSchema = z.object({
  space: EntriesSchema.default({}),
  conditional: z
    .array(
      z
        .object({
          when: z
            .record(z.string(), z.union([scalar, z.array(scalar).min(1)]))
            .superRefine(keyCheck('model.family'))
            .refine((w) => Object.keys(w).length > 0, 'needs at least one key'),
          space: EntriesSchema,
        })
        .strict(),
    )
    .default([]),
});
export type SpaceInput = z.input<typeof SpaceSchema>;

export class SpaceError extends Error {
  constructor(readonly issues: string[]) {
    super(issues.length === 1 ? issues[0]! : `${issues.length} search space problems:\n${issues.map((i) => `  ${i}`).join('\n')}`);
    this.name = 'SpaceError';
  }
}

function toDist(d: z.output<typeof DistSchema>): Distribution {
  if (d.uniform) return { kind: 'float', low: d.uniform[0], high: d.uniform[1], log: false };
  if (d.log_uniform) return { kind: 'float', low: d.log_uniform[0], high: d.log_uniform[1], log: true };
  if (d.int) return { kind: 'int', low: d.int[0], high: d.int[1], log: d.log ?? false, step: d.step ?? 1 };
  return { kind: 'categorical', choices: d.categorical! };
}

const issuePath = (p: ReadonlyArray<PropertyKey>) =>
  p
    .map((s) => (typeof s === 'number' ? `[${s}]` : `.${String(s)}`))
    .join('')
    .replace(/^\./, '')
    .replace(/\.\[/g, '[');

/** Parses `{space, conditional}` (the keys of a study file); `source` prefixes every error line. */
export function parseSpace(raw: unknown, source: string): SearchSpace {
  const r = SpaceSchema.safeParse(raw);
  if (!r.success) {
    // A union error is repeated per branch: keep one line per path.
    const lines = [...new Set(r.error.issues.map((i) => `${source}: ${issuePath(i.path) || '(top level)'}: ${i.message}`))];
    throw new SpaceError(lines);
  }
  const params: Param[] = Object.entries(r.data.space).map(([key, d]) => ({ id: key, key, dist: toDist(d) }));
  const top = new Map(params.map((p) => [p.key, p]));
  const issues: string[] = [];
  r.data.conditional.forEach((block, i) => {
    const when = Object.fromEntries(Object.entries(block.when).map(([k, v]) => [k, Array.isArray(v) ? v : [v]]));
    for (const [k, values] of Object.entries(when)) {
      const p = top.get(k);
      if (p && p.dist.kind !== 'categorical')
        issues.push(`${source}: conditional[${i}].when.${k}: a condition on a sampled key needs it categorical`);
      else if (p?.dist.kind === 'categorical') {
        const choices = p.dist.choices;
        const bad = values.find((v) => !choices.includes(v));
        if (bad !== undefined)
          issues.push(`${source}: conditional[${i}].when.${k}: ${JSON.stringify(bad)} is not one of its choices [${choices.join(', ')}]`);
      }
    }
    const tag = Object.entries(when)
      .map(([k, v]) => `${k}=${v.join('|')}`)
      .join(',');
    for (const [key, d] of Object.entries(block.space)) {
      if (top.has(key)) issues.push(`${source}: conditional[${i}].space.${key}: already in the unconditional space`);
      const id = `${key}@${tag}`;
      if (params.some((p) => p.id === id))
        issues.push(`${source}: conditional[${i}].space.${key}: declared twice under the same condition`);
      params.push({ id, key, dist: toDist(d), when });
    }
  });
  if (issues.length) throw new SpaceError(issues);
  if (!params.length) throw new SpaceError([`${source}: space: empty: declare at least one parameter`]);
  return { params };
}

/** Where a condition's value comes from when its key is not sampled: the base config. */
export type BaseLookup = (key: string) => unknown;

/** Whether `p` applies given what has been sampled so far (unconditional parameters come first). */
export function isActive(p: Param, space: SearchSpace, assignment: Assignment, base: BaseLookup): boolean {
  if (!p.when) return true;
  return Object.entries(p.when).every(([k, values]) => {
    const sampled = space.params.find((q) => q.key === k && !q.when);
    const v = sampled ? assignment[sampled.id] : base(k);
    return values.some((x) => x === v || String(x) === String(v));
  });
}

/** `--set` overrides of an assignment, in the space's order. */
export function overridesOf(space: SearchSpace, assignment: Assignment): string[] {
  return space.params.filter((p) => p.id in assignment).map((p) => `${p.key}=${JSON.stringify(assignment[p.id])}`);
}

/** Whether `v` is a value `d` can produce (a space edited between resumes may leave old trials outside it). */
export function inDistribution(d: Distribution, v: Scalar | undefined): boolean {
  if (v === undefined) return false;
  if (d.kind === 'categorical') return d.choices.includes(v);
  if (typeof v !== 'number' || !(v >= d.low && v <= d.high)) return false;
  return d.kind === 'float' || (Number.isInteger(v) && (v - d.low) % d.step === 0);
}

/** Looks up a dotted key in a nested object. */
export function lookup(obj: unknown, key: string): unknown {
  let v: unknown = obj;
  for (const s of key.split('.')) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[s] : undefined;
  return v;
}
