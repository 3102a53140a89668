/**
 * A run's life: create its directory exclusively (an existing id is never overwritten), write the
 * resolved config and metadata.json (status 'running'), artifacts and logs as they come, and the end
 * status ('completed' / 'failed' with the error / 'interrupted'). Every metadata change is written
 * atomically and indexed in the registry. Processes other than rank 0 of a distributed job get a
 * run that writes nothing (`openRun({ rank })`).
 */
import { appendFileSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { configHash, renderConfigYaml, type TsfmConfig } from '../config/index.js';
import { Registry } from './registry/registry.js';
import { writeFileAtomic, writeJsonAtomic } from './atomic.js';
import { fsReason } from './fs-errors.js';
import { collectEnvironment, type NativeRuntime } from './environment.js';
import { checkRunId, newRunId } from './ids.js';
import { currentProcess, processState } from './liveness.js';
import {
  flattenParams,
  METADATA_FILE,
  METADATA_FORMAT,
  readMetadata,
  type ResumeEntry,
  type RunMetadata,
  type RunStatus,
} from './metadata.js';

export interface OpenRunOptions {
  runsDir: string;
  /** Default: `run_YYYYMMDD_HHMMSS_<short>`. */
  runId?: string;
  kind?: string;
  config?: TsfmConfig;
  tags?: Record<string, string>;
  /** Only rank 0 writes; other ranks get a run that writes nothing. Default 0. */
  rank?: number;
  worldSize?: number;
  /** Continue an existing run directory (resuming training) instead of refusing it. */
  reopen?: boolean;
  /** This run resumes from a checkpoint (recorded in metadata.resumes). */
  resume?: Omit<ResumeEntry, 'time'>;
  /** A new run started from another run's checkpoint: that run's id (metadata.parent, tag parent_run). */
  parent?: string;
  /** The native addon's runtimeInfo(), for LibTorch/CUDA versions. */
  native?: NativeRuntime;
  /** Index in `<runsDir>/registry.sqlite` (default true). */
  registry?: boolean;
  /** Where registry problems are reported (they never fail the run: the directory is the truth). */
  onWarning?: (message: string) => void;
}

export interface RunInfoPatch {
  seed?: number | null;
  model?: RunMetadata['model'];
  dataset?: RunMetadata['dataset'];
  datasets?: string[];
  strategy?: string;
  device?: string | null;
  worldSize?: number;
  trainSeconds?: number | null;
  tags?: Record<string, string>;
}

export interface Run {
  readonly id: string;
  readonly dir: string;
  /** False on ranks that do not write. */
  readonly writes: boolean;
  update(patch: RunInfoPatch): void;
  logMetrics(metrics: Record<string, number>): void;
  writeArtifact(relPath: string, data: string | Uint8Array): void;
  writeJson(relPath: string, value: unknown): void;
  log(line: string): void;
  finish(status: Exclude<RunStatus, 'running'>, error?: unknown): void;
  metadata(): RunMetadata | null;
}

export function errorText(e: unknown): string {
  if (e instanceof Error) return e.message.split('\n')[0]!;
  return String(e);
}

class DirectoryRun implements Run {
  readonly writes = true;
  private meta: RunMetadata;
  private readonly registry: boolean;
  private readonly warn: (m: string) => void;
  private readonly runsDir: string;

  constructor(
    readonly id: string,
    readonly dir: string,
    meta: RunMetadata,
    opts: OpenRunOptions,
  ) {
    this.meta = meta;
    this.registry = opts.registry ?? true;
    this.warn = opts.onWarning ?? ((m) => process.stderr.write(`tsfm: warning: ${m}\n`));
    this.runsDir = opts.runsDir;
    this.save();
  }

  metadata(): RunMetadata {
    return this.meta;
  }

  update(p: RunInfoPatch): void {
    const m = this.meta;
    if (p.seed !== undefined) m.seed = p.seed;
    if (p.model !== undefined) m.model = p.model;
    if (p.dataset !== undefined) m.dataset = p.dataset;
    if (p.datasets !== undefined) m.datasets = p.datasets;
    else if (p.dataset && !m.datasets.includes(p.dataset.name)) m.datasets = [p.dataset.name, ...m.datasets];
    if (p.strategy !== undefined) m.strategy = p.strategy;
    if (p.device !== undefined) m.device = p.device;
    if (p.worldSize !== undefined) m.world_size = p.worldSize;
    if (p.trainSeconds !== undefined) m.train_seconds = p.trainSeconds;
    if (p.tags) m.tags = { ...m.tags, ...p.tags };
    this.save();
  }

  logMetrics(metrics: Record<string, number>): void {
    for (const [k, v] of Object.entries(metrics)) if (typeof v === 'number' && Number.isFinite(v)) this.meta.metrics[k] = v;
    this.save();
  }

  writeArtifact(relPath: string, data: string | Uint8Array): void {
    const file = this.resolve(relPath);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileAtomic(file, data);
  }

  writeJson(relPath: string, value: unknown): void {
    this.writeArtifact(relPath, JSON.stringify(value, null, 2) + '\n');
  }

  log(line: string): void {
    const file = path.join(this.dir, 'logs', 'run.log');
    try {
      mkdirSync(path.dirname(file), { recursive: true });
      appendFileSync(file, `${new Date().toISOString()} ${line}\n`);
    } catch (e) {
      throw new Error(`${file}: cannot write (${fsReason(e)})`);
    }
  }

  finish(status: Exclude<RunStatus, 'running'>, error?: unknown): void {
    const end = new Date();
    this.meta.status = status;
    this.meta.error = error === undefined ? null : errorText(error);
    this.meta.end_time = end.toISOString();
    this.meta.duration_s = (end.getTime() - Date.parse(this.meta.start_time)) / 1000;
    this.save();
  }

  private resolve(relPath: string): string {
    const file = path.resolve(this.dir, relPath);
    if (!file.startsWith(this.dir + path.sep)) throw new Error(`artifact path '${relPath}' leaves the run directory`);
    return file;
  }

  private save(): void {
    this.meta.artifacts = listArtifacts(this.dir);
    writeJsonAtomic(path.join(this.dir, METADATA_FILE), this.meta);
    if (!this.registry) return;
    let reg: Registry | undefined;
    try {
      reg = Registry.open(this.runsDir);
      reg.indexRunDir(this.dir);
    } catch (e) {
      this.warn(
        `run ${this.id} saved in ${this.dir} but not indexed in the registry (${errorText(e)}); \`tsfm registry rebuild\` restores it`,
      );
    } finally {
      reg?.close();
    }
  }
}

/** A run on a rank that does not write: same interface, no files. */
class SilentRun implements Run {
  readonly writes = false;
  constructor(
    readonly id: string,
    readonly dir: string,
  ) {}
  update(): void {}
  logMetrics(): void {}
  writeArtifact(): void {}
  writeJson(): void {}
  log(): void {}
  finish(): void {}
  metadata(): null {
    return null;
  }
}

/**
 * Node's recursive mkdir reports ENOENT for a read-only or otherwise unwritable parent: create the first
 * missing directory alone to learn the real cause.
 */
function realMkdirError(dir: string, e: unknown): unknown {
  if ((e as NodeJS.ErrnoException).code !== 'ENOENT') return e;
  let missing = path.resolve(dir);
  while (!existsSync(path.dirname(missing)) && path.dirname(missing) !== missing) missing = path.dirname(missing);
  try {
    mkdirSync(missing);
    rmSync(missing, { recursive: true, force: true });
  } catch (inner) {
    return inner;
  }
  return e;
}

/** A file a write left behind when its process died before the rename (checkpoints: `last.pt.tmp`). */
function isTemporary(name: string): boolean {
  return name.endsWith('.tmp') || /\.tmp\.\d+(\.\d+)?$/.test(name);
}

/** Removes the temporaries of writes that never finished, so they neither fill the disk nor look like results. */
function removeTemporaries(dir: string): void {
  for (const sub of [dir, path.join(dir, 'checkpoints')]) {
    if (!existsSync(sub)) continue;
    for (const e of readdirSync(sub, { withFileTypes: true }))
      if (e.isFile() && isTemporary(e.name)) rmSync(path.join(sub, e.name), { force: true });
  }
}

/**
 * A reopened run must not be written by two processes: one still marked running by a live process
 * refuses the second (its owner's pid and host name it).
 */
export function checkNotRunning(previous: RunMetadata | null, dir: string): void {
  if (previous?.status !== 'running' || !previous.owner) return;
  if (processState(previous.owner) === 'dead') return;
  throw new Error(
    `${dir}: the run is still being written by process ${previous.owner.pid} on ${previous.owner.host}; wait for it to finish or stop it (Ctrl-C) before resuming`,
  );
}

/** Files in the run directory, relative, excluding metadata itself and temporaries. */
export function listArtifacts(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.name.startsWith('.') || isTemporary(e.name)) continue;
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(path.join(d, e.name), r);
      else if (r !== METADATA_FILE) out.push(r);
    }
  };
  if (existsSync(dir)) walk(dir, '');
  return out.sort();
}

/** Creates (or, with `reopen`, continues) a run directory and returns the run that writes it. */
export function openRun(opts: OpenRunOptions): Run {
  const runsDir = path.resolve(opts.runsDir);
  const id = checkRunId(opts.runId ?? newRunId(), opts.runId ? 'output.run_id' : 'run id');
  const dir = path.join(runsDir, id);
  if ((opts.rank ?? 0) !== 0) return new SilentRun(id, dir);
  const cannotCreate = (e: unknown) =>
    new Error(`output.runs_dir ${runsDir}: cannot create the run directory (${fsReason(e)}); choose another with --runs-dir`);
  try {
    mkdirSync(runsDir, { recursive: true });
  } catch (e) {
    throw cannotCreate(realMkdirError(runsDir, e));
  }
  let previous: RunMetadata | null = null;
  try {
    mkdirSync(dir); // exclusive: fails when the id exists, even if another process just made it
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || !statSync(dir).isDirectory()) throw cannotCreate(e);
    if (!opts.reopen)
      throw new Error(`output.run_id: run '${id}' already exists at ${dir}; choose another id (runs are never overwritten)`);
    if (existsSync(path.join(dir, METADATA_FILE))) previous = readMetadata(dir);
    checkNotRunning(previous, dir);
    removeTemporaries(dir);
  }
  const config = opts.config;
  if (config) writeFileAtomic(path.join(dir, 'config.yaml'), renderConfigYaml(config));
  const now = new Date().toISOString();
  const meta: RunMetadata = {
    format: METADATA_FORMAT,
    run_id: id,
    kind: opts.kind ?? previous?.kind ?? 'train',
    status: 'running',
    error: null,
    start_time: previous?.start_time ?? now,
    end_time: null,
    duration_s: null,
    owner: currentProcess(),
    seed: config?.training.seed ?? previous?.seed ?? null,
    config_hash: config ? configHash(config) : (previous?.config_hash ?? null),
    model: config
      ? { family: config.model.family, context_length: config.model.context_length, horizon: config.model.horizon }
      : (previous?.model ?? null),
    dataset: previous?.dataset ?? null,
    datasets: previous?.datasets ?? (config ? [config.data.dataset] : []),
    strategy: previous?.strategy ?? 'from_scratch',
    device: config?.training.device ?? previous?.device ?? null,
    world_size: opts.worldSize ?? previous?.world_size ?? 1,
    train_seconds: previous?.train_seconds ?? null,
    environment: collectEnvironment(opts.native),
    params: config ? flattenParams(config) : (previous?.params ?? {}),
    metrics: previous?.metrics ?? {},
    tags: { ...(previous?.tags ?? {}), ...(opts.tags ?? {}), ...(opts.parent ? { parent_run: opts.parent } : {}) },
    artifacts: [],
    parent: opts.parent ?? previous?.parent ?? null,
    resumes: [...(previous?.resumes ?? []), ...(opts.resume ? [{ time: now, ...opts.resume }] : [])],
  };
  return new DirectoryRun(id, dir, meta, { ...opts, runsDir });
}

/** Size of a run directory in bytes (for `runs gc`). */
export function directorySize(dir: string): number {
  let total = 0;
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else total += statSync(p).size;
    }
  };
  if (existsSync(dir)) walk(dir);
  return total;
}
