/**
 * `writeReport()`: a run's (or an experiment's runs') saved evaluations -> one self-contained HTML
 * page (inline SVG charts, inline CSS, no external URLs) and a Markdown page with the same tables
 * (its figures written beside it as SVG files).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { EvalError } from '../metrics/errors.js';
import { writeFileAtomic } from '../runs/atomic.js';
import { Registry } from '../runs/registry/index.js';
import { experimentDir } from '../experiments/scheduler.js';
import type { EvaluationSummary, ChannelEvaluation } from '../evaluate/evaluate.js';
import { compareAcrossDatasets, comparePaired } from '../metrics/compare.js';
import { readArrowTable } from '../evaluate/tables.js';
import type { NightTaskEvaluation, NightTaskResult } from '../evaluate/night-task.js';
import { rocCurve } from '../metrics/hypo.js';
import type { DiscriminationSummary, Interval, NightSummary } from '../metrics/night-metrics.js';
import { parse as parseYaml } from 'yaml';
import { pText, pValue } from '../metrics/pvalue.js';
import { bestIndices } from '../metrics/best.js';
import { runLabels } from './labels.js';
import {
  cdChart,
  lossChart,
  clarkeChart,
  fanChart,
  horizonChart,
  nightPanelChart,
  nightReliabilityChart,
  parkesChart,
  pitChart,
  reliabilityChart,
  renderSvg,
  rocChart,
} from './charts.js';

export interface ReportRun {
  id: string;
  dir: string;
  evaluations: EvaluationSummary[];
  /** The run's resolved config.yaml, as saved. */
  config?: string;
  /** Training and validation loss per epoch, from metrics.json. */
  epochs?: Array<{ trainLoss: number; valLoss: number; improved?: boolean }>;
}

export interface ReportInput {
  kind: 'run' | 'experiment';
  title: string;
  runs: ReportRun[];
}

function readEvaluations(runDir: string): EvaluationSummary[] {
  const evalDir = path.join(runDir, 'eval');
  if (!existsSync(evalDir)) return [];
  return readdirSync(evalDir)
    .sort()
    .map((d) => path.join(evalDir, d, 'summary.json'))
    .filter((f) => existsSync(f))
    .map((f) => {
      try {
        return JSON.parse(readFileSync(f, 'utf8')) as EvaluationSummary;
      } catch (e) {
        throw new EvalError(`${f}: not valid JSON (${(e as Error).message})`);
      }
    });
}

const isRun = (dir: string) => existsSync(path.join(dir, 'config.yaml'));

/** A run as the report reads it: its evaluations, resolved config and per-epoch losses (when saved). */
function readRun(dir: string, id = path.basename(path.resolve(dir))): ReportRun {
  const run: ReportRun = { id, dir, evaluations: readEvaluations(dir) };
  const cfg = path.join(dir, 'config.yaml');
  if (existsSync(cfg)) run.config = readFileSync(cfg, 'utf8');
  const metrics = path.join(dir, 'metrics.json');
  if (existsSync(metrics)) {
    try {
      const m = JSON.parse(readFileSync(metrics, 'utf8')) as { epochs?: ReportRun['epochs'] };
      if (Array.isArray(m.epochs) && m.epochs.length) run.epochs = m.epochs;
    } catch (e) {
      throw new EvalError(`${metrics}: not valid JSON (${(e as Error).message})`);
    }
  }
  return run;
}

/** A run directory (with eval/ results), or a directory of run directories (an experiment). */
/** The run directories of a registered experiment, or undefined when the registry knows no such experiment. */
function experimentRunDirs(name: string, runsDir: string): string[] | undefined {
  if (!existsSync(path.join(runsDir, 'registry.sqlite'))) return undefined;
  const registry = Registry.open(runsDir);
  try {
    const dirs = registry
      .listRuns({ experiment: name })
      .map((r) => r.run_dir)
      .filter((d) => existsSync(d));
    return dirs.length ? dirs : undefined;
  } finally {
    registry.close();
  }
}

export function collectReport(target: string, runsDir = 'runs'): ReportInput {
  let dir = target;
  if (!existsSync(dir) && existsSync(path.join(runsDir, target))) dir = path.join(runsDir, target);
  if (!existsSync(dir)) {
    const dirs = experimentRunDirs(target, runsDir);
    if (dirs) {
      const runs = dirs
        .sort()
        .map((d) => readRun(d, path.basename(d)))
        .filter((r) => r.evaluations.length);
      if (!runs.length)
        throw new EvalError(
          `report: experiment '${target}' has ${dirs.length} runs but none evaluated yet; run \`tsfm evaluate --run <id>\` on them first`,
        );
      return { kind: 'experiment', title: `Experiment ${target}`, runs };
    }
  }
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new EvalError(`report: no run, run directory or registered experiment '${target}' (looked in . and ${runsDir}/)`);
  if (isRun(dir)) {
    const run = readRun(dir);
    if (!run.evaluations.length)
      throw new EvalError(`report: run '${dir}' has no evaluations yet; run \`tsfm evaluate --run ${path.basename(dir)}\` first`);
    return { kind: 'run', title: `Run ${run.id}`, runs: [run] };
  }
  const runs = readdirSync(dir)
    .map((d) => path.join(dir, d))
    .filter((d) => statSync(d).isDirectory() && isRun(d))
    .sort()
    .map((d) => readRun(d, path.basename(d)))
    .filter((r) => r.evaluations.length);
  if (!runs.length) throw new EvalError(`report: '${dir}' is neither a run (no config.yaml) nor a directory of evaluated runs`);
  return { kind: 'experiment', title: `Experiment ${path.basename(path.resolve(dir))}`, runs };
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const fmt = (x: number | null | undefined, d = 2) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(d));
const pct = (x: number | null | undefined) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : `${x.toFixed(1)}%`);

interface Table {
  caption: string;
  head: string[];
  rows: string[][];
  /** A smaller note under the table. */
  footnote?: string;
  /** Cells kept on one line. */
  nowrap?: boolean;
  /** Per column, a tooltip for its header (e.g. the full run id behind a short label). */
  headTitles?: Array<string | undefined>;
  /** Per row, the columns marked as best (bold). */
  best?: number[][];
}

interface Figure {
  name: string;
  caption: string;
  spec: TopLevelSpec;
}

interface Section {
  heading: string;
  notes: string[];
  tables: Table[];
  figures: Figure[];
  /** Collapsible blocks of preformatted text after the figures (e.g. the resolved config). */
  details?: Array<{ summary: string; text: string; lang: string }>;
}

// eslint-disable-next-line max-lines-per-function -- one report section per channel, figures in reading order
function channelSections(ev: EvaluationSummary, ch: ChannelEvaluation, prefix: string): Section {
  const f = ch.forecasters;
  const names = Object.keys(f);
  const tables: Table[] = [];
  const figures: Figure[] = [];
  tables.push({
    caption: 'Point accuracy (pooled over points; median = median over windows of the per-window value, as GlucoBench reports)',
    head: [
      'forecaster',
      'RMSE',
      'MAE',
      'median RMSE',
      'median MAE',
      'MAPE %',
      'sMAPE %',
      'MASE',
      ...(ch.glucose ? ['Clarke A', 'Clarke A+B', 'Parkes A', 'Parkes A+B', 'MCC hypo', 'MCC hyper'] : []),
    ],
    rows: names.map((n) => {
      const m = f[n];
      const row = [
        n,
        fmt(m.pooled.rmse),
        fmt(m.pooled.mae),
        fmt(m.medianPerWindow.rmse),
        fmt(m.medianPerWindow.mae),
        fmt(m.pooled.mape),
        fmt(m.pooled.smape),
        fmt(m.pooled.mase, 3),
      ];
      if (ch.glucose && m.clinical) {
        const c = m.clinical;
        row.push(
          pct(c.clarke.percent.A),
          pct(c.clarke.percent.A + c.clarke.percent.B),
          pct(c.parkes.percent.A),
          pct(c.parkes.percent.A + c.parkes.percent.B),
          fmt(c.hypo.mcc, 3),
          fmt(c.hyper.mcc, 3),
        );
      }
      return row;
    }),
  });
  if (ch.comparisons.length) {
    tables.push({
      caption:
        'Model minus baseline, per-window RMSE on the same windows (negative favours the model): paired bootstrap 95% CI and Wilcoxon signed-rank p',
      head: ['baseline', 'mean difference', '95% CI', 'Wilcoxon p', 'pairs'],
      rows: ch.comparisons.map((c) => [
        c.b,
        fmt(c.bootstrap.meanDiff, 3),
        `[${fmt(c.bootstrap.lo, 3)}, ${fmt(c.bootstrap.hi, 3)}]`,
        pValue(c.wilcoxon.p),
        String(c.wilcoxon.n),
      ]),
    });
  }
  const pm = f.model?.probabilistic;
  if (pm) {
    tables.push({
      caption: `Probabilistic accuracy of the model's quantiles (${pm.levels.join(', ')})`,
      head: [
        'CRPS',
        'weighted QL',
        'calibration (GlucoBench)',
        ...pm.intervals.map((i) => `${Math.round(i.nominal * 100)}% coverage / width`),
        'crossed points',
      ],
      rows: [
        [
          fmt(pm.crps, 3),
          fmt(pm.weightedQuantileLoss, 4),
          fmt(pm.calibration, 4),
          ...pm.intervals.map((i) => (i.coverage === null ? '–' : `${pct(100 * i.coverage)} / ${fmt(i.width, 1)}`)),
          String(pm.crossedPoints),
        ],
      ],
    });
  }
  if (ch.glucose && f.model?.hypo) {
    const hasNights = f.model.hypo.some((h) => h.nights);
    tables.push({
      caption:
        'Hypoglycaemia probability: Brier score of P(glucose < threshold) per point' +
        (hasNights ? '; per night, AUROC / AUPRC of the night score (max or mean of P)' : ''),
      head: [
        'forecaster',
        'threshold',
        'Brier',
        'events',
        ...(hasNights ? ['nights', 'positive nights', 'AUROC (max)', 'AUPRC (max)', 'AUROC (mean)', 'AUPRC (mean)'] : []),
      ],
      rows: names.flatMap((n) =>
        (f[n].hypo ?? []).map((h) => [
          n,
          `< ${h.threshold}`,
          fmt(h.brier, 4),
          String(h.events),
          ...(h.nights
            ? [
                String(h.nights.max.nights),
                String(h.nights.max.positives),
                fmt(h.nights.max.auroc, 3),
                fmt(h.nights.max.auprc, 3),
                fmt(h.nights.mean.auroc, 3),
                fmt(h.nights.mean.auprc, 3),
              ]
            : []),
        ]),
      ),
    });
  }
  if (f.model?.perSeries && f.model.perSeries.length <= 60) {
    tables.push({
      caption: 'Model per series',
      head: ['series', 'windows', 'RMSE', 'MAE', 'median RMSE'],
      rows: f.model.perSeries.map((s) => [s.group, String(s.windows), fmt(s.rmse), fmt(s.mae), fmt(s.medianRmse)]),
    });
  }
  figures.push({ name: `${prefix}-horizon`, caption: 'Error by horizon step', spec: horizonChart(f, ev.intervalMinutes) });
  if (ch.glucose && ch.gridSample.truth.length) {
    figures.push({
      name: `${prefix}-clarke`,
      caption: `Clarke error grid (${ch.gridSample.forecaster})`,
      spec: clarkeChart(ch.gridSample),
    });
    figures.push({
      name: `${prefix}-parkes`,
      caption: `Parkes error grid, type 1 (${ch.gridSample.forecaster})`,
      spec: parkesChart(ch.gridSample),
    });
  }
  ch.samples.forEach((s, i) =>
    figures.push({
      name: `${prefix}-fan${i + 1}`,
      caption: `Forecast ${ev.split === 'nocturnal-rolling' ? 'night' : 'window'}: ${s.title}`,
      spec: fanChart(s),
    }),
  );
  if (pm) {
    figures.push({ name: `${prefix}-reliability`, caption: 'Reliability diagram', spec: reliabilityChart(pm.reliability) });
    figures.push({ name: `${prefix}-pit`, caption: 'PIT histogram', spec: pitChart(pm.pit) });
  }
  const nightCurves = (f.model?.hypo ?? []).filter(
    (h) => h.nights && h.nights.max.positives > 0 && h.nights.max.positives < h.nights.max.nights,
  );
  if (nightCurves.length)
    figures.push({
      name: `${prefix}-roc`,
      caption: 'ROC of the night score (max of P) for nights with any glucose below the threshold',
      spec: rocChart(
        nightCurves.map((h) => ({ name: `< ${h.threshold} mg/dL (AUROC ${fmt(h.nights!.max.auroc, 3)})`, roc: h.nights!.max.roc })),
      ),
    });
  return {
    heading: `${ev.dataset.name} · ${ev.split} · ${ch.channel}${ch.unit ? ` (${ch.unit})` : ''}`,
    notes: [
      `${Object.entries(ev.counts)
        .map(([k, v]) => `${k.replace(/_/g, ' ')}: ${v}`)
        .join(
          ', ',
        )}; model ${ev.model.family}, context ${ev.model.context}, horizon ${ev.model.horizon} (${ev.model.horizon * ev.intervalMinutes} min), checkpoint ${ev.model.checkpoint}; LinReg lags ${ev.linregLags}`,
      ...ev.notes,
    ],
    tables,
    figures,
  };
}

/** The forecasters of a night result shown in its table; the model's variants go in a note. */
const NIGHT_MAIN = ['model', 'night_classifier', 'threshold_crossing', 'patient_rate', 'bedtime_logistic'];
const NIGHT_VARIANTS: Record<string, string> = { model_raw: 'before recalibration', model_max_step: 'largest per-step probability' };

const interval = (i: Interval) => (Number.isFinite(i.lo) && Number.isFinite(i.hi) ? `${fmt(i.lo, 3)}–${fmt(i.hi, 3)}` : 'n/a');

function aurocCell(d: DiscriminationSummary): string {
  if (d.reportable) return `${fmt(d.auroc, 3)} [${interval(d.aurocCI)}]`;
  return `not reported: ${d.positives} positive (<${d.minPositives}); CI ${interval(d.aurocCI)}`;
}

const auprcCell = (d: DiscriminationSummary) =>
  d.reportable ? `${fmt(d.auprc, 3)} [${interval(d.auprcCI)}]` : `CI ${interval(d.auprcCI)}`;

function nightRow(name: string, s: NightSummary): string[] {
  const b = s.brier;
  const op = s.operating;
  return [
    name,
    aurocCell(s.discrimination),
    auprcCell(s.discrimination),
    `${fmt(b.brier, 3)} (${fmt(b.reliability, 3)} / ${fmt(b.resolution, 3)} / ${fmt(b.uncertainty, 3)})`,
    fmt(s.ece, 3),
    op ? fmt(op.threshold, 3) : '–',
    op ? fmt(op.sensitivity, 2) : '–',
    op ? fmt(op.specificity, 2) : '–',
  ];
}

function nightTable(r: NightTaskResult, nights: number): Table {
  const main = NIGHT_MAIN.filter((n) => r.forecasters[n]);
  const variants = Object.keys(NIGHT_VARIANTS).filter((n) => r.forecasters[n]);
  return {
    caption: `< ${r.threshold} mg/dL, ${r.window}: ${r.positives} positive of ${nights} test nights`,
    head: [
      'forecaster',
      'AUROC [95% CI]',
      'AUPRC [95% CI]',
      'Brier (REL / RES / UNC)',
      'ECE',
      'threshold (from validation)',
      'sensitivity',
      'specificity',
    ],
    nowrap: true,
    rows: main.map((n) => nightRow(n, r.forecasters[n])),
    footnote: variants.length
      ? variants
          .map((n) => {
            const f = r.forecasters[n];
            return `${n} (${NIGHT_VARIANTS[n]}): AUROC ${aurocCell(f.discrimination)}, Brier ${fmt(f.brier.brier, 3)}, ECE ${fmt(f.ece, 3)}`;
          })
          .join('; ')
      : undefined,
  };
}

/** Finite (score, label) pairs of one forecaster. */
function finite(scores: number[] | undefined, labels: number[]): { s: number[]; y: number[] } {
  const s: number[] = [],
    y: number[] = [];
  (scores ?? []).forEach((v, i) => {
    if (v !== null && Number.isFinite(v)) {
      s.push(v);
      y.push(labels[i] ? 1 : 0);
    }
  });
  return { s, y };
}

function nightSection(ev: EvaluationSummary, e: NightTaskEvaluation, prefix: string): Section {
  const tables = e.results.map((r) => nightTable(r, r.labels.length));
  const t = e.trajectory;
  if (t?.perHour?.length)
    tables.push({
      caption: `The model's point forecast of the night (${t.nights} test nights): error per hour from bedtime, and of the night minimum`,
      head: ['hour', 'RMSE', 'MAE', 'bias', 'points'],
      rows: [
        ...t.perHour.map((h) => [`${h.hour}–${h.hour + 1} h`, fmt(h.rmse, 1), fmt(h.mae, 1), fmt(h.bias, 1), String(h.points)]),
        ['night minimum (mg/dL)', fmt(t.minValue.rmse, 1), fmt(t.minValue.mae, 1), fmt(t.minValue.bias, 1), '–'],
        ['time of minimum (min)', fmt(t.minTime.rmse, 0), fmt(t.minTime.mae, 0), fmt(t.minTime.bias, 0), '–'],
      ],
    });
  const figures: Figure[] = [];
  const whole = e.windowNames[0];
  const main = e.results.find((r) => r.threshold === 70 && r.window === whole) ?? e.results.find((r) => r.window === whole) ?? e.results[0];
  const notes: string[] = [
    `${Object.entries(e.counts)
      .map(([k, v]) => `${k.replace(/_/g, ' ')}: ${v}`)
      .join(', ')}; model ${ev.model.family}, context ${ev.model.context}, horizon ${ev.model.horizon}, checkpoint ${ev.model.checkpoint}`,
    `One forecast per night from the anchor (context strictly before it) over ${e.steps} steps of ${e.intervalMinutes} min; the model's probability of the window minimum below the threshold comes from a step copula (${e.copula.source}, ${e.copula.target} target, shrinkage ${fmt(e.copula.shrinkage, 2)}) fitted on ${e.copula.valNights} validation nights and recalibrated on them; operating thresholds are chosen on validation nights. No point AUROC is given below ${minPositivesOf(e)} positive test nights.`,
    ...ev.notes,
  ];
  if (main) {
    const shown = NIGHT_MAIN.filter((n) => main.forecasters[n]);
    const label = `< ${main.threshold} mg/dL, ${main.window}`;
    figures.push({
      name: `${prefix}-night-reliability`,
      caption: `Reliability of the night probability, ${label}: mean predicted probability vs observed frequency per bin (point size: nights in the bin); dashed: perfect calibration`,
      spec: nightReliabilityChart(
        shown.map((n) => ({ name: n, bins: main.forecasters[n].reliability })),
        `Reliability, ${label}`,
      ),
    });
    const curves = shown.flatMap((n) => {
      const { s, y } = finite(main.scores[n], main.labels);
      const pos = y.filter(Boolean).length;
      if (!pos || pos === y.length) return [];
      const d = main.forecasters[n].discrimination;
      return [
        { name: `${n} (${d.reportable ? `AUROC ${fmt(d.auroc, 3)}` : `${d.positives} positive, not reported`})`, roc: rocCurve(s, y) },
      ];
    });
    if (curves.length)
      figures.push({
        name: `${prefix}-night-roc`,
        caption: `ROC of each forecaster's night score, ${label}`,
        spec: rocChart(curves, `ROC, ${label}`),
      });
    else notes.push(`${label}: no ROC curve (${main.positives} positive of ${main.labels.length} test nights)`);
  }
  const lows = (k: number) => {
    const below = e.thresholds.filter((thr) => e.results.find((r) => r.threshold === thr && r.window === whole)?.labels[k]);
    return below.length ? ` (below ${Math.min(...below)})` : '';
  };
  const prob = (thr: number, k: number) => e.results.find((r) => r.threshold === thr && r.window === whole)?.scores.model?.[k];
  (e.panels ?? []).forEach((p, i) => {
    const n = e.nights[p.night];
    const truth = p.truth.filter((v): v is number => v !== null);
    const min = truth.length ? Math.min(...truth) : NaN;
    const title = `${n?.series ?? '?'} night of ${n?.date ?? '?'}`;
    const probs = e.thresholds.map((thr) => `P(< ${thr}) = ${fmt(prob(thr, p.night), 2)}`).join(', ');
    figures.push({
      name: `${prefix}-night${i + 1}`,
      caption: `${title}: the model's ${probs} (recalibrated); night minimum ${fmt(min, 0)} mg/dL${lows(p.night)}${p.band ? '; band: 10–90% quantiles' : ''}`,
      spec: nightPanelChart(p, title),
    });
  });
  return {
    heading: `${ev.dataset.name} · nocturnal (bedtime-anchored, ${e.counts.test_nights ?? e.nights.length} test nights)`,
    notes: [...new Set([...notes, ...e.notes])],
    tables,
    figures,
  };
}

const minPositivesOf = (e: NightTaskEvaluation) => {
  for (const r of e.results)
    for (const f of Object.values(r.forecasters)) if (!f.discrimination.reportable) return f.discrimination.minPositives;
  return 10;
};

const BASELINES = ['last_value', 'seasonal_naive', 'linreg'];

/** Short labels of the report's runs (by run id), with the full id kept for tooltips. */
function labelsOf(input: ReportInput): Map<string, string> {
  const seedOf = (r: ReportRun) => {
    try {
      const seed = (parseYaml(r.config ?? '') as { training?: { seed?: unknown } } | null)?.training?.seed;
      return typeof seed === 'number' ? seed : undefined;
    } catch {
      return undefined;
    }
  };
  const labels = runLabels(input.runs.map((r) => ({ id: r.id, family: r.evaluations[0]?.model.family, seed: seedOf(r) })));
  return new Map(input.runs.map((r, i) => [r.id, labels[i]]));
}

/** The Friedman test's blocks are dataset × task rows; say so when one dataset gives several. */
function blocksNote(datasets: string[]): string {
  const per = new Map<string, number>();
  for (const d of datasets) per.set(d.split(' · ')[0], (per.get(d.split(' · ')[0]) ?? 0) + 1);
  if (![...per.values()].some((n) => n > 1)) return '';
  return `The Friedman test and the ranks treat each of the ${datasets.length} dataset · task rows as an independent block, but they come from ${per.size} dataset${per.size > 1 ? 's' : ''}: tasks of one dataset share its series, so the p-value and critical difference are optimistic.`;
}

function experimentScores(input: ReportInput, labels: Map<string, string>) {
  const rows: Array<{ dataset: string; model: string; score: number }> = [];
  const base: typeof rows = [];
  for (const r of input.runs)
    for (const ev of r.evaluations) {
      const ch = ev.channels?.[0];
      if (!ch) continue;
      const key = `${ev.dataset.name} · ${ev.split}`;
      rows.push({ dataset: key, model: labels.get(r.id)!, score: ch.forecasters.model?.medianPerWindow.rmse ?? NaN });
      // baselines beside the models (from the first run that has them on this dataset and task)
      for (const b of BASELINES)
        if (ch.forecasters[b] && !base.some((x) => x.dataset === key && x.model === b))
          base.push({ dataset: key, model: b, score: ch.forecasters[b].medianPerWindow.rmse });
    }
  return [...rows, ...base];
}

function experimentSections(input: ReportInput): Section[] {
  const labels = labelsOf(input);
  const rows = experimentScores(input, labels);
  // only night-task evaluations (no channels): nothing to rank across datasets
  if (!rows.length) return [];
  const cmp = compareAcrossDatasets(rows);
  const ids = new Map([...labels].map(([id, l]) => [l, id]));
  const sec: Section = {
    heading: 'Models across datasets',
    notes: [
      cmp.cd
        ? `Friedman chi² = ${fmt(cmp.cd.friedman.chi2, 3)} (df ${cmp.cd.friedman.df}), ${pText(cmp.cd.friedman.p)}; Nemenyi critical difference ${fmt(cmp.cd.cd, 3)} at α = ${cmp.cd.alpha}`
        : (cmp.note ?? ''),
      blocksNote(cmp.datasets),
      `Runs: ${input.runs.map((r) => (labels.get(r.id) === r.id ? r.id : `${labels.get(r.id)} = ${r.id}`)).join(', ')}.`,
    ],
    tables: [
      {
        caption: 'Median-per-window RMSE of the first target channel (lower is better; bold: best of the row, baselines included)',
        head: ['dataset · task', ...cmp.models],
        headTitles: [undefined, ...cmp.models.map((m) => ids.get(m) ?? (BASELINES.includes(m) ? `baseline ${m}` : m))],
        rows: cmp.datasets.map((d, i) => [d, ...cmp.scores[i].map((x) => fmt(x))]),
        best: cmp.scores.map((row) => bestIndices(row).map((j) => j + 1)),
      },
    ],
    figures: cmp.cd
      ? [
          {
            name: 'experiment-cd',
            caption: 'Critical-difference ranking (Friedman / Nemenyi), baselines included',
            spec: cdChart(cmp.models, cmp.cd.avgRanks, cmp.cd.cd, cmp.cd.alpha),
          },
        ]
      : [],
  };
  if (cmp.cd)
    sec.tables.push({
      caption: 'Average ranks; groups whose ranks differ by less than the critical difference',
      head: ['model', 'average rank'],
      rows: cmp.models.map((m, i) => [m, fmt(cmp.cd!.avgRanks[i])]).sort((a, b) => Number(a[1]) - Number(b[1])),
    });
  const paired = pairedRunRows(input, labels);
  if (paired.length)
    sec.tables.push({
      caption:
        'Runs on the same windows: per-window RMSE of each run minus the best run (by median RMSE) — paired bootstrap 95% CI and Wilcoxon signed-rank p',
      head: ['dataset · task', 'run', 'best run', 'mean difference', '95% CI', 'Wilcoxon p', 'windows'],
      rows: paired,
    });
  return [sec];
}

/** Pairwise comparisons of runs evaluated on identical windows (same origins), from their windows.arrow tables. */
function pairedRunRows(input: ReportInput, labels: Map<string, string>): string[][] {
  const byKey = new Map<string, Array<{ run: string; median: number; rmse: Float64Array; origins: string }>>();
  for (const r of input.runs)
    for (const ev of r.evaluations) {
      const file = path.join(r.dir, 'eval', `${ev.dataset.name}-${ev.split}`, 'windows.arrow');
      const ch = ev.channels?.[0];
      if (!ch?.forecasters.model || !existsSync(file)) continue;
      const t = readArrowTable(file);
      const idx = t.forecaster.map((f, i) => (f === 'model' && t.channel[i] === ch.channel ? i : -1)).filter((i) => i >= 0);
      const key = `${ev.dataset.name} · ${ev.split}`;
      const list = byKey.get(key) ?? [];
      list.push({
        run: labels.get(r.id) ?? r.id,
        median: ch.forecasters.model.medianPerWindow.rmse,
        rmse: Float64Array.from(idx, (i) => t.rmse[i] as number),
        origins: idx.map((i) => `${t.series[i]}@${t.origin_ms[i]}`).join(','),
      });
      byKey.set(key, list);
    }
  const rows: string[][] = [];
  for (const [key, list] of byKey) {
    if (list.length < 2) continue;
    const best = [...list].sort((a, b) => a.median - b.median)[0];
    for (const o of list) {
      if (o === best || o.origins !== best.origins) continue;
      const c = comparePaired({ name: o.run, perWindow: o.rmse }, { name: best.run, perWindow: best.rmse });
      rows.push([
        key,
        o.run,
        best.run,
        fmt(c.bootstrap.meanDiff, 3),
        `[${fmt(c.bootstrap.lo, 3)}, ${fmt(c.bootstrap.hi, 3)}]`,
        pValue(c.wilcoxon.p),
        String(c.wilcoxon.n),
      ]);
    }
  }
  return rows;
}

const CSS = `body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2em auto;max-width:1200px;color:#222;padding:0 1em}
table{border-collapse:collapse;margin:.5em 0 1.5em;font-size:13px}th,td{border:1px solid #ccc;padding:3px 8px;text-align:right}th:first-child,td:first-child{text-align:left}
th{background:#f3f3f3}caption{text-align:left;font-weight:600;padding:4px 0}figure{display:inline-block;margin:0 1em 1em 0;vertical-align:top}figcaption{font-size:12px;color:#555;max-width:560px}
.note{color:#555;font-size:13px;margin:.2em 0}td.best{background:#eef6ee}details{margin:.5em 0 1.5em}summary{cursor:pointer;font-weight:600}pre{background:#f7f7f7;padding:.8em;font-size:12px;overflow:auto;max-height:40em}.small{font-size:11px;margin:-1.2em 0 1.5em}.nowrap td{white-space:nowrap}h2{border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:2em}`;

function tableHtml(t: Table): string {
  const th = (h: string, i: number) => `<th${t.headTitles?.[i] ? ` title="${esc(t.headTitles[i]!)}"` : ''}>${esc(h)}</th>`;
  const td = (c: string, r: number, i: number) =>
    t.best?.[r]?.includes(i) ? `<td class="best"><strong>${esc(c)}</strong></td>` : `<td>${esc(c)}</td>`;
  return `<table${t.nowrap ? ' class="nowrap"' : ''}><caption>${esc(t.caption)}</caption><thead><tr>${t.head.map(th).join('')}</tr></thead><tbody>${t.rows.map((row, r) => `<tr>${row.map((c, i) => td(c, r, i)).join('')}</tr>`).join('')}</tbody></table>${t.footnote ? `<p class="note small">${esc(t.footnote)}</p>` : ''}`;
}

function tableMd(t: Table): string {
  const line = (cells: string[], r = -1) =>
    `| ${cells.map((c, i) => (t.best?.[r]?.includes(i) ? `**${c}**` : c).replace(/\|/g, '\\|')).join(' | ')} |`;
  return `**${t.caption}**\n\n${line(t.head)}\n| ${t.head.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |\n${t.rows.map((row, r) => line(row, r)).join('\n')}\n${t.footnote ? `\n_${t.footnote}_\n` : ''}`;
}

/** A run's training: loss per epoch and its resolved config (collapsed). */
function trainingSection(run: ReportRun, prefix: string): Section | undefined {
  if (!run.epochs?.length && !run.config) return undefined;
  const figures: Figure[] = [];
  const notes: string[] = [];
  if (run.epochs?.length) {
    const improved = run.epochs.flatMap((e, i) => (e.improved ? [i + 1] : []));
    const best = improved.length ? improved[improved.length - 1] : undefined;
    figures.push({
      name: `${prefix}-loss`,
      caption: `Training and validation loss per epoch${best ? `; dashed: best epoch (${best}), whose weights are evaluated` : ''}`,
      spec: lossChart(run.epochs, best),
    });
  } else notes.push('No per-epoch losses saved (metrics.json has no epochs).');
  return {
    heading: 'Training',
    notes,
    tables: [],
    figures,
    details: run.config ? [{ summary: 'Resolved configuration (config.yaml)', text: run.config, lang: 'yaml' }] : [],
  };
}

export interface RenderedReport {
  html: string;
  markdown: string;
  /** SVG of every figure, by file name (for the Markdown page). */
  figures: Record<string, string>;
}

export async function renderReport(input: ReportInput): Promise<RenderedReport> {
  const sections: Section[] = [];
  if (input.kind === 'experiment') sections.push(...experimentSections(input));
  const labels = labelsOf(input);
  input.runs.forEach((r, ri) => {
    const own: Section[] = [];
    if (input.kind === 'run') {
      const t = trainingSection(r, `r${ri}`);
      if (t) own.push(t);
    }
    r.evaluations.forEach((ev, ei) => {
      own.push(...(ev.channels ?? []).map((ch, ci) => channelSections(ev, ch, `r${ri}-e${ei}-c${ci}`)));
      if (ev.night) own.push(nightSection(ev, ev.night, `r${ri}-e${ei}`));
    });
    for (const s of own) {
      if (input.kind === 'experiment') s.heading = `${labels.get(r.id) === r.id ? r.id : `${labels.get(r.id)} (${r.id})`}: ${s.heading}`;
      sections.push(s);
    }
  });
  const figures: Record<string, string> = {};
  for (const s of sections) for (const f of s.figures) figures[`${f.name}.svg`] = await renderSvg(f.spec);
  const created = new Date().toISOString().slice(0, 19).replace('T', ' ');
  const html = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(input.title)} · tsfm report</title><style>${CSS}</style></head>
<body><h1>${esc(input.title)}</h1><p class="note">tsfm evaluation report, generated ${created} UTC. Metric definitions: docs/evaluation.md.</p>
${sections
  .map(
    (s) => `<section><h2>${esc(s.heading)}</h2>${s.notes
      .filter(Boolean)
      .map((n) => `<p class="note">${esc(n)}</p>`)
      .join('')}
${s.tables.map(tableHtml).join('\n')}
${s.figures.map((f) => `<figure id="${esc(f.name)}">${figures[`${f.name}.svg`]}<figcaption>${esc(f.caption)}</figcaption></figure>`).join('\n')}
${(s.details ?? []).map((d) => `<details><summary>${esc(d.summary)}</summary><pre>${esc(d.text)}</pre></details>`).join('\n')}</section>`,
  )
  .join('\n')}
</body></html>
`;
  const markdown = `# ${input.title}\n\ntsfm evaluation report, generated ${created} UTC. Metric definitions: docs/evaluation.md.\n\n${sections
    .map(
      (s) =>
        `## ${s.heading}\n\n${s.notes
          .filter(Boolean)
          .map((n) => `${n}\n`)
          .join(
            '\n',
          )}\n${s.tables.map(tableMd).join('\n')}\n${s.figures.map((f) => `![${f.caption}](figures/${f.name}.svg)`).join('\n\n')}\n${(s.details ?? []).map((d) => `\n<details><summary>${d.summary}</summary>\n\n\`\`\`${d.lang}\n${d.text.trimEnd()}\n\`\`\`\n\n</details>\n`).join('')}`,
    )
    .join('\n')}`;
  return { html, markdown, figures };
}

/** Writes report.html, report.md and figures/*.svg to `outDir` (default `<target>/report`). */
export async function writeReport(
  target: string,
  opts: { outDir?: string; runsDir?: string } = {},
): Promise<{ html: string; markdown: string; input: ReportInput }> {
  const input = collectReport(target, opts.runsDir);
  const runsDir = opts.runsDir ?? 'runs';
  const base =
    input.kind === 'run'
      ? input.runs[0].dir
      : existsSync(target)
        ? target
        : existsSync(path.join(runsDir, target))
          ? path.join(runsDir, target)
          : experimentDir(runsDir, target);
  const out = opts.outDir ?? path.join(base, 'report');
  mkdirSync(path.join(out, 'figures'), { recursive: true });
  const r = await renderReport(input);
  for (const [name, svg] of Object.entries(r.figures)) writeFileAtomic(path.join(out, 'figures', name), svg);
  writeFileAtomic(path.join(out, 'report.html'), r.html);
  writeFileAtomic(path.join(out, 'report.md'), r.markdown);
  return { html: path.join(out, 'report.html'), markdown: path.join(out, 'report.md'), input };
}
