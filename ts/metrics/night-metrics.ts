/**
 * Night-level scores of a probability of nocturnal hypoglycaemia against the night's label
 * (any reading below the threshold): discrimination with bootstrap intervals, the Brier score and
 * its Murphy decomposition, calibration error, reliability bins and an operating point chosen on
 * validation nights.
 *
 * A cohort has few hypoglycaemic nights, so `nightSummary` gives no bare AUROC below
 * `minPositives` positive nights: the type then carries only the count and the interval.
 */
import { mulberry32 } from '../util/random.js';
import { EvalError, type Numeric } from './errors.js';
import { auprc, auroc } from './hypo.js';

type Labels = ArrayLike<number | boolean>;

export interface Interval {
  lo: number;
  hi: number;
  level: number;
}

/** Finite scores with their 0/1 labels. */
function finitePairs(scores: Numeric, labels: Labels, what: string): { s: number[]; y: number[] } {
  if (scores.length !== labels.length) throw new EvalError(`${what}: ${scores.length} scores but ${labels.length} labels`);
  const s: number[] = [],
    y: number[] = [];
  for (let i = 0; i < scores.length; i++)
    if (Number.isFinite(scores[i])) {
      s.push(scores[i]);
      y.push(labels[i] ? 1 : 0);
    }
  return { s, y };
}

function percentile(sorted: Float64Array, p: number): number {
  const x = p * (sorted.length - 1);
  const i = Math.floor(x);
  return i + 1 < sorted.length ? sorted[i] + (x - i) * (sorted[i + 1] - sorted[i]) : sorted[i];
}

export interface DiscriminationCI {
  auroc: number;
  auprc: number;
  aurocCI: Interval;
  auprcCI: Interval;
  positives: number;
  negatives: number;
  reps: number;
}

/**
 * AUROC and AUPRC with stratified percentile-bootstrap intervals: each replicate resamples the
 * positive and the negative nights separately, so it keeps the class counts and AUROC stays defined.
 */
export function bootstrapDiscrimination(
  scores: Numeric,
  labels: Labels,
  opts: { reps?: number; level?: number; seed?: number } = {},
): DiscriminationCI {
  const { s, y } = finitePairs(scores, labels, 'bootstrap discrimination');
  const reps = opts.reps ?? 2000,
    level = opts.level ?? 0.95;
  const pos = s.filter((_, i) => y[i]),
    neg = s.filter((_, i) => !y[i]);
  const nan: Interval = { lo: NaN, hi: NaN, level };
  const base = { auroc: auroc(s, y), auprc: auprc(s, y), positives: pos.length, negatives: neg.length, reps };
  if (!pos.length || !neg.length) return { ...base, aurocCI: nan, auprcCI: nan };
  const rnd = mulberry32(opts.seed ?? 1);
  const n = pos.length + neg.length;
  const bs = new Float64Array(n),
    by = new Float64Array(n);
  by.fill(1, 0, pos.length);
  const roc = new Float64Array(reps),
    pr = new Float64Array(reps);
  for (let r = 0; r < reps; r++) {
    for (let i = 0; i < pos.length; i++) bs[i] = pos[Math.floor(rnd() * pos.length)];
    for (let i = 0; i < neg.length; i++) bs[pos.length + i] = neg[Math.floor(rnd() * neg.length)];
    roc[r] = auroc(bs, by);
    pr[r] = auprc(bs, by);
  }
  roc.sort();
  pr.sort();
  const a = (1 - level) / 2;
  return {
    ...base,
    aurocCI: { lo: percentile(roc, a), hi: percentile(roc, 1 - a), level },
    auprcCI: { lo: percentile(pr, a), hi: percentile(pr, 1 - a), level },
  };
}

export interface ReliabilityBin {
  /** Bin bounds [lo, hi) (the last bin includes 1). */
  lo: number;
  hi: number;
  count: number;
  /** Mean predicted probability in the bin (NaN when empty). */
  meanPredicted: number;
  /** Fraction of the bin's nights that were positive (NaN when empty). */
  observed: number;
}

/** Reliability-diagram bins: `bins` equal-width bins on [0, 1]. Scores outside [0, 1] are an error. */
export function reliabilityBins(scores: Numeric, labels: Labels, bins = 10): ReliabilityBin[] {
  const { s, y } = finitePairs(scores, labels, 'reliability bins');
  const sumP = new Float64Array(bins),
    sumY = new Float64Array(bins),
    count = new Float64Array(bins);
  s.forEach((p, i) => {
    if (!(p >= 0 && p <= 1)) throw new EvalError(`reliability bins: probability ${p} (night ${i}) is outside [0, 1]`);
    const k = Math.min(bins - 1, Math.floor(p * bins));
    sumP[k] += p;
    sumY[k] += y[i];
    count[k]++;
  });
  return Array.from(count, (n, k) => ({
    lo: k / bins,
    hi: (k + 1) / bins,
    count: n,
    meanPredicted: n ? sumP[k] / n : NaN,
    observed: n ? sumY[k] / n : NaN,
  }));
}

export interface BrierDecomposition {
  /** Mean (p - y)^2 over the nights. */
  brier: number;
  /** Reliability: sum_k n_k (mean p_k - freq_k)^2 / N (lower is better). */
  reliability: number;
  /** Resolution: sum_k n_k (freq_k - freq)^2 / N (higher is better). */
  resolution: number;
  /** Uncertainty: freq (1 - freq), the Brier score of always forecasting the base rate. */
  uncertainty: number;
  /** brier - (reliability - resolution + uncertainty): the within-bin spread of the forecasts, 0 when each bin's forecasts are equal. */
  withinBin: number;
  nights: number;
  bins: number;
}

/** Brier score with Murphy's (1973) decomposition over `bins` equal-width probability bins. */
export function brierDecomposition(scores: Numeric, labels: Labels, bins = 10): BrierDecomposition {
  const { s, y } = finitePairs(scores, labels, 'Brier decomposition');
  const N = s.length;
  let brier = 0,
    rate = 0;
  s.forEach((p, i) => ((brier += (p - y[i]) ** 2), (rate += y[i])));
  brier /= N;
  rate /= N;
  let reliability = 0,
    resolution = 0;
  for (const b of reliabilityBins(s, y, bins))
    if (b.count) {
      reliability += b.count * (b.meanPredicted - b.observed) ** 2;
      resolution += b.count * (b.observed - rate) ** 2;
    }
  reliability /= N;
  resolution /= N;
  const uncertainty = rate * (1 - rate);
  return { brier, reliability, resolution, uncertainty, withinBin: brier - (reliability - resolution + uncertainty), nights: N, bins };
}

/** Expected calibration error: sum_k (n_k / N) |mean p_k - freq_k| over `bins` equal-width bins. */
export function expectedCalibrationError(scores: Numeric, labels: Labels, bins = 10): number {
  const rel = reliabilityBins(scores, labels, bins);
  const N = rel.reduce((a, b) => a + b.count, 0);
  return rel.reduce((a, b) => (b.count ? a + (b.count / N) * Math.abs(b.meanPredicted - b.observed) : a), 0);
}

/** How the operating threshold is chosen on validation nights. */
export type ThresholdRule = { rule: 'youden' } | { rule: 'sensitivity'; target: number };

export interface OperatingPoint {
  /** A night is flagged when its score >= threshold. */
  threshold: number;
  sensitivity: number;
  specificity: number;
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

/** Sensitivity and specificity when nights with score >= threshold are flagged. */
export function operatingPoint(scores: Numeric, labels: Labels, threshold: number): OperatingPoint {
  const { s, y } = finitePairs(scores, labels, 'operating point');
  let tp = 0,
    fp = 0,
    tn = 0,
    fn = 0;
  s.forEach((p, i) => (p >= threshold ? (y[i] ? tp++ : fp++) : y[i] ? fn++ : tn++));
  return { threshold, sensitivity: tp / (tp + fn), specificity: tn / (tn + fp), tp, fp, tn, fn };
}

/**
 * The threshold, among the validation scores, that maximises Youden's J = sensitivity +
 * specificity - 1, or the highest one whose validation sensitivity reaches `target` (the most
 * specific such rule). Ties go to the higher threshold: fewer alarms for the same J.
 */
export function chooseThreshold(valScores: Numeric, valLabels: Labels, rule: ThresholdRule): number {
  const { s, y } = finitePairs(valScores, valLabels, 'choose threshold');
  const pos = y.reduce((a, v) => a + v, 0),
    neg = y.length - pos;
  if (!pos || !neg) throw new EvalError(`choose threshold: validation needs positive and negative nights (got ${pos} and ${neg})`);
  if (rule.rule === 'sensitivity' && !(rule.target > 0 && rule.target <= 1))
    throw new EvalError(`choose threshold: target sensitivity must be in (0, 1] (got ${rule.target})`);
  const idx = s.map((_, i) => i).sort((a, b) => s[b] - s[a]);
  let tp = 0,
    fp = 0,
    best = Infinity,
    bestJ = -Infinity;
  // walk thresholds from the highest score down; at each distinct score, flag it and all above
  for (let i = 0; i < idx.length;) {
    let j = i;
    for (; j < idx.length && s[idx[j]] === s[idx[i]]; j++) {
      if (y[idx[j]]) tp++;
      else fp++;
    }
    const sens = tp / pos,
      spec = 1 - fp / neg;
    if (rule.rule === 'sensitivity') {
      if (sens >= rule.target - 1e-12) return s[idx[i]];
    } else if (sens + spec - 1 > bestJ + 1e-12) {
      bestJ = sens + spec - 1;
      best = s[idx[i]];
    }
    i = j;
  }
  return best;
}

export type DiscriminationSummary =
  | {
      reportable: true;
      positives: number;
      negatives: number;
      auroc: number;
      auprc: number;
      aurocCI: Interval;
      auprcCI: Interval;
    }
  | {
      /** Too few positive nights for a point AUROC: only the count and the (wide) interval. */
      reportable: false;
      positives: number;
      negatives: number;
      minPositives: number;
      aurocCI: Interval;
      auprcCI: Interval;
    };

export interface NightSummary {
  threshold?: number;
  nights: number;
  discrimination: DiscriminationSummary;
  brier: BrierDecomposition;
  ece: number;
  reliability: ReliabilityBin[];
  /** At the operating threshold chosen on validation, when one is given. */
  operating?: OperatingPoint;
}

export interface NightSummaryOptions {
  /** Fewer positive nights than this: no point AUROC/AUPRC (default 10). */
  minPositives?: number;
  reps?: number;
  level?: number;
  seed?: number;
  bins?: number;
  /** Operating threshold on the score, chosen on validation nights (chooseThreshold). */
  operatingThreshold?: number;
}

/** Everything reported for one night-level probability on test nights. */
export function nightSummary(scores: Numeric, labels: Labels, opts: NightSummaryOptions = {}): NightSummary {
  const minPositives = opts.minPositives ?? 10;
  const d = bootstrapDiscrimination(scores, labels, opts);
  const discrimination: DiscriminationSummary =
    d.positives >= minPositives
      ? {
          reportable: true,
          positives: d.positives,
          negatives: d.negatives,
          auroc: d.auroc,
          auprc: d.auprc,
          aurocCI: d.aurocCI,
          auprcCI: d.auprcCI,
        }
      : { reportable: false, positives: d.positives, negatives: d.negatives, minPositives, aurocCI: d.aurocCI, auprcCI: d.auprcCI };
  const bins = opts.bins ?? 10;
  return {
    nights: d.positives + d.negatives,
    discrimination,
    brier: brierDecomposition(scores, labels, bins),
    ece: expectedCalibrationError(scores, labels, bins),
    reliability: reliabilityBins(scores, labels, bins),
    ...(opts.operatingThreshold !== undefined ? { operating: operatingPoint(scores, labels, opts.operatingThreshold) } : {}),
  };
}

const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : 'n/a');
const ci = (i: Interval) => `${Math.round(i.level * 100)}% CI ${f3(i.lo)}-${f3(i.hi)}`;

/** One line for a table or log: a point AUROC only when reportable, else the count and the interval. */
export function formatDiscrimination(d: DiscriminationSummary): string {
  const count = `${d.positives} positive of ${d.positives + d.negatives} nights`;
  if (d.reportable) return `AUROC ${f3(d.auroc)} (${ci(d.aurocCI)}), AUPRC ${f3(d.auprc)} (${ci(d.auprcCI)}); ${count}`;
  return `AUROC not reported: ${count} (< ${d.minPositives}); ${ci(d.aurocCI)}`;
}
