import type { ForecasterMetrics } from '../metrics/metrics.js';

/** One forecaster's error pooled over every point of every target channel (what `tsfm train` reports as test MSE). */
export interface PooledMetrics {
  mse: number;
  rmse: number;
  mae: number;
  /** Points pooled. */
  n: number;
}

/** Per forecaster, the point metrics pooled over all channels (each channel weighted by its number of points). */
export function poolChannels(channels: ReadonlyArray<{ forecasters: Record<string, ForecasterMetrics> }>): Record<string, PooledMetrics> {
  const sums: Record<string, { se: number; ae: number; n: number }> = {};
  for (const ch of channels)
    for (const [name, m] of Object.entries(ch.forecasters)) {
      const s = (sums[name] ??= { se: 0, ae: 0, n: 0 });
      if (!(m.pooled.n > 0)) continue;
      s.se += m.pooled.mse * m.pooled.n;
      s.ae += m.pooled.mae * m.pooled.n;
      s.n += m.pooled.n;
    }
  return Object.fromEntries(
    Object.entries(sums).map(([name, s]) => {
      const mse = s.n ? s.se / s.n : NaN;
      return [name, { mse, rmse: Math.sqrt(mse), mae: s.n ? s.ae / s.n : NaN, n: s.n }];
    }),
  );
}

/** Percentage errors mean nothing on a z-scored axis (values near 0): drop them from metrics computed there. */
export function withoutPercentageErrors(m: ForecasterMetrics): ForecasterMetrics {
  const strip = <T extends { mape: number; smape: number }>(x: T): T => ({ ...x, mape: NaN, smape: NaN });
  const perStep = Object.fromEntries(Object.entries(m.perStep).filter(([k]) => k !== 'mape' && k !== 'smape'));
  return { ...m, pooled: strip(m.pooled), meanPerWindow: strip(m.meanPerWindow), medianPerWindow: strip(m.medianPerWindow), perStep };
}

/** `tsfm: <dataset> <split> (N windows, K channels): model MSE .. MAE .. RMSE .. | last_value ...` */
export function formatPooled(head: string, pooled: Record<string, PooledMetrics>): string {
  const f = (x: number) => (Number.isFinite(x) ? x.toPrecision(4) : '–');
  const part = (name: string, p: PooledMetrics) => `${name} MSE ${f(p.mse)} MAE ${f(p.mae)} RMSE ${f(p.rmse)}`;
  const names = Object.keys(pooled).sort((a, b) => (a === 'model' ? -1 : b === 'model' ? 1 : 0));
  return `${head}: ${names.map((n) => part(n, pooled[n]!)).join(' | ')}`;
}
