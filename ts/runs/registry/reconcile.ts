/**
 * Runs whose process was killed (SIGKILL, OOM killer, power loss) never wrote their end. Readers find
 * them (status 'running', owner process gone) and record them as failed in the run directory and the
 * registry, with the last time the run wrote anything as its end.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { writeJsonAtomic } from '../atomic.js';
import { effectiveStatus, METADATA_FILE, readMetadata } from '../metadata.js';
import type { Registry } from './registry.js';

/** Marks dead 'running' runs failed; returns their ids. */
export function markStaleRuns(registry: Registry): string[] {
  const fixed: string[] = [];
  for (const { run } of registry.staleRuns()) {
    const m = readMetadata(run.run_dir);
    const eff = effectiveStatus(m); // re-check on the file itself: it may have finished meanwhile
    if (!eff.stale) {
      registry.indexRunDir(run.run_dir);
      continue;
    }
    const file = path.join(run.run_dir, METADATA_FILE);
    const lastWrite = lastWriteTime(run.run_dir);
    writeJsonAtomic(file, {
      ...m,
      status: eff.status,
      error: launcherFailure(run.run_dir) ?? eff.error,
      end_time: lastWrite.toISOString(),
      duration_s: (lastWrite.getTime() - Date.parse(m.start_time)) / 1000,
    });
    registry.indexRunDir(run.run_dir);
    fixed.push(m.run_id);
  }
  return fixed;
}

/** The newest modification time of any file in the run directory (its log and checkpoints are written all along). */
export function lastWriteTime(runDir: string): Date {
  let newest = statSync(path.join(runDir, METADATA_FILE)).mtime;
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) {
        const t = statSync(p).mtime;
        if (t > newest) newest = t;
      }
    }
  };
  walk(runDir);
  return newest;
}

/** What the distributed launcher recorded when a worker died (failure.json: the rank and its signal or exit code). */
function launcherFailure(runDir: string): string | undefined {
  const file = path.join(runDir, 'failure.json');
  if (!existsSync(file)) return undefined;
  try {
    const f = JSON.parse(readFileSync(file, 'utf8')) as {
      rank?: number;
      signal?: string | null;
      exit_code?: number | null;
      hung?: boolean;
      error?: string;
    };
    if (f.hung) return `rank ${f.rank} hung: ${f.error ?? 'no message'}`;
    const how = f.signal ? `killed by ${f.signal}` : `exit code ${f.exit_code}`;
    return `rank ${f.rank} failed (${how}): ${f.error ?? 'no message'}`;
  } catch {
    return undefined;
  }
}
