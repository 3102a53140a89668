/**
 * The glucose–insulin model of one virtual type 1 diabetes patient, and its fixed-step integrator.
 *
 * Equations (all implemented from the papers, with their symbols):
 *
 *  [DM07] Dalla Man C, Rizza RA, Cobelli C. Meal simulation model of the glucose-insulin system.
 *         IEEE Trans Biomed Eng 54(10):1740–1749, 2007.
 *  [DM14] Dalla Man C, Micheletto F, Lv D, Breton M, Kovatchev B, Cobelli C. The UVA/PADOVA type 1 diabetes
 *         simulator: new features. J Diabetes Sci Technol 8(1):26–34, 2014.
 *  [K09]  Kovatchev BP, Breton M, Dalla Man C, Cobelli C. In silico preclinical trials: a proof of concept in
 *         closed-loop control of type 1 diabetes. J Diabetes Sci Technol 3(1):44–55, 2009.
 *
 * Glucose subsystem [DM07 eqs. 1–2]
 *   dGp/dt = EGP + Ra − Uii − E − k1·Gp + k2·Gt          G = Gp / VG
 *   dGt/dt = −Uid + k1·Gp − k2·Gt
 * Endogenous glucose production [DM07 eq. 10, T1D form of DM14: no portal insulin term kp4·Ipo]
 *   EGP = max(0, kp1 − kp2·Gp − kp3·Id)
 *   dI1/dt = −ki·(I1 − I)        dId/dt = −ki·(Id − I1)
 * Utilisation [DM07 eqs. 14–17]
 *   Uii = Fcns      Uid = (Vm0 + Vmx·X)·Gt / (Km0 + Gt)      dX/dt = −p2U·X + p2U·(I − Ib)
 * Renal excretion [DM07 eq. 27]
 *   E = ke1·(Gp − ke2) if Gp > ke2, else 0
 * Insulin subsystem [DM07 eqs. 3–4 with S = 0: no endogenous secretion in T1D, DM14]
 *   dIl/dt = −(m1 + m3)·Il + m2·Ip          m3 = HEb·m1 / (1 − HEb)
 *   dIp/dt = −(m2 + m4)·Ip + m1·Il + Rai     I = Ip / VI
 * Subcutaneous insulin [DM14 / K09]
 *   dIsc1/dt = −(kd + ka1)·Isc1 + IIR       dIsc2/dt = kd·Isc1 − ka2·Isc2       Rai = ka1·Isc1 + ka2·Isc2
 * Gastro-intestinal tract [DM07 eqs. 5–9]
 *   dQsto1/dt = −kgri·Qsto1 (+ meal D as an impulse)
 *   dQsto2/dt = −kempt(Qsto)·Qsto2 + kgri·Qsto1
 *   dQgut/dt  = −kabs·Qgut + kempt(Qsto)·Qsto2                  Ra = f·kabs·Qgut / BW
 *   kempt = kmin + (kmax − kmin)/2 · {tanh[α(Qsto − b·D)] − tanh[β(Qsto − d·D)] + 2}
 *   α = 5 / (2·D·(1 − b)),  β = 5 / (2·D·d)
 *   With overlapping meals D is the amount in the stomach just after the latest meal (residual + new).
 * Interstitial glucose for the CGM: a first-order delay  dGs/dt = (G − Gs)/τ  (Facchinetti et al. 2014,
 *   Breton & Kovatchev 2008; τ ≈ 5–15 min).
 *
 * Omitted, on purpose: glucagon secretion and action [DM14] (T1D counter-regulation is impaired, and rescue
 * carbohydrates stand in for it here), the hypoglycaemia "risk" term that increases insulin action below
 * basal glucose [DM14], and the subcutaneous glucose-sensor calibration model. Insulin sensitivity varies
 * within a patient through a slowly varying multiplier on Vmx and kp3 (see cohort.ts), in the spirit of
 * the intra-patient variability of [DM14].
 *
 * Units: glucose masses mg/kg, insulin masses pmol/kg, concentrations mg/dL and pmol/L, time min.
 * 1 U of insulin = 6000 pmol.
 */

export const PMOL_PER_UNIT = 6000;

/** State vector layout (Float64Array of length N_STATES). */
export const S_GP = 0;
export const S_GT = 1;
export const S_IL = 2;
export const S_IP = 3;
export const S_I1 = 4;
export const S_ID = 5;
export const S_X = 6;
export const S_QSTO1 = 7;
export const S_QSTO2 = 8;
export const S_QGUT = 9;
export const S_ISC1 = 10;
export const S_ISC2 = 11;
export const S_GS = 12;
export const N_STATES = 13;

/** Parameters of one virtual patient (DM07/DM14 symbols). */
export interface PatientParams {
  BW: number; // body weight, kg
  // glucose kinetics
  VG: number; // dL/kg
  k1: number;
  k2: number;
  // insulin kinetics
  VI: number; // L/kg
  m1: number;
  m2: number;
  m4: number;
  HEb: number;
  // EGP
  kp2: number;
  kp3: number;
  ki: number;
  // utilisation
  Fcns: number;
  Vmx: number;
  Km0: number;
  p2U: number;
  // renal
  ke1: number;
  ke2: number;
  // GI tract
  kmax: number;
  kmin: number;
  kabs: number;
  kgri: number;
  f: number;
  b: number;
  d: number;
  // subcutaneous insulin
  kd: number;
  ka1: number;
  ka2: number;
  // sensor
  tauSensor: number; // min
  // basal (steady) state the patient is parametrised around
  Gb: number; // mg/dL
  Ib: number; // pmol/L
  EGPb: number; // mg/kg/min
}

/**
 * One patient's model with derived constants (kp1, Vm0, m3, basal infusion) and preallocated RK4 buffers.
 * The inner loop (`advance`) allocates nothing.
 */
export class PatientModel {
  readonly p: PatientParams;
  // derived
  readonly m3: number;
  readonly kp1: number;
  readonly Vm0: number;
  readonly Gpb: number;
  readonly Gtb: number;
  readonly Ipb: number;
  readonly Ilb: number;
  /** Subcutaneous infusion holding the basal steady state, pmol/kg/min. */
  readonly basalIIR: number;
  /** The same in U/h. */
  readonly basalUPerH: number;

  // time-varying inputs
  /** Subcutaneous infusion rate, pmol/kg/min (basal). */
  iir = 0.5; // (initialisers are doubles so V8 keeps these fields unboxed)
  /** Multiplier on insulin sensitivity (Vmx, kp3). */
  siMult = 1.5;
  /** Amount in the stomach just after the latest meal, mg (the D of kempt). */
  mealD = 0.5;
  private alpha = 0.5;
  private beta = 0.5;

  readonly x = new Float64Array(N_STATES);
  private readonly k1b = new Float64Array(N_STATES);
  private readonly k2b = new Float64Array(N_STATES);
  private readonly k3b = new Float64Array(N_STATES);
  private readonly k4b = new Float64Array(N_STATES);
  private readonly tmp = new Float64Array(N_STATES);

  constructor(p: PatientParams) {
    this.p = p;
    this.m3 = (p.HEb * p.m1) / (1 - p.HEb);
    // Basal steady state [DM07 §II-F; as the UVA/Padova simulator derives kp1 and Vm0 from (Gb, Ib, EGPb)].
    this.Gpb = p.Gb * p.VG;
    const Eb = this.Gpb > p.ke2 ? p.ke1 * (this.Gpb - p.ke2) : 0;
    const Uidb = p.EGPb - p.Fcns - Eb;
    this.Gtb = (p.k1 * this.Gpb - Uidb) / p.k2;
    this.Vm0 = (Uidb * (p.Km0 + this.Gtb)) / this.Gtb;
    this.kp1 = p.EGPb + p.kp2 * this.Gpb + p.kp3 * p.Ib;
    this.Ipb = p.Ib * p.VI;
    this.Ilb = (p.m2 * this.Ipb) / (p.m1 + this.m3);
    // dIp/dt = 0 with S = 0:  Rai_b = (m2 + m4)·Ipb − m1·Ilb, and at steady state Rai = IIR.
    this.basalIIR = (p.m2 + p.m4) * this.Ipb - p.m1 * this.Ilb;
    this.basalUPerH = (this.basalIIR * p.BW * 60) / PMOL_PER_UNIT;
    this.iir = this.basalIIR;
    this.siMult = 1;
    this.mealD = 0;
    this.packConstants();
  }

  /** True when the derived basal state is physiological (positive Vm0 and Gtb). */
  valid(): boolean {
    return this.Gtb > 0 && this.Vm0 > 0 && this.kp1 > 0 && this.basalIIR > 0 && Number.isFinite(this.Vm0);
  }

  /** Put the state at the basal steady state for subcutaneous infusion `iir` equal to basalIIR. */
  setSteadyState(): void {
    const x = this.x;
    const p = this.p;
    x.fill(0);
    x[S_GP] = this.Gpb;
    x[S_GT] = this.Gtb;
    x[S_IP] = this.Ipb;
    x[S_IL] = this.Ilb;
    x[S_I1] = p.Ib;
    x[S_ID] = p.Ib;
    x[S_X] = 0;
    // Isc steady state: Isc1 = IIR/(kd + ka1), Isc2 = kd·Isc1/ka2.
    x[S_ISC1] = this.basalIIR / (p.kd + p.ka1);
    x[S_ISC2] = (p.kd * x[S_ISC1]) / p.ka2;
    x[S_GS] = p.Gb;
    this.iir = this.basalIIR;
    this.mealD = 0;
  }

  /** Ingest `grams` of carbohydrate now (impulse into Qsto1). */
  addMeal(grams: number): void {
    if (grams <= 0) return;
    const x = this.x;
    x[S_QSTO1] += grams * 1000;
    const D = x[S_QSTO1] + x[S_QSTO2];
    this.mealD = D;
    this.alpha = 5 / (2 * D * (1 - this.p.b));
    this.beta = 5 / (2 * D * this.p.d);
  }

  /** Inject a subcutaneous bolus of `units` now (impulse into Isc1). */
  addBolus(units: number): void {
    if (units <= 0) return;
    this.x[S_ISC1] += (units * PMOL_PER_UNIT) / this.p.BW;
  }

  /** Plasma glucose, mg/dL. */
  glucose(): number {
    return this.x[S_GP] / this.p.VG;
  }

  /**
   * Flat copy of the constants the derivative needs, in one Float64Array: typed-array loads keep the hot
   * loop monomorphic and free of boxed numbers.
   */
  private readonly c = new Float64Array(32);

  private packConstants(): void {
    const p = this.p;
    const c = this.c;
    c[0] = p.VI;
    c[1] = p.VG;
    c[2] = this.kp1;
    c[3] = p.kp2;
    c[4] = p.kp3;
    c[5] = p.kmax;
    c[6] = p.kmin;
    c[7] = p.b;
    c[8] = p.d;
    c[9] = (p.f * p.kabs) / p.BW;
    c[10] = this.Vm0;
    c[11] = p.Vmx;
    c[12] = p.Km0;
    c[13] = p.ke1;
    c[14] = p.ke2;
    c[15] = p.Fcns;
    c[16] = p.k1;
    c[17] = p.k2;
    c[18] = p.m1 + this.m3;
    c[19] = p.m2;
    c[20] = p.m2 + p.m4;
    c[21] = p.m1;
    c[22] = p.ka1;
    c[23] = p.ka2;
    c[24] = p.ki;
    c[25] = p.p2U;
    c[26] = p.Ib;
    c[27] = p.kgri;
    c[28] = p.kabs;
    c[29] = p.kd + p.ka1;
    c[30] = p.kd;
    c[31] = 1 / p.tauSensor;
  }

  /** Time derivative of state `s` into `out` under the current inputs. */
  deriv(s: Float64Array, out: Float64Array): void {
    const c = this.c;
    const Gp = s[0];
    const Gt = s[1];
    const Il = s[2];
    const Ip = s[3];
    const I1 = s[4];
    const Id = s[5];
    const X = s[6];
    const Qsto1 = s[7];
    const Qsto2 = s[8];
    const Qgut = s[9];
    const Isc1 = s[10];
    const Isc2 = s[11];
    const si = this.siMult;

    const I = Ip / c[0];
    const G = Gp / c[1];

    let EGP = c[2] - c[3] * Gp - c[4] * si * Id;
    if (EGP < 0) EGP = 0;

    // Gastric emptying [DM07 eq. 8]; an empty stomach empties at kmax (irrelevant: Qsto2 = 0 then).
    // tanh(u) − tanh(v) is evaluated as 2/(1 + e^{−2u}) − 2/(1 + e^{−2v}) (two exp instead of two tanh).
    const Qsto = Qsto1 + Qsto2;
    let kempt = c[5];
    const D = this.mealD;
    if (D > 0 && Qsto2 > 0) {
      let u = -2 * this.alpha * (Qsto - c[7] * D);
      let v = -2 * this.beta * (Qsto - c[8] * D);
      if (u > 700) u = 700;
      if (v > 700) v = 700;
      kempt = c[6] + 0.5 * (c[5] - c[6]) * (2 / (1 + Math.exp(u)) - 2 / (1 + Math.exp(v)) + 2);
    }
    const Ra = c[9] * Qgut;

    let Vm = c[10] + c[11] * si * X;
    if (Vm < 0) Vm = 0;
    const Gtp = Gt > 0 ? Gt : 0;
    const Uid = (Vm * Gtp) / (c[12] + Gtp);
    const E = Gp > c[14] ? c[13] * (Gp - c[14]) : 0;
    // Insulin-independent uptake (brain) cannot exceed what is there: taper Fcns to 0 as Gp → 0.
    const Uii = Gp > 10 ? c[15] : Gp > 0 ? (c[15] * Gp) / 10 : 0;

    out[0] = EGP + Ra - Uii - E - c[16] * Gp + c[17] * Gt;
    out[1] = -Uid + c[16] * Gp - c[17] * Gt;
    out[2] = -c[18] * Il + c[19] * Ip;
    out[3] = -c[20] * Ip + c[21] * Il + c[22] * Isc1 + c[23] * Isc2;
    out[4] = -c[24] * (I1 - I);
    out[5] = -c[24] * (Id - I1);
    out[6] = -c[25] * X + c[25] * (I - c[26]);
    out[7] = -c[27] * Qsto1;
    out[8] = -kempt * Qsto2 + c[27] * Qsto1;
    out[9] = -c[28] * Qgut + kempt * Qsto2;
    out[10] = -c[29] * Isc1 + this.iir;
    out[11] = c[30] * Isc1 - c[23] * Isc2;
    out[12] = (G - s[12]) * c[31];
  }

  /** Advance the state by `n` classical RK4 steps of `h` minutes, inputs held constant. */
  advance(h: number, n: number): void {
    const x = this.x;
    const k1 = this.k1b;
    const k2 = this.k2b;
    const k3 = this.k3b;
    const k4 = this.k4b;
    const t = this.tmp;
    const h2 = h / 2;
    const h6 = h / 6;
    for (let step = 0; step < n; step++) {
      this.deriv(x, k1);
      for (let i = 0; i < N_STATES; i++) t[i] = x[i] + h2 * k1[i];
      this.deriv(t, k2);
      for (let i = 0; i < N_STATES; i++) t[i] = x[i] + h2 * k2[i];
      this.deriv(t, k3);
      for (let i = 0; i < N_STATES; i++) t[i] = x[i] + h * k3[i];
      this.deriv(t, k4);
      for (let i = 0; i < N_STATES; i++) x[i] += h6 * (k1[i] + 2 * (k2[i] + k3[i]) + k4[i]);
      // Masses cannot go negative; guards against round-off after a stomach empties.
      if (x[S_GP] < 1) x[S_GP] = 1;
      if (x[S_QSTO1] < 1e-9) x[S_QSTO1] = 0;
      if (x[S_QSTO2] < 1e-9) x[S_QSTO2] = 0;
      if (x[S_QGUT] < 1e-9) x[S_QGUT] = 0;
    }
  }

  /**
   * Fastest linear rate of the model (1/min): the insulin subsystem's largest eigenvalue and the other
   * first-order rates. Used to pick a stable RK4 step (|λ·h| well inside RK4's ≈ 2.78 real-axis limit).
   */
  stiffness(): number {
    const p = this.p;
    const a = p.m1 + this.m3;
    const dd = p.m2 + p.m4;
    // eigenvalues of [[-a, m2], [m1, -dd]]
    const tr = a + dd;
    const det = a * dd - p.m1 * p.m2;
    const lamIns = (tr + Math.sqrt(Math.max(0, tr * tr - 4 * det))) / 2;
    return Math.max(lamIns, p.k1 + p.k2 + 0.02, p.kd + p.ka1, p.ka2, p.kmax, p.kgri, p.kabs, 1 / p.tauSensor, p.p2U, p.ki);
  }
}

/**
 * RK4 sub-steps per sample of `dt` minutes: the smallest n with λmax·dt/n ≤ 2.5, inside RK4's real-axis
 * stability limit (≈ 2.785). The only mode that fast is the plasma/liver insulin exchange, which equilibrates
 * within minutes; the slower glucose, gut and subcutaneous dynamics are resolved to well under 1 %.
 */
export function substeps(model: PatientModel, dt: number): number {
  return Math.max(1, Math.ceil((dt * model.stiffness()) / 2.5));
}
