/**
 * Short, unique labels for runs in report tables and charts, instead of full run ids: a short id the
 * user chose stays as it is; a generated id becomes the model family, then + seed, then + the id's
 * random suffix, until every label is unique (and none collides with a baseline's name).
 */
export interface LabelledRun {
  id: string;
  family?: string;
  seed?: number;
}

const SHORT = 16;
const RESERVED = new Set(['model', 'last_value', 'seasonal_naive', 'linreg']);

/** The random tail of `run_YYYYMMDD_HHMMSS_abc123`, else the id's last 6 characters. */
const suffix = (id: string) => /_([0-9a-f]{6})$/.exec(id)?.[1] ?? id.slice(-6);

export function runLabels(runs: LabelledRun[]): string[] {
  const candidates = (r: LabelledRun): string[] => {
    const fam = r.family ?? 'run';
    const seed = r.seed !== undefined ? ` s${r.seed}` : '';
    return [...(r.id.length <= SHORT ? [r.id] : []), fam, `${fam}${seed}`, `${fam}${seed} ${suffix(r.id)}`, r.id];
  };
  const all = runs.map(candidates);
  // the first level at which every run's label is unique (and no label is a baseline's name)
  for (let level = 0; level < 5; level++) {
    const labels = all.map((c) => c[Math.min(level, c.length - 1)]);
    if (new Set(labels).size === labels.length && !labels.some((l) => RESERVED.has(l))) return labels;
  }
  return runs.map((r) => r.id);
}
