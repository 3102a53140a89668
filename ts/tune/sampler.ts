/**
 * The samplers behind one interface: a trial's assignment from the space, the study's trials so far and
 * the trial number; null when a grid is exhausted. Parameters are sampled in the space's order, a
 * conditional one only when its condition holds on what was sampled before it (or the base config).
 */
import { shuffledGrid } from './grid.js';
import { sampleUniform } from './random-sampler.js';
import { streamOf } from './rng.js';
import { isActive, type Assignment, type BaseLookup, type Param, type Scalar, type SearchSpace } from './space.js';
import { DEFAULT_TPE, suggestTpe, type TpeOptions } from './tpe.js';
import type { Trial } from './trial.js';

export type SamplerKind = 'random' | 'grid' | 'tpe';

export interface SamplerConfig {
  kind: SamplerKind;
  seed: number;
  /** Grid: values per float (and per wide int) parameter. */
  gridPoints?: number;
  tpe?: Partial<TpeOptions>;
}

export type Sampler = (trials: Trial[], number: number) => Assignment | null;

function sequential(
  space: SearchSpace,
  base: BaseLookup,
  seed: number,
  suggest: (p: Param, trials: Trial[], u: () => number) => Scalar,
): Sampler {
  return (trials, number) => {
    const a: Assignment = {};
    for (const p of space.params) if (isActive(p, space, a, base)) a[p.id] = suggest(p, trials, streamOf(seed, number, p.id));
    return a;
  };
}

export function createSampler(space: SearchSpace, base: BaseLookup, c: SamplerConfig): Sampler {
  if (c.kind === 'random') return sequential(space, base, c.seed, (p, _t, u) => sampleUniform(p.dist, u));
  if (c.kind === 'tpe') {
    const o: TpeOptions = { ...DEFAULT_TPE, ...c.tpe };
    return sequential(space, base, c.seed, (p, trials, u) => suggestTpe(p, trials, u, o));
  }
  let grid: Assignment[] | undefined;
  return (_trials, number) => {
    grid ??= shuffledGrid(space, c.gridPoints ?? 5, base, c.seed);
    return grid[number] ?? null;
  };
}

/** Number of grid points of a grid study (the trials it can run). */
export function gridSize(space: SearchSpace, base: BaseLookup, points: number): number {
  return shuffledGrid(space, points, base, 0).length;
}
