/** Deleting runs and choosing what `runs gc` removes. Models in staging or production are never collected. */
import { existsSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { Registry, type RunRow } from './registry.js';
import { runCheckpoint } from '../checkpoints.js';

const PROTECTED_STAGES = new Set(['staging', 'production']);

export interface GcOptions {
  /** Failed and interrupted runs. */
  failed?: boolean;
  /** Runs that started longer ago than this (ms). */
  olderThanMs?: number;
  now?: Date;
}

/** Runs `runs gc` would delete, each with why. */
export function selectGarbage(registry: Registry, opts: GcOptions): Array<{ run: RunRow; reason: string }> {
  const now = (opts.now ?? new Date()).getTime();
  const stageOf = new Map(registry.listModels().map((m) => [m.run_id, m.stage]));
  const out: Array<{ run: RunRow; reason: string }> = [];
  for (const run of registry.listRuns()) {
    if (run.status === 'running') continue;
    if (PROTECTED_STAGES.has(stageOf.get(run.run_id) ?? '')) continue;
    if (opts.failed && (run.status === 'failed' || run.status === 'interrupted')) out.push({ run, reason: run.status });
    else if (opts.olderThanMs !== undefined && now - Date.parse(run.start_time) > opts.olderThanMs)
      out.push({ run, reason: `started ${run.start_time}` });
  }
  return out;
}

/** Deletes a run's directory and its registry rows. Refuses a running run and a directory outside the runs directory. */
export function removeRun(registry: Registry, run: RunRow): void {
  if (run.status === 'running') throw new Error(`run '${run.run_id}' is running; stop it first`);
  const dir = path.resolve(run.run_dir);
  if (path.dirname(dir) !== registry.runsDir)
    throw new Error(`run '${run.run_id}': directory ${dir} is not inside ${registry.runsDir}; not deleting it`);
  rmSync(dir, { recursive: true, force: true });
  registry.removeRun(run.run_id);
}

/** Side-by-side view of runs: the fields, the params that differ, and every metric. */
export function compareRuns(runs: RunRow[]): { header: string[]; rows: string[][] } {
  const header = ['', ...runs.map((r) => r.run_id)];
  const rows: string[][] = [];
  const field = (name: string, get: (r: RunRow) => unknown) => rows.push([name, ...runs.map((r) => String(get(r) ?? '-'))]);
  field('status', (r) => r.status);
  field('model', (r) => r.model_family);
  field('dataset', (r) => r.dataset);
  field('seed', (r) => r.seed);
  field('config_hash', (r) => r.config_hash);
  field('git_commit', (r) => (r.git_commit ? r.git_commit.slice(0, 10) + (r.git_dirty ? '+dirty' : '') : null));
  field('duration_s', (r) => (r.duration_s === null ? null : r.duration_s.toFixed(1)));
  const keys = [...new Set(runs.flatMap((r) => Object.keys(r.params)))].sort();
  for (const k of keys) {
    const vals = runs.map((r) => r.params[k] ?? '-');
    if (new Set(vals).size > 1) rows.push([`param ${k}`, ...vals]);
  }
  const metrics = [...new Set(runs.flatMap((r) => Object.keys(r.metrics)))].sort();
  for (const k of metrics)
    rows.push([`metric ${k}`, ...runs.map((r) => (r.metrics[k] === undefined ? '-' : String(+r.metrics[k]!.toPrecision(6))))]);
  return { header, rows };
}

/** A checkpoint file, or the best (else last) checkpoint of a run named by id in `runsDir`; throws naming `ref`. */
export function resolveCheckpoint(ref: string, runsDir: string): string {
  if (existsSync(ref) && statSync(ref).isFile()) return path.resolve(ref);
  if (existsSync(path.join(ref, 'checkpoints')) && statSync(ref).isDirectory()) {
    const file = runCheckpoint(ref);
    if (!file) throw new Error(`--init-from ${ref}: the run directory has no checkpoint`);
    return path.resolve(file);
  }
  const reg = Registry.open(runsDir);
  try {
    const run = reg.getRun(ref);
    const file = runCheckpoint(run.run_dir);
    if (!file) throw new Error(`--init-from ${ref}: run ${run.run_id} has no checkpoint`);
    return file;
  } catch (e) {
    throw new Error(`--init-from ${ref}: ${(e as Error).message.replace(/^--init-from \S+: /, '')}`);
  } finally {
    reg.close();
  }
}
