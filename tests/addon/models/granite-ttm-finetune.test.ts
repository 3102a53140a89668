// Fine-tuning strategies (training.finetune) on IBM's TTM-R2 512-96 weights (../shared/models/granite-ttm-r2-512-96)
// and real ETTh1 windows: `head` trains the forecast head alone (every other weight bit-for-bit unchanged);
// `lora` adds adapters that leave the forecast exactly as it was at step 0, train with the base frozen,
// resume from a crash to the same result as an uninterrupted run, and export merged into plain weights that
// load back as model.pretrained and forecast the same. A few steps each (context 512 is what the weights take).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadNative } from '../../../ts/native/loader.js';
import { exportHfCheckpoint, pretrainedModelSpec, resolvePretrained, type PretrainedCheckpoint } from '../../../ts/pretrained/index.js';

const native = loadNative();
const cli = path.resolve('dist/ts/cli/main.js');
const shipped = path.resolve('../shared/models/granite-ttm-r2-512-96');
const etth1 = path.resolve('../shared/data/ett/ETTh1.csv');
const tmp = mkdtempSync(path.join(tmpdir(), 'tsfm-granite-ft-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const L = 512;
const H = 96;
const C = 7;
const HEAD_PARAMETERS = 8 * 128 * 96 + 96; // head.base_forecast_block: 8 patches x decoder_d_model 128 -> 96

/** ETTh1 as a native dataset with its standard training rows (0..8640) as a split, z-scored with their statistics. */
function etth1Split() {
  const rows = readFileSync(etth1, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(',').slice(1).map(Number));
  const columns = Array.from({ length: C }, (_, c) => Float32Array.from(rows, (r) => r[c]));
  const train = rows.slice(0, 8640);
  const mean = Array.from({ length: C }, (_, c) => train.reduce((s, r) => s + r[c], 0) / train.length);
  const std = Array.from({ length: C }, (_, c) => Math.sqrt(train.reduce((s, r) => s + (r[c] - mean[c]) ** 2, 0) / train.length));
  const dataset = new native.NativeDataset({
    columns,
    segmentOffsets: [0],
    segmentLengths: [rows.length],
    segmentSeries: [0],
    numSeries: 1,
  });
  const channels = Array.from({ length: C }, (_, c) => c);
  const split = {
    dataset,
    windows: { spanStart: [0], spanCount: [8640 - L - H + 1], stride: 1, context: L, horizon: H },
    scaling: { kind: 'global', mean, std, channels: C },
    inputChannels: channels,
    targetChannels: channels,
  };
  // A few test-period windows, z-scored the same way, as model inputs [B, C, L].
  const x = new Float32Array(4 * C * L);
  for (let b = 0; b < 4; b++)
    for (let c = 0; c < C; c++) for (let t = 0; t < L; t++) x[(b * C + c) * L + t] = (rows[11520 - L + b * 301 + t][c] - mean[c]) / std[c];
  return { split, x };
}

type State = Record<string, { data: Float32Array; shape: number[] }>;
const same = (a: Float32Array, b: Float32Array) =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
const maxAbsDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
const trainerOptions = { epochs: 1, batchSize: 8, lr: 1e-2, seed: 5, threads: 2, patience: 0, maxStepsPerEpoch: 3, warmupSteps: 0 };

describe('granite_ttm fine-tuning strategies on the TTM-R2 weights', () => {
  const shape = { context: L, horizon: H, channels: C };
  let ck: PretrainedCheckpoint;
  let data: ReturnType<typeof etth1Split>;
  beforeAll(async () => {
    ck = await resolvePretrained(shipped, shape);
    data = etth1Split();
  });
  const pretrainedModel = async () => {
    const model = new native.NativeModel(pretrainedModelSpec(ck, shape));
    await native.hfWeights(model, 'load', ck.dir);
    return model;
  };

  it('head: the optimiser trains the head alone; every backbone and decoder weight is bit-for-bit unchanged', async () => {
    const model = await pretrainedModel();
    const before = model.stateDict() as State;
    const trainer = new native.NativeTrainer(model, { ...trainerOptions, finetune: { strategy: 'head' } });
    expect(model.info().parameters).toBe(HEAD_PARAMETERS); // trainable ones
    const fit = await trainer.fit({ train: data.split });
    expect(fit.globalStep).toBe(3);
    const after = model.stateDict() as State;
    const changed = Object.keys(before).filter((k) => !same(before[k].data, after[k].data));
    expect(changed.sort()).toEqual(['head.base_forecast_block.bias', 'head.base_forecast_block.weight']);
    expect(Object.keys(before).length).toBe(134);
    trainer.dispose();
    model.dispose();
  });

  it('lora: adapters leave the forecast exactly as it was at step 0, train with the base frozen, and export merged', async () => {
    const model = await pretrainedModel();
    const y0 = model.forward(data.x, 4).data;
    const base = model.stateDict() as State;
    const trainer = new native.NativeTrainer(model, {
      ...trainerOptions,
      finetune: { strategy: 'lora', loraRank: 4, loraAlpha: 8, loraTargets: ['mixer', 'head'] },
    });
    const adapted = model.stateDict() as State;
    const adapters = Object.keys(adapted).filter((k) => /\.lora_[AB]$/.test(k));
    // Every mixer linear (MLP fc1/fc2 and gate of the patch and feature mixers: 6 encoder and 2 decoder layers x 6) and the head.
    expect(adapters.length).toBe(2 * 49);
    expect(adapted['head.base_forecast_block.lora_A'].shape).toEqual([4, 1024]);
    expect(adapted['head.base_forecast_block.lora_B'].shape).toEqual([96, 4]);
    expect(adapters.filter((k) => k.endsWith('lora_B')).every((k) => adapted[k].data.every((v) => v === 0))).toBe(true);
    const trainable = adapters.reduce((n, k) => n + adapted[k].data.length, 0);
    expect(model.info().parameters).toBe(trainable);
    expect(same(model.forward(data.x, 4).data, y0)).toBe(true); // B = 0: exactly the unadapted model

    await trainer.fit({ train: data.split });
    const after = model.stateDict() as State;
    for (const k of Object.keys(base)) expect(same(after[k].data, base[k].data), k).toBe(true);
    expect(after['head.base_forecast_block.lora_B'].data.some((v) => v !== 0)).toBe(true);
    const y1 = model.forward(data.x, 4).data;
    expect(maxAbsDiff(y1, y0)).toBeGreaterThan(1e-4);

    // Export: W + (alpha / rank) B A, under the reference's names only; a plain model loads it (strictly) and forecasts the same.
    const out = path.join(tmp, 'lora-export');
    mkdirSync(out);
    await exportHfCheckpoint(native, model, out, ck.rawConfig, H);
    const plain = new native.NativeModel(pretrainedModelSpec(ck, shape));
    expect(await native.hfWeights(plain, 'load', out)).toBe(134);
    expect(maxAbsDiff(plain.forward(data.x, 4).data, y1)).toBeLessThan(1e-5);
    plain.dispose();
    trainer.dispose();
    model.dispose();
  });

  it('refuses unknown strategies and targets, rank 0, and LoRA on a family without adaptable layers', () => {
    const make = (finetune: Record<string, unknown>, family = 'granite_ttm') =>
      new native.NativeTrainer(
        new native.NativeModel(
          family === 'granite_ttm' ? pretrainedModelSpec(ck, shape) : { family, contextLength: 32, horizon: 8, channels: 1 },
        ),
        { ...trainerOptions, finetune },
      );
    expect(() => make({ strategy: 'prefix' })).toThrow(/training\.finetune\.strategy: unknown 'prefix' \(expected full, head or lora\)/);
    expect(() => make({ strategy: 'lora', loraTargets: ['mixer', 'attention'] })).toThrow(
      /training\.finetune\.lora\.targets: unknown target 'attention'/,
    );
    expect(() => make({ strategy: 'lora', loraRank: 0 })).toThrow(/training\.finetune\.lora\.rank: must be >= 1/);
    expect(() => make({ strategy: 'lora' }, 'ttm')).toThrow(
      /training\.finetune\.strategy: lora adapts granite_ttm's linear layers; family ttm/,
    );
    expect(() => make({ strategy: 'head' }, 'dlinear')).toThrow(
      /training\.finetune\.strategy: head needs a model with a forecast head .*dlinear/,
    );
  });
});

describe('tsfm train with training.finetune (ETTh1, TTM-R2)', () => {
  const runs = mkdtempSync(path.join(tmpdir(), 'tsfm-granite-ft-runs-'));
  afterAll(() => rmSync(runs, { recursive: true, force: true }));
  const common = [
    'configs/examples/etth1-granite-ttm-zero-shot.yaml',
    '--runs-dir',
    runs,
    '--set',
    'training.epochs=3',
    '--set',
    'training.max_steps_per_epoch=2',
    '--set',
    'training.batch_size=8',
    '--set',
    'training.val_max_windows=16',
    '--set',
    'data.stride=48',
    '--set',
    'training.threads=2',
    '--set',
    'training.early_stopping.patience=0',
    '--set',
    'training.lr=0.005',
    '--set',
    'training.finetune.strategy=lora',
    '--set',
    'training.finetune.lora.rank=4',
  ];
  const tsfm = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(process.execPath, [cli, 'train', ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  const metrics = (id: string) => JSON.parse(readFileSync(path.join(runs, id, 'metrics.json'), 'utf8'));
  const meta = (id: string) => JSON.parse(readFileSync(path.join(runs, id, 'metadata.json'), 'utf8'));

  it('records the strategy and counts; a crashed LoRA run resumes to the uninterrupted result, and not under another strategy', () => {
    const clean = tsfm([...common, '--run-id', 'clean']);
    expect(clean.status, clean.stderr).toBe(0);
    const line = clean.stderr.split('\n').find((l) => l.startsWith('tsfm: granite_ttm'));
    expect(line).toMatch(/^tsfm: granite_ttm \(\d{3},\d{3} parameters, \d{2},\d{3} trainable\) on etth1/);
    const m = metrics('clean');
    expect(m.finetune).toMatchObject({ strategy: 'lora', lora: { rank: 4, alpha: 16, targets: ['mixer', 'head'] } });
    expect(m.finetune.parameters).toBe(805_280 + m.finetune.trainable_parameters);
    expect(meta('clean')).toMatchObject({
      strategy: 'fine_tune',
      tags: { finetune_strategy: 'lora', lora_rank: '4', lora_alpha: '16', lora_targets: 'mixer,head' },
    });
    expect(meta('clean').model.trainable_parameters).toBe(m.finetune.trainable_parameters);

    // Crash at the second step of epoch 2 (global step 3): epoch 1's last.pt, adapters and their optimiser state included, is what is left.
    const crashed = tsfm([...common, '--run-id', 'crashed'], { TSFM_TEST_FAULT: '0:3:exit' });
    expect(crashed.status).toBe(3);
    // Resuming under another strategy is refused: the optimiser holds other parameters.
    const other = tsfm([
      ...common,
      '--set',
      'training.finetune.strategy=head',
      '--resume',
      path.join(runs, 'crashed', 'checkpoints', 'last.pt'),
    ]);
    expect(other.status).toBe(1);
    expect(other.stderr).toMatch(/was trained with training\.finetune lora rank=4 alpha=16 layers=49, this run has head/);
    const resumed = tsfm([...common, '--resume', path.join(runs, 'crashed', 'checkpoints', 'last.pt')]);
    expect(resumed.status, resumed.stderr).toBe(0);
    const r = metrics('crashed');
    expect(Math.abs(r.test.mse - m.test.mse)).toBeLessThan(1e-6);
    expect(Math.abs(r.test.mae - m.test.mae)).toBeLessThan(1e-6);
    expect(r.epochs.map((e: { train_loss: number }) => e.train_loss)).toEqual(m.epochs.map((e: { train_loss: number }) => e.train_loss));
  });

  it("the exported (merged) checkpoint, loaded as model.pretrained with epochs 0, gives the fine-tuned run's test error", async () => {
    const ck = await resolvePretrained(shipped, { context: L, horizon: H, channels: C });
    const model = new native.NativeModel(pretrainedModelSpec(ck, { context: L, horizon: H, channels: C }));
    const trainer = new native.NativeTrainer(model, {
      ...trainerOptions,
      finetune: { strategy: 'lora', loraRank: 4, loraAlpha: 16, loraTargets: ['mixer', 'head'] },
    });
    await trainer.loadWeights(path.join(runs, 'clean', 'checkpoints', 'best.pt'));
    const dir = path.join(tmp, 'merged');
    mkdirSync(dir);
    await exportHfCheckpoint(native, model, dir, ck.rawConfig, H);
    trainer.dispose();
    model.dispose();
    // Without its adapters, the LoRA checkpoint cannot be used: it is refused, not silently read as the base model.
    const plain = new native.NativeTrainer(
      new native.NativeModel(pretrainedModelSpec(ck, { context: L, horizon: H, channels: C })),
      trainerOptions,
    );
    await expect(plain.loadWeights(path.join(runs, 'clean', 'checkpoints', 'best.pt'))).rejects.toThrow(
      /carries LoRA adapters \(lora rank=4 alpha=16 layers=49\), but this model has none/,
    );
    plain.dispose();
    const zero = tsfm([
      'configs/examples/etth1-granite-ttm-zero-shot.yaml',
      '--runs-dir',
      runs,
      '--run-id',
      'reloaded',
      '--set',
      `model.pretrained=${dir}`,
      '--set',
      'data.stride=48',
      '--set',
      'training.threads=2',
    ]);
    expect(zero.status, zero.stderr).toBe(0);
    const [a, b] = [metrics('clean'), metrics('reloaded')];
    expect(Math.abs(a.test.mse - b.test.mse)).toBeLessThan(1e-5);
    expect(Math.abs(a.test.mae - b.test.mae)).toBeLessThan(1e-5);
    expect(a.test.windows).toBe(b.test.windows);
  });

  it("few-shot under the ETT protocol keeps the full training block's scaler: the zero-shot error does not move with data.train_fraction", () => {
    const zeroShot = (id: string, extra: string[]) =>
      tsfm([
        'configs/examples/etth1-granite-ttm-zero-shot.yaml',
        '--runs-dir',
        runs,
        '--run-id',
        id,
        '--set',
        'data.stride=48',
        '--set',
        'training.threads=2',
        ...extra,
      ]);
    expect(zeroShot('zs-full', []).status).toBe(0);
    expect(zeroShot('zs-5pc', ['--set', 'data.train_fraction=0.05']).status).toBe(0);
    expect(metrics('zs-5pc').test.mse).toBe(metrics('zs-full').test.mse);
  });

  it('head or lora without starting weights is one line naming training.finetune.strategy', () => {
    const r = spawnSync(
      process.execPath,
      [
        cli,
        'train',
        '--runs-dir',
        runs,
        '--run-id',
        'noweights',
        '--set',
        'training.finetune.strategy=head',
        '--set',
        'model.context_length=32',
        '--epochs',
        '1',
      ],
      { encoding: 'utf8' },
    );
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe(
      'tsfm: training.finetune.strategy: head fine-tunes starting weights, and this run has none: set model.pretrained (or --init-from), or use strategy full',
    );
  });
});
