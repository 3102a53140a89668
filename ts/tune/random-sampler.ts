/** Random search, as Optuna's RandomSampler draws: uniform in the (log) range, integers rounded from a ±0.5 widened range. */
import type { Distribution, Scalar } from './space.js';

export function sampleUniform(d: Distribution, u: () => number): Scalar {
  if (d.kind === 'categorical') return d.choices[Math.min(d.choices.length - 1, Math.floor(u() * d.choices.length))]!;
  if (d.kind === 'float') {
    if (!d.log) return d.low + u() * (d.high - d.low);
    return Math.min(d.high, Math.max(d.low, Math.exp(Math.log(d.low) + u() * (Math.log(d.high) - Math.log(d.low)))));
  }
  if (d.log) {
    const lo = Math.log(d.low - 0.5);
    const x = Math.round(Math.exp(lo + u() * (Math.log(d.high + 0.5) - lo)));
    return Math.min(d.high, Math.max(d.low, x));
  }
  const n = (d.high - d.low) / d.step + 1;
  return d.low + d.step * Math.min(n - 1, Math.floor(u() * n));
}
