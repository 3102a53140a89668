import { describe, expect, it } from 'vitest';
import { forwardFlopsPerSample, trainFlopsPerSample } from '../../../ts/bench/flops.js';
import { betterOpenblasCore, buildSettings, cpuVectorFlags, loadedBlas } from '../../../ts/system/probe.js';
import { withTimedThroughput, type LoopResult } from '../../../ts/bench/training.js';

describe('model FLOPs', () => {
  it('counts DLinear as two L->H products per channel, training as 3x forward', () => {
    const spec = { family: 'dlinear', contextLength: 512, horizon: 96, channels: 2, params: { kernel_size: 25, individual: 0 } };
    expect(forwardFlopsPerSample(spec)).toBe(2 * 2 * 2 * 512 * 96);
    expect(trainFlopsPerSample(spec)).toBe(3 * forwardFlopsPerSample(spec));
  });
  it('grows with depth and width for ttm and patchtst, and rejects unknown families', () => {
    const ttm = (p: Record<string, number>) =>
      forwardFlopsPerSample({
        family: 'ttm',
        contextLength: 512,
        horizon: 96,
        channels: 1,
        params: { patch_length: 16, d_model: 64, num_layers: 8, expansion: 2, gated_attention: 1, channel_mix: 0, ...p },
      });
    expect(ttm({ num_layers: 16 }) - ttm({})).toBe(ttm({}) - ttm({ num_layers: 0 }));
    expect(ttm({ d_model: 128 })).toBeGreaterThan(ttm({}));
    const ptst = (p: Record<string, number>) =>
      forwardFlopsPerSample({
        family: 'patchtst',
        contextLength: 512,
        horizon: 96,
        channels: 1,
        params: { patch_length: 16, stride: 8, d_model: 128, num_heads: 16, num_layers: 3, d_ff: 256, ...p },
      });
    expect(ptst({ num_layers: 6 })).toBeGreaterThan(ptst({}));
    expect(() => forwardFlopsPerSample({ family: 'arima', contextLength: 8, horizon: 1, channels: 1, params: {} })).toThrow(
      /unknown model family 'arima'/,
    );
  });
});

describe('machine probes', () => {
  const line = (p: string) => `7f0000000000-7f0000001000 r-xp 00000000 08:01 123 ${p}`;
  it('tells the reference BLAS from OpenBLAS by the mapped library', () => {
    expect(loadedBlas([line('/usr/lib/x86_64-linux-gnu/blas/libblas.so.3.11.0'), line('/usr/lib/libc.so.6')].join('\n')).kind).toBe(
      'reference',
    );
    expect(loadedBlas(line('/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3')).kind).toBe('openblas');
    expect(loadedBlas(line('/opt/intel/lib/libmkl_core.so')).kind).toBe('mkl');
    expect(loadedBlas(line('/usr/lib/libc.so.6')).kind).toBe('unknown');
  });
  it('parses LibTorch build settings', () => {
    const s = buildSettings(
      'PyTorch built with:\n  - CUDA Runtime 12.1\n  - CuDNN 8.9.2\n  - Build settings: BLAS_INFO=open, TORCH_VERSION=2.1.0, USE_CUDA=ON, USE_NCCL=1, \n',
    );
    expect(s).toMatchObject({
      BLAS_INFO: 'open',
      TORCH_VERSION: '2.1.0',
      USE_CUDA: 'ON',
      USE_NCCL: '1',
      CUDA_RUNTIME: '12.1',
      CUDNN_VERSION: '8.9.2',
    });
  });
});

describe('data-parallel suite arithmetic', () => {
  it('converts algorithm to bus bandwidth as nccl-tests do, and picks the ranks per device', async () => {
    const { busBandwidth, ddpRanks } = await import('../../../ts/bench/ddp.js');
    expect(busBandwidth(10, 1)).toBe(10);
    expect(busBandwidth(10, 2)).toBe(10);
    expect(busBandwidth(10, 8)).toBeCloseTo(17.5, 10);
    expect(ddpRanks('cpu', 0, 16)).toBe(2);
    expect(ddpRanks('cpu', 0, 1)).toBe(1);
    expect(ddpRanks('cuda', 4, 16)).toBe(4);
  });
});

describe('GPU throughput', () => {
  it('takes samples/s from the steps timed between two synchronisations, and refuses a result without them', () => {
    const r = { samplesPerSec: 1, samplesPerSecMean: 1 } as LoopResult;
    expect(withTimedThroughput(r, { timedSeconds: 2, timedSteps: 50 }, 64).samplesPerSec).toBe(1600);
    expect(r.samplesPerSecMean).toBe(1600);
    expect(r.timedThroughput).toBe(true);
    expect(() => withTimedThroughput({ ...r }, {}, 64)).toThrow(/no timed steps/);
  });
});

describe('OpenBLAS kernels', () => {
  const cpuinfo = (flags: string) => `processor\t: 0\nmodel\t\t: 207\nflags\t\t: fpu sse2 ${flags}\n`;
  it('reads the CPU vector extensions from /proc/cpuinfo', () => {
    expect(cpuVectorFlags(cpuinfo('avx avx2 avx512f amx_tile'))).toEqual({ avx2: true, avx512f: true });
    expect(cpuVectorFlags(cpuinfo('avx avx2'))).toEqual({ avx2: true, avx512f: false });
    expect(cpuVectorFlags('')).toEqual({ avx2: false, avx512f: false });
  });
  it('names the core type that gives an OpenBLAS older than the CPU its vector units', () => {
    expect(betterOpenblasCore('Prescott', { avx2: true, avx512f: true })).toBe('SkylakeX');
    expect(betterOpenblasCore('Nehalem', { avx2: true, avx512f: false })).toBe('Haswell');
    for (const core of ['Haswell', 'Zen', 'SkylakeX', 'Cooperlake', 'SapphireRapids'])
      expect(betterOpenblasCore(core, { avx2: true, avx512f: true })).toBeUndefined();
    expect(betterOpenblasCore('Prescott', { avx2: false, avx512f: false })).toBeUndefined(); // an old CPU: nothing better
    expect(betterOpenblasCore('', { avx2: true, avx512f: true })).toBeUndefined(); // not OpenBLAS
  });
});
