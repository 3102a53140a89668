/** The numbers of a finished training that go into metadata.json `metrics` (and so the registry). */

export interface FitSummary {
  status: string;
  bestEpoch: number;
  seconds: number;
  samplesPerSec: number;
  history: Array<{ trainLoss?: number; valLoss?: number; valMse?: number; valMae?: number }>;
}

/**
 * Flat metric names: `best_epoch` (1-based, as the console prints epochs), `epochs`, `train_loss` (last epoch), `val_loss`/`val_mse`/`val_rmse`/
 * `val_mae` (best epoch, scaled units), `samples_per_sec`, plus every number of `evaluation` flattened
 * with `_` (e.g. { test: { rmse } } -> test_rmse, { baseline_last_value: { rmse } } -> baseline_last_value_rmse).
 */
export function fitMetrics(fit: FitSummary, evaluation: Record<string, unknown> = {}): Record<string, number> {
  const out: Record<string, number> = { epochs: fit.history.length, samples_per_sec: fit.samplesPerSec };
  const last = fit.history[fit.history.length - 1];
  if (last?.trainLoss !== undefined) out.train_loss = last.trainLoss;
  const best = fit.bestEpoch >= 0 ? fit.history[fit.bestEpoch] : undefined;
  if (best) {
    out.best_epoch = fit.bestEpoch + 1; // 1-based, as the console counts epochs
    if (best.valLoss !== undefined) out.val_loss = best.valLoss;
    if (best.valMse !== undefined) {
      out.val_mse = best.valMse;
      out.val_rmse = Math.sqrt(best.valMse);
    }
    if (best.valMae !== undefined) out.val_mae = best.valMae;
  }
  flattenNumbers(evaluation, '', out);
  return out;
}

function flattenNumbers(v: unknown, prefix: string, out: Record<string, number>): void {
  if (typeof v === 'number') {
    if (Number.isFinite(v) && prefix) out[prefix] = v;
  } else if (v && typeof v === 'object' && !Array.isArray(v)) {
    for (const [k, c] of Object.entries(v)) flattenNumbers(c, prefix ? `${prefix}_${k}` : k, out);
  }
}

/** Run status of a training that returned: early stopping is a normal completion. */
export function runStatusOf(fitStatus: string): 'completed' | 'interrupted' {
  return fitStatus === 'interrupted' ? 'interrupted' : 'completed';
}
