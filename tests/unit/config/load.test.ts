import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  configHash,
  defaultConfigPath,
  loadConfig,
  parseConfigYaml,
  parseOverride,
  renderConfigYaml,
} from '../../../ts/config/index.js';
import { tempConfigs } from './helpers.js';

function loadError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('composition', () => {
  it('merges defaults in order, then the file; objects deep-merge, arrays replace', () => {
    const dir = tempConfigs({
      'base.yaml': `
model: {context_length: 64, horizon: 8, quantiles: [0.1, 0.5, 0.9], params: {a: 1, b: 2}}
training: {epochs: 3, early_stopping: {patience: 7, metric: val_mae}}
`,
      'second.yml': `
model: {horizon: 16, quantiles: [0.5], params: {b: 20, c: 30}}
training: {epochs: 4}
`,
      'sub/run.yaml': `
defaults: [../base, ../second.yml]
training: {early_stopping: {patience: 1}}
`,
    });
    const { config, sources } = loadConfig('sub/run.yaml', { cwd: dir });
    expect(config.model.context_length).toBe(64);
    expect(config.model.horizon).toBe(16);
    expect(config.model.quantiles).toEqual([0.5]);
    expect(config.model.params).toEqual({ a: 1, b: 20, c: 30 });
    expect(config.training.epochs).toBe(4);
    expect(config.training.early_stopping).toEqual({ patience: 1, metric: 'val_mae', min_delta: 0 });
    expect(sources).toEqual([join(dir, 'base.yaml'), join(dir, 'second.yml'), join(dir, 'sub/run.yaml')]);
  });

  it('nested defaults are composed depth-first', () => {
    const dir = tempConfigs({
      'a.yaml': 'training: {epochs: 1, batch_size: 1}',
      'b.yaml': 'defaults: [a]\ntraining: {epochs: 2}',
      'c.yaml': 'defaults: [b]\ntraining: {lr: 0.5}',
    });
    const { config, sources } = loadConfig('c', { cwd: dir });
    expect(config.training).toMatchObject({ epochs: 2, batch_size: 1, lr: 0.5 });
    expect(sources.map((s) => s.slice(dir.length + 1))).toEqual(['a.yaml', 'b.yaml', 'c.yaml']);
  });

  it('resolves names under configs/ (models/ttm)', () => {
    const dir = tempConfigs({ 'run.yaml': 'defaults: [models/dlinear]\nmodel: {horizon: 5}' });
    const { config } = loadConfig('run.yaml', { cwd: dir });
    expect(config.model.family).toBe('dlinear');
    expect(config.model.params.kernel_size).toBe(25);
  });

  it('changing the split protocol replaces the split; changing the family drops params', () => {
    const dir = tempConfigs({
      'base.yaml': 'defaults: [models/ttm]\ndata: {split: {protocol: temporal, train: 0.6, val: 0.2, test: 0.2}}',
      'run.yaml': 'defaults: [base]\ndata: {split: {protocol: series}}\nmodel: {family: dlinear}',
    });
    const { config } = loadConfig('run.yaml', { cwd: dir });
    expect(config.data.split).toEqual({ protocol: 'series', val_fraction: 0.1, test_fraction: 0.2, seed: 42 });
    expect(config.model.params).toEqual({});
  });

  it('null removes a value', () => {
    const dir = tempConfigs({
      'a.yaml': 'training: {max_steps_per_epoch: 10}',
      'b.yaml': 'defaults: [a]\ntraining: {max_steps_per_epoch: null}',
    });
    expect(loadConfig('b', { cwd: dir }).config.training.max_steps_per_epoch).toBeUndefined();
  });

  it('cycles are an error naming the chain', () => {
    const dir = tempConfigs({ 'a.yaml': 'defaults: [b]', 'b.yaml': 'defaults: [c]', 'c.yaml': 'defaults: [a]' });
    const e = loadError(() => loadConfig('a.yaml', { cwd: dir }));
    expect(e.message).toContain('cycle');
    expect(e.message).toContain('a.yaml -> b.yaml -> c.yaml -> a.yaml');
    const self = tempConfigs({ 'x.yaml': 'defaults: [x.yaml]' });
    expect(loadError(() => loadConfig('x.yaml', { cwd: self })).message).toContain('x.yaml -> x.yaml');
  });

  it('a diamond (same file twice, no cycle) is fine', () => {
    const dir = tempConfigs({ 'a.yaml': 'training: {epochs: 2}', 'b.yaml': 'defaults: [a]', 'c.yaml': 'defaults: [a, b]' });
    expect(loadConfig('c', { cwd: dir }).config.training.epochs).toBe(2);
  });

  it('missing files and bad YAML are clear errors', () => {
    const dir = tempConfigs({ 'a.yaml': 'defaults: [nope]', 'bad.yaml': 'model: {horizon: [1, 2\n', 'list.yaml': '- 1\n- 2\n' });
    expect(loadError(() => loadConfig('a.yaml', { cwd: dir })).message).toMatch(/^a\.yaml: defaults: config file 'nope' not found/);
    expect(loadError(() => loadConfig('missing.yaml', { cwd: dir })).message).toMatch(/config file 'missing.yaml' not found/);
    expect(loadError(() => loadConfig('bad.yaml', { cwd: dir })).message).toMatch(/^bad\.yaml: invalid YAML/);
    expect(loadError(() => loadConfig('list.yaml', { cwd: dir })).message).toMatch(/^list\.yaml: expected a mapping/);
  });

  it('validation errors name the file the value came from', () => {
    const dir = tempConfigs({
      'configs/base.yaml': 'training: {batch_size: abc}',
      'configs/x.yaml': 'defaults: [base]\nmodel: {famliy: ttm}',
    });
    const e = loadError(() => loadConfig('configs/x.yaml', { cwd: dir }));
    expect(e.issues).toEqual([
      "configs/x.yaml: model.famliy: unknown key (did you mean 'model.family'?)",
      'configs/base.yaml: training.batch_size: expected an integer ≥ 1, got "abc"',
    ]);
    expect(e.message).toContain(e.issues[0]);
    expect(e.message).toContain(e.issues[1]);
  });

  it('loads configs/default.yaml when no path is given', () => {
    const { config, sources } = loadConfig(undefined);
    expect(sources[sources.length - 1]).toBe(defaultConfigPath());
    expect(config.model).toMatchObject({ family: 'ttm', context_length: 96, horizon: 12 });
    expect(config.data.dataset).toBe('simulated_t1d');
  });
});

describe('--set overrides', () => {
  it('parses values as YAML scalars and flow collections', () => {
    expect(parseOverride('training.lr=3e-4').value).toBe(3e-4);
    expect(parseOverride('training.deterministic=false').value).toBe(false);
    expect(parseOverride('model.quantiles=[0.1,0.5,0.9]').value).toEqual([0.1, 0.5, 0.9]);
    expect(parseOverride('data.dataset=etth1').value).toBe('etth1');
    expect(parseOverride('training.device=cuda:1').value).toBe('cuda:1');
    expect(parseOverride('a.b=x=y').value).toBe('x=y');
  });

  it('applies after files', () => {
    const { config, sources } = loadConfig(undefined, {
      overrides: [
        'training.lr=3e-4',
        'training.epochs=7',
        'training.deterministic=false',
        'model.output=quantile',
        'model.quantiles=[0.1,0.5,0.9]',
        'model.params.d_model=64',
        'training.early_stopping.patience=0',
        'output.run_id=0123',
      ],
    });
    expect(config.training).toMatchObject({ lr: 3e-4, epochs: 7, deterministic: false });
    expect(config.training.early_stopping.patience).toBe(0);
    expect(config.model.output).toBe('quantile');
    expect(config.model.loss).toBe('pinball');
    expect(config.model.quantiles).toEqual([0.1, 0.5, 0.9]);
    expect(config.model.params.d_model).toBe(64);
    expect(config.model.params.patch_length).toBe(8); // the rest of the ttm params stay
    expect(config.output.run_id).toBe('0123'); // strings stay strings
    expect(sources).toContain('--set training.lr=3e-4');
  });

  it('flags apply after files and before --set', () => {
    const { config } = loadConfig(undefined, {
      flags: { training: { epochs: 2, batch_size: 8 } },
      overrides: ['training.epochs=3'],
    });
    expect(config.training.epochs).toBe(3);
    expect(config.training.batch_size).toBe(8);
  });

  it('switches split protocol and model family cleanly', () => {
    const { config } = loadConfig(undefined, {
      overrides: ['data.split.protocol=glucobench', 'data.split.block=96', 'model.family=dlinear'],
    });
    expect(config.data.split).toEqual({ protocol: 'glucobench', block: 96, ood_fraction: 0.1, seed: 42, mode: 'last_segment' });
    expect(config.model.family).toBe('dlinear');
    expect(config.model.params).toEqual({});
  });

  it('unknown keys are errors with did-you-mean', () => {
    expect(loadError(() => loadConfig(undefined, { overrides: ['training.lrr=1'] })).message).toBe(
      "--set training.lrr=1: unknown key 'training.lrr' (did you mean 'training.lr'?)",
    );
    expect(loadError(() => loadConfig(undefined, { overrides: ['modle.horizon=3'] })).message).toBe(
      "--set modle.horizon=3: unknown key 'modle.horizon' (did you mean 'model'?)",
    );
    expect(loadError(() => loadConfig(undefined, { overrides: ['training.lr.x=1'] })).message).toMatch(
      /^--set training\.lr\.x=1: unknown key 'training\.lr\.x'/,
    );
    expect(loadError(() => loadConfig(undefined, { overrides: ['training.lr'] })).message).toMatch(/expected path=value/);
  });

  it('bad values name the --set they came from', () => {
    const e = loadError(() => loadConfig(undefined, { overrides: ['training.batch_size=abc'] }));
    expect(e.issues).toEqual(['--set training.batch_size=abc: training.batch_size: expected an integer ≥ 1, got "abc"']);
    const e2 = loadError(() => loadConfig(undefined, { overrides: ['model.loss=pinball'] }));
    expect(e2.issues[0]).toMatch(/^--set model\.loss=pinball: model\.loss: 'pinball' needs model\.output 'quantile'/);
  });
});

describe('rendering and hashing', () => {
  it('renders YAML that loads back to the same config', () => {
    const { config } = loadConfig(undefined, { overrides: ['training.max_steps_per_epoch=5'] });
    const text = renderConfigYaml(config);
    expect(text).toContain('family: ttm');
    expect(parseConfigYaml(text)).toEqual(config);
  });

  it('hashes canonically and stably', () => {
    const { config } = loadConfig(undefined);
    const h = configHash(config);
    expect(h).toMatch(/^[0-9a-f]{12}$/);
    const reordered = JSON.parse(JSON.stringify(config, Object.keys(config).reverse())) as typeof config;
    expect(configHash({ ...reordered, ...config })).toBe(h);
    expect(configHash(parseConfigYaml(renderConfigYaml(config)))).toBe(h);
    const other = loadConfig(undefined, { overrides: ['training.lr=0.01'] }).config;
    expect(configHash(other)).not.toBe(h);
  });
});
