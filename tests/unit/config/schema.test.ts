import { describe, expect, it } from 'vitest';
import { ConfigError, defaultConfig, TsfmConfigSchema, validateConfig } from '../../../ts/config/index.js';

function issues(raw: unknown): string[] {
  try {
    validateConfig(raw);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).issues;
  }
  throw new Error('expected a ConfigError');
}

describe('schema defaults', () => {
  it('an empty config parses to the documented defaults', () => {
    const c = defaultConfig();
    expect(c.model).toEqual({
      family: 'ttm',
      context_length: 512,
      horizon: 96,
      output: 'point',
      quantiles: [0.1, 0.25, 0.5, 0.75, 0.9],
      loss: 'mse',
      params: {},
    });
    expect(c.data.split).toEqual({ protocol: 'temporal', train: 0.7, val: 0.1, test: 0.2 });
    expect(c.data).toMatchObject({ dataset: 'simulated_t1d', stride: 1, scaler: 'per_series', covariates: true, cache_dir: '.tsfm-cache' });
    expect(c.data.target_channels).toBeUndefined();
    expect(c.training).toMatchObject({
      epochs: 10,
      batch_size: 64,
      lr: 1e-3,
      weight_decay: 1e-4,
      warmup_fraction: 0.05,
      schedule: 'cosine',
      grad_clip: 1,
      early_stopping: { metric: 'val_loss', patience: 3, min_delta: 0 },
      seed: 42,
      threads: 0,
      device: 'auto',
      precision: 'fp32',
      log_every: 50,
      checkpoint_every_epochs: 1,
      deterministic: true,
    });
    expect(c.evaluation).toEqual({ metrics: ['mse', 'mae', 'rmse'], split: 'test', scale: 'original' });
    expect(c.output).toEqual({ runs_dir: 'runs', save_predictions: true });
  });

  it('loss defaults to pinball for quantile output', () => {
    expect(TsfmConfigSchema.parse({ model: { output: 'quantile' } }).model.loss).toBe('pinball');
  });

  it('split variants fill their own defaults', () => {
    expect(TsfmConfigSchema.parse({ data: { split: { protocol: 'glucobench' } } }).data.split).toEqual({
      protocol: 'glucobench',
      block: 240,
      ood_fraction: 0.1,
      seed: 42,
      mode: 'last_segment',
    });
    expect(TsfmConfigSchema.parse({ data: { split: { protocol: 'ett' } } }).data.split).toEqual({ protocol: 'ett' });
    expect(TsfmConfigSchema.parse({ data: { split: { protocol: 'series', group_by: 'patient' } } }).data.split).toMatchObject({
      protocol: 'series',
      val_fraction: 0.1,
      test_fraction: 0.2,
      group_by: 'patient',
    });
  });

  it('a split without protocol is temporal', () => {
    expect(validateConfig({ data: { split: { train: 0.8, val: 0.1, test: 0.1 } } }).data.split).toEqual({
      protocol: 'temporal',
      train: 0.8,
      val: 0.1,
      test: 0.1,
    });
  });
});

describe('schema validation messages', () => {
  it('wrong type names path, value and expectation', () => {
    expect(issues({ training: { batch_size: 'abc' } })).toEqual(['training.batch_size: expected an integer ≥ 1, got "abc"']);
    expect(issues({ training: { batch_size: 0 } })).toEqual(['training.batch_size: expected an integer ≥ 1, got 0']);
    expect(issues({ model: { family: 'transformer' } })).toEqual([
      "model.family: expected one of 'dlinear', 'ttm', 'patchtst', 'granite_ttm', 'tsmixer', 'nhits', 'tide', 'lstm', 'gru', got \"transformer\"",
    ]);
    expect(issues({ model: { quantiles: [0.1, 1.5] } })).toEqual(['model.quantiles[1]: expected a number in (0, 1), got 1.5']);
    expect(issues({ training: { device: 'gpu' } })[0]).toMatch(/^training\.device: expected a string matching .*, got "gpu"$/);
    expect(issues({ data: { covariates: 'yes' } })).toEqual(['data.covariates: expected true or false, got "yes"']);
  });

  it('unknown keys suggest the closest sibling', () => {
    expect(issues({ model: { famliy: 'ttm' } })).toEqual(["model.famliy: unknown key (did you mean 'model.family'?)"]);
    expect(issues({ trainig: {} })).toEqual(["trainig: unknown key (did you mean 'training'?)"]);
    expect(issues({ training: { early_stopping: { patiense: 2 } } })).toEqual([
      "training.early_stopping.patiense: unknown key (did you mean 'training.early_stopping.patience'?)",
    ]);
    // Keys of another split protocol are unknown for this one.
    expect(issues({ data: { split: { protocol: 'ett', train: 0.5 } } })[0]).toMatch(/^data\.split\.train: unknown key/);
  });

  it('reports every problem, one line each', () => {
    const lines = issues({ model: { horizon: -1 }, training: { lr: 0, epochs: 1.5 } });
    expect(lines).toHaveLength(3);
    expect(lines).toContain('model.horizon: expected an integer ≥ 1, got -1');
    expect(lines).toContain('training.lr: expected a number > 0, got 0');
    expect(lines).toContain('training.epochs: expected an integer ≥ 0, got 1.5');
  });

  it('loss and output must agree', () => {
    const [line] = issues({ model: { output: 'point', loss: 'pinball' } });
    expect(line).toMatch(/^model\.loss: 'pinball' needs model\.output 'quantile'/);
    const [line2] = issues({ model: { output: 'quantile', loss: 'mse' } });
    expect(line2).toMatch(/^model\.loss: 'mse' cannot train quantile output/);
  });

  it('quantiles must be strictly increasing', () => {
    expect(issues({ model: { quantiles: [0.5, 0.1] } })[0]).toMatch(/^model\.quantiles: expected strictly increasing/);
    expect(issues({ model: { quantiles: [0.5, 0.5] } })[0]).toMatch(/^model\.quantiles: expected strictly increasing/);
  });

  it('split fractions must sum to 1', () => {
    expect(issues({ data: { split: { protocol: 'temporal', train: 0.7, val: 0.2, test: 0.2 } } })).toEqual([
      'data.split: train + val + test must sum to 1, got 0.7 + 0.2 + 0.2 = 1.1',
    ]);
    expect(issues({ data: { split: { protocol: 'hybrid', train: 0.5 } } })[0]).toMatch(/^data\.split: train \+ val \+ test must sum to 1/);
    expect(issues({ data: { split: { protocol: 'series', val_fraction: 0.5, test_fraction: 0.5 } } })[0]).toMatch(
      /^data\.split: val_fraction/,
    );
  });

  it('an unknown split protocol lists the protocols', () => {
    expect(issues({ data: { split: { protocol: 'random' } } })).toEqual([
      "data.split.protocol: expected one of 'temporal', 'series', 'hybrid', 'glucobench', 'ett', got \"random\"",
    ]);
  });

  it('quantile metrics need quantile output', () => {
    expect(issues({ evaluation: { metrics: ['mae', 'coverage'] } })).toEqual([
      "evaluation.metrics[1]: 'coverage' needs model.output 'quantile' (model.output is 'point')",
    ]);
    expect(() => validateConfig({ model: { output: 'quantile' }, evaluation: { metrics: ['pinball', 'coverage'] } })).not.toThrow();
  });

  it('model params are numbers', () => {
    expect(issues({ model: { params: { d_model: 'big' } } })).toEqual(['model.params.d_model: expected a number, got "big"']);
  });

  it('training.finetune: full by default; a LoRA rank below 1 and unknown strategies or targets are named', () => {
    expect(defaultConfig().training.finetune).toEqual({ strategy: 'full', lora: { rank: 8, alpha: 16, targets: ['mixer', 'head'] } });
    expect(issues({ training: { finetune: { strategy: 'lora', lora: { rank: 0, targets: ['mixer', 'attention'] } } } })).toEqual([
      'training.finetune.lora.rank: expected an integer ≥ 1, got 0',
      "training.finetune.lora.targets[1]: expected one of 'mixer', 'head', 'patcher', 'adapter', got \"attention\"",
    ]);
    expect(issues({ training: { finetune: { strategy: 'prefix' } } })).toEqual([
      "training.finetune.strategy: expected one of 'full', 'head', 'lora', got \"prefix\"",
    ]);
  });
});
