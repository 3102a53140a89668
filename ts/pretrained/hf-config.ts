/**
 * A Hugging Face TinyTimeMixer `config.json` → the native `granite_ttm` family's parameters (numbers only),
 * and the checks that a checkpoint fits the run: architecture, options tsfm does not implement, context and
 * horizon (naming the TTM-R2 branch that would fit, as users of these checkpoints keep asking).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export const GRANITE_FAMILY = 'granite_ttm';
const ARCHITECTURE = 'TinyTimeMixerForPrediction';

export interface HfTtmConfig {
  /** The checkpoint's context length and head length (prediction_length). */
  contextLength: number;
  predictionLength: number;
  /** prediction_filter_length when set: the checkpoint forecasts only that many steps. */
  filterLength: number | null;
  /** num_input_channels (matters in mix_channel mode, where the channel mixer is sized by it). */
  channels: number;
  mixesChannels: boolean;
  /** model.params of the granite_ttm family. */
  params: Record<string, number>;
}

/** Options of the reference tsfm's granite_ttm does not implement, with the value that is fine. */
const UNSUPPORTED: Array<[string, unknown, string]> = [
  ['self_attn', false, 'self-attention in the patch mixer'],
  ['resolution_prefix_tuning', false, 'frequency prefix tuning (the "ft" branches)'],
  ['use_positional_encoding', false, 'positional encoding'],
  ['decoder_raw_residual', false, 'the raw decoder residual'],
  ['enable_forecast_channel_mixing', false, 'the forecast channel mixer (exogenous channels)'],
  ['categorical_vocab_size_list', null, 'static categorical embeddings'],
  ['prediction_channel_indices', null, 'prediction channel indices'],
  ['exogenous_channel_indices', null, 'exogenous channels'],
];

/** Reads `<dir>/config.json`; one line naming the file when it is missing or not JSON. */
export function readHfConfigFile(dir: string): { file: string; raw: Record<string, unknown> } {
  const file = path.join(dir, 'config.json');
  if (!existsSync(file))
    throw new Error(`${file}: no such file (a Hugging Face checkpoint directory holds config.json and model.safetensors)`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: not valid JSON (${(e as Error).message})`);
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new Error(`${file}: not a Hugging Face config (expected a JSON object)`);
  return { file, raw: raw as Record<string, unknown> };
}

/** Maps a TinyTimeMixer config.json onto granite_ttm params; throws one line naming the file and key. */
export function parseHfTtmConfig(raw: Record<string, unknown>, file: string): HfTtmConfig {
  const archs = Array.isArray(raw.architectures) ? (raw.architectures as unknown[]).map(String) : [];
  if (!archs.includes(ARCHITECTURE)) {
    const what = archs.length ? `architecture '${archs.join(', ')}'` : `model_type '${String(raw.model_type ?? 'none')}'`;
    throw new Error(`${file}: unknown ${what}: tsfm loads ${ARCHITECTURE} (IBM Granite TinyTimeMixer) checkpoints`);
  }
  for (const [key, fine, what] of UNSUPPORTED) {
    const v = raw[key];
    const ok = v === undefined || v === fine || (fine === null && Array.isArray(v) && v.length === 0);
    if (!ok) throw new Error(`${file}: ${key} = ${JSON.stringify(v)}: ${what} is not supported by tsfm's granite_ttm`);
  }
  if (raw.loss === 'nll') throw new Error(`${file}: loss = "nll": distribution heads are not supported by tsfm's granite_ttm`);
  const normMlp = String(raw.norm_mlp ?? 'LayerNorm');
  if (normMlp.toLowerCase().includes('batch')) throw new Error(`${file}: norm_mlp = "${normMlp}": only LayerNorm is supported`);

  const num = (key: string, fallback?: number): number => {
    const v = raw[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw new Error(`${file}: ${key}: expected a number (got ${JSON.stringify(raw[key])})`);
    return v;
  };
  const flag = (key: string, fallback: boolean): number => {
    const v = raw[key] ?? fallback;
    if (typeof v !== 'boolean') throw new Error(`${file}: ${key}: expected true or false (got ${JSON.stringify(v)})`);
    return v ? 1 : 0;
  };
  const mode = (key: string): number => {
    const v = raw[key] ?? 'common_channel';
    if (v !== 'common_channel' && v !== 'mix_channel')
      throw new Error(`${file}: ${key}: expected "common_channel" or "mix_channel" (got ${JSON.stringify(v)})`);
    return v === 'mix_channel' ? 1 : 0;
  };
  const scaling = (): number => {
    const v = raw.scaling ?? 'std';
    if (v === 'std' || v === true) return 1;
    if (v === 'mean') return 2;
    if (v === null || v === false || v === 'none') return 0;
    throw new Error(`${file}: scaling: expected "std", "mean" or null (got ${JSON.stringify(v)})`);
  };

  const contextLength = num('context_length');
  const patchLength = num('patch_length');
  const patchStride = num('patch_stride', patchLength);
  const predictionLength = num('prediction_length');
  const filter = raw.prediction_filter_length == null ? null : num('prediction_filter_length');
  if (raw.num_patches != null && contextLength > patchLength) {
    const expected = Math.floor((contextLength - patchLength) / patchStride) + 1;
    if (num('num_patches') !== expected)
      throw new Error(
        `${file}: num_patches ${String(raw.num_patches)} disagrees with context_length ${contextLength}, patch_length ${patchLength} and patch_stride ${patchStride} (${expected} patches)`,
      );
  }
  const params: Record<string, number> = {
    patch_length: patchLength,
    patch_stride: patchStride,
    d_model: num('d_model'),
    num_layers: num('num_layers'),
    adaptive_patching_levels: num('adaptive_patching_levels', 0),
    expansion_factor: num('expansion_factor', 2),
    dropout: num('dropout', 0.2),
    head_dropout: num('head_dropout', 0.2),
    gated_attn: flag('gated_attn', true),
    mix_channel: mode('mode'),
    use_decoder: flag('use_decoder', true),
    decoder_d_model: num('decoder_d_model', 8),
    decoder_num_layers: num('decoder_num_layers', 8),
    decoder_adaptive_patching_levels: num('decoder_adaptive_patching_levels', 0),
    decoder_mix_channel: mode('decoder_mode'),
    norm_eps: num('norm_eps', 1e-5),
    scaling: scaling(),
    prediction_length: predictionLength,
  };
  const mixesChannels = params.mix_channel === 1 || (params.use_decoder === 1 && params.decoder_mix_channel === 1);
  return { contextLength, predictionLength, filterLength: filter, channels: num('num_input_channels', 1), mixesChannels, params };
}

/** The TTM-R2 branches of ibm-granite/granite-timeseries-ttm-r2 without frequency prefix tuning (all tsfm can load). */
const R2_CONTEXTS = [512, 1024, 1536];
const R2_HORIZONS = [96, 192, 336, 720];
const branchName = (c: number, h: number) => `${c}-${h}-r2`;

/** The branch TTM's get_model would pick: the run's context, the shortest head that covers the horizon. */
export function suggestBranch(context: number, horizon: number): string {
  if (!R2_CONTEXTS.includes(context))
    return `no TTM-R2 branch has context ${context} (they have ${R2_CONTEXTS.join(', ')}): set model.context_length to one of them`;
  const h = R2_HORIZONS.find((x) => x >= horizon);
  if (h === undefined) return `no TTM-R2 branch forecasts ${horizon} steps (at most ${R2_HORIZONS[R2_HORIZONS.length - 1]})`;
  const rev = context === 512 && h === 96 ? 'main' : branchName(context, h);
  return `for context ${context}${h !== horizon ? ` and horizon ${horizon}` : ''} use branch ${branchName(context, h)} (hf:ibm-granite/granite-timeseries-ttm-r2@${rev})`;
}

/**
 * The checkpoint must have the run's context length and forecast at least its horizon (a longer head is cut
 * to the horizon, as the reference's prediction_filter_length does); in mix_channel mode the channel count
 * must match too.
 */
export function checkCheckpointFitsRun(
  ck: HfTtmConfig,
  run: { context: number; horizon: number; channels?: number },
  source: string,
): void {
  const steps = ck.filterLength ?? ck.predictionLength;
  const what = `${source} is context ${ck.contextLength}/horizon ${steps} (${branchName(ck.contextLength, ck.predictionLength)})`;
  if (run.context !== ck.contextLength)
    throw new Error(`model.pretrained: ${what}, but model.context_length is ${run.context}; ${suggestBranch(run.context, run.horizon)}`);
  if (run.horizon > steps)
    throw new Error(`model.pretrained: ${what}, but model.horizon is ${run.horizon}; ${suggestBranch(run.context, run.horizon)}`);
  if (ck.mixesChannels && run.channels !== undefined && run.channels !== ck.channels)
    throw new Error(
      `model.pretrained: ${source} mixes channels (mode mix_channel) for num_input_channels ${ck.channels}, but the run has ${run.channels} input channels`,
    );
}
