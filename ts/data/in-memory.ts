/**
 * A dataset from arrays held in memory (`predict({ series, times, values })` from Node): rows grouped by series,
 * put on the regular grid by the same regularisation as ingest (snapping, interpolation over short gaps,
 * segments split at longer ones), so in-memory data and files are read alike.
 */
import type { ChannelSpec, FileStat, RawSeries } from './raw.js';
import { newFileStat } from './raw.js';
import { inferIntervalMs, regularizeSeries } from './regularize.js';
import type { ChannelInfo, Segment, SeriesInfo, TimeSeriesDataset } from './types.js';
import { DataError } from './errors.js';

export interface SeriesArrays {
  /** Series id per row (one id for all rows when a single string). */
  series: readonly string[] | string;
  /** Time per row: epoch milliseconds, or Date objects, or ISO 8601 strings. */
  times: ArrayLike<number> | readonly Date[] | readonly string[];
  /** Target (glucose, mg/dL) per row; NaN for a missing reading. */
  values: ArrayLike<number>;
  /** Covariate columns by channel name (e.g. `{ insulin, carbs }`), one value per row; events: 0 where none. */
  covariates?: Record<string, ArrayLike<number>>;
  /** Name of the target channel (default: the model's). */
  target?: string;
}

export interface ArraysOptions {
  /** Grid step in ms (default: the median step of the data). */
  intervalMs?: number;
  /** Longest gap bridged by interpolation in ms (default: one interval, as ingest's default). */
  maxGapMs?: number;
  targetName: string;
}

function timeAt(t: SeriesArrays['times'], i: number): number {
  const v = (t as ArrayLike<unknown>)[i];
  if (typeof v === 'number') return v;
  if (v instanceof Date) return v.getTime();
  if (typeof v === 'string') return Date.parse(v);
  return Number.NaN;
}

/** Checks the arrays line up and groups row indices by series (in order of first appearance). */
function groupRows(a: SeriesArrays): Map<string, number[]> {
  const n = a.values.length;
  if (a.times.length !== n) throw new DataError(`predict: times has ${a.times.length} entries, values ${n}; give one time per value`);
  if (typeof a.series !== 'string' && a.series.length !== n)
    throw new DataError(`predict: series has ${a.series.length} entries, values ${n}; give one series id per value (or one string)`);
  for (const [name, col] of Object.entries(a.covariates ?? {}))
    if (col.length !== n) throw new DataError(`predict: covariate '${name}' has ${col.length} entries, values ${n}`);
  const groups = new Map<string, number[]>();
  for (let i = 0; i < n; i++) {
    const id = typeof a.series === 'string' ? a.series : String(a.series[i]);
    const t = timeAt(a.times, i);
    if (!Number.isFinite(t)) throw new DataError(`predict: times[${i}] is not a time (${String((a.times as ArrayLike<unknown>)[i])})`);
    let g = groups.get(id);
    if (!g) groups.set(id, (g = []));
    g.push(i);
  }
  return groups;
}

/** The arrays as a dataset on a regular grid (target first, then the covariates in the order given). */
export function datasetFromArrays(a: SeriesArrays, opts: ArraysOptions): TimeSeriesDataset {
  const covNames = Object.keys(a.covariates ?? {});
  const channels: ChannelSpec[] = [
    { name: opts.targetName, role: 'target', unit: 'mg/dL', fill: 'interpolate' },
    ...covNames.map((name): ChannelSpec => ({ name, role: 'past_covariate', fill: 'zero' })),
  ];
  const cols = [a.values, ...covNames.map((k) => a.covariates![k]!)];
  const raws: RawSeries[] = [...groupRows(a)].map(([id, rows]) => ({
    id,
    attributes: {},
    times: Float64Array.from(rows, (i) => timeAt(a.times, i)),
    values: cols.map((c) => Float64Array.from(rows, (i) => Number(c[i]))),
    file: new Int32Array(rows.length),
    lines: Int32Array.from(rows, (i) => i + 1),
  }));
  if (raws.length === 0) throw new DataError('predict: no rows (values is empty)');
  const intervalMs = opts.intervalMs ?? inferIntervalMs(raws);
  if (!Number.isFinite(intervalMs) || intervalMs <= 0)
    throw new DataError('predict: cannot infer the sampling interval (fewer than two times per series); pass interval');
  const files: FileStat[] = [newFileStat('arrays')];
  const counters: Record<string, number> = {};
  const warnings: string[] = [];
  const params = {
    intervalMs,
    maxGapMs: Math.max(opts.maxGapMs ?? intervalMs, intervalMs),
    toleranceMs: intervalMs / 3,
    minSegmentLength: 1,
    duplicates: 'mean' as const,
  };
  const regs = raws.map((r) => regularizeSeries(r, channels, params, files, counters, warnings)).filter((r) => r !== undefined);
  const total = regs.reduce((s, r) => s + r.values[0]!.length, 0);
  const values = channels.map(() => new Float32Array(total));
  const segments: Segment[] = [];
  const series: SeriesInfo[] = [];
  let off = 0;
  regs.forEach((r, si) => {
    series.push({ id: r.id });
    let o = 0;
    for (const s of r.segments) {
      segments.push({ series: si, offset: off + o, length: s.length, startMs: s.startMs });
      o += s.length;
    }
    values.forEach((v, c) => v.set(r.values[c]!, off));
    off += o;
  });
  const f = files[0]!;
  return {
    name: 'arrays',
    version: 'in-memory',
    intervalMs,
    timeZone: 'UTC',
    channels: channels.map((c): ChannelInfo => ({ name: c.name, role: c.role, ...(c.unit ? { unit: c.unit } : {}) })),
    values,
    series,
    segments,
    report: {
      files: [
        {
          path: 'arrays',
          rowsRead: a.values.length,
          rowsParsed: a.values.length,
          rowsKept: f.rowsKept,
          pointsInterpolated: f.pointsInterpolated,
          dropped: f.dropped,
        },
      ],
      rowsRead: a.values.length,
      rowsKept: f.rowsKept,
      pointsInterpolated: f.pointsInterpolated,
      dropped: f.dropped,
      gapsSplit: regs.reduce((s, r) => s + r.gapsSplit, 0),
      segments: segments.length,
      series: series.length,
      warnings,
      counters,
    },
  };
}
