// The bench's MFU divides by FLOPs that ts/bench/flops.ts derives from layer shapes; here they are held to the
// matmul work counted while the plain-PyTorch twins (bench/python/models.py) actually run a forward pass, with the
// native model's resolved hyper-parameters (its defaults included).
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { forwardFlopsPerSample } from '../../../ts/bench/flops.js';
import { findPythonTorch } from '../../../ts/bench/python.js';
import { createModel } from '../../../ts/native/engine.js';
import { loadNative } from '../../../ts/native/loader.js';

const native = loadNative();
const python = await findPythonTorch();
// patchtst's attention products are not nn.Linear calls, so the hook count cannot see them; it is left out.
const FAMILIES = ['dlinear', 'ttm', 'tsmixer', 'nhits', 'tide', 'lstm', 'gru'];
const SHAPES = [
  { contextLength: 96, horizon: 24, channels: 1 },
  { contextLength: 64, horizon: 12, channels: 3, quantiles: [0.1, 0.5, 0.9] },
];

describe.skipIf(!python)('bench FLOPs against the PyTorch twins (needs a Python torch)', () => {
  it('agree exactly for every family, point and quantile, one and several channels', () => {
    const cases = FAMILIES.flatMap((family) =>
      SHAPES.map((shape) => {
        const model = createModel(native, { family, ...shape, seed: 1 });
        const params = model.info().params;
        model.dispose();
        return { family, ...shape, params };
      }),
    );
    const specs = cases.map((c) => ({
      family: c.family,
      context_length: c.contextLength,
      horizon: c.horizon,
      channels: c.channels,
      quantiles: c.quantiles ?? [],
      params: c.params,
    }));
    const counted = JSON.parse(
      execFileSync(python!.python, ['count_flops.py', JSON.stringify(specs)], {
        cwd: path.resolve('bench/python'),
        encoding: 'utf8',
      }),
    ) as number[];
    const derived = cases.map((c) => forwardFlopsPerSample(c));
    expect(derived.map((f, i) => `${cases[i].family}/${cases[i].channels}: ${f}`)).toEqual(
      counted.map((f, i) => `${cases[i].family}/${cases[i].channels}: ${f}`),
    );
    for (const f of derived) expect(f).toBeGreaterThan(0);
  });
});
