import { describe, expect, it } from 'vitest';
import { isActive, overridesOf, parseSpace, SpaceError } from '../../../ts/tune/space.js';

const errorOf = (raw: unknown): string => {
  try {
    parseSpace(raw, 's.yaml');
  } catch (e) {
    expect(e).toBeInstanceOf(SpaceError);
    return (e as Error).message;
  }
  throw new Error('expected a SpaceError');
};

describe('search space', () => {
  it('parses every kind of distribution and conditional blocks', () => {
    const s = parseSpace(
      {
        space: {
          'training.lr': { log_uniform: [1e-4, 1e-2] },
          'model.params.dropout': { uniform: [0, 0.5] },
          'model.family': { categorical: ['ttm', 'dlinear'] },
          'training.batch_size': { int: [16, 256], log: true },
        },
        conditional: [{ when: { 'model.family': 'ttm' }, space: { 'model.params.d_model': { int: [8, 64], step: 8 } } }],
      },
      's.yaml',
    );
    expect(s.params.map((p) => p.id)).toEqual([
      'training.lr',
      'model.params.dropout',
      'model.family',
      'training.batch_size',
      'model.params.d_model@model.family=ttm',
    ]);
    expect(s.params[0]!.dist).toEqual({ kind: 'float', low: 1e-4, high: 1e-2, log: true });
    expect(s.params[3]!.dist).toEqual({ kind: 'int', low: 16, high: 256, log: true, step: 1 });
    expect(s.params[4]!.dist).toEqual({ kind: 'int', low: 8, high: 64, log: false, step: 8 });
    const d = s.params[4]!;
    expect(isActive(d, s, { 'model.family': 'ttm' }, () => undefined)).toBe(true);
    expect(isActive(d, s, { 'model.family': 'dlinear' }, () => undefined)).toBe(false);
    expect(overridesOf(s, { 'training.lr': 0.001, 'model.family': 'ttm', 'model.params.d_model@model.family=ttm': 16 })).toEqual([
      'training.lr=0.001',
      'model.family="ttm"',
      'model.params.d_model=16',
    ]);
  });

  it('takes a condition on a key it does not sample from the base config', () => {
    const s = parseSpace(
      {
        space: { 'training.lr': { uniform: [0, 1] } },
        conditional: [{ when: { 'model.family': ['ttm', 'patchtst'] }, space: { 'model.params.d_model': { int: [8, 64] } } }],
      },
      's.yaml',
    );
    expect(isActive(s.params[1]!, s, {}, (k) => (k === 'model.family' ? 'patchtst' : undefined))).toBe(true);
    expect(isActive(s.params[1]!, s, {}, () => 'dlinear')).toBe(false);
  });

  it('names the key in a one-line error', () => {
    expect(errorOf({ space: { 'training.lr': { log_uniform: [0, 1e-2] } } })).toBe(
      's.yaml: space.training.lr: a log scale needs low > 0, got 0',
    );
    expect(errorOf({ space: { 'training.lr': { uniform: [1, 0] } } })).toBe('s.yaml: space.training.lr: needs low < high, got [1, 0]');
    expect(errorOf({ space: { 'model.params.d_model': { int: [8.5, 64] } } })).toMatch(
      /^s\.yaml: space\.model\.params\.d_model\.int\[0\]: /,
    );
    expect(errorOf({ space: { 'training.lr': { normal: [0, 1] } } })).toMatch(/^s\.yaml: space\.training\.lr: /);
    expect(errorOf({ space: { 'training.lr': { uniform: [0, 1], categorical: [1] } } })).toBe(
      's.yaml: space.training.lr: give one of uniform, categorical, not several',
    );
    expect(errorOf({ space: { 'training..lr': { uniform: [0, 1] } } })).toMatch(
      /^s\.yaml: space\.training\.\.lr: expected a dotted config key/,
    );
    expect(
      errorOf({
        space: { 'model.family': { categorical: ['ttm'] } },
        conditional: [{ when: { 'model.family': 'tsmixer' }, space: { 'model.params.d_model': { int: [8, 64] } } }],
      }),
    ).toBe('s.yaml: conditional[0].when.model.family: "tsmixer" is not one of its choices [ttm]');
    expect(errorOf({ space: {} })).toBe('s.yaml: space: empty: declare at least one parameter');
    expect(errorOf({ space: { 'model.params.d_model': { int: [8, 64], step: 5 } } })).toBe(
      's.yaml: space.model.params.d_model: high - low must be a multiple of step 5',
    );
  });
});
