import { existsSync } from 'node:fs';
import path from 'node:path';

/** The weights a finished run is used with: checkpoints/best.pt (the best validation epoch), else last.pt. */
export function runCheckpoint(runDir: string): string | undefined {
  return ['best.pt', 'last.pt'].map((f) => path.join(runDir, 'checkpoints', f)).find((f) => existsSync(f));
}
