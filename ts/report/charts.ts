/**
 * Report charts: Vega-Lite specs rendered to SVG strings in Node (vega's headless 'none' renderer),
 * so reports embed them inline and need nothing from the network.
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { ChannelEvaluation, ForecastSample } from '../evaluate/evaluate.js';
import type { NightPanel } from '../evaluate/night-task.js';
import type { ReliabilityBin } from '../metrics/night-metrics.js';
import type { ForecasterMetrics } from '../metrics/metrics.js';
import { PARKES_T1 } from '../metrics/clinical.js';

export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

const COLORS: Record<string, string> = {
  model: '#1f77b4',
  last_value: '#7f7f7f',
  seasonal_naive: '#bcbd22',
  linreg: '#ff7f0e',
  threshold_crossing: '#ff7f0e',
  patient_rate: '#7f7f7f',
  bedtime_logistic: '#2ca02c',
  night_classifier: '#d62728',
  model_raw: '#9467bd',
  model_max_step: '#8c564b',
};
const colorScale = (names: string[]) => ({ domain: names, range: names.map((n) => COLORS[n] ?? '#2ca02c') });

type Seg = [number, number, number, number];

/** Clarke zone boundaries (mg/dL) as drawn in Clarke et al. 1987, clipped to 0..400. */
const CLARKE_LINES: Seg[] = [
  [0, 0, 400, 400],
  [0, 70, 175 / 3, 70],
  [175 / 3, 70, 400 / 1.2, 400], // A upper: y = 1.2 x
  [70, 0, 70, 56],
  [70, 56, 400, 320], // A lower: y = 0.8 x
  [0, 180, 70, 180],
  [70, 180, 290, 400], // C upper: y = x + 110
  [70, 84, 70, 400], // D left | B
  [240, 70, 240, 180],
  [240, 180, 400, 180], // D right
  [130, 0, 180, 70],
  [180, 0, 180, 70],
  [180, 70, 400, 70], // C lower, E lower
];

function parkesLines(): Seg[] {
  const segs: Seg[] = [];
  for (const c of PARKES_T1.upper) for (let i = 1; i < c.length; i++) segs.push([c[i - 1][0], c[i - 1][1], c[i][0], c[i][1]]);
  for (const c of PARKES_T1.lower) {
    segs.push([c[0][0], 0, c[0][0], c[0][1]]);
    for (let i = 1; i < c.length; i++) segs.push([c[i - 1][0], c[i - 1][1], c[i][0], c[i][1]]);
  }
  return segs;
}

export interface ZoneLabel {
  zone: 'A' | 'B' | 'C' | 'D' | 'E';
  /** A point inside the zone (mg/dL); tests check it against clarkeZone / parkesZone. */
  ref: number;
  pred: number;
}

export const CLARKE_LABELS: ZoneLabel[] = [
  { zone: 'A', ref: 340, pred: 370 },
  { zone: 'B', ref: 250, pred: 340 },
  { zone: 'B', ref: 330, pred: 220 },
  { zone: 'C', ref: 120, pred: 320 },
  { zone: 'C', ref: 165, pred: 15 },
  { zone: 'D', ref: 35, pred: 125 },
  { zone: 'D', ref: 320, pred: 125 },
  { zone: 'E', ref: 35, pred: 300 },
  { zone: 'E', ref: 300, pred: 35 },
];

export const PARKES_LABELS: ZoneLabel[] = [
  { zone: 'A', ref: 450, pred: 440 },
  { zone: 'B', ref: 250, pred: 430 },
  { zone: 'B', ref: 420, pred: 250 },
  { zone: 'C', ref: 110, pred: 320 },
  { zone: 'C', ref: 450, pred: 160 },
  { zone: 'D', ref: 40, pred: 200 },
  { zone: 'D', ref: 450, pred: 60 },
  { zone: 'E', ref: 20, pred: 400 },
];

function gridChart(title: string, sample: ChannelEvaluation['gridSample'], lines: Seg[], max: number, zones: ZoneLabel[]): TopLevelSpec {
  const pts = sample.truth.map((t, i) => ({ ref: Math.min(t, max), pred: Math.max(0, Math.min(sample.forecast[i], max)) }));
  const scale = { domain: [0, max], nice: false, clamp: true };
  return {
    title,
    width: 360,
    height: 360,
    layer: [
      {
        data: { values: pts },
        mark: { type: 'circle', size: 8, opacity: 0.35, color: '#1f77b4' },
        encoding: {
          x: { field: 'ref', type: 'quantitative', title: 'reference (mg/dL)', scale },
          y: { field: 'pred', type: 'quantitative', title: 'forecast (mg/dL)', scale },
        },
      },
      {
        data: { values: lines.map(([x, y, x2, y2]) => ({ x, y, x2, y2 })) },
        mark: { type: 'rule', color: 'black', strokeWidth: 1, clip: true },
        encoding: {
          x: { field: 'x', type: 'quantitative', scale },
          y: { field: 'y', type: 'quantitative', scale },
          x2: { field: 'x2' },
          y2: { field: 'y2' },
        },
      },
      {
        data: { values: zones },
        mark: { type: 'text', fontSize: 15, fontWeight: 'bold', color: '#555' },
        encoding: {
          x: { field: 'ref', type: 'quantitative', scale },
          y: { field: 'pred', type: 'quantitative', scale },
          text: { field: 'zone' },
        },
      },
    ],
  } as TopLevelSpec;
}

export const clarkeChart = (s: ChannelEvaluation['gridSample']) => gridChart('Clarke error grid', s, CLARKE_LINES, 400, CLARKE_LABELS);
export const parkesChart = (s: ChannelEvaluation['gridSample']) =>
  gridChart('Parkes error grid (type 1)', s, parkesLines(), 550, PARKES_LABELS);

export function horizonChart(
  forecasters: Record<string, ForecasterMetrics>,
  intervalMinutes: number,
  metric: 'rmse' | 'mae' = 'rmse',
): TopLevelSpec {
  const names = Object.keys(forecasters);
  const values = names.flatMap((n) =>
    forecasters[n].perStep[metric].map((v, h) => ({ forecaster: n, minutes: (h + 1) * intervalMinutes, value: v })),
  );
  return {
    title: `${metric.toUpperCase()} by horizon`,
    width: 420,
    height: 240,
    data: { values },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'minutes', type: 'quantitative', title: 'minutes ahead' },
      y: { field: 'value', type: 'quantitative', title: metric.toUpperCase() },
      color: { field: 'forecaster', type: 'nominal', scale: colorScale(names) },
    },
  } as TopLevelSpec;
}

const SERIES_COLORS: Record<string, string> = { observed: 'black', forecast: '#1f77b4', linreg: '#ff7f0e' };

/** Band fills, lightest (widest band) to darkest. */
const BAND_SHADES = ['#c6dbef', '#9ecae1', '#6baed6', '#4292c6'];

/** A central interval named by its quantiles: 0.8 -> '10–90 %'. */
export function bandName(nominal: number): string {
  const lo = Math.round(((1 - nominal) / 2) * 1000) / 10;
  return `${lo}–${Math.round((100 - lo) * 10) / 10} %`;
}

export function fanChart(s: ForecastSample): TopLevelSpec {
  const lines = [
    ...s.contextMinutes.map((m, i) => ({ minutes: m, value: s.context[i], series: 'observed' })),
    ...s.minutes.map((m, i) => ({ minutes: m, value: s.truth[i], series: 'observed' })),
    ...s.minutes.map((m, i) => ({ minutes: m, value: s.forecast[i], series: 'forecast' })),
    ...(s.baseline ? s.minutes.map((m, i) => ({ minutes: m, value: s.baseline!.values[i], series: s.baseline!.name })) : []),
  ];
  const seriesNames = ['observed', 'forecast', ...(s.baseline ? [s.baseline.name] : [])];
  // widest band first so the narrower ones are drawn over it; named by their quantiles (0.8 -> 10–90 %)
  const sorted = [...s.bands].sort((a, b) => b.nominal - a.nominal);
  const names = sorted.map((b) => bandName(b.nominal));
  const bands = sorted.flatMap((b, k) => s.minutes.map((m, i) => ({ minutes: m, lo: b.lo[i], hi: b.hi[i], band: names[k] })));
  const layers: object[] = [];
  if (bands.length)
    layers.push({
      data: { values: bands },
      mark: { type: 'area', opacity: 0.35 },
      encoding: {
        x: { field: 'minutes', type: 'quantitative' },
        y: { field: 'lo', type: 'quantitative' },
        y2: { field: 'hi' },
        fill: {
          field: 'band',
          type: 'nominal',
          title: 'forecast interval',
          sort: names,
          scale: {
            domain: names,
            range: names.map((_, k) => BAND_SHADES[Math.min(k + BAND_SHADES.length - names.length, BAND_SHADES.length - 1)]),
          },
        },
      },
    });
  layers.push({
    data: { values: lines },
    mark: { type: 'line', strokeWidth: 1.5 },
    encoding: {
      x: { field: 'minutes', type: 'quantitative', title: 'minutes from forecast origin', scale: { nice: false } },
      y: { field: 'value', type: 'quantitative', title: 'mg/dL', scale: { zero: false } },
      color: {
        field: 'series',
        type: 'nominal',
        title: null,
        scale: { domain: seriesNames, range: seriesNames.map((n) => SERIES_COLORS[n] ?? '#ff7f0e') },
      },
      detail: { field: 'series' },
    },
  });
  layers.push({
    data: { values: [{ y: 70 }] },
    mark: { type: 'rule', strokeDash: [4, 4], color: '#d62728' },
    encoding: { y: { field: 'y', type: 'quantitative' } },
  });
  return { title: s.title, width: 420, height: 200, layer: layers } as TopLevelSpec;
}

/** A [0, 1] axis with 0 and 1 on the plot's edges (no nice rounding, no padding). */
const UNIT = { domain: [0, 1], nice: false, padding: 0 };
/** Tick labels centred on their ticks: Vega-Lite's default flushes the end labels inwards, so a curve at 0 looks as if it started left of the '0' label. */
const CENTRED = { labelFlush: false };

/** The dashed y = x line of reliability and ROC charts (on the given axis scale, if any). */
function diagonal(scale?: { domain: number[]; nice: boolean; padding?: number }) {
  return {
    data: {
      values: [
        { x: 0, y: 0 },
        { x: 1, y: 1 },
      ],
    },
    mark: { type: 'line' as const, color: '#999', strokeDash: [4, 4] },
    encoding: {
      x: { field: 'x', type: 'quantitative' as const, ...(scale && { scale }) },
      y: { field: 'y', type: 'quantitative' as const, ...(scale && { scale }) },
    },
  };
}

export function reliabilityChart(rel: Array<{ level: number; observed: number }>): TopLevelSpec {
  return {
    title: 'Reliability (quantile levels)',
    width: 260,
    height: 260,
    layer: [
      diagonal(UNIT),
      {
        data: { values: rel },
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'level', type: 'quantitative', title: 'nominal level', scale: UNIT, axis: CENTRED },
          y: { field: 'observed', type: 'quantitative', title: 'observed fraction below', scale: UNIT, axis: CENTRED },
        },
      },
    ],
  } as TopLevelSpec;
}

export function pitChart(pit: number[]): TopLevelSpec {
  const n = pit.reduce((a, b) => a + b, 0);
  const values = pit.map((c, i) => ({ lo: i / pit.length, hi: (i + 1) / pit.length, density: (c / n) * pit.length }));
  return {
    title: 'PIT histogram',
    width: 260,
    height: 200,
    layer: [
      {
        data: { values },
        // y2 at 0: with a ranged x and a single y, Vega-Lite draws each bin as a horizontal dash
        mark: { type: 'rect', stroke: 'white', color: '#1f77b4' },
        encoding: {
          x: { field: 'lo', type: 'quantitative', title: 'PIT', scale: UNIT, axis: CENTRED },
          x2: { field: 'hi' },
          y: { field: 'density', type: 'quantitative', title: 'density', scale: { zero: true } },
          y2: { datum: 0 },
        },
      },
      {
        data: { values: [{ y: 1 }] },
        mark: { type: 'rule', color: '#d62728', strokeDash: [4, 4] },
        encoding: { y: { field: 'y', type: 'quantitative' } },
      },
    ],
  } as TopLevelSpec;
}

export function rocChart(
  curves: Array<{ name: string; roc: Array<{ fpr: number; tpr: number }> }>,
  title = 'Night-level hypoglycaemia ROC',
): TopLevelSpec {
  const values = curves.flatMap((c) => c.roc.map((p, i) => ({ ...p, curve: c.name, order: i })));
  return {
    title,
    width: 260,
    height: 260,
    layer: [
      diagonal(UNIT),
      {
        data: { values },
        mark: { type: 'line', interpolate: 'step-after' },
        encoding: {
          x: { field: 'fpr', type: 'quantitative', title: 'false positive rate', scale: UNIT, axis: CENTRED },
          y: { field: 'tpr', type: 'quantitative', title: 'true positive rate', scale: UNIT, axis: CENTRED },
          // below the plot: long forecaster names fit the figure's width instead of widening it past the page
          color: { field: 'curve', type: 'nominal', title: null, legend: { orient: 'bottom', direction: 'vertical', labelLimit: 0 } },
          order: { field: 'order' },
        },
      },
    ],
  } as TopLevelSpec;
}

/**
 * Average ranks with a bar of one critical difference centred on each: two models differ (Nemenyi)
 * when their bars do not overlap. The rank axis spans the bars, so none runs past the plot.
 */
export function cdChart(models: string[], avgRanks: number[], cd: number, alpha = 0.05): TopLevelSpec {
  const values = models.map((m, i) => ({ model: m, rank: avgRanks[i], lo: avgRanks[i] - cd / 2, hi: avgRanks[i] + cd / 2 }));
  const lo = Math.floor(Math.min(1, ...values.map((v) => v.lo)) * 2) / 2;
  const hi = Math.ceil(Math.max(models.length, ...values.map((v) => v.hi)) * 2) / 2;
  const x = { field: 'rank', type: 'quantitative', title: 'average rank (1 = best)', scale: { domain: [lo, hi], nice: false, padding: 0 } };
  const y = { field: 'model', type: 'nominal', sort: { field: 'rank' }, title: null, axis: { labelLimit: 0 } };
  return {
    title: {
      text: `Average rank ± CD/2 (critical difference ${cd.toFixed(2)}, α = ${alpha})`,
      subtitle: 'bars that do not overlap: the models differ',
    },
    width: 420,
    height: 30 + 22 * models.length,
    layer: [
      {
        data: { values },
        mark: { type: 'rule', strokeWidth: 2, color: '#9ecae1' },
        encoding: { x: { ...x, field: 'lo' }, x2: { field: 'hi' }, y },
      },
      {
        data: { values },
        mark: { type: 'point', filled: true, size: 60, color: '#1f77b4' },
        encoding: { x, y },
      },
    ],
  } as TopLevelSpec;
}

/** Reliability diagram of night-level probabilities: mean predicted vs observed frequency per non-empty bin, point size by nights in the bin. */
export function nightReliabilityChart(curves: Array<{ name: string; bins: ReliabilityBin[] }>, title: string): TopLevelSpec {
  const names = curves.map((c) => c.name);
  const values = curves.flatMap((c) =>
    c.bins
      .filter((b) => b.count > 0)
      .map((b) => ({ forecaster: c.name, predicted: b.meanPredicted, observed: b.observed, nights: b.count })),
  );
  const unit = UNIT;
  return {
    title,
    width: 300,
    height: 300,
    layer: [
      diagonal(unit),
      {
        data: { values },
        layer: [
          { mark: { type: 'line', opacity: 0.6 } },
          {
            mark: { type: 'point', filled: true, opacity: 0.8 },
            encoding: { size: { field: 'nights', type: 'quantitative', title: 'nights in bin', scale: { range: [20, 300] } } },
          },
        ],
        encoding: {
          x: { field: 'predicted', type: 'quantitative', title: 'mean predicted probability', scale: unit },
          y: { field: 'observed', type: 'quantitative', title: 'observed frequency', scale: unit },
          color: { field: 'forecaster', type: 'nominal', scale: colorScale(names) },
          order: { field: 'predicted' },
        },
      },
    ],
  } as TopLevelSpec;
}

/** One test night: context before the anchor, the true night, the model's forecast (and 10-90% band), the 70 and 54 mg/dL lines. */
export function nightPanelChart(p: NightPanel, title: string): TopLevelSpec {
  const pts = (minutes: number[], v: Array<number | null>, series: string) =>
    minutes.flatMap((m, i) => (v[i] === null || v[i] === undefined ? [] : [{ hours: m / 60, value: v[i] as number, series }]));
  const lines = [
    ...pts(p.contextMinutes, p.context, 'observed'),
    ...pts(p.minutes, p.truth, 'observed'),
    ...pts(p.minutes, p.forecast, 'forecast'),
  ];
  const x = { field: 'hours', type: 'quantitative', title: 'hours from bedtime' };
  const layers: object[] = [];
  if (p.band) {
    const band = p.minutes.flatMap((m, i) =>
      p.band!.lo[i] === null || p.band!.hi[i] === null ? [] : [{ hours: m / 60, lo: p.band!.lo[i], hi: p.band!.hi[i] }],
    );
    layers.push({
      data: { values: band },
      mark: { type: 'area', opacity: 0.25, color: '#1f77b4' },
      encoding: { x, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' } },
    });
  }
  layers.push({
    data: { values: lines },
    mark: { type: 'line', strokeWidth: 1.5 },
    encoding: {
      x,
      y: { field: 'value', type: 'quantitative', title: 'mg/dL', scale: { zero: false } },
      color: { field: 'series', type: 'nominal', scale: { domain: ['observed', 'forecast'], range: ['black', '#1f77b4'] } },
      detail: { field: 'series' },
    },
  });
  layers.push({
    data: { values: [{ y: 70 }] },
    mark: { type: 'rule', strokeDash: [4, 4], color: '#d62728' },
    encoding: { y: { field: 'y', type: 'quantitative' } },
  });
  layers.push({
    data: { values: [{ y: 54 }] },
    mark: { type: 'rule', strokeDash: [2, 2], color: '#7f0000' },
    encoding: { y: { field: 'y', type: 'quantitative' } },
  });
  layers.push({
    data: { values: [{ x: 0 }] },
    mark: { type: 'rule', color: '#999' },
    encoding: { x: { field: 'x', type: 'quantitative' } },
  });
  return { title, width: 420, height: 200, layer: layers } as TopLevelSpec;
}

/** Training and validation loss per epoch (epochs counted from 1, as the console prints them); the best epoch marked. */
export function lossChart(epochs: Array<{ trainLoss: number; valLoss: number }>, bestEpoch?: number): TopLevelSpec {
  const values = epochs.flatMap((e, i) => [
    ...(Number.isFinite(e.trainLoss) ? [{ epoch: i + 1, loss: e.trainLoss, split: 'training' }] : []),
    ...(Number.isFinite(e.valLoss) ? [{ epoch: i + 1, loss: e.valLoss, split: 'validation' }] : []),
  ]);
  const x = {
    field: 'epoch',
    type: 'quantitative',
    title: 'epoch',
    scale: { domain: [1, Math.max(2, epochs.length)], nice: false, padding: 0 },
    axis: { tickMinStep: 1, format: 'd' },
  };
  const layers: object[] = [
    {
      data: { values },
      mark: { type: 'line', point: true },
      encoding: {
        x,
        y: { field: 'loss', type: 'quantitative', title: 'loss (training objective)', scale: { zero: false } },
        color: {
          field: 'split',
          type: 'nominal',
          title: null,
          scale: { domain: ['training', 'validation'], range: ['#1f77b4', '#ff7f0e'] },
        },
      },
    },
  ];
  if (bestEpoch !== undefined && bestEpoch >= 1 && bestEpoch <= epochs.length)
    layers.push({
      data: { values: [{ epoch: bestEpoch }] },
      mark: { type: 'rule', strokeDash: [4, 4], color: '#999' },
      encoding: { x: { field: 'epoch', type: 'quantitative' } },
    });
  return { title: 'Loss per epoch', width: 420, height: 220, layer: layers } as TopLevelSpec;
}
