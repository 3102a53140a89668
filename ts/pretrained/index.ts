/**
 * Pretrained checkpoints (`model.pretrained`): a local Hugging Face checkpoint directory or `hf:<org>/<repo>[@rev]`
 * → a verified directory, the granite_ttm model spec its config.json describes, its weights loaded into a
 * native model, and the provenance a run records (source, revision, commit, sha256).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createModel } from '../native/engine.js';
import type { NativeAddon, NativeModel } from '../native/types.js';
import { checkCheckpointFitsRun, GRANITE_FAMILY, parseHfTtmConfig, readHfConfigFile, type HfTtmConfig } from './hf-config.js';
import { checkoutDir, fetchHfCheckpoint, isHfRef, parseHfRef } from './hub.js';

export { GRANITE_FAMILY, parseHfTtmConfig, suggestBranch, checkCheckpointFitsRun } from './hf-config.js';
export { fetchHfCheckpoint, parseHfRef, cacheRoot, checkoutDir, isHfRef } from './hub.js';

export interface PretrainedCheckpoint {
  /** As written in the config (a directory or hf:...). */
  source: string;
  /** The local directory holding config.json and model.safetensors. */
  dir: string;
  /** hf: revision and the commit it resolved to; null for a local directory. */
  revision: string | null;
  commit: string | null;
  /** sha256 of model.safetensors. */
  sha256: string;
  config: HfTtmConfig;
  /** The checkpoint's config.json as read (kept for exporting a fine-tuned model). */
  rawConfig: Record<string, unknown>;
}

/** Resolves and checks a checkpoint against the run's shape (channels when given); one line naming what is wrong. */
export async function resolvePretrained(
  source: string,
  run: { context: number; horizon: number; channels?: number },
  env: NodeJS.ProcessEnv = process.env,
): Promise<PretrainedCheckpoint> {
  let dir: string;
  let revision: string | null = null;
  let commit: string | null = null;
  let sha256: string | undefined;
  if (isHfRef(source)) {
    const c = await fetchHfCheckpoint(source, env);
    dir = c.dir;
    revision = c.revision;
    commit = c.commit;
    sha256 = c.files['model.safetensors']?.sha256;
  } else {
    dir = path.resolve(source);
    if (!existsSync(dir)) throw new Error(`model.pretrained: ${source}: no such directory`);
    if (!statSync(dir).isDirectory())
      throw new Error(
        `model.pretrained: ${source}: not a directory (a Hugging Face checkpoint is a directory with config.json and model.safetensors)`,
      );
  }
  const { file, raw } = readHfConfigFile(dir);
  const config = parseHfTtmConfig(raw, file);
  checkCheckpointFitsRun(config, run, source);
  const weights = path.join(dir, 'model.safetensors');
  if (!existsSync(weights))
    throw new Error(`${weights}: no such file (a Hugging Face checkpoint directory holds config.json and model.safetensors)`);
  sha256 ??= createHash('sha256').update(readFileSync(weights)).digest('hex');
  return { source, dir, revision, commit, sha256, config, rawConfig: raw };
}

/** The native model spec of a checkpoint for a run of `horizon` steps over `channels` channels. */
export function pretrainedModelSpec(
  ck: PretrainedCheckpoint,
  run: { context: number; horizon: number; channels: number },
  overrides: Record<string, number> = {},
) {
  return {
    family: GRANITE_FAMILY,
    contextLength: run.context,
    horizon: run.horizon,
    channels: run.channels,
    params: { ...ck.config.params, ...overrides },
  };
}

export async function loadPretrainedWeights(native: NativeAddon, model: NativeModel, ck: PretrainedCheckpoint): Promise<number> {
  return native.hfWeights(model, 'load', ck.dir);
}

/**
 * Writes a model as a Hugging Face checkpoint directory (config.json + model.safetensors) that granite-tsfm's
 * TinyTimeMixerForPrediction.from_pretrained loads: the source checkpoint's config with the run's horizon.
 */
export async function exportHfCheckpoint(
  native: NativeAddon,
  model: NativeModel,
  dir: string,
  rawConfig: Record<string, unknown>,
  horizon: number,
): Promise<void> {
  const config = { ...rawConfig };
  const head = Number(config.prediction_length);
  config.prediction_filter_length = horizon < head ? horizon : null;
  writeFileSync(path.join(dir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  await native.hfWeights(model, 'save', dir);
}

/** model.params a pretrained run may set: regularisation only (the architecture is the checkpoint's). */
const OVERRIDABLE = new Set(['dropout', 'head_dropout']);

export function pretrainedOverrides(params: Record<string, number>): Record<string, number> {
  for (const key of Object.keys(params)) {
    if (!OVERRIDABLE.has(key))
      throw new Error(
        `model.params.${key}: the architecture of a pretrained model comes from its config.json; only ${[...OVERRIDABLE].join(' and ')} can be set`,
      );
  }
  return params;
}

/** What a run records about its pretrained weights (metrics.json). */
export function pretrainedRecord(ck: PretrainedCheckpoint, zeroShot: boolean) {
  return { source: ck.source, dir: ck.dir, revision: ck.revision, commit: ck.commit, sha256: ck.sha256, zero_shot: zeroShot };
}

/** The run metadata's strategy and tags for a run from pretrained weights. */
export function pretrainedRunInfo(ck: PretrainedCheckpoint, zeroShot: boolean): { strategy: string; tags: Record<string, string> } {
  const tags: Record<string, string> = { pretrained: ck.source, pretrained_sha256: ck.sha256, zero_shot: String(zeroShot) };
  if (ck.revision) tags.pretrained_revision = ck.revision;
  if (ck.commit) tags.pretrained_commit = ck.commit;
  return { strategy: zeroShot ? 'zero_shot' : 'fine_tune', tags };
}

/**
 * model.params for rebuilding a run's model (tsfm evaluate / predict): with model.pretrained, the
 * architecture from the checkpoint's config.json (a local directory, or the hf: cache), else model.params.
 */
export function runModelParams(model: { pretrained?: string; params?: Record<string, number> }): Record<string, number> {
  if (!model.pretrained) return model.params ?? {};
  const dir = isHfRef(model.pretrained) ? checkoutDir(parseHfRef(model.pretrained)) : path.resolve(model.pretrained);
  const { file, raw } = readHfConfigFile(dir);
  return { ...parseHfTtmConfig(raw, file).params, ...pretrainedOverrides(model.params ?? {}) };
}

/**
 * Loads the checkpoint's weights into a throw-away model of its own shape: a bad model.safetensors fails here,
 * before a run directory exists, with the same one-line error.
 */
export async function validatePretrainedWeights(native: NativeAddon, ck: PretrainedCheckpoint): Promise<void> {
  const shape = {
    context: ck.config.contextLength,
    horizon: ck.config.filterLength ?? ck.config.predictionLength,
    channels: ck.config.mixesChannels ? ck.config.channels : 1,
  };
  const model = createModel(native, pretrainedModelSpec(ck, shape));
  try {
    await native.hfWeights(model, 'load', ck.dir);
  } finally {
    model.dispose();
  }
}
