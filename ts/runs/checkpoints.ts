import { existsSync } from 'node:fs';
import path from 'node:path';
import { effectiveStatus, readMetadata } from './metadata.js';

/** The weights a finished run is used with: checkpoints/best.pt (the best validation epoch), else last.pt. */
export function runCheckpoint(runDir: string): string | undefined {
  return ['best.pt', 'last.pt'].map((f) => path.join(runDir, 'checkpoints', f)).find((f) => existsSync(f));
}

/**
 * The run's checkpoint, or one line saying why there is none: a run that failed or was stopped before its first
 * checkpoint is named with its status and error, so the user sees the cause rather than a missing file.
 */
export function requireRunCheckpoint(runDir: string): string {
  const file = runCheckpoint(runDir);
  if (file) return file;
  const where = path.join(runDir, 'checkpoints');
  let meta;
  try {
    meta = effectiveStatus(readMetadata(runDir));
  } catch {
    throw new Error(`${where}: no best.pt or last.pt (the run saved no weights)`);
  }
  if (meta.status === 'completed')
    throw new Error(`${where}: no best.pt or last.pt although the run completed (were its checkpoints deleted?)`);
  const why = meta.error ? `: ${meta.error}` : '';
  const id = path.basename(runDir);
  throw new Error(
    `run ${id} ${meta.status} before saving any weights${why}; there is nothing to evaluate or predict with (fix the cause and train again)`,
  );
}
