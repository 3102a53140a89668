import type { SplitConfig } from '../config/index.js';
import type { SplitProtocol } from '../data/splits.js';

/** Maps the config's split section onto the data layer's protocol. */
export function toSplitProtocol(s: SplitConfig): SplitProtocol {
  switch (s.protocol) {
    case 'temporal':
      return { kind: 'temporal', fractions: [s.train, s.val, s.test] };
    case 'series':
      return { kind: 'series', valFraction: s.val_fraction, testFraction: s.test_fraction, seed: s.seed, groupBy: s.group_by };
    case 'hybrid':
      return { kind: 'hybrid', testFraction: s.holdout_fraction, seed: s.seed, groupBy: s.group_by, fractions: [s.train, s.val, s.test] };
    case 'glucobench':
      return { kind: 'glucobench', oodFraction: s.ood_fraction, blockLength: s.block, seed: s.seed };
    case 'ett':
      return { kind: 'ett' };
  }
}
