// The plain-PyTorch reference in bench/python (the bench's side-by-side loop) must stay the same model as
// the native one: same parameter count, and the same output and parameter gradients on the same weights and
// input (the gradients run through the native fused CPU kernels' backward passes).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadNative } from '../../../ts/native/loader.js';
import { findPythonTorch, benchPythonScript } from '../../../ts/bench/python.js';

const native = loadNative();
const dir = mkdtempSync(path.join(tmpdir(), 'tsfm-equiv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cases = [
  { family: 'dlinear', contextLength: 96, horizon: 24, channels: 2, params: {} },
  { family: 'dlinear', contextLength: 64, horizon: 16, channels: 3, params: { individual: 1 } },
  { family: 'ttm', contextLength: 96, horizon: 24, channels: 2, params: { patch_length: 8, d_model: 16, num_layers: 2 } },
  {
    family: 'ttm',
    contextLength: 64,
    horizon: 12,
    channels: 3,
    params: { patch_length: 8, d_model: 16, num_layers: 2, channel_mix: 1 },
    quantiles: [0.1, 0.5, 0.9],
  },
  { family: 'patchtst', contextLength: 96, horizon: 24, channels: 2, params: { d_model: 32, num_heads: 4, num_layers: 2, d_ff: 64 } },
  {
    family: 'patchtst',
    contextLength: 64,
    horizon: 12,
    channels: 1,
    params: { d_model: 16, num_heads: 2, num_layers: 1, d_ff: 32 },
    quantiles: [0.2, 0.5, 0.8],
  },
  // head sizes off the kernels' compile-time list (5) and on it (16), sequences not a multiple of 8
  {
    family: 'patchtst',
    contextLength: 100,
    horizon: 10,
    channels: 2,
    params: { patch_length: 12, stride: 6, d_model: 15, num_heads: 3, num_layers: 2, d_ff: 20 },
  },
  {
    family: 'patchtst',
    contextLength: 50,
    horizon: 5,
    channels: 1,
    params: { patch_length: 10, stride: 4, d_model: 32, num_heads: 2, num_layers: 1, d_ff: 16 },
  },
  { family: 'tsmixer', contextLength: 48, horizon: 12, channels: 3, params: { num_blocks: 2, ff_dim: 16 } },
  { family: 'tsmixer', contextLength: 40, horizon: 8, channels: 1, params: { num_blocks: 1, ff_dim: 8 }, quantiles: [0.1, 0.5, 0.9] },
  // L = 50 is no multiple of the 4-step pooling (ceil_mode) and H = 9 none of the downsampling
  { family: 'nhits', contextLength: 50, horizon: 9, channels: 2, params: { hidden_size: 32, blocks_per_stack: 2 } },
  {
    family: 'nhits',
    contextLength: 48,
    horizon: 12,
    channels: 1,
    params: { hidden_size: 16, mlp_layers: 1 },
    quantiles: [0.25, 0.5, 0.75],
  },
  { family: 'tide', contextLength: 48, horizon: 12, channels: 3, params: { hidden_size: 32, temporal_decoder_hidden: 16 } },
  {
    family: 'tide',
    contextLength: 32,
    horizon: 6,
    channels: 2,
    params: { hidden_size: 16, num_encoder_layers: 1, num_decoder_layers: 3, temporal_width: 0, layer_norm: 0 },
    quantiles: [0.1, 0.5, 0.9],
  },
  { family: 'lstm', contextLength: 40, horizon: 10, channels: 3, params: { hidden_size: 16, num_layers: 2 } },
  { family: 'lstm', contextLength: 24, horizon: 6, channels: 1, params: { hidden_size: 8, num_layers: 1 }, quantiles: [0.2, 0.5, 0.8] },
  { family: 'gru', contextLength: 40, horizon: 10, channels: 2, params: { hidden_size: 16, num_layers: 2 }, quantiles: [0.1, 0.9] },
];

describe('bench/python reference equivalence', () => {
  it('has the same parameter count, output and gradients as every native family (same weights, same input)', async () => {
    const py = await findPythonTorch();
    if (!py) throw new Error('no Python with torch: install python3-torch (scripts/setup.sh does), or set TSFM_PYTHON');
    const dumps: string[] = [];
    cases.forEach((c, i) => {
      const model = new native.NativeModel({ ...c, seed: 100 + i });
      const batch = 3;
      const x = new Float32Array(batch * c.channels * c.contextLength).map((_, k) => Math.sin(k * 0.37 + i) * 2 + (k % 7) * 0.1);
      const file = path.join(dir, `${c.family}-${i}.pt`);
      model.writeReferenceDump(x, batch, file);
      dumps.push(file);
      model.dispose();
    });
    const out = execFileSync(py.python, [benchPythonScript('check_equivalence.py'), ...dumps, '--tol', '1e-4'], { encoding: 'utf8' });
    const rows = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows).toHaveLength(cases.length);
    for (const r of rows) {
      expect(r.ok, JSON.stringify(r)).toBe(true);
      expect(r.params).toBe(r.params_cpp);
      expect(r.grads_compared, JSON.stringify(r)).toBeGreaterThan(0);
    }
  });

  it('rejects a dump of the wrong size with a clear error', () => {
    const model = new native.NativeModel({ family: 'dlinear', contextLength: 16, horizon: 4, channels: 1 });
    expect(() => model.writeReferenceDump(new Float32Array(5), 1, path.join(dir, 'x.pt'))).toThrow(/batch\*channels\*context = 16/);
  });
});
