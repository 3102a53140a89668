/**
 * Summary statistics of a dataset: per series and overall. Glucose targets (unit mg/dL) also get
 * the consensus CGM metrics: mean, SD, CV, GMI, time in range 70–180, below 70 / 54, above 180 / 250.
 */
import type { TimeSeriesDataset } from './types.js';
import { segmentsBySeries } from './windows.js';
import { formatDuration } from './units.js';

export interface GlucoseMetrics {
  mean: number;
  sd: number;
  /** Coefficient of variation, %. */
  cv: number;
  /** Glucose management indicator, % (3.31 + 0.02392 * mean mg/dL). */
  gmi: number;
  /** Percent of rows: 70–180 mg/dL inclusive. */
  tir: number;
  below70: number;
  below54: number;
  above180: number;
  above250: number;
}

export interface ChannelSummary {
  name: string;
  min: number;
  max: number;
  mean: number;
  /** Fraction of rows that are nonzero (useful for event channels). */
  nonzero: number;
}

export interface SeriesDescription {
  id: string;
  attributes?: Record<string, string | number>;
  rows: number;
  segments: number;
  /** Gaps between consecutive segments (= segments - 1). */
  gaps: number;
  /** Hours from the first to the last row. */
  spanHours: number;
  /** Hours covered by rows. */
  coveredHours: number;
  start: string;
  end: string;
  channels: ChannelSummary[];
  glucose?: GlucoseMetrics;
}

export interface DatasetDescription {
  name: string;
  version: string;
  interval: string;
  timeZone: string;
  series: SeriesDescription[];
  overall: Omit<SeriesDescription, 'id' | 'start' | 'end' | 'attributes'> & { series: number };
  report: { rowsRead: number; rowsKept: number; pointsInterpolated: number; dropped: Record<string, number>; gapsSplit: number };
}

function isGlucose(ds: TimeSeriesDataset, c: number): boolean {
  const ch = ds.channels[c];
  return ch.role === 'target' && (ch.unit ?? '').toLowerCase() === 'mg/dl';
}

class Acc {
  n = 0;
  sum = 0;
  sq = 0;
  min = Infinity;
  max = -Infinity;
  nz = 0;
  tir = 0;
  b70 = 0;
  b54 = 0;
  a180 = 0;
  a250 = 0;
  add(x: number, glucose: boolean): void {
    if (!Number.isFinite(x)) return;
    this.n++;
    this.sum += x;
    this.sq += x * x;
    if (x < this.min) this.min = x;
    if (x > this.max) this.max = x;
    if (x !== 0) this.nz++;
    if (glucose) {
      if (x >= 70 && x <= 180) this.tir++;
      if (x < 70) this.b70++;
      if (x < 54) this.b54++;
      if (x > 180) this.a180++;
      if (x > 250) this.a250++;
    }
  }
  merge(o: Acc): void {
    this.n += o.n;
    this.sum += o.sum;
    this.sq += o.sq;
    this.min = Math.min(this.min, o.min);
    this.max = Math.max(this.max, o.max);
    this.nz += o.nz;
    this.tir += o.tir;
    this.b70 += o.b70;
    this.b54 += o.b54;
    this.a180 += o.a180;
    this.a250 += o.a250;
  }
  summary(name: string): ChannelSummary {
    return {
      name,
      min: this.n ? this.min : NaN,
      max: this.n ? this.max : NaN,
      mean: this.n ? this.sum / this.n : NaN,
      nonzero: this.n ? this.nz / this.n : NaN,
    };
  }
  glucose(): GlucoseMetrics {
    const n = this.n || NaN;
    const mean = this.sum / n;
    const sd = Math.sqrt(Math.max(0, this.sq / n - mean * mean));
    const pct = (k: number): number => (100 * k) / n;
    return {
      mean,
      sd,
      cv: (100 * sd) / mean,
      gmi: 3.31 + 0.02392 * mean,
      tir: pct(this.tir),
      below70: pct(this.b70),
      below54: pct(this.b54),
      above180: pct(this.a180),
      above250: pct(this.a250),
    };
  }
}

const iso = (ms: number, _tz: string): string => new Date(ms).toISOString().replace('.000Z', 'Z');

export function describeDataset(ds: TimeSeriesDataset): DatasetDescription {
  const C = ds.channels.length;
  const I = ds.intervalMs;
  const glucoseCh = ds.channels.findIndex((_, c) => isGlucose(ds, c));
  const segBy = segmentsBySeries(ds);
  const overallAcc = ds.channels.map(() => new Acc());
  let oRows = 0;
  let oSegs = 0;
  let oSpan = 0;
  const series: SeriesDescription[] = ds.series.map((s, si) => {
    const segs = segBy[si];
    const acc = ds.channels.map(() => new Acc());
    let rows = 0;
    for (const seg of segs) {
      rows += seg.length;
      for (let c = 0; c < C; c++) {
        const v = ds.values[c];
        const a = acc[c];
        const g = c === glucoseCh;
        for (let r = seg.offset; r < seg.offset + seg.length; r++) a.add(v[r], g);
      }
    }
    acc.forEach((a, c) => overallAcc[c].merge(a));
    const first = segs[0];
    const last = segs[segs.length - 1];
    const t0 = first ? first.startMs : NaN;
    const t1 = last ? last.startMs + (last.length - 1) * I : NaN;
    const spanHours = first ? (t1 - t0) / 3_600_000 : 0;
    oRows += rows;
    oSegs += segs.length;
    oSpan += spanHours;
    const d: SeriesDescription = {
      id: s.id,
      rows,
      segments: segs.length,
      gaps: Math.max(0, segs.length - 1),
      spanHours,
      coveredHours: (rows * I) / 3_600_000,
      start: first ? iso(t0, ds.timeZone) : '',
      end: last ? iso(t1, ds.timeZone) : '',
      channels: acc.map((a, c) => a.summary(ds.channels[c].name)),
    };
    if (s.attributes) d.attributes = s.attributes;
    if (glucoseCh >= 0) d.glucose = acc[glucoseCh].glucose();
    return d;
  });
  const overall: DatasetDescription['overall'] = {
    series: ds.series.length,
    rows: oRows,
    segments: oSegs,
    gaps: Math.max(0, oSegs - ds.series.length),
    spanHours: oSpan,
    coveredHours: (oRows * I) / 3_600_000,
    channels: overallAcc.map((a, c) => a.summary(ds.channels[c].name)),
  };
  if (glucoseCh >= 0) overall.glucose = overallAcc[glucoseCh].glucose();
  const r = ds.report;
  return {
    name: ds.name,
    version: ds.version,
    interval: formatDuration(I),
    timeZone: ds.timeZone,
    series,
    overall,
    report: {
      rowsRead: r.rowsRead,
      rowsKept: r.rowsKept,
      pointsInterpolated: r.pointsInterpolated,
      dropped: r.dropped,
      gapsSplit: r.gapsSplit,
    },
  };
}

function fmt(x: number, d = 1): string {
  return Number.isFinite(x) ? x.toFixed(d) : '-';
}

function table(head: string[], rows: string[][]): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]): string => r.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ');
  return [line(head), w.map((x) => '-'.repeat(x)).join('  '), ...rows.map(line)].join('\n');
}

/** Plain-text rendering: header, per-series table (glucose metrics when present), overall row. */
export function renderDescription(d: DatasetDescription, opts: { maxSeries?: number } = {}): string {
  const out: string[] = [];
  out.push(`dataset ${d.name} (version ${d.version}), interval ${d.interval}, time zone ${d.timeZone}`);
  const dr = Object.entries(d.report.dropped)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  out.push(
    `rows read ${d.report.rowsRead}, kept ${d.report.rowsKept}, interpolated ${d.report.pointsInterpolated}, gaps split ${d.report.gapsSplit}${dr ? `, dropped: ${dr}` : ''}`,
  );
  const g = d.overall.glucose !== undefined;
  const head = [
    'series',
    'rows',
    'segs',
    'days covered',
    'span (days)',
    ...(g ? ['mean', 'SD', 'CV%', 'TIR%', '<70%', '<54%', '>180%', '>250%'] : ['min', 'max', 'mean']),
  ];
  const row = (
    id: string,
    s: Pick<SeriesDescription, 'rows' | 'segments' | 'spanHours' | 'coveredHours' | 'channels' | 'glucose'>,
  ): string[] => {
    const base = [id, String(s.rows), String(s.segments), fmt(s.coveredHours / 24), fmt(s.spanHours / 24)];
    if (g && s.glucose) {
      const m = s.glucose;
      return [...base, fmt(m.mean), fmt(m.sd), fmt(m.cv), fmt(m.tir), fmt(m.below70), fmt(m.below54), fmt(m.above180), fmt(m.above250)];
    }
    const c = s.channels[0];
    return [...base, fmt(c?.min ?? NaN, 2), fmt(c?.max ?? NaN, 2), fmt(c?.mean ?? NaN, 2)];
  };
  const max = opts.maxSeries ?? 50;
  const rows = d.series.slice(0, max).map((s) => row(s.id, s));
  if (d.series.length > max) rows.push([`... ${d.series.length - max} more`, ...head.slice(1).map(() => '')]);
  rows.push(row(`overall (${d.overall.series} series)`, d.overall));
  out.push(table(head, rows));
  out.push('days covered: readings × interval (gaps left out); span: first to last reading, gaps included.');
  if (d.overall.channels.length > 1) {
    out.push('');
    out.push(
      table(
        ['channel', 'min', 'max', 'mean', 'nonzero%'],
        d.overall.channels.map((c) => [c.name, fmt(c.min, 2), fmt(c.max, 2), fmt(c.mean, 3), fmt(c.nonzero * 100)]),
      ),
    );
  }
  return out.join('\n');
}
