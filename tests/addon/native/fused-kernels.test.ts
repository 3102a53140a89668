// The fused CPU kernels (native/core/kernels): which instruction set runs, the self-check against LibTorch's
// own ops, and the switch that turns them off. Their gradients inside the models are compared with PyTorch's
// autograd in python-equivalence.test.ts.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { loadNative, nativeAddonPath } from '../../../ts/native/loader.js';

const native = loadNative();
const cpuFlags =
  readFileSync('/proc/cpuinfo', 'utf8')
    .match(/^flags\s*:(.*)$/m)?.[1]
    .split(/\s+/) ?? [];
const hasAvx2 = process.arch === 'x64' && cpuFlags.includes('avx2') && cpuFlags.includes('fma');

afterEach(() => native.setFusedKernels(true));

function forecast(spec: Record<string, unknown>, x: Float32Array, batch: number): Float32Array {
  const model = new native.NativeModel({ ...spec, seed: 3 });
  try {
    return Float32Array.from(model.forward(x, batch).data as Float32Array);
  } finally {
    model.dispose();
  }
}

describe('fused CPU kernels', () => {
  it('run with the best instruction set this CPU has', () => {
    expect(native.runtimeInfo().fusedKernels).toBe(hasAvx2 ? 'avx2' : 'baseline');
  });

  it('agree with the LibTorch reference ops on every instruction set the CPU runs', async () => {
    const checks = await native.checkFusedKernels();
    const isas = hasAvx2 ? ['avx2', 'baseline'] : ['baseline'];
    for (const isa of isas) {
      for (const kind of [
        'attention forward',
        'attention gradients',
        'dropout keep rate',
        'dropout scaling and gradient',
        'dropout reproducibility',
      ])
        expect(checks.map((c) => c.name)).toContain(`${kind} (${isa})`);
    }
    for (const c of checks) expect(c.ok, `${c.name}: ${c.detail}`).toBe(true);
    expect(checks.find((c) => c.name.startsWith('attention gradients'))!.maxError).toBeLessThan(1e-5);
  });

  it('can be switched off at run time, and the models forecast the same either way', () => {
    const batch = 4;
    const specs = [
      { family: 'patchtst', contextLength: 96, horizon: 24, channels: 2, params: { d_model: 32, num_heads: 4, num_layers: 2, d_ff: 64 } },
      {
        family: 'patchtst',
        contextLength: 100,
        horizon: 10,
        channels: 1,
        params: { patch_length: 12, stride: 6, d_model: 15, num_heads: 3, num_layers: 1, d_ff: 20 },
      },
      { family: 'ttm', contextLength: 96, horizon: 24, channels: 2, params: { patch_length: 8, d_model: 16, num_layers: 2 } },
    ];
    for (const spec of specs) {
      const x = new Float32Array(batch * spec.channels * spec.contextLength).map((_, k) => Math.sin(k * 0.21) * 3 + (k % 5) * 0.2);
      const fused = forecast(spec, x, batch);
      native.setFusedKernels(false);
      expect(native.runtimeInfo().fusedKernels).toBe('off');
      const plain = forecast(spec, x, batch);
      native.setFusedKernels(true);
      let diff = 0;
      for (let i = 0; i < fused.length; i++) diff = Math.max(diff, Math.abs(fused[i] - plain[i]));
      expect(diff, spec.family).toBeLessThan(1e-4);
      expect(fused.every(Number.isFinite)).toBe(true);
    }
    expect(() => (native.setFusedKernels as (v: unknown) => void)('no')).toThrow(/setFusedKernels\(enabled: boolean\)/);
  });

  it('are off in a process started with TSFM_FUSED_KERNELS=0', () => {
    const script = `console.log(require(${JSON.stringify(nativeAddonPath())}).runtimeInfo().fusedKernels)`;
    const run = (v: string) =>
      execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { ...process.env, TSFM_FUSED_KERNELS: v } }).trim();
    expect(run('0')).toBe('off');
    expect(run('1')).toBe(hasAvx2 ? 'avx2' : 'baseline');
  });
});
