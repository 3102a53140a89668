/**
 * One seeded stream per (study seed, trial number, parameter): a trial's values depend only on these and
 * the history, never on how many draws came before, so a retried or resumed trial samples the same.
 */
import { mulberry32 } from '../util/random.js';

/** FNV-1a over the parts: a 32-bit seed. */
export function hashSeed(...parts: Array<string | number>): number {
  let h = 0x811c9dc5;
  for (const ch of parts.join('\u0000')) {
    h ^= ch.codePointAt(0)!;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export const streamOf = (...parts: Array<string | number>): (() => number) => mulberry32(hashSeed(...parts));
