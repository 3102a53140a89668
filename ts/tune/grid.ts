/**
 * Grid search: every combination of the active parameters' grid values (a conditional block's
 * parameters only under the values that activate it), visited in a seeded shuffled order as Optuna's
 * GridSampler does, so a study stopped early has still spread over the grid.
 */
import { streamOf } from './rng.js';
import { isActive, type Assignment, type BaseLookup, type Distribution, type Scalar, type SearchSpace } from './space.js';

/** Grid values of a distribution: the choices, every integer when few, else `points` (log-)evenly spaced values. */
export function gridValues(d: Distribution, points: number): Scalar[] {
  if (d.kind === 'categorical') return d.choices;
  if (d.kind === 'int' && (d.high - d.low) / d.step + 1 <= points)
    return Array.from({ length: (d.high - d.low) / d.step + 1 }, (_, i) => d.low + i * d.step);
  const t = (x: number) => (d.log ? Math.log(x) : x);
  const lo = t(d.low);
  const hi = t(d.high);
  const xs = Array.from({ length: points }, (_, i) => (points === 1 ? (lo + hi) / 2 : lo + ((hi - lo) * i) / (points - 1))).map((x) =>
    d.log ? Math.exp(x) : x,
  );
  if (d.kind === 'float') return xs.map((x, i) => (i === 0 ? d.low : i === points - 1 ? d.high : x));
  return [...new Set(xs.map((x) => Math.min(d.high, Math.max(d.low, d.low + Math.round((x - d.low) / d.step) * d.step))))];
}

export function enumerateGrid(space: SearchSpace, points: number, base: BaseLookup): Assignment[] {
  const out: Assignment[] = [];
  const walk = (i: number, a: Assignment) => {
    if (i === space.params.length) return void out.push(a);
    const p = space.params[i]!;
    if (!isActive(p, space, a, base)) return walk(i + 1, a);
    for (const v of gridValues(p.dist, points)) walk(i + 1, { ...a, [p.id]: v });
  };
  walk(0, {});
  return out;
}

/** The grid in the study's visiting order (Fisher-Yates with the study seed). */
export function shuffledGrid(space: SearchSpace, points: number, base: BaseLookup, seed: number): Assignment[] {
  const grid = enumerateGrid(space, points, base);
  const u = streamOf('grid', seed);
  for (let i = grid.length - 1; i > 0; i--) {
    const j = Math.floor(u() * (i + 1));
    [grid[i], grid[j]] = [grid[j]!, grid[i]!];
  }
  return grid;
}
