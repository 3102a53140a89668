/**
 * Runs the cells of an experiment as `tsfm train` child processes, at most `workers` at once (one
 * per GPU when CUDA is there, else a CPU budget). Cells that already completed (a completed run
 * tagged with the experiment and cell) are skipped, so re-running the command resumes. A failed
 * cell is reported and the others go on. Aborting sends SIGINT to the running cells, which save a
 * checkpoint and record themselves as interrupted.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { packageRoot, renderConfigYaml } from '../config/index.js';
import { markStaleRuns, Registry } from '../runs/registry/index.js';
import { writeFileAtomic, writeJsonAtomic } from '../runs/atomic.js';
import { readMetadata } from '../runs/metadata.js';
import { acquireLock } from '../runs/lock.js';
import type { ExperimentConfig } from './config.js';
import { cellHash, type Cell } from './matrix.js';
import { nocturnalRecord, nocturnalRecordPath, writtenNocturnalSummary } from './nocturnal.js';

export interface CellOutcome {
  cell: Cell;
  status: 'completed' | 'skipped' | 'failed' | 'interrupted' | 'not_started';
  runId?: string;
  error?: string;
  seconds?: number;
  /** Transfer evaluations (test_datasets) that failed: dataset label -> error. */
  transferErrors?: Record<string, string>;
  /** The nocturnal evaluation (evaluate: [.., nocturnal]) failed: why. */
  nocturnalError?: string;
}

/** A transfer score, written by the runner next to the experiment: transfer/<run id>/<dataset label>.json. */
export interface TransferRecord {
  run: string;
  cell: string;
  dataset: string;
  ref: string;
  metric: string;
  value: number | null;
  summary: string;
}

export function transferRecordPath(dir: string, runId: string, label: string): string {
  return path.join(dir, 'transfer', runId, `${label}.json`);
}

/** The experiment metric read from a `tsfm evaluate` summary (first target channel; the model, or a baseline by name). */
export function transferMetric(
  summary: {
    channels?: Array<{ forecasters?: Record<string, { pooled?: Record<string, number>; medianPerWindow?: Record<string, number> }> }>;
  },
  metric: string,
  forecaster = 'model',
): number | null {
  const m = summary.channels?.[0]?.forecasters?.[forecaster];
  if (!m) return null;
  const v =
    metric === 'test_medianRmse'
      ? m.medianPerWindow?.rmse
      : metric === 'test_medianMae'
        ? m.medianPerWindow?.mae
        : m.pooled?.[metric.replace(/^test_/, '')];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

export type ExperimentEvent =
  | { type: 'plan'; total: number; done: number; workers: number; devices: string[] }
  | { type: 'start' | 'finish'; outcome: CellOutcome; slot: number };

export interface RunExperimentOptions {
  workers?: number;
  signal?: AbortSignal;
  onEvent?: (e: ExperimentEvent) => void;
  /** CUDA devices available (default: asked from the addon when a cell may use CUDA). */
  cudaDevices?: number;
}

export function experimentDir(runsDir: string, name: string): string {
  return path.join(runsDir, 'experiments', name);
}

export function runsDirOfCells(cells: Cell[]): string {
  const dirs = new Set(cells.map((c) => path.resolve(c.config.output.runs_dir)));
  if (dirs.size !== 1) throw new Error(`experiment: every cell must write to one runs directory, got ${[...dirs].join(', ')}`);
  return [...dirs][0]!;
}

/** Keys of cells that have a completed run in the registry, trained from the cell's current config. */
export function completedCells(registry: Registry, experiment: string, cells: Cell[] = []): Map<string, string> {
  markStaleRuns(registry);
  const hashes = new Map(cells.map((c) => [c.key, cellHash(c)]));
  const done = new Map<string, string>();
  for (const r of registry.listRuns({ experiment, status: 'completed' })) {
    const key = r.tags.cell;
    if (!key || (hashes.size && r.tags.cell_hash !== hashes.get(key))) continue;
    if (!done.has(key)) done.set(key, r.run_id); // newest first
  }
  return done;
}

function nextRunId(runsDir: string, experiment: string, key: string): string {
  const prefix = `${experiment}.${key}.a`;
  const taken = existsSync(runsDir) ? readdirSync(runsDir).filter((n) => n.startsWith(prefix)).length : 0;
  return `${prefix}${taken + 1}`;
}

async function cudaDeviceCount(cells: Cell[]): Promise<number> {
  if (cells.every((c) => c.config.training.device === 'cpu')) return 0;
  try {
    // Imported lazily: a CPU-only experiment never loads LibTorch in the runner.
    const { loadNative } = await import('../native/loader.js');
    return Number(loadNative().runtimeInfo().cudaDeviceCount) || 0;
  } catch {
    return 0;
  }
}

function lastLine(file: string): string {
  try {
    const lines = readFileSync(file, 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
    return lines[lines.length - 1] ?? 'no output';
  } catch {
    return 'no output';
  }
}

function recordedStatus(runDir: string): string | undefined {
  try {
    const status = readMetadata(runDir).status;
    return status === 'running' ? undefined : status;
  } catch {
    return undefined;
  }
}

function failureOf(runDir: string, log: string, code: number | null, signal: NodeJS.Signals | null): string {
  try {
    const m = readMetadata(runDir);
    if (m.error) return m.error;
  } catch {
    /* the run directory was never made: the config or the process failed first */
  }
  return `${signal ? `killed by ${signal}` : `exit code ${code}`}: ${lastLine(log).replace(/^tsfm: /, '')}`;
}

export async function runExperiment(
  exp: ExperimentConfig,
  cells: Cell[],
  opts: RunExperimentOptions = {},
): Promise<{ outcomes: CellOutcome[]; interrupted: boolean }> {
  const runsDir = runsDirOfCells(cells);
  const dir = experimentDir(runsDir, exp.name);
  mkdirSync(path.join(dir, 'cells'), { recursive: true });
  mkdirSync(path.join(dir, 'logs'), { recursive: true });
  // One runner per experiment: a second one would start a second attempt of every cell in flight.
  const lock = acquireLock(path.join(dir, 'runner.lock'), `experiment '${exp.name}'`);
  try {
    return await runCells(exp, cells, opts, runsDir, dir);
  } finally {
    lock.release();
  }
}

// eslint-disable-next-line max-lines-per-function -- the experiment runner loop (spawn, record, resume, interrupt) sharing its bookkeeping
async function runCells(
  exp: ExperimentConfig,
  cells: Cell[],
  opts: RunExperimentOptions,
  runsDir: string,
  dir: string,
): Promise<{ outcomes: CellOutcome[]; interrupted: boolean }> {
  const registry = Registry.open(runsDir);
  let done: Map<string, string>;
  try {
    done = completedCells(registry, exp.name, cells);
  } finally {
    registry.close();
  }
  const gpus = opts.cudaDevices ?? (await cudaDeviceCount(cells));
  const devices = gpus > 0 ? Array.from({ length: gpus }, (_, i) => `cuda:${i}`) : [];
  const workers =
    devices.length || opts.workers || exp.workers || Math.max(1, Math.floor(os.availableParallelism() / exp.threads_per_worker));
  const outcomes: CellOutcome[] = cells.map((cell) =>
    done.has(cell.key) ? { cell, status: 'skipped', runId: done.get(cell.key) } : { cell, status: 'not_started' },
  );
  opts.onEvent?.({ type: 'plan', total: cells.length, done: done.size, workers, devices });
  const queue = outcomes.filter((o) => o.status === 'not_started');
  const cli = path.join(packageRoot(), 'dist', 'ts', 'cli', 'main.js');
  const children = new Set<import('node:child_process').ChildProcess>();
  let interrupted = false;
  const onAbort = () => {
    interrupted = true;
    for (const c of children) c.kill('SIGINT');
  };
  opts.signal?.addEventListener('abort', onAbort);
  if (opts.signal?.aborted) onAbort();

  const runCell = (o: CellOutcome, slot: number) =>
    new Promise<void>((resolve) => {
      const runId = nextRunId(runsDir, exp.name, o.cell.key);
      const config = { ...o.cell.config, output: { ...o.cell.config.output, run_id: runId } };
      if (devices.length) config.training = { ...config.training, device: devices[slot]! };
      const cellFile = path.join(dir, 'cells', `${runId}.yaml`);
      writeFileAtomic(cellFile, renderConfigYaml(config));
      const log = path.join(dir, 'logs', `${runId}.log`);
      const fd = openSync(log, 'w');
      const tags: Record<string, string> = {
        experiment: exp.name,
        cell: o.cell.key,
        cell_hash: cellHash(o.cell),
        strategy: o.cell.strategy,
        model: o.cell.model,
        dataset: o.cell.dataset,
        ...(exp.task ? { task: exp.task } : {}),
      };
      const initFrom = o.cell.dependsOn ? outcomes.find((x) => x.cell.key === o.cell.dependsOn)!.runId! : o.cell.initFrom;
      if (o.cell.series) tags.series = o.cell.series;
      if (o.cell.dependsOn) tags.global_run = initFrom!;
      const args = [
        cli,
        'train',
        cellFile,
        ...Object.entries(tags).flatMap(([k, v]) => ['--tag', `${k}=${v}`]),
        ...(initFrom ? ['--init-from', initFrom] : []),
      ];
      const start = Date.now();
      o.runId = runId;
      // Own process group: a terminal Ctrl-C reaches only the runner, which passes one SIGINT on (a cell that
      // got two would exit at once instead of saving a checkpoint).
      // TSFM_RUNNER_PID: the cell ends itself when the runner is gone (killed), instead of training on as an orphan.
      const child = spawn(process.execPath, args, {
        stdio: ['ignore', fd, fd],
        detached: true,
        env: { ...process.env, TSFM_EXPERIMENT: exp.name, TSFM_RUNNER_PID: String(process.pid) },
      });
      closeSync(fd);
      children.add(child);
      opts.onEvent?.({ type: 'start', outcome: o, slot });
      child.on('exit', (code, signal) => {
        children.delete(child);
        o.seconds = (Date.now() - start) / 1000;
        // The run's own record decides (a cell may finish just as an interrupt arrives); the exit code otherwise.
        const recorded = recordedStatus(path.join(runsDir, runId));
        if (recorded === 'completed' || (recorded === undefined && code === 0)) o.status = 'completed';
        else {
          o.status = interrupted ? 'interrupted' : 'failed';
          o.error = failureOf(path.join(runsDir, runId), log, code, signal);
        }
        opts.onEvent?.({ type: 'finish', outcome: o, slot });
        resolve();
      });
      child.on('error', (e) => {
        o.status = 'failed';
        o.error = e.message;
      });
    });

  // `tsfm evaluate ARGS` as a child of the runner (stopped by an interrupt like the cells), output to `log`.
  const spawnEvaluate = (args: string[], log: string) =>
    new Promise<number | null>((resolve) => {
      const fd = openSync(log, 'w');
      const child = spawn(process.execPath, [cli, 'evaluate', ...args], {
        stdio: ['ignore', fd, fd],
        detached: true,
        env: { ...process.env, TSFM_EXPERIMENT: exp.name, TSFM_RUNNER_PID: String(process.pid) },
      });
      closeSync(fd);
      children.add(child);
      child.on('exit', (c) => {
        children.delete(child);
        resolve(c);
      });
      child.on('error', () => resolve(-1));
    });

  // Transfer: `tsfm evaluate --run <run> --data <dataset>` for each test dataset without a record yet.
  const evaluateTransfer = async (o: CellOutcome) => {
    for (const t of o.cell.testDatasets ?? []) {
      const record = transferRecordPath(dir, o.runId!, t.name);
      if (existsSync(record) || interrupted) continue;
      const runDir = path.join(runsDir, o.runId!);
      const log = path.join(dir, 'logs', `${o.runId}.transfer.${t.name}.log`);
      const started = Date.now();
      const code = await new Promise<number | null>((resolve) => {
        const fd = openSync(log, 'w');
        const child = spawn(
          process.execPath,
          [cli, 'evaluate', '--run', o.runId!, '--runs-dir', runsDir, '--data', t.ref, '--split', 'test', '--no-forecasts'],
          {
            stdio: ['ignore', fd, fd],
            detached: true,
            env: { ...process.env, TSFM_EXPERIMENT: exp.name, TSFM_RUNNER_PID: String(process.pid) },
          },
        );
        closeSync(fd);
        children.add(child);
        child.on('exit', (c) => {
          children.delete(child);
          resolve(c);
        });
        child.on('error', () => resolve(-1));
      });
      if (interrupted) return; // stopped by the interrupt: evaluated again on resume
      // The summary this evaluation wrote: <run>/eval/<dataset name>-test/summary.json, the newest one.
      const evalDir = path.join(runDir, 'eval');
      const written = existsSync(evalDir)
        ? readdirSync(evalDir)
            .map((d) => path.join(evalDir, d, 'summary.json'))
            .filter((f) => existsSync(f) && statSync(f).mtimeMs >= started - 1000)
            .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0]
        : undefined;
      if (code !== 0 || !written) {
        (o.transferErrors ??= {})[t.name] =
          `tsfm evaluate ${code === 0 ? 'wrote no summary' : `exit code ${code}`}: ${lastLine(log).replace(/^tsfm: /, '')}`;
        continue;
      }
      const value = transferMetric(JSON.parse(readFileSync(written, 'utf8')), exp.metric);
      const rec: TransferRecord = {
        run: o.runId!,
        cell: o.cell.key,
        dataset: t.name,
        ref: t.ref,
        metric: exp.metric,
        value,
        summary: written,
      };
      mkdirSync(path.dirname(record), { recursive: true });
      writeJsonAtomic(record, rec);
    }
  };

  // Nocturnal: `tsfm evaluate --run <run> --split nocturnal` once per trained cell, its night scores kept as a record.
  const nocturnal = exp.evaluate.includes('nocturnal');
  const evaluateNocturnal = async (o: CellOutcome) => {
    const record = nocturnalRecordPath(dir, o.runId!);
    if (!nocturnal || existsSync(record) || interrupted) return;
    const log = path.join(dir, 'logs', `${o.runId}.nocturnal.log`);
    const started = Date.now();
    const code = await spawnEvaluate(['--run', o.runId!, '--runs-dir', runsDir, '--split', 'nocturnal', '--no-forecasts'], log);
    if (interrupted) return; // evaluated again on resume
    const written = writtenNocturnalSummary(path.join(runsDir, o.runId!), started);
    if (code !== 0 || !written) {
      o.nocturnalError = `tsfm evaluate --split nocturnal ${code === 0 ? 'wrote no summary' : `exit code ${code}`}: ${lastLine(log).replace(/^tsfm: /, '')}`;
      return;
    }
    mkdirSync(path.dirname(record), { recursive: true });
    writeJsonAtomic(record, nocturnalRecord(o.runId!, o.cell.key, written));
  };

  // A cell that starts from another cell's weights (dependsOn) waits for it; it fails when that one did not complete.
  const depState = (o: CellOutcome): 'ready' | 'wait' | 'failed' => {
    if (!o.cell.dependsOn) return 'ready';
    const dep = outcomes.find((x) => x.cell.key === o.cell.dependsOn);
    if (!dep) return 'failed';
    if (dep.status === 'completed' || dep.status === 'skipped') return 'ready';
    return dep.status === 'failed' || dep.status === 'interrupted' ? 'failed' : 'wait';
  };
  const pending = [...queue];
  let wake: () => void = () => {};
  let changed = new Promise<void>((r) => (wake = r));
  const notify = () => {
    wake();
    changed = new Promise<void>((r) => (wake = r));
  };
  let running = 0;
  const worker = async (slot: number) => {
    while (!interrupted && pending.length) {
      const i = pending.findIndex((o) => depState(o) !== 'wait');
      if (i < 0) {
        if (running === 0) break; // nothing can make a waiting cell ready
        await changed;
        continue;
      }
      const o = pending.splice(i, 1)[0]!;
      if (depState(o) === 'failed') {
        o.status = 'failed';
        o.error = `its global cell ${o.cell.dependsOn} did not complete`;
        o.seconds = 0;
        opts.onEvent?.({ type: 'finish', outcome: o, slot });
        notify();
        continue;
      }
      running++;
      await runCell(o, slot);
      if (o.status === 'completed') await evaluateTransfer(o);
      if (o.status === 'completed') await evaluateNocturnal(o);
      running--;
      notify();
    }
  };
  // Cells done earlier whose transfer evaluations are missing (added test datasets, or an interrupted evaluation).
  for (const o of outcomes) if (o.status === 'skipped' && o.cell.testDatasets?.length && !interrupted) await evaluateTransfer(o);
  // Likewise cells done before `nocturnal` was added to `evaluate` (or whose nocturnal evaluation was interrupted).
  for (const o of outcomes) if (o.status === 'skipped' && !interrupted) await evaluateNocturnal(o);
  await Promise.all(Array.from({ length: Math.min(workers, queue.length) }, (_, i) => worker(i)));
  opts.signal?.removeEventListener('abort', onAbort);
  return { outcomes, interrupted };
}
