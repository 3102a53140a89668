// The native granite_ttm family against the plain-PyTorch port of the reference (bench/python/granite_ttm.py):
// the shipped IBM TTM-R2 weights (../shared/models/granite-ttm-r2-512-96) load by their Hugging Face names and
// forecast real ETTh1 windows within 1e-5 of the port; a tsfm-written checkpoint is byte-identical to the
// original and loads in the port; the channel-mixing decoder agrees too. Bad checkpoints give one line each.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadNative } from '../../../ts/native/loader.js';
import { benchPythonScript, findPythonTorch } from '../../../ts/bench/python.js';
import { exportHfCheckpoint, pretrainedModelSpec, resolvePretrained, type PretrainedCheckpoint } from '../../../ts/pretrained/index.js';

const run = promisify(execFile);
const native = loadNative();
const shipped = path.resolve('../shared/models/granite-ttm-r2-512-96');
const etth1 = path.resolve('../shared/data/ett/ETTh1.csv');
const tmp = mkdtempSync(path.join(tmpdir(), 'tsfm-granite-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const L = 512;
const H = 96;
const C = 7;

/** `batch` ETTh1 test windows [B, C, L], every channel z-normalised with the training rows' statistics. */
function etth1Windows(batch: number): Float32Array {
  const rows = readFileSync(etth1, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(',').slice(1).map(Number));
  const train = rows.slice(0, 8640);
  const mean = Array.from({ length: C }, (_, c) => train.reduce((s, r) => s + r[c], 0) / train.length);
  const std = Array.from({ length: C }, (_, c) => Math.sqrt(train.reduce((s, r) => s + (r[c] - mean[c]) ** 2, 0) / train.length));
  const x = new Float32Array(batch * C * L);
  for (let b = 0; b < batch; b++) {
    const start = 11520 - L + b * 173; // spread over the test period
    for (let c = 0; c < C; c++) for (let t = 0; t < L; t++) x[(b * C + c) * L + t] = (rows[start + t][c] - mean[c]) / std[c];
  }
  return x;
}

/** The port's forecast [B, C, H] of x [B, C, L] with the checkpoint in `dir`. */
async function portForecast(dir: string, x: Float32Array, b: number, c: number, l: number): Promise<Float32Array> {
  const py = await findPythonTorch();
  if (!py) throw new Error('no Python with torch: install python3-torch, or set TSFM_PYTHON');
  const inFile = path.join(tmp, `x-${process.hrtime.bigint()}.f32`);
  const outFile = `${inFile}.out`;
  writeFileSync(inFile, Buffer.from(x.buffer, x.byteOffset, x.byteLength));
  await run(py.python, [
    benchPythonScript('granite_ttm.py'),
    'forecast',
    '--model',
    dir,
    '--input',
    inFile,
    '--shape',
    `${b},${c},${l}`,
    '--output',
    outFile,
  ]);
  const buf = readFileSync(outFile);
  return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
}

const maxAbsDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** A checkpoint directory with the shipped config.json and a given model.safetensors. */
function checkpointWith(name: string, weights: Buffer, config?: Record<string, unknown>): string {
  const dir = path.join(tmp, name);
  mkdirSync(dir, { recursive: true });
  if (config) writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
  else copyFileSync(path.join(shipped, 'config.json'), path.join(dir, 'config.json'));
  writeFileSync(path.join(dir, 'model.safetensors'), weights);
  return dir;
}

/** A safetensors file from a header object and a data section (for the malformed cases). */
function safetensors(header: Record<string, unknown>, data: Buffer): Buffer {
  const json = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([len, json, data]);
}

describe('granite_ttm (IBM TTM-R2 512-96) against the plain-PyTorch port', () => {
  const shape = { context: L, horizon: H, channels: C };
  let ck: PretrainedCheckpoint;
  beforeAll(async () => {
    ck = await resolvePretrained(shipped, shape);
  });

  it('loads the shipped weights by Hugging Face name and forecasts ETTh1 windows within 1e-5 of the port', async () => {
    expect(ck.sha256).toBe('a706726a7eb01bbcb42994b7dcb3c06ea9557898dbae8d480eb04fe8ccb89710');
    const model = new native.NativeModel(pretrainedModelSpec(ck, shape));
    expect(model.info().parameters).toBe(805_280);
    expect(await native.hfWeights(model, 'load', ck.dir)).toBe(134);
    const B = 16;
    const x = etth1Windows(B);
    const y = model.forward(x, B);
    expect(y.shape).toEqual([B, C, H]);
    const ref = await portForecast(shipped, x, B, C, L);
    const diff = maxAbsDiff(y.data, ref);
    expect(diff).toBeLessThan(1e-5);
    // Not trivially equal: the forecast moves with the input, and loading changed the output.
    const fresh = new native.NativeModel({ ...pretrainedModelSpec(ck, shape), seed: 1 });
    expect(maxAbsDiff(fresh.forward(x, B).data, ref)).toBeGreaterThan(1e-2);
    fresh.dispose();
    model.dispose();
  });

  it('writes a checkpoint byte-identical to the original, which the port loads (strict) and forecasts the same', async () => {
    const model = new native.NativeModel(pretrainedModelSpec(ck, shape));
    await native.hfWeights(model, 'load', ck.dir);
    const out = path.join(tmp, 'exported');
    mkdirSync(out);
    await exportHfCheckpoint(native, model, out, ck.rawConfig, H);
    expect(sha256(path.join(out, 'model.safetensors'))).toBe(ck.sha256);
    const x = etth1Windows(4);
    expect(maxAbsDiff(await portForecast(out, x, 4, C, L), model.forward(x, 4).data)).toBeLessThan(1e-5);
    model.dispose();
  });

  it('matches the port in channel-mixing mode, with mean scaling, finer adaptive patching and a cut head', async () => {
    const config = {
      ...ck.rawConfig,
      context_length: 96,
      patch_length: 16,
      patch_stride: 16,
      num_patches: 6,
      d_model: 32,
      decoder_d_model: 16,
      adaptive_patching_levels: 2,
      decoder_adaptive_patching_levels: 2,
      mode: 'mix_channel',
      decoder_mode: 'mix_channel',
      num_input_channels: 3,
      scaling: 'mean',
      prediction_length: 24,
      prediction_filter_length: 12,
    };
    const dir = path.join(tmp, 'mix');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
    writeFileSync(path.join(dir, 'model.safetensors'), ''); // replaced by the export below
    const small = await resolvePretrained(dir, { context: 96, horizon: 12, channels: 3 });
    const model = new native.NativeModel({ ...pretrainedModelSpec(small, { context: 96, horizon: 12, channels: 3 }), seed: 7 });
    expect(Object.keys(model.stateDict())).toContain(
      'decoder.decoder_block.mixers.0.mixer_layers.0.channel_feature_mixer.gating_block.attn_layer.weight',
    );
    await exportHfCheckpoint(native, model, dir, small.rawConfig, 12);
    const x = new Float32Array(5 * 3 * 96).map((_, k) => Math.sin(k * 0.05) * 3 + 5 + (k % 11) * 0.2);
    const y = model.forward(x, 5);
    expect(y.shape).toEqual([5, 3, 12]);
    expect(maxAbsDiff(y.data, await portForecast(dir, x, 5, 3, 96))).toBeLessThan(1e-5);
    model.dispose();
  });

  describe('bad checkpoints and mismatched runs: one line naming the file and tensor', () => {
    const load = async (dir: string) => {
      const model = new native.NativeModel(pretrainedModelSpec(ck, shape));
      try {
        return await native.hfWeights(model, 'load', dir);
      } finally {
        model.dispose();
      }
    };
    const original = () => readFileSync(path.join(shipped, 'model.safetensors'));

    it('names a missing directory, config.json and model.safetensors', async () => {
      await expect(resolvePretrained(path.join(tmp, 'nope'), shape)).rejects.toThrow(/model\.pretrained: .*nope: no such directory/);
      const empty = path.join(tmp, 'empty');
      mkdirSync(empty);
      await expect(resolvePretrained(empty, shape)).rejects.toThrow(/empty\/config\.json: no such file/);
      await expect(load(empty)).rejects.toThrow(/empty\/model\.safetensors: no such file/);
    });

    it('names a truncated safetensors file and the first tensor past the end', async () => {
      const dir = checkpointWith('truncated', original().subarray(0, 2_000_000));
      const err = await load(dir).catch((e: Error) => e);
      expect(String(err)).toMatch(
        /truncated\/model\.safetensors: tensor '.+': data \[\d+, \d+\) extends past the end of the file .*truncated\?/,
      );
      expect(String(err)).not.toContain('\n');
      await expect(load(checkpointWith('cut-header', original().subarray(0, 5000)))).rejects.toThrow(
        /truncated or not a safetensors file \(header length 19464, but only 4992 bytes follow\)/,
      );
    });

    it('names a file that is not safetensors', async () => {
      await expect(load(checkpointWith('text', Buffer.from('this is not a safetensors file at all, just text')))).rejects.toThrow(
        /text\/model\.safetensors: not a safetensors file/,
      );
      await expect(load(checkpointWith('tiny', Buffer.from('abc')))).rejects.toThrow(/not a safetensors file \(3 bytes/);
    });

    it('names a tensor of the wrong dtype or shape, a missing and an unexpected tensor', async () => {
      const name = 'head.base_forecast_block.bias';
      const f16 = safetensors({ [name]: { dtype: 'F16', shape: [96], data_offsets: [0, 192] } }, Buffer.alloc(192));
      await expect(load(checkpointWith('f16', f16))).rejects.toThrow(/missing tensor 'backbone\.encoder/);
      // A full file with one tensor changed: rewrite the real header.
      const buf = original();
      const n = Number(buf.readBigUInt64LE(0));
      const header = JSON.parse(buf.subarray(8, 8 + n).toString()) as Record<
        string,
        { dtype: string; shape: number[]; data_offsets: number[] }
      >;
      const data = buf.subarray(8 + n);
      const withHead = (entry: { dtype: string; shape: number[]; data_offsets: number[] }) =>
        safetensors({ ...header, [name]: entry }, data);
      const [b0] = header[name].data_offsets;
      await expect(load(checkpointWith('dtype', withHead({ dtype: 'F16', shape: [96], data_offsets: [b0, b0 + 192] })))).rejects.toThrow(
        /dtype\/model\.safetensors: tensor 'head\.base_forecast_block\.bias' has dtype F16, expected F32/,
      );
      await expect(
        load(checkpointWith('shape', withHead({ dtype: 'F32', shape: [48, 2], data_offsets: header[name].data_offsets }))),
      ).rejects.toThrow(/tensor 'head\.base_forecast_block\.bias' has shape \[48, 2\], the model expects \[96\]/);
      const { [name]: _dropped, ...rest } = header;
      await expect(load(checkpointWith('missing', safetensors(rest, data)))).rejects.toThrow(
        /missing\/model\.safetensors: missing tensor 'head\.base_forecast_block\.bias'/,
      );
      const extra = safetensors(
        { ...header, 'backbone.encoder.positional_encoder.position_enc': { dtype: 'F32', shape: [1], data_offsets: [0, 4] } },
        data,
      );
      await expect(load(checkpointWith('extra', extra))).rejects.toThrow(
        /unexpected tensor 'backbone\.encoder\.positional_encoder\.position_enc'/,
      );
    });

    it('names an unknown architecture and unsupported options in config.json', async () => {
      const raw = JSON.parse(readFileSync(path.join(shipped, 'config.json'), 'utf8'));
      const dir = checkpointWith('patchtst', original(), { ...raw, architectures: ['PatchTSTForPrediction'], model_type: 'patchtst' });
      await expect(resolvePretrained(dir, shape)).rejects.toThrow(
        /patchtst\/config\.json: unknown architecture 'PatchTSTForPrediction': tsfm loads TinyTimeMixerForPrediction/,
      );
      const ft = checkpointWith('ft', original(), { ...raw, resolution_prefix_tuning: true });
      await expect(resolvePretrained(ft, shape)).rejects.toThrow(
        /ft\/config\.json: resolution_prefix_tuning = true: frequency prefix tuning .* not supported/,
      );
    });

    it('says which branch fits a run whose context or horizon differs', async () => {
      await expect(resolvePretrained(shipped, { ...shape, context: 1024 })).rejects.toThrow(
        /granite-ttm-r2-512-96 is context 512\/horizon 96 \(512-96-r2\), but model\.context_length is 1024; for context 1024 use branch 1024-96-r2 \(hf:ibm-granite\/granite-timeseries-ttm-r2@1024-96-r2\)/,
      );
      await expect(resolvePretrained(shipped, { ...shape, horizon: 150 })).rejects.toThrow(
        /but model\.horizon is 150; for context 512 and horizon 150 use branch 512-192-r2/,
      );
      await expect(resolvePretrained(shipped, { ...shape, context: 336 })).rejects.toThrow(
        /no TTM-R2 branch has context 336 \(they have 512, 1024, 1536\)/,
      );
      // A shorter horizon is fine: the head is cut, as prediction_filter_length does.
      const short = await resolvePretrained(shipped, { ...shape, horizon: 24 });
      const model = new native.NativeModel(pretrainedModelSpec(short, { ...shape, horizon: 24 }));
      await native.hfWeights(model, 'load', short.dir);
      const x = etth1Windows(2);
      const full = await portForecast(shipped, x, 2, C, L);
      const y = model.forward(x, 2).data;
      for (let r = 0; r < 2 * C; r++) for (let h = 0; h < 24; h++) expect(Math.abs(y[r * 24 + h] - full[r * H + h])).toBeLessThan(1e-5);
      model.dispose();
    });
  });
});
