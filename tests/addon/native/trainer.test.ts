import { mkdtempSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadNative } from '../../../ts/native/loader.js';
import { cohortSplit } from './cohort-split.js';

const native = loadNative();

describe('native addon', () => {
  it('reports its LibTorch runtime', () => {
    const info = native.runtimeInfo();
    expect(info.torchVersion).toMatch(/^\d+\.\d+/);
    expect(typeof info.cudaAvailable).toBe('boolean');
  });

  it('lists the model families and rejects unknown ones with a clear error', () => {
    const fams = native
      .listModelFamilies()
      .map((f: { family: string }) => f.family)
      .sort();
    expect(fams).toEqual(['dlinear', 'granite_ttm', 'gru', 'lstm', 'nhits', 'patchtst', 'tide', 'tsmixer', 'ttm']);
    expect(() => new native.NativeModel({ family: 'patchtsst', contextLength: 48, horizon: 12, channels: 1 })).toThrow(
      /unknown model family 'patchtsst'.*did you mean 'patchtst'/,
    );
    expect(() => new native.NativeDataset({})).toThrow(TypeError);
  });

  it('gathers windows from the JS buffers without leaving a segment, scaled as asked', () => {
    const { ds, split } = cohortSplit();
    const n = native.windowCount(split);
    const ids = [0, n - 1];
    const b = native.gatherBatch(split, ids);
    expect(b.x.shape).toEqual([2, split.inputChannels.length, 48]);
    expect(b.y.shape).toEqual([2, 1, 12]);
    const m = split.scaling.mean[0];
    const s = split.scaling.std[0];
    expect(b.x.data[0] * s + m).toBeCloseTo(ds.values[0][0], 3);
    const lastSeg = ds.segments[ds.segments.length - 1];
    const lastRow = lastSeg.offset + lastSeg.length - 1;
    expect(b.y.data[b.y.data.length - 1] * s + m).toBeCloseTo(ds.values[0][lastRow], 3);
    expect(() => native.gatherBatch(split, [n])).toThrow(RangeError);
  });

  it('trains off the JS thread with progress, and a resumed run continues the same loss curve', async () => {
    const { split, nCh } = cohortSplit();
    const dir = mkdtempSync(path.join(tmpdir(), 'tsfm-train-'));
    const spec = { family: 'dlinear', contextLength: 48, horizon: 12, channels: nCh, seed: 11 };
    const opts = { epochs: 2, batchSize: 32, lr: 1e-3, seed: 3, logEvery: 1, maxStepsPerEpoch: 10, threads: 1, patience: 0 };

    const full: number[] = [];
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const t1 = new native.NativeTrainer(new native.NativeModel(spec), opts);
    const r1 = await t1.fit({ train: split, val: split }, (e: { kind: string; loss: number }) => e.kind === 'step' && full.push(e.loss));
    clearInterval(timer);
    expect(r1.status).toBe('completed');
    expect(full.length).toBe(20);
    expect(ticks).toBeGreaterThan(0); // the event loop kept running during training

    const first: number[] = [];
    const t2 = new native.NativeTrainer(new native.NativeModel(spec), { ...opts, checkpointDir: dir, stopAfterSteps: 13 });
    const r2 = await t2.fit({ train: split }, (e: { kind: string; loss: number }) => e.kind === 'step' && first.push(e.loss));
    expect(r2.status).toBe('interrupted');
    expect(existsSync(path.join(dir, 'last.pt'))).toBe(true);

    const rest: number[] = [];
    const t3 = new native.NativeTrainer(new native.NativeModel(spec), opts);
    await t3.loadCheckpoint(path.join(dir, 'last.pt'));
    await t3.fit({ train: split }, (e: { kind: string; loss: number }) => e.kind === 'step' && rest.push(e.loss));
    const resumed = [...first, ...rest];
    expect(resumed.length).toBe(full.length);
    resumed.forEach((v, i) => expect(v).toBeCloseTo(full[i], 6));

    const other = new native.NativeTrainer(new native.NativeModel({ ...spec, family: 'ttm', params: { patch_length: 8 } }), opts);
    await expect(other.loadCheckpoint(path.join(dir, 'last.pt'))).rejects.toThrow(/belongs to another model/);
    writeFileSync(path.join(dir, 'junk.pt'), 'not a checkpoint');
    await expect(t3.loadCheckpoint(path.join(dir, 'junk.pt'))).rejects.toThrow(/unreadable/);
  });

  it('predicts and returns targets in original units (mg/dL), same shape', async () => {
    const { split, nCh } = cohortSplit();
    const t = new native.NativeTrainer(
      new native.NativeModel({ family: 'ttm', contextLength: 48, horizon: 12, channels: nCh, params: { patch_length: 8 } }),
      {
        epochs: 1,
        batchSize: 32,
        lr: 1e-3,
        seed: 1,
        maxStepsPerEpoch: 5,
        threads: 1,
      },
    );
    await t.fit({ train: split });
    const pred = await t.predict(split);
    const truth = await t.targets(split);
    expect(pred.shape).toEqual(truth.shape);
    expect(pred.shape[1]).toBe(1);
    const mean = truth.data.reduce((a: number, b: number) => a + b, 0) / truth.data.length;
    expect(mean).toBeGreaterThan(60); // mg/dL, not the scaled axis
    t.dispose();
  });
});
