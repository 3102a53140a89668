/**
 * Seeded randomness shared by every layer: a small, fast PRNG (mulberry32) and standard normal draws
 * from it, so a bootstrap or a Monte-Carlo estimate is the same number for the same seed on any machine.
 */

/** Deterministic PRNG (mulberry32): uniform on [0, 1), 2^32 period, one 32-bit state. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal draws from a uniform source (Box-Muller, both variates of each pair used). */
export function normalSampler(uniform: () => number): () => number {
  let spare = NaN;
  return () => {
    if (spare === spare) {
      const z = spare;
      spare = NaN;
      return z;
    }
    // 1 - u lies in (0, 1], so the log is finite
    const r = Math.sqrt(-2 * Math.log(1 - uniform()));
    const theta = 2 * Math.PI * uniform();
    spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  };
}
