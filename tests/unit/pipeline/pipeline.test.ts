import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfigYaml } from '../../../ts/config/index.js';
import { fitScaler } from '../../../ts/data/scaler.js';
import { modelChannels } from '../../../ts/pipeline/channels.js';
import { resolveDevice } from '../../../ts/pipeline/device.js';
import { lossOf, modelSpecOf, trainerOptionsOf } from '../../../ts/pipeline/native-options.js';
import { prepareDataset } from '../../../ts/pipeline/prepare.js';
import { readScalerFile, scalerFileOf, scalerForDataset, statisticsForSeries } from '../../../ts/pipeline/scaler-file.js';
import { syntheticDataset } from '../data/synthetic.js';

const config = (extra = '') =>
  parseConfigYaml(
    `model: { family: dlinear, context_length: 12, horizon: 4 }\ndata: { dataset: simulated_t1d, scaler: per_series${extra} }\n`,
  );
const tmp = mkdtempSync(path.join(os.tmpdir(), 'tsfm-pipeline-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('pipeline', () => {
  it('picks target and input channels, with one message for an unknown channel', () => {
    const ds = syntheticDataset([[200], [150]]);
    expect(modelChannels(config(', covariates: false'), ds)).toEqual({ targetChannels: [0], inputChannels: [0] });
    expect(modelChannels(config(', covariates: true'), ds)).toEqual({ targetChannels: [0], inputChannels: [0, 1] });
    expect(() => modelChannels(config(', target_channels: [glucose]'), ds)).toThrow(
      "data.target_channels: dataset 'synthetic' has no channel 'glucose' (channels: row, series)",
    );
  });

  it('prepares splits leak-free and applies train_fraction only when asked', () => {
    const ds = syntheticDataset([[400], [400]]);
    const full = prepareDataset(config(', train_fraction: 0.5'), ds);
    const few = prepareDataset(config(', train_fraction: 0.5'), ds, { applyTrainFraction: true });
    const count = (w: { spanCount: Float64Array }) => w.spanCount.reduce((a, b) => a + b, 0);
    expect(count(few.splits.train)).toBeLessThan(count(full.splits.train));
    expect(count(few.splits.train)).toBeGreaterThan(0.4 * count(full.splits.train));
    expect(full.protocol.kind).toBe('temporal');
  });

  it('round-trips scaler.json, uses the train-wide statistics for unseen series, and refits on another dataset', () => {
    const ds = syntheticDataset([[300], [300]]);
    const { splits } = prepareDataset(config(), ds);
    const scaler = fitScaler(ds, splits.train, 'per_series');
    const file = scalerFileOf(ds, splits.train, scaler);
    writeFileSync(path.join(tmp, 'scaler.json'), JSON.stringify(file));
    const back = readScalerFile(tmp);
    expect(back).toEqual(JSON.parse(JSON.stringify(file)));
    const stats = statisticsForSeries(back, ['s1', 'new']);
    expect(stats.mean[0]).toBeCloseTo(file.mean[2]!, 5); // s1's own row-channel mean
    expect(stats.mean[2]).toBeCloseTo(file.global!.mean[0]!, 5); // an unseen series: train-wide
    const notes: string[] = [];
    expect(scalerForDataset(back, ds, splits.train, notes).mean).toEqual(scaler.mean);
    expect(notes).toEqual([]);
    const other = { ...syntheticDataset([[300]]), name: 'other' };
    scalerForDataset(back, other, prepareDataset(config(), other).splits.train, notes);
    expect(notes[0]).toMatch(/refitted on other's training windows/);
    expect(() => readScalerFile(path.join(tmp, 'none'))).toThrow(/scaler\.json: missing/);
  });

  it('maps a config onto the native options once', () => {
    const c = config();
    expect(modelSpecOf(c, 3)).toMatchObject({ family: 'dlinear', contextLength: 12, horizon: 4, channels: 3, quantiles: undefined });
    expect(lossOf(c)).toBe('mse');
    const o = trainerOptionsOf(c, {
      runDir: '/r',
      device: 'cpu',
      dist: { rank: 0, worldSize: 1, localRank: 0, localWorldSize: 1, masterAddr: '127.0.0.1', masterPort: 29500, source: 'none' } as never,
    });
    expect(o).toMatchObject({
      epochs: c.training.epochs,
      batchSize: c.training.batch_size,
      checkpointDir: path.join('/r', 'checkpoints'),
      device: 'cpu',
    });
    expect(o.distributed).toBeUndefined();
  });

  it('resolves the device once: auto follows CUDA, distributed CUDA workers take their local GPU', () => {
    expect(resolveDevice('auto', false)).toBe('cpu');
    expect(resolveDevice('auto', true)).toBe('cuda');
    expect(resolveDevice('cuda', true, { worldSize: 4, localRank: 2 })).toBe('cuda:2');
    expect(resolveDevice('cpu', true, { worldSize: 4, localRank: 2 })).toBe('cpu');
  });
});
