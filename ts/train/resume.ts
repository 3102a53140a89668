/**
 * Where a training writes: a new run directory, or, for `--resume <run>/checkpoints/*.pt`, a decision that never
 * loses a finished result. An interrupted or failed run continues in its own directory (more epochs allowed);
 * a completed run is never silently retrained: with the same settings the resume is refused unless `--continue`
 * asks for it, and with other settings a new run is made that names the original as its parent. Every resume
 * is recorded in the run's metadata: from which checkpoint and which settings changed.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseConfigYaml, type TsfmConfig } from '../config/index.js';
import { newRunId } from '../runs/ids.js';
import { flattenParams, METADATA_FILE, readMetadata } from '../runs/metadata.js';
import { checkNotRunning } from '../runs/run.js';

/** A settings change between the resumed run's config and this one: [before, after] (null: absent). */
export type SettingChanges = Record<string, [string | null, string | null]>;

export interface ResumeRecord {
  checkpoint: string;
  /** The run whose checkpoint is loaded. */
  fromRun: string;
  /** Its status when resumed. */
  fromStatus: string | null;
  changed: SettingChanges;
}

export interface RunTarget {
  runsDir: string;
  runId: string;
  /** Continue the existing directory `runId` instead of creating one. */
  reopen: boolean;
  /** Set when training resumes from a run's checkpoint. */
  resume?: ResumeRecord;
  /** A new run started from another run's checkpoint: that run's id. */
  parent?: string;
}

// Settings that say where or how fast a run executes, not what it trains.
const RUNTIME_KEYS = [/^output\./, /^training\.(threads|device|prefetch|log_every)$/, /^data\.cache_dir$/];
// Settings an interrupted run may change and still continue in place.
const CONTINUABLE_KEYS = [/^training\.epochs$/];

/** Settings that differ between two resolved configs (runtime-only keys ignored). */
export function settingChanges(before: TsfmConfig, after: TsfmConfig): SettingChanges {
  const a = flattenParams(before);
  const b = flattenParams(after);
  const out: SettingChanges = {};
  for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
    if (RUNTIME_KEYS.some((re) => re.test(key)) || a[key] === b[key]) continue;
    // A run's config.yaml records every family hyper-parameter; one the new config leaves out takes the same default.
    if (key.startsWith('model.params.') && b[key] === undefined) continue;
    out[key] = [a[key] ?? null, b[key] ?? null];
  }
  return out;
}

function describe(changed: SettingChanges): string {
  return Object.entries(changed)
    .map(([k, [x, y]]) => `${k} ${x ?? '(unset)'} -> ${y ?? '(unset)'}`)
    .join(', ');
}

/** The run directory a training writes, given `--resume` and `--continue` (see the module comment). */
/** `rank`: this process's distributed rank; only rank 0 checks the run's owner (the others would see rank 0's own claim). */
export function chooseRunDir(config: TsfmConfig, resume?: string, opts: { continueRun?: boolean; rank?: number } = {}): RunTarget {
  // TSFM_RUN_ID: set by the distributed launcher and the sbatch scripts so that all ranks agree.
  const fresh = (): RunTarget => ({
    runsDir: path.resolve(config.output.runs_dir),
    runId: config.output.run_id ?? process.env.TSFM_RUN_ID ?? newRunId(),
    reopen: false,
  });
  const checkpoint = resume ? path.resolve(resume) : undefined;
  const dir = checkpoint ? path.dirname(path.dirname(checkpoint)) : undefined;
  if (!checkpoint || !dir || path.basename(path.dirname(checkpoint)) !== 'checkpoints' || !existsSync(path.join(dir, 'config.yaml'))) {
    if (opts.continueRun) throw new Error('--continue: needs --resume <run>/checkpoints/<file>.pt of the run to continue');
    return fresh(); // a checkpoint outside a run directory: a new run starts from it
  }
  const fromRun = path.basename(dir);
  const previous = parseConfigYaml(readFileSync(path.join(dir, 'config.yaml'), 'utf8'), path.join(dir, 'config.yaml'));
  const meta = existsSync(path.join(dir, METADATA_FILE)) ? readMetadata(dir) : null;
  // A run another process is still writing is never resumed, in place or as a new run from its checkpoint.
  if ((opts.rank ?? 0) === 0) checkNotRunning(meta, dir);
  const fromStatus = meta?.status ?? null;
  const changed = settingChanges(previous, config);
  const record: ResumeRecord = { checkpoint, fromRun, fromStatus, changed };
  const inPlace = (): RunTarget => ({ runsDir: path.dirname(dir), runId: fromRun, reopen: true, resume: record });
  if (opts.continueRun || (config.output.run_id && config.output.run_id !== fromRun)) {
    return opts.continueRun ? inPlace() : { ...fresh(), resume: record, parent: fromRun };
  }
  const completed = fromStatus === 'completed';
  const continuable = Object.keys(changed).every((k) => CONTINUABLE_KEYS.some((re) => re.test(k)));
  if (!completed && continuable) return inPlace();
  if (completed && Object.keys(changed).length === 0) {
    throw new Error(
      `--resume: run ${fromRun} is already completed and its results are kept; pass --continue to train it further in place, or change settings (e.g. --epochs) to start a new run from its checkpoint`,
    );
  }
  // Other settings than the run was trained with: a new run that names it, so its results stay as they were.
  return { ...fresh(), resume: record, parent: fromRun };
}

/** One line for the log: what a resume continues and what changed. */
export function describeResume(target: RunTarget): string | undefined {
  const r = target.resume;
  if (!r) return undefined;
  const changes = Object.keys(r.changed).length ? `; changed: ${describe(r.changed)}` : '';
  return target.parent
    ? `tsfm: new run ${target.runId} from run ${r.fromRun}'s ${path.basename(r.checkpoint)} (${r.fromStatus ?? 'unknown status'}; its results are kept)${changes}`
    : `tsfm: resuming run ${r.fromRun} from ${path.basename(r.checkpoint)} (was ${r.fromStatus ?? 'unknown'})${changes}`;
}
