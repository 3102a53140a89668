/**
 * What a study found: its trials, the best one, simple parameter importances and the best config as a
 * YAML ready for `tsfm train`. Importance (fANOVA-lite): the share of the objective's variance over the
 * completed trials that the mean per bin of the parameter explains (eta squared; bins: the choices of a
 * categorical, else up to 4 quantile bins of 2+ trials), so 0 means the bins' means do not differ. Under
 * MIN_TRIALS completed trials with the parameter it is not computed (NaN): a bin per trial explains everything.
 */
import { loadConfig, renderConfigYaml } from '../config/index.js';
import type { Param, SearchSpace } from './space.js';
import type { Trial } from './trial.js';

export const bestTrial = (trials: Trial[]): Trial | undefined =>
  trials
    .filter((t) => t.state === 'completed' && Number.isFinite(t.value))
    .reduce<Trial | undefined>((b, t) => (!b || t.value! < b.value! ? t : b), undefined);

const MIN_TRIALS = 4;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Bin of each value: the choice for a categorical, else the quantile bin (log scale for log parameters). */
function bins(p: Param, values: Array<string | number | boolean>, nBins: number): string[] {
  if (p.dist.kind === 'categorical') return values.map(String);
  const xs = values.map((v) => (p.dist.kind !== 'categorical' && p.dist.log ? Math.log(v as number) : (v as number)));
  const sorted = [...xs].sort((a, b) => a - b);
  const k = Math.min(nBins, new Set(sorted).size);
  const cuts = Array.from({ length: k - 1 }, (_, i) => sorted[Math.floor(((i + 1) * sorted.length) / k)]!);
  return xs.map((x) => String(cuts.filter((c) => x >= c).length));
}

export interface Importance {
  id: string;
  importance: number;
  trials: number;
}

export function importances(space: SearchSpace, trials: Trial[], nBins = 4): Importance[] {
  const done = trials.filter((t) => t.state === 'completed' && Number.isFinite(t.value));
  return space.params
    .map((p) => {
      const with_ = done.filter((t) => t.params[p.id] !== undefined);
      if (with_.length < MIN_TRIALS) return { id: p.id, importance: NaN, trials: with_.length };
      const y = with_.map((t) => t.value!);
      const m = mean(y);
      const total = y.reduce((a, v) => a + (v - m) ** 2, 0);
      const b = bins(
        p,
        with_.map((t) => t.params[p.id]!),
        Math.min(nBins, Math.floor(with_.length / 2)),
      );
      const groups = new Map<string, number[]>();
      b.forEach((key, i) => groups.set(key, [...(groups.get(key) ?? []), y[i]!]));
      const between = [...groups.values()].reduce((a, g) => a + g.length * (mean(g) - m) ** 2, 0);
      return { id: p.id, importance: total > 0 ? between / total : 0, trials: with_.length };
    })
    .sort((a, b) => (Number.isNaN(a.importance) ? 1 : 0) - (Number.isNaN(b.importance) ? 1 : 0) || b.importance - a.importance);
}

/** The best trial's config, fully resolved, with a header naming where it came from. */
export function bestConfigYaml(base: string, overrides: string[], header: { study: string; trial: Trial; objective: string }): string {
  const { config } = loadConfig(base, { overrides });
  const lines = [
    `# Best trial of study ${header.study}: trial ${header.trial.number} (run ${header.trial.runId}), ${header.objective} ${header.trial.value}.`,
    `# Base ${base} with: ${overrides.join(' ') || '(no overrides)'}`,
    `# Train it: tsfm train <this file>`,
  ];
  return `${lines.join('\n')}\n${renderConfigYaml({ ...config, output: { ...config.output, run_id: undefined } })}`;
}
