import type { SplitConfig } from '../config/index.js';
import type { SplitProtocol } from '../data/splits.js';

/** Maps the config's split section (snake_case, as users write it) onto the data layer's protocol; every protocol option is reachable from a config. */
export function toSplitProtocol(s: SplitConfig): SplitProtocol {
  switch (s.protocol) {
    case 'temporal':
      return { kind: 'temporal', fractions: [s.train, s.val, s.test], cutoffs: s.cutoffs };
    case 'series':
      return { kind: 'series', valFraction: s.val_fraction, testFraction: s.test_fraction, seed: s.seed, groupBy: s.group_by };
    case 'hybrid':
      return { kind: 'hybrid', testFraction: s.holdout_fraction, seed: s.seed, groupBy: s.group_by, fractions: [s.train, s.val, s.test] };
    case 'glucobench':
      return { kind: 'glucobench', oodFraction: s.ood_fraction, blockLength: s.block, seed: s.seed, groupBy: s.group_by, mode: s.mode };
    case 'ett':
      return { kind: 'ett', borders: s.borders };
  }
}
