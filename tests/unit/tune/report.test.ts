import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { bestConfigYaml, bestTrial, importances } from '../../../ts/tune/report.js';
import { parseSpace } from '../../../ts/tune/space.js';
import type { Trial } from '../../../ts/tune/trial.js';
import { defaultConfigPath } from '../../../ts/config/index.js';
import { mulberry32 } from '../../../ts/util/random.js';

describe('study report', () => {
  const space = parseSpace(
    { space: { lr: { log_uniform: [1e-4, 1e-1] }, noise: { uniform: [0, 1] }, act: { categorical: ['a', 'b'] } } },
    't',
  );
  const u = mulberry32(5);
  // The objective depends on lr (strongly) and act (a little), not on noise.
  const trials: Trial[] = Array.from({ length: 80 }, (_, number) => {
    const lr = 10 ** (-4 + 3 * u());
    const act = u() < 0.5 ? 'a' : 'b';
    return {
      number,
      state: 'completed',
      params: { lr, noise: u(), act },
      value: (Math.log10(lr) + 2.5) ** 2 + (act === 'b' ? 0.3 : 0) + 0.05 * u(),
      intermediate: [],
      attempt: 1,
    };
  });

  it('ranks parameters by the variance their bins explain', () => {
    const imp = importances(space, trials);
    expect(imp.map((i) => i.id)).toEqual(['lr', 'act', 'noise']);
    expect(imp[0]!.importance).toBeGreaterThan(0.5);
    expect(imp[2]!.importance).toBeLessThan(0.1);
    // too few trials with a parameter: not computed, listed last
    const few = importances(space, trials.slice(0, 3));
    expect(few.every((i) => Number.isNaN(i.importance))).toBe(true);
  });

  it('picks the best completed trial and writes its config ready to train', () => {
    const best = bestTrial([...trials, { number: 99, state: 'pruned', params: {}, value: -1, intermediate: [-1], attempt: 1 }])!;
    expect(best.value).toBe(Math.min(...trials.map((t) => t.value!)));
    const text = bestConfigYaml(defaultConfigPath(), ['training.lr=0.003', 'model.params.d_model=48'], {
      study: 's',
      trial: { ...best, runId: 's.t3' },
      objective: 'val_loss',
    });
    expect(text).toMatch(/^# Best trial of study s: trial \d+ \(run s\.t3\)/);
    const cfg = YAML.parse(text);
    expect(cfg.training.lr).toBe(0.003);
    expect(cfg.model.params.d_model).toBe(48);
    expect(cfg.output.run_id).toBeUndefined();
  });
});
