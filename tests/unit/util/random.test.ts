import { describe, expect, it } from 'vitest';
import { mulberry32, normalSampler } from '../../../ts/util/random.js';

describe('seeded randomness', () => {
  it('mulberry32 repeats for a seed and differs across seeds', () => {
    const a = mulberry32(42),
      b = mulberry32(42),
      c = mulberry32(43);
    const xs = Array.from({ length: 5 }, a);
    expect(Array.from({ length: 5 }, b)).toEqual(xs);
    expect(Array.from({ length: 5 }, c)).not.toEqual(xs);
    for (const x of xs) expect(x >= 0 && x < 1).toBe(true);
  });

  it('normal draws have mean 0, variance 1 and normal tails', () => {
    const z = normalSampler(mulberry32(7));
    const n = 200_000;
    let s = 0,
      s2 = 0,
      below = 0;
    for (let i = 0; i < n; i++) {
      const x = z();
      s += x;
      s2 += x * x;
      if (x < -1.959964) below++;
    }
    // standard errors: mean 1/sqrt(n) = 0.0022, variance sqrt(2/n) = 0.0032, tail sqrt(.025*.975/n) = 0.00035
    expect(Math.abs(s / n)).toBeLessThan(0.01);
    expect(Math.abs(s2 / n - 1)).toBeLessThan(0.015);
    expect(Math.abs(below / n - 0.025)).toBeLessThan(0.0018);
  });
});
