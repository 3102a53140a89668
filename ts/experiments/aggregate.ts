/**
 * The comparison table of an experiment: for every dataset × strategy × context length × model, the
 * experiment's metric over seeds as mean ± sample standard deviation, with the baselines scored on the
 * same runs' test windows (last value always, LinReg once `tsfm evaluate` has run) as rows of their own,
 * and the best row of each group (lowest mean, a baseline included) marked. Written as Markdown, CSV
 * and JSON next to the experiment.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Registry, RunRow } from '../runs/registry/index.js';
import { writeFileAtomic, writeJsonAtomic } from '../runs/atomic.js';
import type { ExperimentConfig } from './config.js';
import { cellHash, type Cell } from './matrix.js';
import { experimentDir, runsDirOfCells, transferRecordPath, type TransferRecord } from './scheduler.js';
import { pairedBootstrapCI, wilcoxonSignedRank } from '../metrics/stats.js';
import { compareAcrossDatasets } from '../metrics/compare.js';
import { nocturnalMarkdown, nocturnalScores, type NocturnalScore } from './nocturnal.js';
import { BASELINE_LABELS, baselineValues, TABLE_BASELINES, type TableBaseline } from './baselines.js';

export interface AggregateRow {
  dataset: string;
  strategy: string;
  context_length: number;
  model: string;
  /** A baseline's row (model is its label): its value per seed is the baseline's on the test windows of that seed's runs. */
  baseline?: TableBaseline;
  metric: string;
  n: number;
  mean: number | null;
  std: number | null;
  seeds: number[];
  values: number[];
  runs: string[];
  /** Cells of this row without a completed run. */
  missing: string[];
  best: boolean;
  /** data.train_fraction of the row's cells (1: all training windows). */
  train_fraction: number;
  /** Series per seed: per_series / per_patient_finetune rows hold one model per series, and a seed's value is their mean. */
  series: number;
  /** Transfer (test_datasets): the metric of the row's models on each other dataset, over the same seeds. */
  transfer: Record<string, TransferScore>;
  /** evaluate: [.., nocturnal]: night-level scores of the model and the baselines per threshold and window. */
  nocturnal?: NocturnalScore[];
}

export interface TransferScore {
  mean: number | null;
  std: number | null;
  n: number;
  seeds: number[];
  values: number[];
}

export interface ExperimentResults {
  experiment: string;
  metric: string;
  rows: AggregateRow[];
  /** Significance of the differences between models; filled by the evaluation module's tests. */
  tests: StatisticalComparison[];
}

/** A comparison produced by a statistical test (see statisticalTests). */
export interface StatisticalComparison {
  test: string;
  group: string;
  detail: Record<string, unknown>;
}

export function meanStd(values: number[]): { mean: number | null; std: number | null } {
  if (values.length === 0) return { mean: null, std: null };
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  if (values.length < 2) return { mean, std: null };
  const v = values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1);
  return { mean, std: Math.sqrt(v) };
}

/**
 * Scores laid out for rank-based tests across models (Friedman, critical difference): one block per
 * dataset × strategy × context length × seed where every model completed, one column per model.
 */
export function scoreMatrix(rows: AggregateRow[]): { models: string[]; blocks: string[]; scores: number[][] } {
  const models = [...new Set(rows.map((r) => r.model))];
  const byBlock = new Map<string, Map<string, number>>();
  for (const r of rows) {
    r.seeds.forEach((seed, i) => {
      const block = `${r.dataset}/${r.strategy}/${r.context_length}${(r.train_fraction ?? 1) !== 1 ? `/f${r.train_fraction}` : ''}/s${seed}`;
      if (!byBlock.has(block)) byBlock.set(block, new Map());
      byBlock.get(block)!.set(r.model, r.values[i]!);
    });
  }
  const blocks = [...byBlock.keys()].filter((b) => byBlock.get(b)!.size === models.length);
  return { models, blocks, scores: blocks.map((b) => models.map((m) => byBlock.get(b)!.get(m)!)) };
}

const groupOf = (r: AggregateRow) =>
  `${r.dataset}/${r.strategy}/ctx${r.context_length}${(r.train_fraction ?? 1) !== 1 ? `/f${r.train_fraction}` : ''}`;
const round = (x: number) => +x.toPrecision(4);

/**
 * The evaluation module's tests applied to an experiment (lower metric = better):
 * - in each dataset × strategy × context group, the best model against every other over the seeds they share:
 *   paired bootstrap CI of the mean difference and the Wilcoxon signed-rank test;
 * - across groups, the Friedman test with the Nemenyi critical-difference ranking of the models' mean scores
 *   (needs at least 2 models and 2 groups scored for every model).
 */
export function statisticalTests(rows: AggregateRow[]): StatisticalComparison[] {
  const out: StatisticalComparison[] = [];
  const groups = new Map<string, AggregateRow[]>();
  for (const r of rows) groups.set(groupOf(r), [...(groups.get(groupOf(r)) ?? []), r]);
  for (const [group, members] of groups) {
    const best = members.find((r) => r.best);
    if (!best) continue;
    for (const other of members) {
      if (other === best) continue;
      const shared = best.seeds.filter((s) => other.seeds.includes(s));
      if (shared.length < 2) continue;
      const a = shared.map((s) => other.values[other.seeds.indexOf(s)]!);
      const b = shared.map((s) => best.values[best.seeds.indexOf(s)]!);
      const ci = pairedBootstrapCI(a, b, { seed: 1 });
      const w = wilcoxonSignedRank(a, b);
      out.push({
        test: 'paired bootstrap + Wilcoxon over seeds',
        group,
        detail: {
          model: other.model,
          versus: best.model,
          seeds: shared.length,
          mean_difference: round(ci.meanDiff),
          ci95: [round(ci.lo), round(ci.hi)],
          wilcoxon_p: round(w.p),
        },
      });
    }
  }
  // A baseline joins the ranking when every group scored it (LinReg exists only where `tsfm evaluate` ran).
  const scored = rows.filter((r) => r.mean !== null);
  const groupCount = new Set(scored.map(groupOf)).size;
  const ranked = scored.filter((r) => !r.baseline || scored.filter((x) => x.model === r.model).length === groupCount);
  const across = compareAcrossDatasets(ranked.map((r) => ({ dataset: groupOf(r), model: r.model, score: r.mean! })));
  if (across.cd) {
    out.push({
      test: 'Friedman + Nemenyi critical difference',
      group: `${across.datasets.length} groups`,
      detail: {
        friedman_p: round(across.cd.friedman.p),
        cd: round(across.cd.cd),
        average_ranks: Object.fromEntries(across.models.map((m, i) => [m, round(across.cd!.avgRanks[i]!)])),
        not_significantly_different: across.cd.groups,
      },
    });
  }
  return out;
}

/** The latest completed run of every cell trained from the cell's current config, from the registry. */
function completedRuns(registry: Registry, experiment: string, cells: Cell[]): Map<string, RunRow> {
  const hashes = new Map(cells.map((c) => [c.key, cellHash(c)]));
  const byCell = new Map<string, RunRow>();
  // listRuns is newest first: keep the first completed run seen for each cell.
  for (const r of registry.listRuns({ experiment, status: 'completed' })) {
    const key = r.tags.cell;
    if (key && !byCell.has(key) && r.tags.cell_hash === hashes.get(key)) byCell.set(key, r);
  }
  return byCell;
}

function readTransfer(file: string): number | null {
  try {
    const v = (JSON.parse(readFileSync(file, 'utf8')) as TransferRecord).value;
    return typeof v === 'number' && Number.isFinite(v) ? v : null;
  } catch {
    return null;
  }
}

/**
 * The table: one row per dataset × strategy × context length × training fraction × model, over seeds.
 * A seed's value is its cell's metric, or for the per-series strategies the mean over the seed's
 * series cells (counted only when all of them completed).
 */
export function aggregate(exp: ExperimentConfig, cells: Cell[], registry: Registry): ExperimentResults {
  const runs = completedRuns(registry, exp.name, cells);
  const dir = experimentDir(runsDirOfCells(cells), exp.name);
  const labels = [...new Set(cells.flatMap((c) => (c.testDatasets ?? []).map((t) => t.name)))];
  const groups = new Map<string, { row: AggregateRow; bySeed: Map<number, Cell[]> }>();
  for (const c of cells) {
    const id = [c.dataset, c.strategy, c.contextLength, c.trainFraction ?? 1, c.model].join('\u0000');
    let g = groups.get(id);
    if (!g) {
      g = { row: emptyRow(c, c.model, exp.metric), bySeed: new Map() };
      groups.set(id, g);
    }
    g.bySeed.set(c.seed, [...(g.bySeed.get(c.seed) ?? []), c]);
  }
  const baselines = new BaselineCollector();
  for (const { row, bySeed } of groups.values()) {
    const transfer = new Map(labels.map((l) => [l, { seeds: [] as number[], values: [] as number[] }]));
    const nightRuns: string[][] = [];
    for (const [seed, seedCells] of bySeed) {
      row.series = Math.max(row.series, seedCells.filter((c) => c.series !== undefined).length);
      const done = seedCells.map((c) => {
        const run = runs.get(c.key);
        const v = run?.metrics[exp.metric];
        return run && v !== undefined && Number.isFinite(v) ? { run, v } : undefined;
      });
      const missing = seedCells.filter((_, i) => !done[i]).map((c) => c.key);
      row.missing.push(...missing);
      if (missing.length) continue;
      const finished = done.map((d) => d!);
      row.seeds.push(seed);
      row.values.push(finished.reduce((a, d) => a + d.v, 0) / finished.length);
      row.runs.push(...finished.map((d) => d.run.run_id));
      nightRuns.push(finished.map((d) => d.run.run_id));
      baselines.add(
        row,
        seed,
        finished.map((d) => d.run),
        exp.metric,
      );
      for (const l of labels) {
        const vs = finished.map((d) => readTransfer(transferRecordPath(dir, d.run.run_id, l)));
        if (vs.every((v) => v !== null)) {
          transfer.get(l)!.seeds.push(seed);
          transfer.get(l)!.values.push((vs as number[]).reduce((a, b) => a + b, 0) / vs.length);
        }
      }
    }
    for (const [l, t] of transfer) row.transfer[l] = { ...meanStd(t.values), n: t.values.length, ...t };
    if (exp.evaluate?.includes('nocturnal')) row.nocturnal = nocturnalScores(dir, nightRuns);
  }
  const rows = withBaselineRows(
    sortRows(
      cells,
      [...groups.values()].map((g) => g.row),
    ),
    baselines,
    exp.metric,
  );
  for (const r of rows) Object.assign(r, meanStd(r.values), { n: r.values.length });
  markBest(rows);
  return { experiment: exp.name, metric: exp.metric, rows, tests: statisticalTests(rows) };
}

function emptyRow(c: Cell, model: string, metric: string): AggregateRow {
  return {
    dataset: c.dataset,
    strategy: c.strategy,
    context_length: c.contextLength,
    train_fraction: c.trainFraction ?? 1,
    model,
    metric,
    n: 0,
    mean: null,
    std: null,
    seeds: [],
    values: [],
    runs: [],
    missing: [],
    best: false,
    series: 0,
    transfer: {},
  };
}

/** The group a row is compared in: dataset × strategy × context length × training fraction. */
const tableGroup = (r: AggregateRow) => [r.dataset, r.strategy, r.context_length, r.train_fraction].join('\u0000');

/**
 * Baseline values per table group, baseline and seed. A seed's value is the mean over the seed's cells (as
 * the model's), counted only when every cell's run has it; the models of a group share their test windows,
 * so each model row gives the same number and the group's value is their mean.
 */
class BaselineCollector {
  readonly byGroup = new Map<string, Map<TableBaseline, Map<number, { values: number[]; runs: string[] }>>>();

  add(row: AggregateRow, seed: number, runs: RunRow[], metric: string): void {
    const per = runs.map((r) => baselineValues(r, metric));
    for (const b of TABLE_BASELINES) {
      if (!per.every((p) => p[b] !== undefined)) continue;
      const g = tableGroup(row);
      if (!this.byGroup.has(g)) this.byGroup.set(g, new Map());
      const kinds = this.byGroup.get(g)!;
      if (!kinds.has(b)) kinds.set(b, new Map());
      const seeds = kinds.get(b)!;
      const s = seeds.get(seed) ?? { values: [], runs: [] };
      s.values.push(per.reduce((a, p) => a + p[b]!, 0) / per.length);
      s.runs.push(...runs.map((r) => r.run_id));
      seeds.set(seed, s);
    }
  }
}

/** The model rows with each group's baseline rows (last value, then LinReg) after its models. */
function withBaselineRows(rows: AggregateRow[], baselines: BaselineCollector, metric: string): AggregateRow[] {
  const out: AggregateRow[] = [];
  rows.forEach((r, i) => {
    out.push(r);
    const g = tableGroup(r);
    if (rows[i + 1] && tableGroup(rows[i + 1]!) === g) return;
    for (const [kind, seeds] of baselines.byGroup.get(g) ?? []) {
      const b: AggregateRow = { ...emptyRowOf(r, BASELINE_LABELS[kind], metric), baseline: kind };
      for (const [seed, s] of [...seeds].sort((x, y) => x[0] - y[0])) {
        b.seeds.push(seed);
        b.values.push(s.values.reduce((a, v) => a + v, 0) / s.values.length);
        b.runs.push(...s.runs);
      }
      out.push(b);
    }
  });
  return out;
}

function emptyRowOf(r: AggregateRow, model: string, metric: string): AggregateRow {
  const { nocturnal: _n, ...rest } = r;
  return { ...rest, model, metric, n: 0, mean: null, std: null, seeds: [], values: [], runs: [], missing: [], best: false, transfer: {} };
}

/** Rows grouped by dataset, then strategy, context length and fraction, models in config order. */
function sortRows(cells: Cell[], rows: AggregateRow[]): AggregateRow[] {
  const order = (pick: (c: Cell) => string | number) => {
    const seen = [...new Set(cells.map(pick))];
    return (v: string | number) => seen.indexOf(v);
  };
  const [od, os, oc, of, om] = [
    order((c) => c.dataset),
    order((c) => c.strategy),
    order((c) => c.contextLength),
    order((c) => c.trainFraction ?? 1),
    order((c) => c.model),
  ];
  return rows.sort(
    (a, b) =>
      od(a.dataset) - od(b.dataset) ||
      os(a.strategy) - os(b.strategy) ||
      oc(a.context_length) - oc(b.context_length) ||
      of(a.train_fraction) - of(b.train_fraction) ||
      om(a.model) - om(b.model),
  );
}

/** Marks the best (lowest mean) row of each group, baselines included: a model that loses to one is not bolded. */
function markBest(rows: AggregateRow[]): void {
  const bestOf = new Map<string, AggregateRow>();
  for (const r of rows) {
    if (r.mean === null) continue;
    const cur = bestOf.get(tableGroup(r));
    if (!cur || r.mean < cur.mean!) bestOf.set(tableGroup(r), r);
  }
  for (const r of bestOf.values()) r.best = true;
}

const fmt = (v: number | null) => (v === null ? '-' : String(+v.toPrecision(4)));

const meanCell = (mean: number | null, std: number | null) => (mean === null ? '-' : `${fmt(mean)} ± ${fmt(std)}`);

export function resultsMarkdown(res: ExperimentResults, failed: Array<{ key: string; error: string }> = []): string {
  const labels = [...new Set(res.rows.flatMap((r) => Object.keys(r.transfer ?? {})))];
  const fractions = res.rows.some((r) => (r.train_fraction ?? 1) !== 1);
  const series = res.rows.some((r) => r.series > 0);
  const lines = [
    `# Experiment ${res.experiment}`,
    '',
    `${res.metric}: mean ± standard deviation over seeds (n = seeds with a completed run); **bold** = best (lowest mean) of its dataset, strategy, context length${fractions ? ' and training fraction' : ''}, baselines included.`,
    ...(res.rows.some((r) => r.baseline)
      ? [
          '',
          "Baselines (rows marked *baseline*) on the same runs' test windows: last value (recorded by every training run) and LinReg (where `tsfm evaluate --experiment` has scored the runs).",
        ]
      : []),
    ...(series
      ? [
          '',
          "Per-series strategies (series > 0): one model per series; a seed's value is the mean over its series, counted when all of them completed.",
        ]
      : []),
    ...(labels.length
      ? ['', `→ <dataset>: transfer, the ${res.metric} of the same models evaluated on another dataset (\`tsfm evaluate --data\`).`]
      : []),
    '',
    `| Dataset | Strategy | Context |${fractions ? ' Train fraction |' : ''}${series ? ' Series |' : ''} Model | ${res.metric} | n |${labels.map((l) => ` → ${l} |`).join('')}`,
    `|---|---|---|${fractions ? '---|' : ''}${series ? '---|' : ''}---|---|---|${labels.map(() => '---|').join('')}`,
    ...res.rows.map((r) => {
      const cell = meanCell(r.mean, r.std);
      return `| ${r.dataset} | ${r.strategy} | ${r.context_length} |${fractions ? ` ${r.train_fraction} |` : ''}${series ? ` ${r.series || '-'} |` : ''} ${r.best ? `**${r.model}**` : r.model}${r.baseline ? ' *baseline*' : ''} | ${r.best ? `**${cell}**` : cell} | ${r.n}${r.missing.length ? ` (${r.missing.length} missing)` : ''} |${labels.map((l) => ` ${r.transfer?.[l] ? meanCell(r.transfer[l]!.mean, r.transfer[l]!.std) : '-'} |`).join('')}`;
    }),
    '',
    res.tests.length
      ? '## Statistical tests'
      : 'Statistical tests: none applicable (they need at least 2 seeds per model, or 2 models scored on at least 2 groups).',
    ...res.tests.map((t) => `- ${t.test} (${t.group}): ${JSON.stringify(t.detail)}`),
  ];
  lines.push(...nocturnalMarkdown(res.rows));
  if (failed.length) lines.push('', '## Failed cells', '', ...failed.map((f) => `- ${f.key}: ${f.error}`));
  return lines.join('\n') + '\n';
}

/**
 * The table for the terminal (`tsfm experiment run` ends with it): one line per row, the metric as mean ± std
 * over seeds, `best` on the lowest mean of each group (baselines included), baselines named as such.
 */
export function resultsTableRows(res: ExperimentResults): { header: string[]; rows: string[][] } {
  const fractions = res.rows.some((r) => (r.train_fraction ?? 1) !== 1);
  const series = res.rows.some((r) => r.series > 0);
  const header = [
    'Dataset',
    'Strategy',
    'Context',
    ...(fractions ? ['Train fraction'] : []),
    ...(series ? ['Series'] : []),
    'Model',
    res.metric,
    'n',
    'Best',
  ];
  const rows = res.rows.map((r) => [
    r.dataset,
    r.strategy,
    String(r.context_length),
    ...(fractions ? [String(r.train_fraction)] : []),
    ...(series ? [String(r.series || '-')] : []),
    r.baseline ? `${r.model} (baseline)` : r.model,
    meanCell(r.mean, r.std),
    `${r.n}${r.missing.length ? ` (${r.missing.length} missing)` : ''}`,
    r.best ? 'best' : '',
  ]);
  return { header, rows };
}

function csvField(v: unknown): string {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function resultsCsv(res: ExperimentResults): string {
  const labels = [...new Set(res.rows.flatMap((r) => Object.keys(r.transfer ?? {})))];
  const header = [
    'dataset',
    'strategy',
    'context_length',
    'model',
    'metric',
    'mean',
    'std',
    'n',
    'best',
    'seeds',
    'runs',
    'train_fraction',
    'series',
    'baseline',
    ...labels.flatMap((l) => [`transfer_${l}_mean`, `transfer_${l}_std`, `transfer_${l}_n`]),
  ];
  const rows = res.rows.map((r) =>
    [
      r.dataset,
      r.strategy,
      r.context_length,
      r.model,
      r.metric,
      r.mean,
      r.std,
      r.n,
      r.best,
      r.seeds.join(' '),
      r.runs.join(' '),
      r.train_fraction ?? 1,
      r.series ?? 0,
      r.baseline ?? '',
      ...labels.flatMap((l) => [r.transfer?.[l]?.mean ?? null, r.transfer?.[l]?.std ?? null, r.transfer?.[l]?.n ?? 0]),
    ]
      .map(csvField)
      .join(','),
  );
  return [header.join(','), ...rows].join('\n') + '\n';
}

/** Writes results.md, results.csv and results.json into the experiment directory; returns their paths. */
export function writeResults(dir: string, res: ExperimentResults, failed: Array<{ key: string; error: string }> = []): string[] {
  const files = [path.join(dir, 'results.md'), path.join(dir, 'results.csv'), path.join(dir, 'results.json')];
  writeFileAtomic(files[0]!, resultsMarkdown(res, failed));
  writeFileAtomic(files[1]!, resultsCsv(res));
  writeJsonAtomic(files[2]!, { ...res, failed });
  return files;
}
