/**
 * Is the process that owns a run still alive? A run left "running" by a process that was killed
 * (SIGKILL, power loss) must be shown as failed, so readers check the owner: same host, the pid
 * exists, and (on Linux) the pid's start time matches, so a recycled pid is not mistaken for it.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';

export interface ProcessIdentity {
  pid: number;
  host: string;
  /** Kernel start time of the process (clock ticks since boot, /proc/<pid>/stat field 22); null off Linux. */
  start_ticks: number | null;
}

export function processStartTicks(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: fields restart after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(rest[19]);
    return Number.isFinite(ticks) ? ticks : null;
  } catch {
    return null;
  }
}

export function currentProcess(): ProcessIdentity {
  return { pid: process.pid, host: os.hostname(), start_ticks: processStartTicks(process.pid) };
}

/** 'alive', 'dead', or 'unknown' (another host: cannot tell from here). */
export function processState(owner: ProcessIdentity): 'alive' | 'dead' | 'unknown' {
  if (owner.host !== os.hostname()) return 'unknown';
  try {
    process.kill(owner.pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return 'dead';
    // EPERM: exists but belongs to another user; fall through to the start-time check.
  }
  if (owner.start_ticks !== null) {
    const now = processStartTicks(owner.pid);
    if (now === null) return 'dead';
    if (now !== owner.start_ticks) return 'dead'; // the pid was reused by another process
  }
  return isZombie(owner.pid) ? 'dead' : 'alive';
}

function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false;
  }
}
