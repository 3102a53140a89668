/**
 * Small, fast, seeded pseudo-random numbers for the simulator.
 *
 * - Seeds are mixed with a 32-bit finaliser (MurmurHash3 fmix32) and expanded with SplitMix32, the usual
 *   way to initialise xoshiro generators from one word.
 * - The generator is xoshiro128** (Blackman & Vigna 2018), 128-bit state, period 2^128 − 1.
 * - Normals come from the Box–Muller transform (both outputs used).
 *
 * Everything is integer arithmetic on 32-bit words plus IEEE-754 Math.log/sqrt/cos/sin, which V8 implements
 * with its own fdlibm port, so streams are identical across machines.
 */

/** MurmurHash3's 32-bit finaliser: a bijection with good avalanche. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Combine a user seed (any finite number: negative, fractional, or above 2^32 are all accepted) with
 * stream labels into one 32-bit seed. deriveSeed(seed, patientIndex, stream) is how patient i gets the same
 * sub-streams whatever the cohort size.
 */
export function deriveSeed(seed: number, ...parts: number[]): number {
  const lo = Math.trunc(seed) >>> 0;
  const hi = Math.floor(Math.trunc(seed) / 4294967296) >>> 0;
  let h = fmix32(lo ^ 0x9e3779b9);
  h = fmix32((h + hi) ^ 0x7f4a7c15);
  for (const p of parts) h = fmix32((h ^ Math.imul((p >>> 0) + 0x632be5ab, 0x9e3779b1)) >>> 0);
  return h;
}

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare = 0;
  private hasSpare = false;

  constructor(seed: number) {
    // SplitMix32 expansion of the seed into the four state words.
    let s = seed >>> 0;
    const next = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  /** Next 32-bit unsigned integer (xoshiro128**). */
  nextU32(): number {
    const t = this.b << 9;
    let r = Math.imul(this.b, 5);
    r = Math.imul((r << 7) | (r >>> 25), 9);
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = (this.d << 11) | (this.d >>> 21);
    return r >>> 0;
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return this.nextU32() / 4294967296;
  }

  /** Uniform in [lo, hi). */
  range(lo: number, hi: number): number {
    return lo + (hi - lo) * this.uniform();
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.uniform() < p;
  }

  /** Standard normal by Box–Muller. */
  normal(): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return this.spare;
    }
    const u1 = 1 - this.uniform(); // (0, 1]
    const u2 = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u1));
    const th = 2 * Math.PI * u2;
    this.spare = r * Math.sin(th);
    this.hasSpare = true;
    return r * Math.cos(th);
  }

  /**
   * Log-normal with median `median` and coefficient of variation `cv` (sigma² = ln(1 + cv²)), truncated to
   * [lo, hi] by resampling (at most 64 tries, then clamped; with the bounds used here a clamp never happens
   * in practice).
   */
  logNormal(median: number, cv: number, lo = 0, hi = Infinity): number {
    const sigma = Math.sqrt(Math.log(1 + cv * cv));
    for (let i = 0; i < 64; i++) {
      const v = median * Math.exp(sigma * this.normal());
      if (v >= lo && v <= hi) return v;
    }
    return Math.min(hi, Math.max(lo, median));
  }
}
