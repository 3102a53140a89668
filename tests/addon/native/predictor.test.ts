import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadNative } from '../../../ts/native/loader.js';
import { Predictor } from '../../../ts/native/predictor.js';
import type { NativeModelSpec, NativeTrainer } from '../../../ts/native/types.js';
import { cohortSplit } from './cohort-split.js';

const native = loadNative();
const dir = mkdtempSync(path.join(tmpdir(), 'tsfm-predictor-'));

/** Trains `spec` a few steps and saves a checkpoint: the trainer that wrote it and the file. */
async function trained(spec: NativeModelSpec, file: string, extra: { loss?: string } = {}): Promise<NativeTrainer> {
  const { split } = cohortSplit();
  const t = new native.NativeTrainer(new native.NativeModel(spec), {
    epochs: 1,
    batchSize: 32,
    lr: 1e-3,
    seed: 2,
    maxStepsPerEpoch: 4,
    threads: 1,
    ...extra,
  });
  await t.fit({ train: split });
  await t.saveCheckpoint(file);
  return t;
}

describe('NativePredictor', () => {
  const { split, nCh } = cohortSplit();
  // Covariates in, one target out: the predictor selects the target channel as the trainer does.
  const point: NativeModelSpec = { family: 'ttm', contextLength: 48, horizon: 12, channels: nCh, params: { patch_length: 8 }, seed: 5 };
  const quantile: NativeModelSpec = {
    family: 'dlinear',
    contextLength: 48,
    horizon: 12,
    channels: nCh,
    quantiles: [0.1, 0.5, 0.9],
    seed: 6,
  };
  const pointPt = path.join(dir, 'point.pt');
  const quantilePt = path.join(dir, 'quantile.pt');
  let pointTrainer: NativeTrainer;
  let quantileTrainer: NativeTrainer;

  beforeAll(async () => {
    pointTrainer = await trained(point, pointPt);
    quantileTrainer = await trained(quantile, quantilePt, { loss: 'pinball' });
  });

  it('forecasts exactly what the trainer that wrote the checkpoint forecasts, scaled and unscaled', async () => {
    for (const [spec, file, trainer] of [
      [point, pointPt, pointTrainer],
      [quantile, quantilePt, quantileTrainer],
    ] as const) {
      // The trainer's predict passes max(batchSize, 256) windows at a time; the same batches give the same bits.
      const p = await native.NativePredictor.open(spec, file, { batchSize: 256, threads: 1 });
      for (const unscale of [true, false]) {
        const want = await trainer.predict(split, { unscale });
        const got = await p.predict(split, { unscale });
        expect(got.shape).toEqual(want.shape);
        expect(got.data.length).toBeGreaterThan(1000);
        expect(
          Buffer.from(got.data.buffer, got.data.byteOffset, got.data.byteLength).equals(
            Buffer.from(want.data.buffer, want.data.byteOffset, want.data.byteLength),
          ),
        ).toBe(true);
      }
      p.dispose();
    }
    expect((await native.NativePredictor.open(quantile, quantilePt)).info()).toMatchObject({
      output: 'quantile',
      quantiles: [0.1, 0.5, 0.9],
      checkpoint: quantilePt,
      device: 'cpu',
      batchSize: 256,
    });
  });

  it('gives the same forecasts (to float rounding) whatever its batch size', async () => {
    const big = await native.NativePredictor.open(point, pointPt, { batchSize: 1000 });
    const small = await native.NativePredictor.open(point, pointPt, { batchSize: 7 });
    const a = await big.predict(split);
    const b = await small.predict(split);
    expect(b.shape).toEqual(a.shape);
    let worst = 0;
    for (let i = 0; i < a.data.length; i++) worst = Math.max(worst, Math.abs(a.data[i]! - b.data[i]!) / Math.max(1, Math.abs(a.data[i]!)));
    expect(worst).toBeLessThan(1e-5);
    big.dispose();
    small.dispose();
  });

  it('rejects a missing, unreadable or foreign checkpoint with a JS Error naming the file', async () => {
    const missing = path.join(dir, 'nope', 'best.pt');
    const e = await native.NativePredictor.open(point, missing).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(Error);
    expect((e as Error).message).toBe(`checkpoint not found: ${missing}`);
    const junk = path.join(dir, 'junk.pt');
    writeFileSync(junk, 'not a checkpoint');
    await expect(native.NativePredictor.open(point, junk)).rejects.toThrow(`checkpoint ${junk} is unreadable`);
    await expect(native.NativePredictor.open(quantile, pointPt)).rejects.toThrow(`checkpoint ${pointPt} belongs to another model`);
    await expect(native.NativePredictor.open(point, pointPt, { device: 'tpu' })).rejects.toThrow(/unknown device 'tpu'/);
    expect(() => native.NativePredictor.open(point, pointPt, { batchSize: 0 })).toThrow(RangeError);
  });

  it("refuses windows or channels that are not the model's", async () => {
    const p = await native.NativePredictor.open(point, pointPt);
    const other = cohortSplit(64, 12).split;
    await expect(p.predict(other)).rejects.toThrow('predict: windows are 64+12 but the model expects 48+12');
    await expect(p.predict({ ...split, inputChannels: [0] })).rejects.toThrow(
      `predict: data has 1 input channels but the model expects ${nCh}`,
    );
    p.dispose();
  });

  it('is created only through open(), is safe to dispose twice and throws clearly once disposed', async () => {
    expect(() => new (native.NativePredictor as unknown as new () => unknown)()).toThrow(/NativePredictor\.open/);
    const p = await native.NativePredictor.open(point, pointPt);
    const running = p.predict(split);
    p.dispose(); // the running call holds the model until it finishes
    p.dispose();
    expect((await running).shape[0]).toBeGreaterThan(0);
    // As every native method, argument and state errors throw at the call, before any work is queued.
    expect(() => p.predict(split)).toThrow('predictor was disposed');
    expect(() => p.info()).toThrow('predictor was disposed');
  });

  it('ts/native Predictor: typed, disposable, and names its checkpoint once disposed', async () => {
    const p = await Predictor.open(native, point, pointPt, { threads: 1 });
    expect(p.info().family).toBe('ttm');
    expect((await p.predict(split)).shape).toEqual([native.windowCount(split), 1, 12]);
    p.dispose();
    p.dispose();
    expect(p.disposed).toBe(true);
    await expect(p.predict(split)).rejects.toThrow(`predictor for ${pointPt} was disposed`);
    await expect(Predictor.open(native, point, path.join(dir, 'none.pt'))).rejects.toThrow(/none\.pt/);
  });
});
