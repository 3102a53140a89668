/**
 * The nocturnal evaluation of an experiment (`evaluate: [test, nocturnal]`): every trained cell is also run
 * through `tsfm evaluate --split nocturnal`, and a record of its test nights' scores and labels is kept next
 * to the experiment (nocturnal/<run id>.json). The aggregate pools a seed's records (one per cell; one per
 * series for the per-series strategies), scores every forecaster on the pooled nights (AUROC with a bootstrap
 * 95% CI, Brier, ECE) and averages over seeds.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { nightSummary } from '../metrics/night-metrics.js';

/** Forecasters of the nocturnal table, the model first then the night classifier and the three baselines. */
export const NOCTURNAL_FORECASTERS = ['model', 'night_classifier', 'threshold_crossing', 'patient_rate', 'bedtime_logistic'] as const;

export interface NocturnalRecord {
  run: string;
  cell: string;
  summary: string;
  test_nights: number;
  results: Array<{ threshold: number; window: string; labels: number[]; scores: Record<string, number[]> }>;
}

export interface NocturnalScore {
  threshold: number;
  window: string;
  forecaster: string;
  /** Seeds whose every cell has a record. */
  n: number;
  /** Test nights and positive ones per seed (pooled over a seed's series). */
  nights: number;
  positives: number;
  /** Mean over seeds; null when a seed has fewer than 10 positive nights (no point AUROC, the interval only). */
  auroc: number | null;
  /** Mean over seeds of the bootstrap 95% interval bounds. */
  auroc_ci: [number, number];
  brier: number;
  ece: number;
}

export function nocturnalRecordPath(dir: string, runId: string): string {
  return path.join(dir, 'nocturnal', `${runId}.json`);
}

/** The summary.json that `tsfm evaluate --split nocturnal` wrote into the run since `since` (ms), if any. */
export function writtenNocturnalSummary(runDir: string, since: number): string | undefined {
  const evalDir = path.join(runDir, 'eval');
  if (!existsSync(evalDir)) return undefined;
  return readdirSync(evalDir)
    .filter((d) => d.endsWith('-nocturnal'))
    .map((d) => path.join(evalDir, d, 'summary.json'))
    .filter((f) => existsSync(f) && statSync(f).mtimeMs >= since - 1000)
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
}

interface SummaryNight {
  counts: Record<string, number>;
  results: Array<{ threshold: number; window: string; labels: number[]; scores: Record<string, number[]> }>;
}

/** The record of one run from its nocturnal summary (the scores of the table's forecasters only). */
export function nocturnalRecord(run: string, cell: string, summaryFile: string): NocturnalRecord {
  const night = (JSON.parse(readFileSync(summaryFile, 'utf8')) as { night?: SummaryNight }).night;
  if (!night) throw new Error(`${summaryFile}: no night-level results`);
  const keep = new Set<string>(NOCTURNAL_FORECASTERS);
  return {
    run,
    cell,
    summary: summaryFile,
    test_nights: night.counts.test_nights ?? 0,
    results: night.results.map((r) => ({
      threshold: r.threshold,
      window: r.window,
      labels: r.labels,
      scores: Object.fromEntries(Object.entries(r.scores).filter(([f]) => keep.has(f))),
    })),
  };
}

function readRecord(file: string): NocturnalRecord | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as NocturnalRecord;
  } catch {
    return undefined;
  }
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Scores of one aggregate row: `runsPerSeed` lists, for each seed, the runs of its cells. */
export function nocturnalScores(dir: string, runsPerSeed: string[][], opts: { reps?: number } = {}): NocturnalScore[] {
  const seeds = runsPerSeed
    .map((runs) => runs.map((r) => readRecord(nocturnalRecordPath(dir, r))))
    .filter((recs): recs is NocturnalRecord[] => recs.length > 0 && recs.every((r) => r !== undefined));
  if (!seeds.length) return [];
  const out: NocturnalScore[] = [];
  for (const [i, { threshold, window }] of seeds[0]![0]!.results.entries()) {
    for (const forecaster of NOCTURNAL_FORECASTERS) {
      const perSeed = seeds.flatMap((recs) => {
        const parts = recs.map((rec) => rec.results[i]);
        if (parts.some((p) => !p || p.threshold !== threshold || p.window !== window || !p.scores[forecaster])) return [];
        const labels = parts.flatMap((p) => p!.labels);
        const s = nightSummary(
          parts.flatMap((p) => p!.scores[forecaster]!.map((v) => (Number.isFinite(v) ? v : NaN))), // NaN is saved as null
          labels,
          { reps: opts.reps ?? 1000, seed: 1 },
        );
        return [{ s, nights: labels.length, positives: labels.reduce((a, b) => a + b, 0) }];
      });
      if (!perSeed.length) continue;
      const d = perSeed.map((p) => p.s.discrimination);
      out.push({
        threshold,
        window,
        forecaster,
        n: perSeed.length,
        nights: perSeed[0]!.nights,
        positives: perSeed[0]!.positives,
        auroc: d.every((x) => x.reportable) ? mean(d.map((x) => (x.reportable ? x.auroc : NaN))) : null,
        auroc_ci: [mean(d.map((x) => x.aurocCI.lo)), mean(d.map((x) => x.aurocCI.hi))],
        brier: mean(perSeed.map((p) => p.s.brier.brier)),
        ece: mean(perSeed.map((p) => p.s.ece)),
      });
    }
  }
  return out;
}

const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : 'n/a');

/** Markdown lines of the nocturnal table (whole night, < 70 and < 54 mg/dL); empty when no row has scores. */
export function nocturnalMarkdown(
  rows: Array<{ dataset: string; strategy: string; context_length: number; model: string; nocturnal?: NocturnalScore[] }>,
): string[] {
  const scored = rows.filter((r) => r.nocturnal?.length);
  if (!scored.length) return [];
  const lines = [
    '',
    '## Nocturnal hypoglycaemia (`tsfm evaluate --split nocturnal`)',
    '',
    "Night-level probability that glucose falls below the threshold during the night, forecast from bedtime; scored on each cell's test nights " +
      "(a per-series strategy's series pooled), averaged over seeds; AUROC's 95% CI: the seeds' mean stratified-bootstrap bounds; n/r: fewer " +
      'than 10 positive nights (no point AUROC). ECE: 10 bins. night_classifier, patient_rate and bedtime_logistic do not use the trained model.',
    '',
    '| Dataset | Strategy | Context | Model | Threshold | Forecaster | Nights | Positive | AUROC (95% CI) | Brier | ECE | n |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of scored)
    for (const s of r.nocturnal!) {
      if (s.window !== 'night') continue;
      const ci = `${f3(s.auroc_ci[0])}-${f3(s.auroc_ci[1])}`;
      const auroc = s.auroc === null ? `n/r: ${s.positives} pos. (CI ${ci})` : `${f3(s.auroc)} (${ci})`;
      lines.push(
        `| ${r.dataset} | ${r.strategy} | ${r.context_length} | ${r.model} | < ${s.threshold} | ${s.forecaster} | ${s.nights} | ${s.positives} | ${auroc} | ${f3(s.brier)} | ${f3(s.ece)} | ${s.n} |`,
      );
    }
  return lines;
}
