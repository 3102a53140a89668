/**
 * The clinical nocturnal-hypoglycaemia task (issue 14), addon-free: bedtime-anchored nights
 * (ts/data/nights.ts) in the train, validation and test blocks; a forecaster's whole-night forecasts
 * from the anchor on validation and test nights; and, per threshold (70, 54 mg/dL) and night window
 * (the night, its halves), the probability that the window's minimum falls below the threshold,
 * scored on test nights beside baselines.
 *
 * Everything fitted is fitted away from the test nights: the step copula and the recalibration map
 * on validation nights, the patient-rate and bedtime-logistic baselines on training nights, and each
 * forecaster's operating threshold on validation nights.
 */
import { bedtimeNights, type Night, type NightOptions, type NightsResult } from '../data/nights.js';
import type { SplitResult } from '../data/splits.js';
import type { TimeSeriesDataset, WindowSet } from '../data/types.js';
import { WindowSetBuilder, type RowRange } from '../data/windows.js';
import { calibrate, fitCalibration, type CalibrationMap, type CalibrationMethod } from '../metrics/calibration.js';
import { EvalError, type Numeric } from '../metrics/errors.js';
import { fitLogistic, fitPatientRates, patientRateScores, predictLogistic, thresholdCrossing } from '../metrics/night-baselines.js';
import { chooseThreshold, nightSummary, type NightSummary, type ThresholdRule } from '../metrics/night-metrics.js';
import {
  fitQuantileCopula,
  fitResidualCopula,
  nightProbFromPoint,
  nightProbFromQuantiles,
  type NightProbabilities,
} from '../metrics/night-probability.js';
import type { ShrinkageTarget } from '../metrics/step-copula.js';
import { nightTrajectoryErrors, type NightTrajectoryErrors } from '../metrics/night-trajectory.js';
import type { QuantileForecast } from '../metrics/quantiles.js';
import { fitNightClassifier, nightClassifierScores } from '../metrics/night-classifier.js';
import { nightBedtimeFeatures, nightContextFeatures } from './night-features.js';

export type NightSetOptions = Omit<NightOptions, 'nightBlocks'>;

export interface NightTaskSets {
  train: NightsResult;
  val: NightsResult;
  /** Test nights: the test blocks and, where the protocol holds series out, theirs. */
  test: NightsResult;
  /** Channel whose readings are the truth (glucose). */
  channel: number;
}

/** Bedtime-anchored nights whose night rows lie in each split's target blocks. */
export function nightTaskSets(ds: TimeSeriesDataset, blocks: SplitResult['blocks'], opts: NightSetOptions): NightTaskSets {
  const of = (b: RowRange[]) => bedtimeNights(ds, { ...opts, nightBlocks: b });
  const channel = opts.channel ?? ds.channels.findIndex((c) => c.role === 'target');
  return { train: of(blocks.train), val: of(blocks.val), test: of([...blocks.test, ...(blocks.testOOD ?? [])]), channel };
}

/** One window per night for a forecaster: context ending at the anchor, horizon = the whole night. */
export function nightForecastWindows(nights: readonly Night[], context: number, steps: number): WindowSet {
  const b = new WindowSetBuilder(context, steps, 1);
  for (const n of nights) b.addOne(n.context[0]);
  return b.build();
}

/** Night truths [nights, steps] of `channel`; a night cut short by its segment's end is NaN-padded. */
export function nightTruth(ds: TimeSeriesDataset, nights: readonly Night[], channel: number, steps: number): Float64Array {
  const out = new Float64Array(nights.length * steps).fill(NaN);
  nights.forEach((n, k) => {
    for (let r = n.night[0]; r < n.night[1]; r++) out[k * steps + (r - n.night[0])] = ds.values[channel][r];
  });
  return out;
}

/** A forecaster's whole-night forecasts [nights, steps] (and quantiles [nights, levels, steps] when it has them). */
export interface NightForecast {
  point: Numeric;
  quantiles?: QuantileForecast;
}

export interface NightTaskOptions {
  /** mg/dL (default 70 and 54). */
  thresholds?: number[];
  /** Recalibration fitted on validation nights (default 'platt': two parameters suit the few positive nights a cohort has). */
  calibration?: CalibrationMethod;
  /** Operating threshold rule on validation nights (default Youden's J). */
  thresholdRule?: ThresholdRule;
  /** Shrinkage target of the step copula (default 'ar1': the identity would overstate P(window minimum < thr) for an autocorrelated night). */
  copulaTarget?: ShrinkageTarget;
  /** Monte-Carlo paths of the copula (default 4000). */
  paths?: number;
  seed?: number;
  /** Bootstrap replicates of the AUROC/AUPRC intervals (default 2000). */
  reps?: number;
  /** Below this many positive test nights no point AUROC is given (default 10). */
  minPositives?: number;
  /** L2 penalty of the bedtime logistic baseline (default 1). */
  l2?: number;
  /** Hours before the anchor the bedtime features' "day" covers (default 18). */
  dayHours?: number;
  /** L2 penalty of the night classifier (default 10). */
  classifierL2?: number;
}

export interface NightTaskResult {
  threshold: number;
  window: string;
  /** Positive test nights (any reading in the window below the threshold). */
  positives: number;
  /** The model's recalibration map (fitted on validation nights). */
  calibration: CalibrationMap;
  /**
   * 'model': the copula probability of the window minimum, recalibrated; 'model_raw': before
   * recalibration; 'model_max_step': the largest per-step probability (the old night-level score);
   * 'night_classifier': a logistic regression on the context window, fitted on training nights and
   * recalibrated on validation nights (not derived from the forecast);
   * 'threshold_crossing', 'patient_rate', 'bedtime_logistic': baselines.
   */
  forecasters: Record<string, NightSummary>;
  /** Per test night (in `NightTaskEvaluation.nights` order): each forecaster's score and the label. */
  scores: Record<string, number[]>;
  labels: number[];
}

export interface NightTaskEvaluation {
  /** The test nights, in the order of every result's scores. */
  nights: Array<{ series: string; patient: string; date: string; anchorMs: number }>;
  steps: number;
  intervalMinutes: number;
  windowNames: string[];
  thresholds: number[];
  counts: Record<string, number>;
  copula: { source: 'residuals' | 'quantiles'; target: ShrinkageTarget; targetRho: number; shrinkage: number; valNights: number };
  results: NightTaskResult[];
  /** The model's point forecast of the night against the truth, on test nights. */
  trajectory: NightTrajectoryErrors;
  /** A few test nights drawn for the report (nights positive below the first threshold first). */
  panels?: NightPanel[];
  notes: string[];
}

/** One test night's readings and forecast for a figure; mg/dL rounded to 0.1, null where there is no reading. */
export interface NightPanel {
  /** Index into `NightTaskEvaluation.nights` (and every result's scores). */
  night: number;
  /** Minutes from the anchor of each context reading shown (negative) and of each night step. */
  contextMinutes: number[];
  context: Array<number | null>;
  minutes: number[];
  truth: Array<number | null>;
  /** The model's point forecast (its median for a quantile model). */
  forecast: Array<number | null>;
  /** The model's 10% and 90% quantiles, when it forecasts those levels. */
  band?: { lo: Array<number | null>; hi: Array<number | null> };
}

const round1 = (v: number) => (Number.isFinite(v) ? Math.round(v * 10) / 10 : null);

/**
 * Up to `max` nights for figures (truth [nights, steps]): those below `threshold` first, then the others, each part
 * taking one night per series in turn; context shown: at most as many readings as the night has.
 */
export function nightPanels(
  ds: TimeSeriesDataset,
  nights: readonly Night[],
  channel: number,
  truth: Float64Array,
  forecast: NightForecast,
  threshold: number | undefined,
  max = 8,
): NightPanel[] {
  const steps = nights.length ? truth.length / nights.length : 0;
  // whole-night labels: any reading below the threshold
  const labels = nights.map((_, k) => threshold !== undefined && truth.subarray(k * steps, (k + 1) * steps).some((v) => v < threshold));
  const minutes = ds.intervalMs / 60_000;
  // within each part, one night per series in turn, so that the panels spread over patients
  const spread = (ks: number[]) => {
    const bySeries = new Map<number, number[]>();
    for (const k of ks) bySeries.set(nights[k].series, [...(bySeries.get(nights[k].series) ?? []), k]);
    const lists = [...bySeries.values()];
    const out: number[] = [];
    for (let i = 0; out.length < ks.length; i++) for (const l of lists) if (i < l.length) out.push(l[i]);
    return out;
  };
  const order = nights.map((_, k) => k);
  const picked = [...spread(order.filter((k) => labels[k])), ...spread(order.filter((k) => !labels[k]))].slice(0, max);
  const q = forecast.quantiles;
  const at = (level: number) => (q ? q.levels.findIndex((l) => Math.abs(l - level) < 1e-9) : -1);
  const lo = at(0.1),
    hi = at(0.9);
  const Q = q?.levels.length ?? 0;
  const series = (from: Numeric, offset: number) => Array.from({ length: steps }, (_, h) => round1(from[offset + h]));
  return picked.map((k) => {
    const n = nights[k];
    const first = Math.max(n.context[0], n.night[0] - steps);
    const ctx = Array.from({ length: n.night[0] - first }, (_, j) => first + j);
    const panel: NightPanel = {
      night: k,
      contextMinutes: ctx.map((r) => (r - n.night[0]) * minutes),
      context: ctx.map((r) => round1(ds.values[channel][r])),
      minutes: Array.from({ length: steps }, (_, h) => h * minutes),
      truth: series(truth, k * steps),
      forecast: series(forecast.point, k * steps),
    };
    if (q && lo >= 0 && hi >= 0) panel.band = { lo: series(q.values, (k * Q + lo) * steps), hi: series(q.values, (k * Q + hi) * steps) };
    return panel;
  });
}

/** Labels [window][night]: any finite truth in the window below thr. */
function windowLabels(truth: Float64Array, nights: number, steps: number, windows: RowRange[], thr: number): Uint8Array[] {
  return windows.map(([a, b]) => {
    const out = new Uint8Array(nights);
    for (let k = 0; k < nights; k++) for (let h = a; h < b; h++) if (truth[k * steps + h] < thr) out[k] = 1;
    return out;
  });
}

function checkForecast(what: string, f: NightForecast, nights: number, steps: number): void {
  if (f.point.length !== nights * steps)
    throw new EvalError(`night task: ${what} forecasts have ${f.point.length} values, expected ${nights} nights * ${steps} steps`);
}

/** Nights per split and the skipped anchors by reason. */
function nightCounts(sets: NightTaskSets): Record<string, number> {
  const counts: Record<string, number> = {
    train_nights: sets.train.nights.length,
    val_nights: sets.val.nights.length,
    test_nights: sets.test.nights.length,
  };
  for (const [set, r] of Object.entries({ train: sets.train, val: sets.val, test: sets.test }))
    // 'outside_blocks' would count the other splits' nights: left out
    for (const [reason, n] of Object.entries(r.skipped)) if (n && reason !== 'outside_blocks') counts[`${set}_skipped_${reason}`] = n;
  return counts;
}

/** What scoring one threshold and window reads: the nights' truths, features and the model's probabilities. */
interface NightScoring {
  sets: NightTaskSets;
  forecasts: { val: NightForecast; test: NightForecast };
  o: NightTaskOptions;
  steps: number;
  nVal: number;
  nTest: number;
  nTrain: number;
  valProb: NightProbabilities;
  testProb: NightProbabilities;
  trainFeatures: ReturnType<typeof nightBedtimeFeatures>;
  valFeatures: ReturnType<typeof nightBedtimeFeatures>;
  testFeatures: ReturnType<typeof nightBedtimeFeatures>;
  trainContext: ReturnType<typeof nightContextFeatures>;
  valContext: ReturnType<typeof nightContextFeatures>;
  testContext: ReturnType<typeof nightContextFeatures>;
  /** Why a baseline or an operating threshold is missing, in the order met. */
  notes: string[];
}

/** Labels of one threshold's windows on each split's nights. */
interface ThresholdLabels {
  val: Uint8Array[];
  test: Uint8Array[];
  train: Uint8Array[];
}

/** Scores every forecaster on the test nights for each threshold and window. */
export function evaluateNightTask(args: {
  ds: TimeSeriesDataset;
  sets: NightTaskSets;
  forecasts: { val: NightForecast; test: NightForecast };
  options?: NightTaskOptions;
}): NightTaskEvaluation {
  const { ds, sets, forecasts } = args;
  const o = args.options ?? {};
  const steps = sets.test.nightSteps;
  const windows = sets.test.windowSteps;
  const thresholds = o.thresholds ?? [70, 54];
  const nVal = sets.val.nights.length,
    nTest = sets.test.nights.length,
    nTrain = sets.train.nights.length;
  checkForecast('validation', forecasts.val, nVal, steps);
  checkForecast('test', forecasts.test, nTest, steps);
  if (nVal < 2) throw new EvalError(`night task: ${nVal} validation night(s); the step copula and the recalibration need at least 2`);
  const valTruth = nightTruth(ds, sets.val.nights, sets.channel, steps);
  const testTruth = nightTruth(ds, sets.test.nights, sets.channel, steps);
  const trainTruth = nightTruth(ds, sets.train.nights, sets.channel, steps);
  const { valProb, testProb, copula } = modelProbabilities(
    forecasts,
    valTruth,
    { nVal, nTest, steps },
    {
      thresholds,
      windows,
      paths: o.paths,
      seed: o.seed,
      target: o.copulaTarget ?? 'ar1',
    },
  );
  const bedtime = (r: NightsResult) => nightBedtimeFeatures(ds, r.nights, sets.channel, { dayHours: o.dayHours });
  const context = (r: NightsResult) => nightContextFeatures(ds, r.nights, sets.channel, { dayHours: o.dayHours });
  const sc: NightScoring = {
    sets,
    forecasts,
    o,
    steps,
    nVal,
    nTest,
    nTrain,
    valProb,
    testProb,
    trainFeatures: bedtime(sets.train),
    valFeatures: bedtime(sets.val),
    testFeatures: bedtime(sets.test),
    trainContext: context(sets.train),
    valContext: context(sets.val),
    testContext: context(sets.test),
    notes: [],
  };
  const results: NightTaskResult[] = [];
  thresholds.forEach((thr, t) => {
    const labels: ThresholdLabels = {
      val: windowLabels(valTruth, nVal, steps, windows, thr),
      test: windowLabels(testTruth, nTest, steps, windows, thr),
      train: windowLabels(trainTruth, nTrain, steps, windows, thr),
    };
    windows.forEach((win, w) => results.push(windowResult(sc, labels, thr, t, win, w)));
  });

  return {
    nights: sets.test.nights.map((n) => ({ series: n.seriesId, patient: n.patient, date: n.date, anchorMs: n.anchorMs })),
    steps,
    intervalMinutes: ds.intervalMs / 60_000,
    windowNames: sets.test.windowNames,
    thresholds,
    counts: nightCounts(sets),
    copula,
    results,
    trajectory: nightTrajectoryErrors(forecasts.test.point, testTruth, nTest, steps, ds.intervalMs / 60_000),
    panels: nightPanels(ds, sets.test.nights, sets.channel, testTruth, forecasts.test, thresholds[0]),
    notes: sc.notes,
  };
}

/**
 * The model's night probabilities: the step copula fitted on validation nights (from the quantiles when
 * both splits have them, else from the point residuals), applied to validation (for calibration) and test nights.
 */
function modelProbabilities(
  forecasts: { val: NightForecast; test: NightForecast },
  valTruth: Float64Array,
  { nVal, nTest, steps }: { nVal: number; nTest: number; steps: number },
  { target, ...probOpts }: { thresholds: number[]; windows: RowRange[]; paths?: number; seed?: number; target: ShrinkageTarget },
): { valProb: NightProbabilities; testProb: NightProbabilities; copula: NightTaskEvaluation['copula'] } {
  const qVal = forecasts.val.quantiles,
    qTest = forecasts.test.quantiles;
  if (qVal && qTest) {
    const c = fitQuantileCopula(qVal, valTruth, nVal, steps, { target });
    return {
      valProb: nightProbFromQuantiles(qVal, nVal, steps, c, probOpts),
      testProb: nightProbFromQuantiles(qTest, nTest, steps, c, probOpts),
      copula: { source: 'quantiles', target, targetRho: c.targetRho ?? 0, shrinkage: c.shrinkage, valNights: c.nights },
    };
  }
  const c = fitResidualCopula(forecasts.val.point, valTruth, nVal, steps, { target });
  return {
    valProb: nightProbFromPoint(forecasts.val.point, nVal, steps, c, probOpts),
    testProb: nightProbFromPoint(forecasts.test.point, nTest, steps, c, probOpts),
    copula: { source: 'residuals', target, targetRho: c.targetRho ?? 0, shrinkage: c.shrinkage, valNights: c.nights },
  };
}

/** One threshold and window: every forecaster's validation and test scores, summarised on the test nights. */
function windowResult(sc: NightScoring, labels: ThresholdLabels, thr: number, t: number, win: RowRange, w: number): NightTaskResult {
  const { o, valProb, testProb } = sc;
  const name = sc.sets.test.windowNames[w];
  const calibration = fitCalibration(o.calibration ?? 'platt', valProb.prob[t][w], labels.val[w]);
  // [validation scores, test scores] per forecaster
  const scores: Record<string, [Numeric, Numeric]> = {
    model: [calibrate(calibration, valProb.prob[t][w]), calibrate(calibration, testProb.prob[t][w])],
    model_raw: [valProb.prob[t][w], testProb.prob[t][w]],
    model_max_step: [valProb.maxMarginal[t][w], testProb.maxMarginal[t][w]],
    threshold_crossing: [
      thresholdCrossing(sc.forecasts.val.point, sc.nVal, sc.steps, thr, win),
      thresholdCrossing(sc.forecasts.test.point, sc.nTest, sc.steps, thr, win),
    ],
  };
  Object.assign(scores, baselineScores(sc, labels.train[w], labels.val[w], `${thr} mg/dL ${name}`));
  const forecasters = summarise(sc, scores, labels.val[w], labels.test[w], `${thr} mg/dL ${name}`);
  const testScores = Object.fromEntries(Object.entries(scores).map(([f, [, test]]) => [f, Array.from(test)]));
  return {
    threshold: thr,
    window: name,
    positives: labels.test[w].reduce((a, v) => a + v, 0),
    calibration,
    forecasters,
    scores: testScores,
    labels: Array.from(labels.test[w]),
  };
}

/** The baselines fitted on training nights (patient rate, bedtime logistic, night classifier), where they can be. */
function baselineScores(
  sc: NightScoring,
  trainLabels: Uint8Array,
  valLabels: Uint8Array,
  where: string,
): Record<string, [Numeric, Numeric]> {
  const { o, nTrain } = sc;
  const patients = (r: NightsResult) => r.nights.map((n) => n.patient);
  const scores: Record<string, [Numeric, Numeric]> = {};
  const trainPositives = trainLabels.reduce((a, v) => a + v, 0);
  if (nTrain) {
    const rates = fitPatientRates(patients(sc.sets.train), trainLabels);
    scores.patient_rate = [patientRateScores(rates, patients(sc.sets.val)), patientRateScores(rates, patients(sc.sets.test))];
  }
  if (trainPositives && trainPositives < nTrain) {
    const logistic = fitLogistic(sc.trainFeatures, trainLabels, { l2: o.l2 });
    scores.bedtime_logistic = [predictLogistic(logistic, sc.valFeatures), predictLogistic(logistic, sc.testFeatures)];
  } else sc.notes.push(`${where}: bedtime_logistic not fitted (${trainPositives} of ${nTrain} training nights positive)`);
  if (trainPositives && trainPositives < nTrain) {
    const classifier = fitNightClassifier(
      { rows: sc.trainContext, labels: trainLabels },
      { rows: sc.valContext, labels: valLabels },
      { l2: o.classifierL2, calibration: o.calibration },
    );
    scores.night_classifier = [nightClassifierScores(classifier, sc.valContext), nightClassifierScores(classifier, sc.testContext)];
  } else sc.notes.push(`${where}: night_classifier not fitted (${trainPositives} of ${nTrain} training nights positive)`);
  return scores;
}

/** Each forecaster's test-night summary at its operating threshold, chosen on validation nights. */
function summarise(
  sc: NightScoring,
  scores: Record<string, [Numeric, Numeric]>,
  valLabels: Uint8Array,
  testLabels: Uint8Array,
  where: string,
): Record<string, NightSummary> {
  const { o } = sc;
  const rule = o.thresholdRule ?? { rule: 'youden' };
  const summaryOpts = { reps: o.reps, seed: o.seed, minPositives: o.minPositives };
  const forecasters: Record<string, NightSummary> = {};
  for (const [f, [val, test]] of Object.entries(scores)) {
    let operatingThreshold: number | undefined;
    try {
      operatingThreshold = chooseThreshold(val, valLabels, rule);
    } catch (e) {
      if (!(e instanceof EvalError)) throw e;
      if (f === 'model') sc.notes.push(`${where}: no operating threshold (${e.message})`);
    }
    forecasters[f] = nightSummary(test, testLabels, { ...summaryOpts, operatingThreshold });
  }
  return forecasters;
}
