/**
 * The baselines of an experiment's table: the last-value forecast every training run scores on its test
 * windows (metrics baseline_last_value_*), and LinReg where `tsfm evaluate` (e.g. `tsfm evaluate
 * --experiment NAME`) has scored the run's test split (<run>/eval/<dataset>-test/summary.json).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { RunRow } from '../runs/registry/index.js';
import { transferMetric } from './scheduler.js';

export const TABLE_BASELINES = ['last_value', 'linreg'] as const;
export type TableBaseline = (typeof TABLE_BASELINES)[number];

/** How the table names each baseline. */
export const BASELINE_LABELS: Record<TableBaseline, string> = { last_value: 'last value', linreg: 'LinReg' };

/** The run metric that holds the last-value baseline's value of an experiment metric (test_rmse -> baseline_last_value_rmse). */
export function lastValueMetric(metric: string): string | null {
  return metric.startsWith('test_') ? `baseline_last_value_${metric.slice('test_'.length)}` : null;
}

function evalSummary(run: RunRow): Parameters<typeof transferMetric>[0] | null {
  if (!run.dataset) return null;
  try {
    return JSON.parse(readFileSync(path.join(run.run_dir, 'eval', `${run.dataset}-test`, 'summary.json'), 'utf8'));
  } catch {
    return null; // not evaluated: that baseline is left out of the table
  }
}

/** The experiment metric of each baseline for one run, where the run's records have it. */
export function baselineValues(run: RunRow, metric: string): Partial<Record<TableBaseline, number>> {
  const out: Partial<Record<TableBaseline, number>> = {};
  const summary = evalSummary(run);
  const key = lastValueMetric(metric);
  const recorded = key ? run.metrics[key] : undefined;
  const lastValue =
    recorded !== undefined && Number.isFinite(recorded) ? recorded : summary ? transferMetric(summary, metric, 'last_value') : null;
  if (lastValue !== null) out.last_value = lastValue;
  const linreg = summary ? transferMetric(summary, metric, 'linreg') : null;
  if (linreg !== null) out.linreg = linreg;
  return out;
}
