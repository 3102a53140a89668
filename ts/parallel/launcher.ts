/**
 * `tsfm train --nproc-per-node N`: starts N worker processes on this node (ranks nodeRank*N .. +N-1 of
 * nnodes*N), each running the same command with torchrun's environment variables, and supervises them:
 * - output is prefixed with the rank; only rank 0's progress is shown unless TSFM_DEBUG_ALL_RANKS=1;
 * - the first worker to fail brings the others down (SIGTERM, then SIGKILL after a grace period) and the
 *   launcher exits non-zero with that rank's error;
 * - SIGINT is forwarded so every worker stops at the same step and rank 0 saves a checkpoint;
 * - workers run in their own process groups (killed as groups) and exit when the launcher disappears,
 *   so no orphans survive.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';

export interface LaunchOptions {
  nprocPerNode: number;
  nnodes?: number;
  nodeRank?: number;
  masterAddr?: string;
  masterPort?: number;
  /** The worker command: arguments after `node`, e.g. [cli.js, 'train', 'config.yaml']. */
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** Seconds a failing job's surviving workers get to exit after SIGTERM before SIGKILL. */
  graceSeconds?: number;
  /** Each complete line, and progress redraws (text starting with \r, no newline) as soon as they arrive. */
  onLine?: (rank: number, stream: 'stdout' | 'stderr', line: string, complete: boolean) => void;
}

/** Splits a stream into lines, passing on in-place progress redraws (`\r...`) without waiting for a newline. */
function lines(input: Readable, cb: (line: string, complete: boolean) => void): void {
  let buf = '';
  input.setEncoding('utf8');
  input.on('data', (chunk: string) => {
    buf += chunk;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      cb(buf.slice(0, nl), true);
      buf = buf.slice(nl + 1);
    }
    if (buf.startsWith('\r')) {
      cb(buf, false);
      buf = '';
    }
  });
  input.on('end', () => {
    if (buf) cb(buf, true);
  });
}

export interface LaunchHandle {
  done: Promise<LaunchResult>;
  /** First call: every worker stops after its current step (rank 0 saves a checkpoint). Second: kill them. */
  interrupt(): void;
}

export interface LaunchResult {
  exitCode: number;
  /** The first rank that failed, with its last error line. */
  /** hung: the rank did not fail itself; its peers timed out waiting for it. */
  failure?: { rank: number; code: number | null; signal: string | null; error: string; hung?: boolean };
  interrupted: boolean;
}

interface Worker {
  rank: number;
  child: ChildProcess;
  exited: boolean;
  errorFile: string;
}

/** The error a worker left in its error file (TSFM_ERROR_FILE, written by the CLI on failure), if any. */
function workerError(w: Worker): string {
  try {
    return existsSync(w.errorFile) ? readFileSync(w.errorFile, 'utf8').split('\n')[0]!.trim() : '';
  } catch {
    return '';
  }
}

/** A collective that timed out or broke: the rank reporting it is the healthy one waiting for a peer. */
function isPeerWait(error: string): boolean {
  return /collective failed|timed out|timeout/i.test(error);
}

/** What Linux says the process is doing: stopped (SIGSTOP, a debugger) or still running but silent. */
function processCondition(pid: number | undefined): string {
  try {
    const state = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '')[0];
    if (state === 'T' || state === 't') return `process ${pid} is stopped (SIGSTOP or a debugger)`;
    return `process ${pid} is still running but never reached the collective`;
  } catch {
    return `process ${pid} did not report`;
  }
}

/** How long the other ranks get to fail on their own after a first peer-wait failure, before the silent ones are named. */
const HUNG_WINDOW_MS = 1500;

function killGroup(child: ChildProcess, sig: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, sig); // the worker's whole process group
  } catch {
    try {
      child.kill(sig);
    } catch {
      /* already gone */
    }
  }
}

export function launch(o: LaunchOptions): LaunchHandle {
  const nnodes = o.nnodes ?? 1,
    nodeRank = o.nodeRank ?? 0,
    n = o.nprocPerNode;
  if (!(n >= 1)) throw new Error(`--nproc-per-node: expected a positive number, got ${n}`);
  if (!(nodeRank >= 0 && nodeRank < nnodes)) throw new Error(`--node-rank ${nodeRank} is outside --nnodes ${nnodes}`);
  let group: RankGroup | undefined;
  const done = new Promise<LaunchResult>((resolve) => {
    group = new RankGroup(o, resolve);
    for (let local = 0; local < n; local++) group.spawn(nodeRank * n + local, local, nnodes * n);
  });
  return { done, interrupt: () => group?.interrupt() };
}

/** The ranks of one node, watched together: the first failure (or an interrupt) brings them all down. */
class RankGroup {
  private readonly workers: Worker[] = [];
  private failure: LaunchResult['failure'];
  private provisional = false; // the failure so far is a peer's timeout; the rank at fault may still show itself
  private interrupted = false;
  private readonly errors = mkdtempSync(path.join(tmpdir(), 'tsfm-launch-'));
  private readonly grace: number;
  // CPU workers share the node's cores instead of each taking all of them.
  private readonly threads: string;

  constructor(
    private readonly o: LaunchOptions,
    private readonly resolve: (r: LaunchResult) => void,
  ) {
    this.grace = (o.graceSeconds ?? 10) * 1000;
    this.threads = String(Math.max(1, Math.floor(availableParallelism() / o.nprocPerNode)));
  }

  /** First call: SIGINT to every worker (they stop at the same step). Second: no more waiting. */
  interrupt(): void {
    if (this.interrupted) {
      for (const w of this.workers) if (!w.exited) killGroup(w.child, 'SIGKILL');
      return;
    }
    this.interrupted = true;
    this.teardown('interrupt');
  }

  spawn(rank: number, local: number, world: number): void {
    const env = this.rankEnv(rank, local, world);
    // detached: its own process group, so a Ctrl-C at the terminal reaches the launcher only, and the
    // launcher can kill a worker together with anything it started.
    const child = spawn(process.execPath, this.o.args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const w: Worker = { rank, child, exited: false, errorFile: env.TSFM_ERROR_FILE! };
    this.workers.push(w);
    for (const stream of ['stdout', 'stderr'] as const) {
      lines(child[stream]!, (line, complete) => {
        this.o.onLine?.(rank, stream, line, complete);
      });
    }
    child.on('error', (err) => {
      if (!this.failure) this.failure = { rank, code: null, signal: null, error: `could not start: ${err.message}` };
      if (child.pid === undefined) {
        // never started: no 'exit' will follow
        w.exited = true;
        this.teardown('failure');
        this.finish();
      }
    });
    // Let the pipes drain so the last error line is read before deciding.
    child.on('exit', (code, sig) => setTimeout(() => this.exited(w, code, sig), 50));
  }

  /** torchrun's variables for one rank, plus tsfm's (launcher pid, threads per worker, error file). */
  private rankEnv(rank: number, local: number, world: number): NodeJS.ProcessEnv {
    const base = this.o.env ?? process.env;
    return {
      ...base,
      RANK: String(rank),
      LOCAL_RANK: String(local),
      WORLD_SIZE: String(world),
      LOCAL_WORLD_SIZE: String(this.o.nprocPerNode),
      GROUP_RANK: String(this.o.nodeRank ?? 0),
      MASTER_ADDR: this.o.masterAddr ?? '127.0.0.1',
      MASTER_PORT: String(this.o.masterPort ?? 29500),
      TSFM_LAUNCHER_PID: String(process.pid),
      TSFM_THREADS_PER_WORKER: base.TSFM_THREADS_PER_WORKER ?? this.threads,
      TSFM_ERROR_FILE: path.join(this.errors, `rank-${rank}.txt`),
    };
  }

  private exited(w: Worker, code: number | null, sig: NodeJS.Signals | null): void {
    w.exited = true;
    const ok = code === 0 || (this.interrupted && (code === 130 || sig === 'SIGINT'));
    const error = ok ? '' : workerError(w) || 'it ended without an error message (crashed or killed)';
    if (!ok && !this.interrupted && (!this.failure || (this.provisional && !isPeerWait(error)))) {
      // A rank that fails on its own explains a peer's earlier timeout: it is the one reported.
      const first = !this.failure;
      this.failure = { rank: w.rank, code, signal: sig, error };
      this.provisional = first && isPeerWait(error);
      if (this.provisional) this.blameSilentRanks(this.failure);
      else if (first) this.teardown('failure');
    }
    this.finish();
  }

  private teardown(why: 'failure' | 'interrupt'): void {
    for (const w of this.workers) if (!w.exited) killGroup(w.child, why === 'failure' ? 'SIGTERM' : 'SIGINT');
    const t = setTimeout(() => {
      for (const w of this.workers) if (!w.exited) killGroup(w.child, 'SIGKILL');
    }, this.grace);
    t.unref();
  }

  // A rank that times out waiting for a peer is not the one at fault: after a short window, the ranks that
  // are still alive without having failed are the hung ones, and the first of them is reported.
  private blameSilentRanks(first: NonNullable<LaunchResult['failure']>): void {
    const t = setTimeout(() => {
      const silent = this.workers.filter((x) => !x.exited);
      const explained = this.failure !== first; // another rank failed on its own meanwhile
      this.provisional = false;
      if (!explained && silent.length) {
        const hung = silent[0]!;
        this.failure = {
          rank: hung.rank,
          code: null,
          signal: null,
          hung: true,
          error: `it stopped responding (${processCondition(hung.child.pid)}); rank ${first.rank} timed out waiting for it: ${first.error.replace(/^tsfm: /, '')}`,
        };
      }
      this.teardown('failure');
    }, HUNG_WINDOW_MS);
    t.unref();
  }

  private finish(): void {
    if (this.workers.some((w) => !w.exited)) return;
    rmSync(this.errors, { recursive: true, force: true });
    this.resolve({ exitCode: this.failure ? 1 : this.interrupted ? 130 : 0, failure: this.failure, interrupted: this.interrupted });
  }
}
