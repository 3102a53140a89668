/**
 * The CLI side of `tsfm train --nproc-per-node`: turns the command line into a worker command, runs the
 * launcher, relays output, and on failure reports the failing rank and marks the run failed.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { TsfmConfig } from '../config/index.js';
import { loadNative } from '../native/loader.js';
import { chooseRunDir } from './resume.js';
import { launch } from '../parallel/launcher.js';

/** Flags that belong to the launcher and are not passed on to the workers. */
export const LAUNCHER_FLAGS = ['--nproc-per-node', '--nnodes', '--node-rank', '--master-addr', '--master-port'];

/** argv without the launcher's own flags (`--flag value` and `--flag=value`). */
export function workerArgs(argv: string[], flags: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (flags.includes(a)) {
      i++;
      continue;
    }
    if (flags.some((f) => a.startsWith(`${f}=`))) continue;
    out.push(a);
  }
  return out;
}

function positiveInt(v: string, flag: string): number {
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new Error(`${flag}: expected a positive integer, got '${v}'`);
  return Number(v);
}

/** `auto`: one worker per visible GPU, or one CPU worker when there is none. */
export function resolveNproc(v: string): number {
  if (v === 'auto') return Math.max(1, Number(loadNative().runtimeInfo().cudaDeviceCount) || 0);
  return positiveInt(v, '--nproc-per-node');
}

/** Exits this worker when its launcher is gone (e.g. SIGKILLed), so workers never outlive it as orphans. */
export function watchLauncher(launcherPid: number): void {
  const t = setInterval(() => {
    let alive = true;
    try {
      process.kill(launcherPid, 0); // signal 0: only asks whether the process exists (process.ppid is cached)
    } catch (err) {
      alive = (err as NodeJS.ErrnoException).code === 'EPERM';
    }
    // Nobody reads this worker's output any more and its peers are going too: end at once (an orderly exit
    // would wait for the native training thread). Saved checkpoints stay as they are.
    if (!alive) process.kill(process.pid, 'SIGKILL');
  }, 500);
  t.unref();
}

export async function launchTraining(
  config: TsfmConfig,
  o: {
    nprocPerNode: string;
    nnodes: string;
    nodeRank: string;
    masterAddr: string;
    masterPort: string;
    resume?: string;
    continue?: boolean;
  },
  argv: string[],
  flags: string[],
): Promise<number> {
  const nproc = resolveNproc(o.nprocPerNode);
  const nnodes = positiveInt(o.nnodes, '--nnodes');
  const nodeRank = Number(o.nodeRank);
  if (!Number.isInteger(nodeRank) || nodeRank < 0 || nodeRank >= nnodes)
    throw new Error(`--node-rank ${o.nodeRank} is outside 0..${nnodes - 1}`);
  const masterPort = positiveInt(o.masterPort, '--master-port');
  const world = nproc * nnodes;
  if (config.training.batch_size % (world * config.training.grad_accumulation_steps) !== 0)
    throw new Error(
      `training.batch_size ${config.training.batch_size} is not a multiple of ${world} workers x ${config.training.grad_accumulation_steps} accumulation steps`,
    );
  // Every rank must agree on the run directory: fix it here (a resumed run continues in its own directory).
  const target = chooseRunDir(config, o.resume, { continueRun: o.continue === true });
  const runId = target.runId;
  const runDir = path.join(target.runsDir, runId);
  let interrupt = () => {};
  let sigints = 0;
  const onSigint = () => {
    if (sigints++ === 0) console.error('\ntsfm: stopping all workers after the current step (Ctrl-C again to kill them)');
    interrupt();
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  if (nodeRank === 0) console.error(`tsfm: launching ${nproc} worker(s) on this node, world size ${world}, run ${runId}`);
  const tty = process.stderr.isTTY ? '1' : undefined;
  const handle = launch({
    nprocPerNode: nproc,
    nnodes,
    nodeRank,
    masterAddr: o.masterAddr,
    masterPort,
    args: [process.argv[1]!, ...workerArgs(argv, flags)],
    env: { ...process.env, TSFM_RUN_ID: runId, ...(tty ? { TSFM_PROGRESS_TTY: tty } : {}) },
    onLine: (rank, stream, line, complete) => {
      const out = stream === 'stdout' ? process.stdout : process.stderr;
      // Workers prefix their own log lines; progress lines redraw in place (\r): keep both as they are.
      if (!complete)
        out.write(line); // a progress redraw
      else out.write(line.startsWith('\r') || line.startsWith('[rank ') ? `${line}\n` : `[rank ${rank}] ${line}\n`);
    },
  });
  interrupt = handle.interrupt;
  const r = await handle.done;
  process.off('SIGINT', onSigint);
  process.off('SIGTERM', onSigint);
  if (r.failure) {
    const f = r.failure;
    const why = f.error.replace(/^tsfm: /, '');
    if (existsSync(path.dirname(runDir))) {
      mkdirSync(runDir, { recursive: true });
      writeFileSync(
        path.join(runDir, 'failure.json'),
        JSON.stringify(
          {
            status: 'failed',
            rank: f.rank,
            exit_code: f.code,
            signal: f.signal,
            hung: f.hung ?? false,
            error: why,
            at: new Date().toISOString(),
          },
          null,
          2,
        ),
      );
    }
    throw new Error(
      f.hung ? `rank ${f.rank} hung: ${why}` : f.rank >= 0 ? `rank ${f.rank} failed (${f.signal ?? `exit code ${f.code}`}): ${why}` : why,
    );
  }
  return r.exitCode;
}
