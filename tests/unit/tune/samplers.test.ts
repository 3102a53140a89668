import { describe, expect, it } from 'vitest';
import { createSampler, gridSize, type SamplerConfig } from '../../../ts/tune/sampler.js';
import { parseSpace, type Assignment, type SearchSpace } from '../../../ts/tune/space.js';
import { gridValues } from '../../../ts/tune/grid.js';
import { splitTrials } from '../../../ts/tune/tpe.js';
import type { Trial } from '../../../ts/tune/trial.js';

const mixed = parseSpace(
  {
    space: {
      lr: { log_uniform: [1e-4, 1e-2] },
      drop: { uniform: [0, 0.5] },
      bs: { int: [16, 256], log: true },
      d: { int: [8, 64], step: 8 },
      family: { categorical: ['ttm', 'dlinear'] },
    },
    conditional: [{ when: { family: 'ttm' }, space: { layers: { int: [1, 4] } } }],
  },
  't',
);
const none = () => undefined;

/** Runs a sequential study of `n` trials with objective f. */
function study(space: SearchSpace, c: SamplerConfig, n: number, f: (a: Assignment) => number): Trial[] {
  const sampler = createSampler(space, none, c);
  const trials: Trial[] = [];
  for (let k = 0; k < n; k++) {
    const params = sampler(trials, k);
    if (!params) break;
    trials.push({ number: k, state: 'completed', params, value: f(params), intermediate: [], attempt: 1 });
  }
  return trials;
}

const inBounds = (space: SearchSpace, a: Assignment) => {
  for (const p of space.params) {
    const v = a[p.id];
    if (v === undefined) continue;
    const d = p.dist;
    if (d.kind === 'categorical') expect(d.choices).toContain(v);
    else {
      expect(v).toBeGreaterThanOrEqual(d.low);
      expect(v).toBeLessThanOrEqual(d.high);
      if (d.kind === 'int') expect(((v as number) - d.low) % d.step).toBe(0);
    }
  }
  expect(a.family === 'ttm').toBe('layers@family=ttm' in a);
};

const objective = (a: Assignment) =>
  Math.log10(a.lr as number) ** 2 + (a.drop as number) + (a.family === 'ttm' ? (a['layers@family=ttm'] as number) : 3);

describe.each(['random', 'tpe'] as const)('%s sampler', (kind) => {
  it('is deterministic for a seed, differs across seeds, and stays in bounds', () => {
    const a = study(mixed, { kind, seed: 7 }, 30, objective);
    const b = study(mixed, { kind, seed: 7 }, 30, objective);
    const c = study(mixed, { kind, seed: 8 }, 30, objective);
    expect(a.map((t) => t.params)).toEqual(b.map((t) => t.params));
    expect(a.map((t) => t.params)).not.toEqual(c.map((t) => t.params));
    for (const t of [...a, ...c]) inBounds(mixed, t.params);
  });
});

describe('grid sampler', () => {
  it('visits every point once in a seeded order, then stops', () => {
    const s = parseSpace(
      {
        space: { lr: { log_uniform: [1e-4, 1e-2] }, family: { categorical: ['ttm', 'dlinear'] } },
        conditional: [{ when: { family: 'ttm' }, space: { layers: { int: [1, 3] } } }],
      },
      't',
    );
    expect(gridValues(s.params[0]!.dist, 3)).toEqual([1e-4, expect.closeTo(1e-3, 12), 1e-2]);
    expect(gridSize(s, none, 3)).toBe(3 * (3 + 1));
    const a = study(s, { kind: 'grid', seed: 1, gridPoints: 3 }, 100, objective);
    expect(a).toHaveLength(12);
    expect(new Set(a.map((t) => JSON.stringify(t.params))).size).toBe(12);
    expect(study(s, { kind: 'grid', seed: 1, gridPoints: 3 }, 100, objective).map((t) => t.params)).toEqual(a.map((t) => t.params));
    expect(study(s, { kind: 'grid', seed: 2, gridPoints: 3 }, 100, objective).map((t) => t.params)).not.toEqual(a.map((t) => t.params));
  });
});

describe('TPE', () => {
  it('ranks completed trials by value, pruned ones after them by how far they got', () => {
    const t = (number: number, state: Trial['state'], value: number | undefined, intermediate: number[]): Trial => ({
      number,
      state,
      value,
      intermediate,
      params: {},
      attempt: 1,
    });
    const trials = [
      t(0, 'completed', 3, []),
      t(1, 'pruned', 0.1, [0.5, 0.1]),
      t(2, 'completed', 1, []),
      t(3, 'pruned', 0.01, [0.01]),
      t(4, 'completed', 2, []),
    ];
    expect(splitTrials(trials, 3)).toEqual({ below: [0, 2, 4], above: [1, 3] });
    expect(splitTrials(trials, 4)).toEqual({ below: [0, 1, 2, 4], above: [3] });
  });

  it('finds the minimum of a shifted 5-D sphere better than random search over seeds', () => {
    const dims = Array.from({ length: 5 }, (_, i) => `x${i}`);
    const space = parseSpace({ space: Object.fromEntries(dims.map((d) => [d, { uniform: [-5, 5] }])) }, 't');
    const sphere = (a: Assignment) => dims.reduce((s, d, i) => s + ((a[d] as number) - (i - 2) * 0.7) ** 2, 0);
    const best = (kind: 'tpe' | 'random', seed: number) => Math.min(...study(space, { kind, seed }, 60, sphere).map((t) => t.value!));
    const seeds = Array.from({ length: 12 }, (_, i) => i);
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const tpe = seeds.map((s) => best('tpe', s));
    const rnd = seeds.map((s) => best('random', s));
    expect(median(tpe)).toBeLessThan(0.6 * median(rnd));
    // and per seed, TPE wins on most of them
    expect(seeds.filter((i) => tpe[i]! < rnd[i]!).length).toBeGreaterThanOrEqual(9);
  });
});
