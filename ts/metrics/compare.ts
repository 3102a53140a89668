/**
 * Comparing forecasters: paired per-window differences on the same windows (bootstrap CI and
 * Wilcoxon), and per-dataset tables with a Friedman / Nemenyi critical-difference ranking.
 */
import type { Numeric } from './errors.js';
import { EvalError } from './errors.js';
import {
  criticalDifference,
  pairedBootstrapCI,
  wilcoxonSignedRank,
  type BootstrapCI,
  type CriticalDifference,
  type WilcoxonResult,
} from './stats.js';

export interface PairedComparison {
  a: string;
  b: string;
  /** The per-window metric compared (e.g. 'rmse'); differences are a - b, so negative favours a. */
  metric: string;
  bootstrap: BootstrapCI;
  wilcoxon: WilcoxonResult;
}

/** Compares two forecasters' per-window errors on the same windows. */
export function comparePaired(
  a: { name: string; perWindow: Numeric },
  b: { name: string; perWindow: Numeric },
  metric = 'rmse',
  opts: { reps?: number; level?: number; seed?: number } = {},
): PairedComparison {
  if (a.perWindow.length !== b.perWindow.length)
    throw new EvalError(
      `comparePaired: '${a.name}' has ${a.perWindow.length} windows, '${b.name}' ${b.perWindow.length}; paired comparisons need the same windows`,
    );
  return {
    a: a.name,
    b: b.name,
    metric,
    bootstrap: pairedBootstrapCI(a.perWindow, b.perWindow, opts),
    wilcoxon: wilcoxonSignedRank(a.perWindow, b.perWindow),
  };
}

export interface ScoreRow {
  dataset: string;
  model: string;
  /** Lower is better (e.g. median-per-window RMSE). */
  score: number;
}

export interface AcrossDatasets {
  models: string[];
  datasets: string[];
  /** scores[dataset][model]; NaN where missing. */
  scores: number[][];
  /** Critical-difference ranking; null when fewer than 2 models or 2 complete datasets. */
  cd: CriticalDifference | null;
  note?: string;
}

/** Per-dataset score table and the Friedman/Nemenyi ranking across datasets. */
export function compareAcrossDatasets(rows: ScoreRow[], alpha: 0.05 | 0.1 = 0.05): AcrossDatasets {
  const models = [...new Set(rows.map((r) => r.model))];
  const datasets = [...new Set(rows.map((r) => r.dataset))];
  const scores = datasets.map((d) => models.map((m) => rows.find((r) => r.dataset === d && r.model === m)?.score ?? NaN));
  const complete = scores.filter((r) => r.every(Number.isFinite)).length;
  if (models.length < 2 || complete < 2 || models.length > 10) {
    return {
      models,
      datasets,
      scores,
      cd: null,
      note: `critical difference needs 2..10 models and >= 2 datasets scored for every model (have ${models.length} models, ${complete} complete datasets)`,
    };
  }
  return { models, datasets, scores, cd: criticalDifference(models, scores, alpha) };
}
