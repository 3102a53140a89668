/**
 * Simulated adult type 1 diabetes cohort: the default dataset of tsfm.
 *
 * Each virtual patient (population.ts) lives `days` days on basal–bolus therapy with a realistic daily meal
 * schedule, imperfect carb counting, occasionally missed, late or early boluses, correction boluses, and
 * rescue carbohydrates for hypoglycaemia. The physiology is the Dalla Man 2007 / UVA-Padova T1D model
 * (model.ts), integrated with classical RK4 at a fixed step h with λmax·h ≤ 2.5 (λmax = the patient's
 * fastest linear rate, typically ≈ 0.9/min, so 2 sub-steps of 2.5 min per 5-min sample). A CGM reads the
 * interstitial glucose with Breton & Kovatchev 2008-style noise: a unit-variance AR(1) process (lag-one
 * correlation 0.7 per 5 min) pushed through a Johnson SU transform (ξ = −5.47, λ = 15.96, γ = −0.544,
 * δ = 1.69 mg/dL; mean ≈ +0.8, SD ≈ 10 mg/dL), clamped to the sensor range 40–400 mg/dL and rounded to
 * integers.
 *
 * Time: local days start at 00:00 UTC (timeZone 'UTC'); the first row of every series is `startDate`
 * 00:00. Each row t holds the CGM reading at t, and the insulin (U: basal + boluses) and carbohydrate (g)
 * delivered in [t, t + interval). A one-day burn-in before `startDate` (not output) takes every patient
 * from the fasting steady state to a lived-in state.
 *
 * Determinism: patient i draws from sub-streams seeded by (seed, i, stream), so it is the same in any
 * cohort size, and its first k days are the same for any `days` ≥ k.
 */
import { createHash } from 'node:crypto';

import type { ChannelInfo, IngestReport, SeriesInfo, TimeSeriesDataset } from '../types.js';
import { PatientModel, S_GS, substeps } from './model.js';
import { drawPatient, type VirtualPatient } from './population.js';
import { deriveSeed, Rng } from './prng.js';

export interface SimulateOptions {
  patients: number;
  days: number;
  seed: number;
  /** Sampling interval in minutes; must divide 60. Default 5. */
  intervalMinutes?: number;
  name?: string;
  /** ISO date (YYYY-MM-DD) of the first day, 00:00 UTC. Default 2024-01-01. */
  startDate?: string;
}

/** One simulated patient, as produced by {@link simulatePatients}. */
export interface SimulatedSeries {
  index: number;
  info: SeriesInfo;
  startMs: number;
  glucose: Float32Array;
  insulin: Float32Array;
  carbs: Float32Array;
}

export const GENERATOR_ID = 'tsfm-simulated-t1d/2';

export const SIMULATED_CHANNELS: ChannelInfo[] = [
  { name: 'glucose', role: 'target', unit: 'mg/dL' },
  { name: 'insulin', role: 'past_covariate', unit: 'U' },
  { name: 'carbs', role: 'past_covariate', unit: 'g' },
];

const SENSOR_MIN = 40;
const SENSOR_MAX = 400;
// Johnson SU sensor-error parameters (Breton & Kovatchev 2008 form).
const JS_XI = -5.47;
const JS_LAMBDA = 15.96;
const JS_GAMMA = -0.544;
const JS_DELTA = 1.69;
const SENSOR_RHO_5MIN = 0.7;

interface Normalised {
  patients: number;
  days: number;
  seed: number;
  intervalMinutes: number;
  startDate: string;
  startMs: number;
  name: string;
}

function normalise(opts: SimulateOptions): Normalised {
  const patients = opts.patients;
  const days = opts.days;
  const intervalMinutes = opts.intervalMinutes ?? 5;
  if (!Number.isInteger(patients) || patients < 1) throw new Error(`simulate: patients must be a positive integer, got ${patients}`);
  if (!(days > 0) || !Number.isFinite(days)) throw new Error(`simulate: days must be positive, got ${days}`);
  if (!Number.isFinite(opts.seed)) throw new Error(`simulate: seed must be a finite number, got ${opts.seed}`);
  if (!Number.isInteger(intervalMinutes) || intervalMinutes < 1 || 60 % intervalMinutes !== 0) {
    throw new Error(`simulate: intervalMinutes must be an integer dividing 60, got ${intervalMinutes}`);
  }
  if (!Number.isInteger((days * 1440) / intervalMinutes)) throw new Error(`simulate: days must be a whole number of intervals`);
  const startDate = opts.startDate ?? '2024-01-01';
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(startDate);
  if (!m) throw new Error(`simulate: startDate must be YYYY-MM-DD, got ${startDate}`);
  const startMs = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  if (!Number.isFinite(startMs) || new Date(startMs).toISOString().slice(0, 10) !== startDate) {
    throw new Error(`simulate: invalid startDate ${startDate}`);
  }
  return { patients, days, seed: opts.seed, intervalMinutes, startDate, startMs, name: opts.name ?? 'simulated_t1d' };
}

/** sha256 (first 16 hex) of the options that determine the data (the name does not). */
export function simulationVersion(opts: SimulateOptions): string {
  const n = normalise(opts);
  const key = JSON.stringify({
    generator: GENERATOR_ID,
    patients: n.patients,
    days: n.days,
    seed: n.seed,
    intervalMinutes: n.intervalMinutes,
    startDate: n.startDate,
  });
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

const round = (v: number, digits: number): number => Number(v.toFixed(digits));

function seriesInfo(index: number, vp: VirtualPatient): SeriesInfo {
  const t = vp.therapy;
  return {
    id: `sim-${String(index + 1).padStart(3, '0')}`,
    attributes: {
      type: 'T1D',
      therapy: t.pump ? 'pump' : 'MDI',
      bodyWeightKg: round(vp.params.BW, 1),
      carbRatio: round(t.carbRatio, 2), // g/U, as prescribed
      correctionFactor: round(t.correctionFactor, 1), // mg/dL per U, as prescribed
      basalRate: round(t.basalUPerH, 3), // U/h
      insulinSensitivity: round(vp.sensitivity, 3), // × population median (Vmx, kp3)
      targetGlucose: t.targetGlucose,
    },
  };
}

/** Events of one day, as row offsets within the day. */
interface DayPlan {
  mealStep: number[];
  mealGrams: number[];
  /** For each bolus: step, grams it covers (the patient's estimate is drawn when it is given). */
  bolusStep: number[];
  bolusGrams: number[];
}

const MAIN_MEALS: ReadonlyArray<{ from: number; to: number; gLo: number; gHi: number; skip: number }> = [
  { from: 7 * 60, to: 8.5 * 60, gLo: 30, gHi: 60, skip: 0.08 }, // breakfast
  { from: 12 * 60, to: 13.5 * 60, gLo: 50, gHi: 90, skip: 0.05 }, // lunch
  { from: 18.5 * 60, to: 20 * 60, gLo: 50, gHi: 100, skip: 0.03 }, // dinner
];
const SNACKS: ReadonlyArray<{ from: number; to: number; p: number }> = [
  { from: 10 * 60, to: 11 * 60, p: 0.25 },
  { from: 15 * 60, to: 17 * 60, p: 0.4 },
  { from: 21 * 60, to: 22.5 * 60, p: 0.3 },
];

function planDay(rng: Rng, vp: VirtualPatient, dt: number, stepsPerDay: number): DayPlan {
  const t = vp.therapy;
  const plan: DayPlan = { mealStep: [], mealGrams: [], bolusStep: [], bolusGrams: [] };
  const toStep = (minute: number): number => Math.min(stepsPerDay - 1, Math.max(0, Math.round(minute / dt)));
  const add = (minute: number, grams: number, main: boolean): void => {
    const step = toStep(minute);
    plan.mealStep.push(step);
    plan.mealGrams.push(grams);
    const bolused = main ? !rng.chance(t.missedBolusProb) : rng.chance(t.snackBolusProb);
    if (!bolused) return;
    let offset = 0;
    const u = rng.uniform();
    if (u < t.lateBolusProb) offset = rng.range(15, 60);
    else if (main && u < t.lateBolusProb + t.preBolusProb) offset = -rng.range(10, 20);
    plan.bolusStep.push(toStep(minute + offset));
    plan.bolusGrams.push(grams);
  };
  for (const m of MAIN_MEALS) {
    const minute = rng.range(m.from, m.to);
    const grams = Math.round(rng.range(m.gLo, m.gHi) * t.mealScale);
    if (rng.chance(m.skip)) continue;
    add(minute, grams, true);
  }
  for (const s of SNACKS) {
    const minute = rng.range(s.from, s.to);
    const grams = Math.round(rng.range(15, 30));
    if (!rng.chance(s.p)) continue;
    add(minute, grams, false);
  }
  return plan;
}

/** Insulin on board: ring of the last boluses, linear decay over 4 h (a common bolus-calculator curve). */
const DIA = 240;
const IOB_N = 16;

class InsulinOnBoard {
  private readonly t = new Float64Array(IOB_N).fill(-1e9);
  private readonly u = new Float64Array(IOB_N);
  private head = 0;

  /** Units still acting at minute tMin. */
  at(tMin: number): number {
    let s = 0;
    for (let j = 0; j < IOB_N; j++) {
      const age = tMin - this.t[j];
      if (age < DIA) s += this.u[j] * (1 - age / DIA);
    }
    return s;
  }

  add(tMin: number, units: number): void {
    this.t[this.head] = tMin;
    this.u[this.head] = units;
    this.head = (this.head + 1) % IOB_N;
  }
}

/**
 * One patient's simulation: the ODE model, its sensor and insulin-sensitivity noise, and the patient's
 * behaviour (meals, boluses, treatments), advanced one row at a time. Each random stream is drawn in
 * the order the single loop it replaced drew it, so the output is the same bit for bit.
 */
class PatientSimulation {
  readonly vp: VirtualPatient;
  readonly stepsPerDay: number;
  /** The row just simulated: CGM reading (mg/dL), insulin given (U) and carbohydrate eaten (g). */
  readonly row = { cgm: 0, ins: 0, cho: 0 };
  private readonly th: VirtualPatient['therapy'];
  private readonly dt: number;
  private readonly behaviour: Rng;
  private readonly noise: Rng;
  private readonly physio: Rng;
  private readonly model: PatientModel;
  private readonly sub: number;
  private readonly h: number;
  private readonly basalPerRow: number;
  private readonly bolusStepU: number;
  private readonly iob = new InsulinOnBoard();
  private readonly rhoSensor: number;
  private readonly innovSensor: number;
  private readonly rhoSi: number;
  private readonly innovSi: number;
  /** Sensor error state (AR(1) before the Johnson SU transform) and log insulin-sensitivity state. */
  private e: number;
  private z: number;
  private lastRescue = -1e9;
  private lastBolus = -1e9;
  private plan: DayPlan = { mealStep: [], mealGrams: [], bolusStep: [], bolusGrams: [] };
  private mi = 0;

  constructor(n: Normalised, index: number) {
    const dt = (this.dt = n.intervalMinutes);
    this.stepsPerDay = 1440 / dt;
    this.vp = drawPatient(new Rng(deriveSeed(n.seed, index, 1)));
    this.behaviour = new Rng(deriveSeed(n.seed, index, 2));
    this.noise = new Rng(deriveSeed(n.seed, index, 3));
    this.physio = new Rng(deriveSeed(n.seed, index, 4));
    const th = (this.th = this.vp.therapy);
    this.model = new PatientModel(this.vp.params);
    this.model.setSteadyState();
    this.model.iir = th.basalIIR;
    this.sub = substeps(this.model, dt);
    this.h = dt / this.sub;
    this.basalPerRow = (th.basalUPerH * dt) / 60;
    this.bolusStepU = th.pump ? 0.05 : 0.5;
    this.rhoSensor = Math.pow(SENSOR_RHO_5MIN, dt / 5);
    this.innovSensor = Math.sqrt(1 - this.rhoSensor * this.rhoSensor);
    this.e = this.noise.normal();
    this.rhoSi = Math.exp(-dt / th.siTauMin);
    this.innovSi = th.siSd * Math.sqrt(1 - this.rhoSi * this.rhoSi);
    this.z = th.siSd * this.physio.normal();
  }

  /** Simulates row k (k < 0: the burn-in day) into `row`, then advances the model by one interval. */
  step(k: number): void {
    const { dt, stepsPerDay, row } = this;
    const stepInDay = ((k % stepsPerDay) + stepsPerDay) % stepsPerDay;
    const tMin = k * dt;
    const minuteOfDay = stepInDay * dt;
    if (stepInDay === 0) {
      this.plan = planDay(this.behaviour, this.vp, dt, stepsPerDay);
      this.mi = 0;
    }
    // Physiology: intra-patient insulin sensitivity (Ornstein–Uhlenbeck on the log scale).
    this.z = this.z * this.rhoSi + this.innovSi * this.physio.normal();
    this.model.siMult = Math.exp(this.z);
    const cgm = (row.cgm = this.readSensor());
    row.ins = this.basalPerRow;
    row.cho = 0;
    this.eatPlannedMeals(stepInDay);
    this.givePlannedBoluses(stepInDay, tMin, cgm);
    const night = minuteOfDay >= 23 * 60 || minuteOfDay < 6.5 * 60;
    this.treatHypo(night, tMin, cgm);
    this.correctHigh(night, tMin, cgm);
    this.model.advance(this.h, this.sub);
  }

  /** CGM reading: the model's sensor glucose plus the Johnson SU transformed AR(1) error, clipped to the sensor range. */
  private readSensor(): number {
    this.e = this.rhoSensor * this.e + this.innovSensor * this.noise.normal();
    const err = JS_XI + JS_LAMBDA * Math.sinh((this.e - JS_GAMMA) / JS_DELTA);
    let cgm = Math.round(this.model.x[S_GS] + err);
    if (cgm < SENSOR_MIN) cgm = SENSOR_MIN;
    else if (cgm > SENSOR_MAX) cgm = SENSOR_MAX;
    return cgm;
  }

  private eatPlannedMeals(stepInDay: number): void {
    const { plan } = this;
    while (this.mi < plan.mealStep.length && plan.mealStep[this.mi] <= stepInDay) {
      if (plan.mealStep[this.mi] === stepInDay) {
        this.model.addMeal(plan.mealGrams[this.mi]);
        this.row.cho += plan.mealGrams[this.mi];
      }
      this.mi++;
    }
  }

  /** Boluses are planned in meal order; give every one whose step has come, for the patient's carb estimate. */
  private givePlannedBoluses(stepInDay: number, tMin: number, cgm: number): void {
    const { plan, th } = this;
    for (let j = 0; j < plan.bolusStep.length; j++) {
      if (plan.bolusStep[j] !== stepInDay) continue;
      const est = plan.bolusGrams[j] * th.carbBias * Math.exp(th.carbErrorSd * this.behaviour.normal());
      let units = est / th.carbRatio;
      if (cgm > th.correctionThreshold) {
        const corr = (cgm - th.targetGlucose) / th.correctionFactor - (th.pump ? this.iob.at(tMin) : 0);
        if (corr > 0) units += corr;
      }
      const given = this.giveBolus(tMin, units);
      if (given > 0) this.lastBolus = tMin;
      this.row.ins += given;
    }
  }

  /** Hypoglycaemia treatment ("rule of 15", sometimes over-treated). */
  private treatHypo(night: boolean, tMin: number, cgm: number): void {
    const { th, behaviour } = this;
    if (cgm < (night ? th.hypoTreatThresholdNight : th.hypoTreatThreshold) && tMin - this.lastRescue >= 20) {
      const grams = behaviour.chance(0.25) ? Math.round(behaviour.range(20, 40)) : Math.round(behaviour.range(10, 20));
      this.model.addMeal(grams);
      this.row.cho += grams;
      this.lastRescue = tMin;
    }
  }

  /** Correction of a persistent high while awake, not close to the last bolus. */
  private correctHigh(night: boolean, tMin: number, cgm: number): void {
    const { th, dt } = this;
    if (
      !night &&
      cgm > th.highCorrectThreshold &&
      tMin - this.lastBolus >= 180 &&
      this.behaviour.chance((th.highCorrectPerHour * dt) / 60)
    ) {
      const given = this.giveBolus(tMin, (cgm - th.targetGlucose) / th.correctionFactor - this.iob.at(tMin));
      if (given > 0) this.lastBolus = tMin;
      this.row.ins += given;
    }
  }

  /** Gives a bolus rounded to the pen's or pump's dose step; returns the units given (0 for none). */
  private giveBolus(tMin: number, units: number): number {
    const u = units > 0 ? Math.round(units / this.bolusStepU) * this.bolusStepU : 0;
    if (u <= 0) return 0;
    this.model.addBolus(u);
    this.iob.add(tMin, u);
    return u;
  }
}

/**
 * Simulate patient `index` and write its rows into the given arrays at `offset`. Returns its SeriesInfo.
 * The arrays must have room for days·1440/interval rows from `offset`.
 */
export function simulatePatientInto(
  index: number,
  opts: SimulateOptions,
  glucose: Float32Array,
  insulin: Float32Array,
  carbs: Float32Array,
  offset: number,
): SeriesInfo {
  const n = normalise(opts);
  const sim = new PatientSimulation(n, index);
  const rows = Math.round(n.days * sim.stepsPerDay);
  const { row } = sim;
  // Rows k < 0 are the burn-in day.
  for (let k = -sim.stepsPerDay; k < rows; k++) {
    sim.step(k);
    if (k >= 0) {
      glucose[offset + k] = row.cgm;
      insulin[offset + k] = row.ins;
      carbs[offset + k] = row.cho;
    }
  }
  return seriesInfo(index, sim.vp);
}

/** Streaming form: yields one patient at a time (for cohorts too large to hold at once). */
export function* simulatePatients(opts: SimulateOptions): Generator<SimulatedSeries> {
  const n = normalise(opts);
  const rows = Math.round((n.days * 1440) / n.intervalMinutes);
  for (let i = 0; i < n.patients; i++) {
    const glucose = new Float32Array(rows);
    const insulin = new Float32Array(rows);
    const carbs = new Float32Array(rows);
    const info = simulatePatientInto(i, opts, glucose, insulin, carbs, 0);
    yield { index: i, info, startMs: n.startMs, glucose, insulin, carbs };
  }
}

/** Simulate the whole cohort as one TimeSeriesDataset (one series and one segment per patient). */
export function simulateCohort(opts: SimulateOptions): TimeSeriesDataset {
  const n = normalise(opts);
  const rows = Math.round((n.days * 1440) / n.intervalMinutes);
  const total = rows * n.patients;
  const glucose = new Float32Array(total);
  const insulin = new Float32Array(total);
  const carbs = new Float32Array(total);
  const series: SeriesInfo[] = [];
  const segments: TimeSeriesDataset['segments'] = [];
  for (let i = 0; i < n.patients; i++) {
    series.push(simulatePatientInto(i, opts, glucose, insulin, carbs, i * rows));
    segments.push({ series: i, offset: i * rows, length: rows, startMs: n.startMs });
  }
  const report: IngestReport = {
    files: [],
    rowsRead: total,
    rowsKept: total,
    pointsInterpolated: 0,
    dropped: {},
    gapsSplit: 0,
    segments: n.patients,
    series: n.patients,
    warnings: [],
  };
  return {
    name: n.name,
    version: simulationVersion(opts),
    intervalMs: n.intervalMinutes * 60_000,
    timeZone: 'UTC',
    channels: SIMULATED_CHANNELS.map((c) => ({ ...c })),
    values: [glucose, insulin, carbs],
    series,
    segments,
    report,
  };
}
