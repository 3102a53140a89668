// The training step's GPU-minded parts, checked on the CPU where they run too: the multi-tensor AdamW and
// sync-free gradient clipping against LibTorch's own, and the background batch prefetch against in-line
// gathering (the same batches in the same order, so the same losses and weights, bit for bit).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadNative } from '../../../ts/native/loader.js';
import type { NativeTrainerOptions } from '../../../ts/native/types.js';
import { cohortSplit } from './cohort-split.js';

const native = loadNative();
const cpuOnlyBuild = native.runtimeInfo().buildConfig.includes('USE_CUDA=OFF');

describe('training step', () => {
  it('multi-tensor AdamW and clipping without a host sync compute what torch::optim::AdamW and clip_grad_norm_ do', async () => {
    const checks = await native.checkOptimizerStep('cpu');
    expect(checks.map((c) => c.name)).toEqual(['multi-tensor AdamW (cpu)', 'gradient clipping (cpu)', 'gradient norm (cpu)']);
    for (const c of checks) expect(c.ok, `${c.name}: ${c.detail}`).toBe(true);
    await expect(native.checkOptimizerStep('tpu')).rejects.toThrow(/tpu/);
  });

  it('background prefetch trains on the same batches as in-line gathering, across accumulation, epochs and resume', async () => {
    const { split, nCh } = cohortSplit();
    const spec = { family: 'ttm', contextLength: 48, horizon: 12, channels: nCh, params: { patch_length: 8 }, seed: 5 };
    const opts: NativeTrainerOptions = {
      epochs: 2,
      batchSize: 32,
      gradAccumSteps: 2,
      lr: 2e-3,
      seed: 9,
      logEvery: 1,
      maxStepsPerEpoch: 6,
      threads: 1,
      patience: 0,
    };
    const run = async (o: NativeTrainerOptions, checkpoint?: string) => {
      const model = new native.NativeModel(spec);
      const trainer = new native.NativeTrainer(model, o);
      if (checkpoint) await trainer.loadCheckpoint(checkpoint);
      const losses: number[] = [];
      const fit = await trainer.fit({ train: split }, (e: { kind: string; loss: number }) => e.kind === 'step' && losses.push(e.loss));
      const weights = Object.fromEntries(Object.entries(model.stateDict()).map(([k, t]) => [k, Array.from(t.data)]));
      trainer.dispose();
      model.dispose();
      return { fit, losses, weights };
    };
    const inline = await run({ ...opts, prefetch: 'off' });
    const ahead = await run({ ...opts, prefetch: 'on' });
    expect(inline.losses.length).toBe(12);
    expect(ahead.losses).toEqual(inline.losses);
    expect(ahead.weights).toEqual(inline.weights);

    // Interrupted mid-epoch with a batch already gathered ahead, then resumed: the same curve again.
    const dir = mkdtempSync(path.join(tmpdir(), 'tsfm-prefetch-'));
    const first = await run({ ...opts, prefetch: 'on', checkpointDir: dir, stopAfterSteps: 8 });
    expect(first.fit.status).toBe('interrupted');
    const rest = await run({ ...opts, prefetch: 'on' }, path.join(dir, 'last.pt'));
    expect([...first.losses, ...rest.losses]).toEqual(inline.losses);
    expect(rest.weights).toEqual(inline.weights);
  });

  it('times the steps from timeFromStep on, between two device synchronisations', async () => {
    const { split, nCh } = cohortSplit();
    const model = new native.NativeModel({ family: 'dlinear', contextLength: 48, horizon: 12, channels: nCh });
    const trainer = new native.NativeTrainer(model, {
      epochs: 1,
      batchSize: 16,
      maxStepsPerEpoch: 6,
      patience: 0,
      threads: 1,
      timeFromStep: 2,
    });
    const fit = await trainer.fit({ train: split });
    expect(fit.timedSteps).toBe(4);
    expect(fit.timedSeconds).toBeGreaterThan(0);
    expect(fit.timedSeconds).toBeLessThanOrEqual(fit.seconds);
    const untimed = await new native.NativeTrainer(model, { epochs: 1, batchSize: 16, maxStepsPerEpoch: 2, patience: 0, threads: 1 }).fit({
      train: split,
    });
    expect(untimed.timedSteps).toBeUndefined();
    trainer.dispose();
    model.dispose();
  });

  it.skipIf(!cpuOnlyBuild)('reports no CUDA peak memory in a build without CUDA', () => {
    expect(native.cudaPeakMemory(0)).toBe(-1);
    expect(() => native.resetCudaPeakMemory(0)).not.toThrow();
    expect(() => native.cudaPeakMemory(undefined as unknown as number)).toThrow(/cudaPeakMemory\(device: number\)/);
  });

  it('rejects an unknown prefetch mode with a clear error', () => {
    const { nCh } = cohortSplit();
    const model = new native.NativeModel({ family: 'dlinear', contextLength: 48, horizon: 12, channels: nCh });
    expect(() => new native.NativeTrainer(model, { prefetch: 'sometimes' as 'on' })).toThrow(
      /prefetch: expected 'auto', 'on' or 'off', got 'sometimes'/,
    );
    model.dispose();
  });
});
