/**
 * Population of virtual adult T1D patients: parameter draws and therapy settings.
 *
 * Centre values are the average parameters of the meal simulation model in Dalla Man, Rizza & Cobelli 2007
 * (IEEE TBME, Table 1: "normal" subjects) with the type 1 changes of Kovatchev et al. 2009 / Dalla Man et
 * al. 2014 (no endogenous secretion, subcutaneous insulin kinetics kd, ka1, ka2), typed in by hand from the
 * papers. Each parameter is log-normal with its median at the published value and a stated CV, truncated to
 * plausible bounds by RESAMPLING (never clamping). The between-patient spread in insulin sensitivity is the
 * main source of variability: one factor `s` scales both Vmx (insulin action on utilisation) and kp3
 * (insulin action on EGP), and basal insulin needs rise as sensitivity falls.
 *
 * Values (median, CV) and where they come from:
 *   BW       78 kg      CV 0.18   adult T1D cohorts (T1D Exchange adults: ~75–80 kg)
 *   VG       1.88 dL/kg CV 0.10   DM07 Table 1
 *   k1       0.065/min  CV 0.20   DM07
 *   k2       0.079/min  CV 0.20   DM07
 *   VI       0.05 L/kg  CV 0.10   DM07
 *   m1       0.190/min  CV 0.20   DM07
 *   m2       0.484/min  CV 0.20   DM07
 *   m4       0.194/min  CV 0.20   DM07
 *   HEb      0.6                  DM07 (basal hepatic extraction, sets m3 = HEb·m1/(1−HEb))
 *   kp2      0.0021/min CV 0.30   DM07
 *   kp3      0.009·1.6·s CV 0.15  DM07, times INSULIN_ACTION_SCALE (calibration, below) and the sensitivity s
 *   ki       0.0079/min CV 0.20   DM07
 *   Fcns     1 mg/kg/min          DM07
 *   Vmx      0.047·1.6·s CV 0.10  DM07, times INSULIN_ACTION_SCALE and s
 *   Km0      225.59 mg/kg CV 0.15 DM07
 *   p2U      0.0331/min CV 0.25   DM07
 *   ke1, ke2 0.0005/min, 339 mg/kg DM07
 *   kmax     0.0558/min CV 0.20   DM07 (kgri = kmax as in DM07)
 *   kmin     0.0080/min CV 0.30   DM07
 *   kabs     0.057/min  CV 0.30   DM07
 *   f, b, d  0.90, 0.82, 0.010    DM07
 *   kd       0.0164/min CV 0.30   Kovatchev 2009 / DM14 (subcutaneous insulin)
 *   ka1      0.0018/min CV 0.30   idem
 *   ka2      0.0182/min CV 0.30   idem
 *   EGPb     1.92 mg/kg/min CV 0.12  DM07 (basal endogenous production)
 *   s        1          CV 0.35   bounds [0.4, 2.5]; the insulin-sensitivity factor
 *   Ib       52/√s pmol/L CV 0.20 chosen so that basal insulin is ≈ 0.2–0.4 U/kg/day (typical adult T1D
 *                                 basal share ≈ 40–50 % of a 0.5–0.8 U/kg/day total daily dose)
 *   τ sensor 10 min     CV 0.25   bounds [5, 15] (Facchinetti et al. 2014 report 6–15 min)
 *   Gb       the basal glucose the steady state is built on = the therapy target, 120 mg/dL
 */
import { PatientModel, type PatientParams, substeps } from './model.js';
import type { Rng } from './prng.js';

export const TARGET_GLUCOSE = 120;

/**
 * Calibration: the medians of Vmx and kp3 are the DM07 normal-subject values times this factor. With the
 * DM07 values themselves the model-derived carb ratio is ≈ 8 g/U and correction factor ≈ 20 mg/dL/U for a
 * 78 kg adult, below the clinical ranges (CR ≈ 8–20 g/U, CF ≈ 25–70 mg/dL/U; 500/1700 rules on a total daily
 * dose of 0.5–0.7 U/kg). With 1.6 the cohort's median CR is ≈ 12 g/U, CF ≈ 30 mg/dL/U, and the total daily
 * dose ≈ 0.5–0.6 U/kg/day. (The UVA/Padova population is likewise checked against clinical CR, CF and TDD.)
 */
export const INSULIN_ACTION_SCALE = 1.6;

export interface Therapy {
  /** Basal infusion actually delivered, U/h (model basal × mis-tuning). */
  basalUPerH: number;
  /** Basal infusion in model units, pmol/kg/min. */
  basalIIR: number;
  /** Carbohydrate ratio the patient uses, g/U. */
  carbRatio: number;
  /** Correction factor the patient uses, mg/dL per U. */
  correctionFactor: number;
  /** Patient's "true" ratios, from the model (for reference). */
  trueCarbRatio: number;
  trueCorrectionFactor: number;
  targetGlucose: number;
  /** Glucose above which a meal bolus gets a correction. */
  correctionThreshold: number;
  /** Pump (0.05 U steps, bolus calculator with insulin on board) or MDI (0.5 U pens, no IOB). */
  pump: boolean;
  /** Systematic carb-counting bias (multiplicative) and per-meal error SD on the log scale. */
  carbBias: number;
  carbErrorSd: number;
  /** Probability a main-meal bolus is forgotten; probability a snack is bolused. */
  missedBolusProb: number;
  snackBolusProb: number;
  /** Probability a bolus is given late (15–60 min after eating) or early (pre-bolus 10–20 min). */
  lateBolusProb: number;
  preBolusProb: number;
  /** Scale on meal sizes (appetite). */
  mealScale: number;
  /** Glucose below which the patient treats with rescue carbs when awake / at night. */
  hypoTreatThreshold: number;
  hypoTreatThresholdNight: number;
  /** Glucose above which the patient gives a correction between meals, and the hourly probability of doing so. */
  highCorrectThreshold: number;
  highCorrectPerHour: number;
  /** SD (log scale) and correlation time (min) of the intra-patient insulin-sensitivity variation. */
  siSd: number;
  siTauMin: number;
}

export interface VirtualPatient {
  params: PatientParams;
  /** Insulin sensitivity factor s (1 = population median). */
  sensitivity: number;
  therapy: Therapy;
}

/** Draw one patient's model parameters; resamples the whole vector if the derived basal state is invalid. */
export function drawParams(rng: Rng): { params: PatientParams; sensitivity: number } {
  for (;;) {
    const s = rng.logNormal(1, 0.35, 0.4, 2.5);
    const act = INSULIN_ACTION_SCALE * s;
    const kmax = rng.logNormal(0.0558, 0.2, 0.03, 0.1);
    const params: PatientParams = {
      BW: rng.logNormal(78, 0.18, 45, 130),
      VG: rng.logNormal(1.88, 0.1, 1.4, 2.4),
      k1: rng.logNormal(0.065, 0.2, 0.03, 0.12),
      k2: rng.logNormal(0.079, 0.2, 0.04, 0.15),
      VI: rng.logNormal(0.05, 0.1, 0.035, 0.07),
      m1: rng.logNormal(0.19, 0.2, 0.1, 0.35),
      m2: rng.logNormal(0.484, 0.2, 0.25, 0.8),
      m4: rng.logNormal(0.194, 0.2, 0.1, 0.35),
      HEb: 0.6,
      kp2: rng.logNormal(0.0021, 0.3, 0.0008, 0.005),
      kp3: 0.009 * act * rng.logNormal(1, 0.15, 0.6, 1.6),
      ki: rng.logNormal(0.0079, 0.2, 0.004, 0.015),
      Fcns: 1,
      Vmx: 0.047 * act * rng.logNormal(1, 0.1, 0.7, 1.4),
      Km0: rng.logNormal(225.59, 0.15, 150, 320),
      p2U: rng.logNormal(0.0331, 0.25, 0.015, 0.07),
      ke1: 0.0005,
      ke2: 339,
      kmax,
      kmin: rng.logNormal(0.008, 0.3, 0.003, 0.02),
      kabs: rng.logNormal(0.057, 0.3, 0.02, 0.15),
      kgri: kmax,
      f: 0.9,
      b: 0.82,
      d: 0.01,
      kd: rng.logNormal(0.0164, 0.3, 0.007, 0.035),
      ka1: rng.logNormal(0.0018, 0.3, 0.0007, 0.004),
      ka2: rng.logNormal(0.0182, 0.3, 0.008, 0.04),
      tauSensor: rng.logNormal(10, 0.25, 5, 15),
      Gb: TARGET_GLUCOSE,
      Ib: (52 / Math.sqrt(s)) * rng.logNormal(1, 0.2, 0.6, 1.6),
      EGPb: rng.logNormal(1.92, 0.12, 1.5, 2.5),
    };
    if (params.kmin >= params.kmax) continue;
    if (new PatientModel(params).valid()) return { params, sensitivity: s };
  }
}

/**
 * Glucose (mg/dL) after `minutes` from the basal steady state, with `grams` eaten and `units` bolused at 0.
 * Used to find the patient's true carb ratio (the UVA/Padova simulator likewise supplies an optimised CR
 * and CF per virtual patient).
 */
function probe(params: PatientParams, grams: number, units: number, minutes: number): number {
  const m = new PatientModel(params);
  m.setSteadyState();
  m.addMeal(grams);
  m.addBolus(units);
  const n = substeps(m, 5);
  for (let t = 0; t < minutes; t += 5) m.advance(5 / n, n);
  return m.glucose();
}

/** Largest glucose difference (mg/dL) over 8 h made by `units` given 2 h after an unbolused 60 g meal. */
function correctionEffect(params: PatientParams, units: number): number {
  const a = new PatientModel(params);
  const b = new PatientModel(params);
  a.setSteadyState();
  b.setSteadyState();
  a.addMeal(60);
  b.addMeal(60);
  const n = substeps(a, 5);
  let best = 0;
  for (let t = 0; t < 600; t += 5) {
    if (t === 120) b.addBolus(units);
    a.advance(5 / n, n);
    b.advance(5 / n, n);
    const d = a.glucose() - b.glucose();
    if (d > best) best = d;
  }
  return best;
}

/**
 * True carb ratio: the bolus for a 50 g meal that brings glucose back to Gb 5 h later (bisection).
 * True correction factor: the largest drop 2 U make, per unit, when given on a raised glucose (2 h after an
 * unbolused 60 g meal), i.e. the marginal effect of a correction bolus in the situation it is used in.
 */
export function trueRatios(params: PatientParams): { carbRatio: number; correctionFactor: number } {
  const grams = 50;
  let lo = 0;
  let hi = 40;
  for (let it = 0; it < 16; it++) {
    const mid = (lo + hi) / 2;
    if (probe(params, grams, mid, 300) > params.Gb) lo = mid;
    else hi = mid;
  }
  const bolus = (lo + hi) / 2;
  return { carbRatio: grams / bolus, correctionFactor: correctionEffect(params, 2) / 2 };
}

/** Draw a full virtual patient: physiology, then therapy settings with realistic errors. */
export function drawPatient(rng: Rng): VirtualPatient {
  const { params, sensitivity } = drawParams(rng);
  const model = new PatientModel(params);
  const truth = trueRatios(params);
  const pump = rng.chance(0.5);
  // Self-management laxity in [0, 1]: more missed, late and unbolused snacks, fewer corrections.
  const lax = rng.uniform();
  // Basal is mis-tuned, but titrated against overnight lows as clinicians do (fasting/overnight checks), so it
  // errs low: median 0.9, CV 15 %. A median of 1 (CV 20 %) gave hypoglycaemia on a third of the nights (REALISM.md).
  const basalMistune = rng.logNormal(0.9, 0.15, 0.6, 1.3);
  const therapy: Therapy = {
    basalUPerH: model.basalUPerH * basalMistune,
    basalIIR: model.basalIIR * basalMistune,
    // Prescribed ratios deviate from the patient's true ones (imperfectly tuned therapy).
    carbRatio: truth.carbRatio * rng.logNormal(1.15, 0.15, 0.75, 1.7),
    correctionFactor: truth.correctionFactor * rng.logNormal(1.1, 0.2, 0.65, 1.8),
    trueCarbRatio: truth.carbRatio,
    trueCorrectionFactor: truth.correctionFactor,
    targetGlucose: TARGET_GLUCOSE,
    correctionThreshold: 150,
    pump,
    carbBias: rng.logNormal(0.85, 0.12, 0.6, 1.2),
    carbErrorSd: rng.range(0.25, 0.35),
    missedBolusProb: 0.02 + 0.16 * lax * lax,
    snackBolusProb: 0.85 - 0.65 * lax,
    lateBolusProb: 0.05 + 0.2 * lax,
    preBolusProb: rng.range(0.0, 0.4),
    mealScale: rng.logNormal(1, 0.15, 0.65, 1.5),
    hypoTreatThreshold: rng.range(65, 75),
    hypoTreatThresholdNight: rng.range(50, 60),
    highCorrectThreshold: rng.range(220, 300),
    highCorrectPerHour: 0.6 - 0.5 * lax,
    siSd: rng.range(0.2, 0.4),
    siTauMin: rng.range(120, 600),
  };
  return { params, sensitivity, therapy };
}
