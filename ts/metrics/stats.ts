/**
 * Statistics for comparing forecasters: paired bootstrap confidence intervals, the Wilcoxon
 * signed-rank test, the Friedman test and the Nemenyi critical difference (Demšar 2006).
 */
import { mulberry32 } from '../util/random.js';
import { EvalError, type Numeric } from './errors.js';

function paired(a: Numeric, b: Numeric, what: string): Float64Array {
  if (a.length !== b.length) throw new EvalError(`${what}: paired samples differ in length (${a.length} vs ${b.length})`);
  const d: number[] = [];
  for (let i = 0; i < a.length; i++) {
    const x = a[i] - b[i];
    if (Number.isFinite(x)) d.push(x);
  }
  return Float64Array.from(d);
}

export interface BootstrapCI {
  /** Mean of a - b over pairs where both are finite. */
  meanDiff: number;
  lo: number;
  hi: number;
  level: number;
  n: number;
  reps: number;
}

/** Percentile bootstrap CI of mean(a - b), resampling pairs (e.g. per-window errors of two models on the same windows). */
export function pairedBootstrapCI(a: Numeric, b: Numeric, opts: { reps?: number; level?: number; seed?: number } = {}): BootstrapCI {
  const d = paired(a, b, 'pairedBootstrapCI');
  const n = d.length;
  const reps = opts.reps ?? 2000;
  const level = opts.level ?? 0.95;
  if (n === 0) return { meanDiff: NaN, lo: NaN, hi: NaN, level, n, reps };
  const rnd = mulberry32(opts.seed ?? 1);
  const means = new Float64Array(reps);
  for (let r = 0; r < reps; r++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += d[Math.floor(rnd() * n)];
    means[r] = s / n;
  }
  means.sort();
  const q = (p: number) => {
    const x = p * (reps - 1);
    const i = Math.floor(x);
    return i + 1 < reps ? means[i] + (x - i) * (means[i + 1] - means[i]) : means[i];
  };
  let s = 0;
  for (const x of d) s += x;
  return { meanDiff: s / n, lo: q((1 - level) / 2), hi: q(1 - (1 - level) / 2), level, n, reps };
}

/** Average ranks (1-based) with ties sharing the mean rank. */
export function rankAverage(xs: Numeric): Float64Array {
  const idx = Array.from({ length: xs.length }, (_, i) => i).sort((p, q) => xs[p] - xs[q]);
  const r = new Float64Array(xs.length);
  for (let i = 0; i < idx.length;) {
    let j = i;
    while (j + 1 < idx.length && xs[idx[j + 1]] === xs[idx[i]]) j++;
    for (let k = i; k <= j; k++) r[idx[k]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return r;
}

export interface WilcoxonResult {
  /** Sum of ranks of positive differences (a > b). */
  wPlus: number;
  wMinus: number;
  /** Pairs with a non-zero difference (zeros are dropped: Wilcoxon's method). */
  n: number;
  /** Two-sided p-value. */
  p: number;
  method: 'exact' | 'normal';
}

/**
 * Wilcoxon signed-rank test of a - b. Exact (permutation distribution of the tied ranks) for
 * n <= 50, else the normal approximation with tie correction and continuity correction.
 */
export function wilcoxonSignedRank(a: Numeric, b: Numeric): WilcoxonResult {
  const d = Array.from(paired(a, b, 'wilcoxonSignedRank')).filter((x) => x !== 0);
  const n = d.length;
  if (n === 0) return { wPlus: 0, wMinus: 0, n, p: 1, method: 'exact' };
  const ranks = rankAverage(d.map(Math.abs));
  let wPlus = 0;
  for (let i = 0; i < n; i++) if (d[i] > 0) wPlus += ranks[i];
  const total = (n * (n + 1)) / 2;
  const wMinus = total - wPlus;
  if (n <= 50) {
    // doubled ranks are integers; count sign assignments by their doubled positive-rank sum
    const r2 = Array.from(ranks, (r) => Math.round(2 * r));
    const max = r2.reduce((s, x) => s + x, 0);
    let dist = new Float64Array(max + 1);
    dist[0] = 1;
    for (const r of r2) {
      const next = new Float64Array(max + 1);
      for (let s = 0; s <= max; s++)
        if (dist[s]) {
          next[s] += dist[s];
          if (s + r <= max) next[s + r] += dist[s];
        }
      dist = next;
    }
    const all = Math.pow(2, n);
    const obs = Math.round(2 * Math.min(wPlus, wMinus));
    let tail = 0;
    for (let s = 0; s <= obs; s++) tail += dist[s];
    return { wPlus, wMinus, n, p: Math.min(1, (2 * tail) / all), method: 'exact' };
  }
  let tieTerm = 0;
  const sorted = Array.from(ranks).sort((x, y) => x - y);
  for (let i = 0; i < n;) {
    let j = i;
    while (j + 1 < n && sorted[j + 1] === sorted[i]) j++;
    const t = j - i + 1;
    tieTerm += t * t * t - t;
    i = j + 1;
  }
  const mean = total / 2;
  const sd = Math.sqrt((n * (n + 1) * (2 * n + 1)) / 24 - tieTerm / 48);
  const z = (Math.abs(wPlus - mean) - 0.5) / sd;
  return { wPlus, wMinus, n, p: Math.min(1, 2 * (1 - normalCdf(Math.max(0, z)))), method: 'normal' };
}

/** Standard normal CDF via erfc (Numerical Recipes approximation, relative error < 1.2e-7). */
export function normalCdf(z: number): number {
  const a = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * a);
  const r =
    t *
    Math.exp(
      -a * a -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return z >= 0 ? 1 - r / 2 : r / 2;
}

/**
 * Standard normal quantile Φ⁻¹(p) (Acklam's rational approximation, relative error < 1.2e-9);
 * -Infinity at 0, +Infinity at 1, NaN outside [0, 1].
 */
export function normalQuantile(p: number): number {
  if (!(p >= 0 && p <= 1)) return NaN;
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const pLow = 0.02425;
  if (p < pLow || p > 1 - pLow) {
    // tails: rational in sqrt(-2 log q), q the smaller tail mass
    const q = Math.sqrt(-2 * Math.log(p < pLow ? p : 1 - p));
    const x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    return p < pLow ? x : -x;
  }
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) /
    (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
  );
}

/** ln Gamma (Lanczos). */
function lnGamma(x: number): number {
  // Numerical Recipes' Lanczos coefficients, as printed (more digits than a double holds).
  const g = [76.18009172947146, -86.50532032941677, 24.01409824083091, -1.231739572450155, 0.1208650973866179e-2, -0.5395239384953e-5]; // eslint-disable-line no-loss-of-precision
  let y = x;
  const tmp = x + 5.5 - (x + 0.5) * Math.log(x + 5.5);
  let ser = 1.000000000190015;
  for (const c of g) ser += c / ++y;
  return -tmp + Math.log((2.5066282746310005 * ser) / x); // eslint-disable-line no-loss-of-precision
}

/** Regularised upper incomplete gamma Q(a, x). */
function gammaQ(a: number, x: number): number {
  if (x <= 0) return 1;
  if (x < a + 1) {
    let sum = 1 / a,
      del = sum,
      ap = a;
    for (let i = 0; i < 1000 && Math.abs(del) > Math.abs(sum) * 1e-15; i++) {
      del *= x / ++ap;
      sum += del;
    }
    return 1 - sum * Math.exp(-x + a * Math.log(x) - lnGamma(a));
  }
  let b = x + 1 - a,
    c = 1e300,
    d = 1 / b,
    h = d;
  for (let i = 1; i < 1000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < 1e-300) d = 1e-300;
    c = b + an / c;
    if (Math.abs(c) < 1e-300) c = 1e-300;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return Math.exp(-x + a * Math.log(x) - lnGamma(a)) * h;
}

/** Upper tail of the chi-square distribution. */
export function chiSquareSurvival(x: number, df: number): number {
  return gammaQ(df / 2, x / 2);
}

export interface FriedmanResult {
  /** Average rank of each model (1 = best, i.e. lowest score). */
  avgRanks: number[];
  chi2: number;
  df: number;
  p: number;
  /** Datasets (blocks) used: rows with a finite score for every model. */
  n: number;
  k: number;
}

/** Friedman test on scores[dataset][model] (lower is better); ties share ranks. */
export function friedmanTest(scores: number[][]): FriedmanResult {
  const rows = scores.filter((r) => r.every(Number.isFinite));
  const k = scores[0]?.length ?? 0;
  const n = rows.length;
  if (k < 2) throw new EvalError(`friedmanTest: need at least 2 models (got ${k})`);
  if (n < 2) throw new EvalError(`friedmanTest: need at least 2 datasets with a score for every model (got ${n})`);
  const sum = new Float64Array(k);
  let tieTerm = 0;
  for (const r of rows) {
    if (r.length !== k) throw new EvalError(`friedmanTest: every row needs ${k} scores`);
    const rk = rankAverage(r);
    for (let j = 0; j < k; j++) sum[j] += rk[j];
    const sorted = [...r].sort((x, y) => x - y);
    for (let i = 0; i < k;) {
      let j = i;
      while (j + 1 < k && sorted[j + 1] === sorted[i]) j++;
      const t = j - i + 1;
      tieTerm += t * t * t - t;
      i = j + 1;
    }
  }
  const avgRanks = Array.from(sum, (s) => s / n);
  let ss = 0;
  for (const r of avgRanks) ss += (r - (k + 1) / 2) ** 2;
  const raw = ((12 * n) / (k * (k + 1))) * ss;
  const chi2 = raw / (1 - tieTerm / (n * k * (k * k - 1)));
  return { avgRanks, chi2, df: k - 1, p: chiSquareSurvival(chi2, k - 1), n, k };
}

/** Studentised range q_alpha / sqrt(2) for the Nemenyi test, k = 2..10 models (Demšar 2006, Table 5). */
const NEMENYI_Q: Record<string, number[]> = {
  '0.05': [1.96, 2.343, 2.569, 2.728, 2.85, 2.949, 3.031, 3.102, 3.164],
  '0.1': [1.645, 2.052, 2.291, 2.459, 2.589, 2.693, 2.78, 2.855, 2.92],
};

/** Nemenyi critical difference of average ranks for k models on n datasets. */
export function nemenyiCD(k: number, n: number, alpha: 0.05 | 0.1 = 0.05): number {
  const table = NEMENYI_Q[String(alpha)];
  if (k < 2 || k > 10) throw new EvalError(`nemenyiCD: tabulated for 2..10 models (got ${k})`);
  return table[k - 2] * Math.sqrt((k * (k + 1)) / (6 * n));
}

export interface CriticalDifference {
  models: string[];
  avgRanks: number[];
  cd: number;
  alpha: number;
  friedman: FriedmanResult;
  /** Maximal groups of models (by name, best first) whose average ranks differ by less than the CD. */
  groups: string[][];
}

/** Friedman + Nemenyi critical-difference ranking of models over datasets (scores[dataset][model], lower is better). */
export function criticalDifference(models: string[], scores: number[][], alpha: 0.05 | 0.1 = 0.05): CriticalDifference {
  const friedman = friedmanTest(scores);
  const cd = nemenyiCD(models.length, friedman.n, alpha);
  const order = models.map((m, i) => ({ m, r: friedman.avgRanks[i] })).sort((a, b) => a.r - b.r);
  const groups: string[][] = [];
  for (let i = 0; i < order.length; i++) {
    let j = i;
    while (j + 1 < order.length && order[j + 1].r - order[i].r < cd) j++;
    if (j > i) {
      const g = order.slice(i, j + 1).map((o) => o.m);
      if (!groups.some((h) => g.every((x) => h.includes(x)))) groups.push(g);
    }
  }
  return { models, avgRanks: friedman.avgRanks, cd, alpha, friedman, groups };
}
