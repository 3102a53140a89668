import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configsDir, loadConfig } from '../../../ts/config/index.js';

/** Every run config shipped in configs/ (datasets/, experiments/ and search/ hold other schemas, tested with their modules). */
function runConfigs(dir = configsDir()): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return ['datasets', 'experiments', 'search'].includes(e.name) && dir === configsDir() ? [] : runConfigs(p);
    return /\.ya?ml$/.test(e.name) ? [p] : [];
  });
}

describe('shipped configs', () => {
  const files = runConfigs();

  it('include the default, the model families and the examples', () => {
    const rel = files.map((f) => relative(configsDir(), f).split('\\').join('/'));
    for (const f of ['default.yaml', 'models/dlinear.yaml', 'models/ttm.yaml', 'models/patchtst.yaml', 'examples/etth1-dlinear.yaml']) {
      expect(rel).toContain(f);
    }
  });

  it.each(files.map((f) => [relative(configsDir(), f), f]))('%s validates', (_name, file) => {
    expect(() => loadConfig(file)).not.toThrow();
  });

  it('examples resolve as intended', () => {
    const dl = loadConfig('examples/etth1-dlinear').config;
    expect(dl.model).toMatchObject({ family: 'dlinear', context_length: 336, horizon: 96, loss: 'mse' });
    expect(dl.data).toMatchObject({ dataset: 'etth1', split: { protocol: 'ett' }, scaler: 'global' });
    expect(dl.training).toMatchObject({ batch_size: 32, lr: 0.005, epochs: 10 });

    // The paper's architecture over the preset's smaller one (configs/models/tide.yaml has hidden 128).
    const tide = loadConfig('examples/etth1-tide').config;
    expect(tide.model).toMatchObject({ family: 'tide', context_length: 720, horizon: 96 });
    expect(tide.model.params).toMatchObject({ hidden_size: 256, temporal_decoder_hidden: 128, decoder_output_dim: 8 });
    expect(tide.data).toMatchObject({ dataset: 'etth1', split: { protocol: 'ett' }, scaler: 'global' });
    expect(tide.training).toMatchObject({ batch_size: 512, lr: 3.82e-5 });

    const pt = loadConfig('examples/etth1-patchtst').config;
    expect(pt.model.family).toBe('patchtst');
    expect(pt.model.params).toMatchObject({
      patch_length: 16,
      stride: 8,
      d_model: 16,
      num_heads: 4,
      num_layers: 3,
      d_ff: 128,
      dropout: 0.3,
    });

    const sh = loadConfig('examples/shanghai-t1dm-ttm').config;
    expect(sh.model).toMatchObject({ family: 'ttm', context_length: 32, horizon: 4 });
    expect(sh.model.params).toMatchObject({ patch_length: 4, d_model: 32 });
    expect(sh.data.dataset).toBe('shanghai_t1dm');

    const q = loadConfig('examples/simulated-quantile').config;
    expect(q.model).toMatchObject({ output: 'quantile', loss: 'pinball' });
    expect(q.data.dataset).toBe('simulated_t1d');
  });
});
