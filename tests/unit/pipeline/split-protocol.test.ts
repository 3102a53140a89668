import { describe, expect, it } from 'vitest';
import { parseConfigYaml } from '../../../ts/config/index.js';
import { toSplitProtocol } from '../../../ts/pipeline/split-protocol.js';

const split = (yaml: string) => toSplitProtocol(parseConfigYaml(`data:\n  split: ${yaml}\n`).data.split);

describe('data.split -> the data layer protocol', () => {
  it('reaches every option of every protocol from a config', () => {
    expect(split(`{ protocol: temporal, cutoffs: { val: '2021-03-01', test: '2021-04-01' } }`)).toEqual({
      kind: 'temporal',
      fractions: [0.7, 0.1, 0.2],
      cutoffs: { val: '2021-03-01', test: '2021-04-01' },
    });
    expect(split('{ protocol: series, val_fraction: 0.2, test_fraction: 0.3, seed: 7, group_by: patient }')).toEqual({
      kind: 'series',
      valFraction: 0.2,
      testFraction: 0.3,
      seed: 7,
      groupBy: 'patient',
    });
    expect(split('{ protocol: hybrid, holdout_fraction: 0.25, group_by: patient }')).toMatchObject({
      kind: 'hybrid',
      testFraction: 0.25,
      groupBy: 'patient',
      fractions: [0.7, 0.1, 0.2],
    });
    expect(split('{ protocol: glucobench, block: 120, ood_fraction: 0.2, group_by: patient, mode: every_segment }')).toEqual({
      kind: 'glucobench',
      oodFraction: 0.2,
      blockLength: 120,
      seed: 42,
      groupBy: 'patient',
      mode: 'every_segment',
    });
    expect(split('{ protocol: ett, borders: [100, 200, 300] }')).toEqual({ kind: 'ett', borders: [100, 200, 300] });
  });

  it('rejects a misspelt option naming the key', () => {
    expect(() => split('{ protocol: glucobench, mode: every }')).toThrow(/data\.split\.mode/);
    expect(() => split('{ protocol: ett, border: [1, 2, 3] }')).toThrow(/border/);
  });
});
