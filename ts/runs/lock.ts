/**
 * An exclusive lock held by one live process: a file naming its owner (pid, host, start time), created
 * with O_EXCL. A lock whose owner died (SIGKILL, power loss) is taken over; a live owner is named.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { currentProcess, processState, type ProcessIdentity } from './liveness.js';

export interface Lock {
  release(): void;
}

/** Takes the lock at `file` or throws one line naming `what` and the process that holds it. */
export function acquireLock(file: string, what: string): Lock {
  const me = currentProcess();
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(file, JSON.stringify({ ...me, time: new Date().toISOString() }), { flag: 'wx' });
      return { release: () => releaseIfOwned(file, me) };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const owner = readOwner(file);
    if (!owner) {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50); // being written right now: look again
      continue;
    }
    if (processState(owner) !== 'dead') {
      throw new Error(`${what} is already running (process ${owner.pid} on ${owner.host}, lock ${file}); wait for it or stop it first`);
    }
    rmSync(file, { force: true }); // its owner is gone: take it over
  }
  throw new Error(`${file}: could not take the lock for ${what}`);
}

function readOwner(file: string): ProcessIdentity | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as ProcessIdentity;
  } catch {
    return null; // being written or removed right now
  }
}

function releaseIfOwned(file: string, me: ProcessIdentity): void {
  const owner = readOwner(file);
  if (owner && owner.pid === me.pid && owner.host === me.host) rmSync(file, { force: true });
}
