/**
 * Runs whose process was killed (SIGKILL, OOM killer, power loss) never wrote their end. Readers find
 * them (status 'running', owner process gone) and record them as failed in the run directory and the
 * registry, with the last time the run wrote anything as its end.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { writeJsonAtomic } from '../runs/atomic.js';
import { effectiveStatus, METADATA_FILE, readMetadata } from '../runs/metadata.js';
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
    const lastWrite = statSync(file).mtime;
    writeJsonAtomic(file, {
      ...m,
      status: eff.status,
      error: eff.error,
      end_time: lastWrite.toISOString(),
      duration_s: (lastWrite.getTime() - Date.parse(m.start_time)) / 1000,
    });
    registry.indexRunDir(run.run_dir);
    fixed.push(m.run_id);
  }
  return fixed;
}
