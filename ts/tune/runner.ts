/**
 * Runs a study: each trial is a `tsfm train` child process (the base config, the study's and the sampled
 * `--set` overrides, run id <study>.t<k>), at most `workers` at once. Its per-epoch validation loss is read
 * from the run's log as it trains, so a pruner can stop it (SIGINT: it saves a checkpoint and ends); the
 * objective is read from the run's metadata when it ends. Re-running resumes: trials left running by a
 * killed tuner are retried (or adopted, when their run completed), then new ones are sampled up to `trials`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { packageRoot } from '../config/index.js';
import { writeJsonAtomic } from '../runs/atomic.js';
import { readMetadata } from '../runs/metadata.js';
import { createSampler } from './sampler.js';
import { shouldPrune } from './pruners.js';
import { StudyStore, studyDir } from './store.js';
import { baseLookup, prunerOf, samplerOf, trialOverrides, type Study } from './study.js';
import type { Trial } from './trial.js';

export type TuneEvent =
  { type: 'plan'; done: number; retries: number; total: number; workers: number } | { type: 'start' | 'finish'; trial: Trial };

export interface RunStudyOptions {
  workers?: number;
  signal?: AbortSignal;
  onEvent?: (e: TuneEvent) => void;
  /** The training command for a trial's arguments (default: this package's `tsfm train`); tests put a stand-in here. */
  command?: (args: string[]) => { file: string; args: string[] };
  /** How often the run's log is read for new epochs, ms. */
  pollMs?: number;
}

/** Validation loss per epoch from a run's log lines `epoch i/n train_loss x val_loss y`. */
export function epochHistory(log: string): number[] {
  const out: number[] = [];
  for (const m of log.matchAll(/ epoch (\d+)\/\d+ train_loss \S+ val_loss (\S+)/g)) out[Number(m[1]) - 1] = Number(m[2]);
  return Array.from(out, (v) => (v === undefined ? NaN : v));
}

const readText = (f: string) => {
  try {
    return readFileSync(f, 'utf8');
  } catch {
    return '';
  }
};

/** The outcome recorded in a trial's run directory, or undefined while it has none (never started, still running). */
function runOutcome(runDir: string, objective: string): { state: 'completed' | 'failed'; value?: number; error?: string } | undefined {
  let m;
  try {
    m = readMetadata(runDir);
  } catch {
    return undefined;
  }
  if (m.status === 'completed') {
    const v = m.metrics[objective];
    return typeof v === 'number' && Number.isFinite(v)
      ? { state: 'completed', value: v }
      : { state: 'failed', error: `the run has no metric '${objective}'` };
  }
  if (m.status === 'failed') return { state: 'failed', error: m.error ?? 'failed' };
  return undefined;
}

/** What the workers of one study share: its store, sampler and pruner, and the trials running now. */
interface StudyRun {
  study: Study;
  opts: RunStudyOptions;
  dir: string;
  store: StudyStore;
  sampler: ReturnType<typeof createSampler>;
  pruner: ReturnType<typeof prunerOf>;
  /** Trials a dead tuner left running whose run has no outcome: run again before new ones are sampled. */
  retries: Trial[];
  /** training.threads override of every trial (empty unless parallel trials must share the cores). */
  threads: string[];
  command: (args: string[]) => { file: string; args: string[] };
  children: Set<ChildProcess>;
  /** Running trials of this tuner, with their latest history. */
  live: Map<number, Trial>;
  interrupted: boolean;
}

export async function runStudy(study: Study, opts: RunStudyOptions = {}): Promise<{ trials: Trial[]; interrupted: boolean }> {
  const c = study.config;
  const dir = studyDir(study.runsDir, c.name);
  const store = StudyStore.open(dir, c.name, { exclusive: true });
  try {
    writeJsonAtomic(path.join(dir, 'study.json'), { ...c, file: study.file, base: study.base, runs_dir: study.runsDir });
    mkdirSync(path.join(dir, 'logs'), { recursive: true });
    const sampler = createSampler(study.space, baseLookup(study), samplerOf(c));
    const pruner = prunerOf(c);
    const retries = adoptOrphans(study, store);
    const workers = Math.max(1, opts.workers ?? c.workers);
    opts.onEvent?.({
      type: 'plan',
      done: store.trials().filter((t) => t.state !== 'running').length,
      retries: retries.length,
      total: c.trials,
      workers,
    });
    const cli = path.join(packageRoot(), 'dist', 'ts', 'cli', 'main.js');
    const command = opts.command ?? ((args: string[]) => ({ file: process.execPath, args: [cli, 'train', ...args] }));
    const run: StudyRun = {
      study,
      opts,
      dir,
      store,
      sampler,
      pruner,
      retries,
      threads: threadOverrides(study, workers),
      command,
      children: new Set<ChildProcess>(),
      live: new Map<number, Trial>(),
      interrupted: false,
    };
    const onAbort = () => {
      run.interrupted = true;
      for (const ch of run.children) ch.kill('SIGINT');
    };
    opts.signal?.addEventListener('abort', onAbort);
    if (opts.signal?.aborted) onAbort();
    const worker = async () => {
      while (!run.interrupted) {
        const t = claim(run);
        if (!t) return;
        await runTrial(run, t);
      }
    };
    await Promise.all(Array.from({ length: workers }, worker));
    opts.signal?.removeEventListener('abort', onAbort);
    return { trials: store.trials(), interrupted: run.interrupted };
  } finally {
    store.close();
  }
}

const trialRunDir = (study: Study, t: Trial) => path.join(study.runsDir, t.runId!);

/** Trials a dead tuner left running: adopted when their run finished, else returned to be retried. */
function adoptOrphans(study: Study, store: StudyStore): Trial[] {
  const retries: Trial[] = [];
  for (const t of store.orphans()) {
    const o = runOutcome(trialRunDir(study, t), study.config.objective);
    if (o)
      store.save({
        ...t,
        ...o,
        intermediate: epochHistory(readText(path.join(trialRunDir(study, t), 'logs', 'run.log'))),
        finished: new Date().toISOString(),
      });
    else retries.push(t);
  }
  return retries;
}

/** Parallel trials share the CPU cores unless the study sets training.threads itself. */
function threadOverrides(study: Study, workers: number): string[] {
  return workers > 1 && !study.config.set.some((x) => x.startsWith('training.threads='))
    ? [`training.threads=${Math.max(1, Math.floor(os.availableParallelism() / workers))}`]
    : [];
}

/** Every trial of the study as this tuner sees it: running ones with their latest history. */
const history = (run: StudyRun) => run.store.trials().map((t) => run.live.get(t.number) ?? t);

/** The next trial to run: a retry first, then a newly sampled one; null when the study has all its trials. */
function claim(run: StudyRun): Trial | null {
  const r = run.retries.shift();
  if (r) return run.store.retry(r);
  const number = run.store.nextNumber();
  if (number >= run.study.config.trials) return null;
  const params = run.sampler(history(run), number);
  return params ? run.store.create(number, params) : null;
}

/** `tsfm train` arguments of a trial: the base config, thread and sampled overrides, its run id and tags. */
function trialArgs(run: StudyRun, t: Trial): string[] {
  const { study } = run;
  return [
    study.base,
    ...run.threads.flatMap((s) => ['--set', s]),
    ...trialOverrides(study, t.params).flatMap((s) => ['--set', s]),
    '--set',
    `output.runs_dir=${study.runsDir}`,
    '--run-id',
    t.runId!,
    '--tag',
    `study=${study.config.name}`,
    '--tag',
    `trial=${t.number}`,
  ];
}

/** Starts a trial's training process, its output to the study's log of the trial. */
function spawnTrial(run: StudyRun, t: Trial): ChildProcess {
  const { file, args: argv } = run.command(trialArgs(run, t));
  const fd = openSync(path.join(run.dir, 'logs', `${t.runId}.log`), 'w');
  // Own process group and TSFM_RUNNER_PID, as experiment cells: one SIGINT reaches it, and it ends if the tuner dies.
  const child = spawn(file, argv, {
    stdio: ['ignore', fd, fd],
    detached: true,
    env: { ...process.env, TSFM_RUNNER_PID: String(process.pid) },
  });
  closeSync(fd);
  return child;
}

/** Runs one trial to its end, reading its history as it trains and pruning it when the pruner says so. */
function runTrial(run: StudyRun, t: Trial): Promise<void> {
  return new Promise<void>((resolve) => {
    const { store, opts } = run;
    run.live.set(t.number, t);
    const runDir = trialRunDir(run.study, t);
    const child = spawnTrial(run, t);
    run.children.add(child);
    opts.onEvent?.({ type: 'start', trial: t });
    let pruned = false;
    const poll = () => {
      const h = epochHistory(readText(path.join(runDir, 'logs', 'run.log')));
      if (h.length === t.intermediate.length) return;
      t.intermediate = h;
      store.save(t);
      if (!pruned && !run.interrupted && shouldPrune(run.pruner, history(run), t)) {
        pruned = true;
        child.kill('SIGINT');
      }
    };
    const timer = setInterval(poll, opts.pollMs ?? 500);
    let ended = false;
    const finish = (error?: string) => {
      if (ended) return; // 'error' and 'exit' may both come
      ended = true;
      clearInterval(timer);
      run.children.delete(child);
      poll();
      run.live.delete(t.number);
      // Interrupted by the user: left running, so the next tuner retries it.
      if (run.interrupted && !pruned) return resolve();
      recordFinished(run, t, pruned, error);
      resolve();
    };
    child.on('exit', (code, signal) => finish(`${signal ? `killed by ${signal}` : `exit code ${code}`}`));
    child.on('error', (e) => finish(e.message));
  });
}

/** Records how an ended trial came out: pruned (at its last validation loss), completed or failed. */
function recordFinished(run: StudyRun, t: Trial, pruned: boolean, error: string | undefined): void {
  const o = runOutcome(trialRunDir(run.study, t), run.study.config.objective);
  const done: Trial = pruned
    ? { ...t, state: 'pruned', value: t.intermediate[t.intermediate.length - 1] }
    : o?.state === 'completed'
      ? { ...t, ...o }
      : { ...t, state: 'failed', error: o?.error ?? error ?? 'the run recorded no outcome' };
  done.finished = new Date().toISOString();
  run.store.save(done);
  Object.assign(t, done);
  run.opts.onEvent?.({ type: 'finish', trial: done });
}

export const studyExists = (runsDir: string, name: string): boolean => existsSync(path.join(studyDir(runsDir, name), 'trials'));
