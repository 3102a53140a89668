/** The ingest report as text a person reads: what was read, kept, filled in and dropped, and why. */
import type { TimeSeriesDataset } from './types.js';

export function renderIngestReport(ds: Pick<TimeSeriesDataset, 'name' | 'version' | 'report' | 'intervalMs'>): string {
  const r = ds.report;
  const dropped = Object.entries(r.dropped).filter(([, n]) => n > 0);
  const droppedTotal = dropped.reduce((a, [, n]) => a + n, 0);
  const lines = [
    `dataset ${ds.name} (version ${ds.version}): ${r.series} series, ${r.segments} segments, interval ${ds.intervalMs / 60_000} min`,
    `rows read ${r.rowsRead} = kept ${r.rowsKept} + dropped ${droppedTotal}; points interpolated ${r.pointsInterpolated}; gaps split ${r.gapsSplit}`,
  ];
  if (dropped.length) lines.push(`dropped by reason: ${dropped.map(([k, n]) => `${k} ${n}`).join(', ')}`);
  const low = r.counters?.censored_low ?? 0;
  const high = r.counters?.censored_high ?? 0;
  if (low || high) {
    const per = Object.entries(r.seriesCounters ?? {}).filter(([, c]) => c.censored_low || c.censored_high);
    lines.push(
      `censored readings kept at the device limits: ${low} low, ${high} high, in ${per.length} series` +
        (per.length <= 5
          ? ` (${per.map(([id, c]) => `${id}: ${c.censored_low ?? 0} low, ${c.censored_high ?? 0} high`).join('; ')})`
          : ' (--json lists them per series)'),
    );
  }
  const failed = r.files.filter((f) => f.error);
  lines.push(`files ${r.files.length}${failed.length ? `, ${failed.length} skipped:` : ''}`);
  for (const f of failed) lines.push(`  ${f.path}: ${f.error}`);
  for (const w of r.warnings.slice(0, 20)) lines.push(`warning: ${w}`);
  if (r.warnings.length > 20) lines.push(`... ${r.warnings.length - 20} more warnings (--json lists all)`);
  return lines.join('\n');
}
