import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** Write files (path → YAML text) into a fresh temporary directory and return it. */
export function tempConfigs(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'tsfm-config-'));
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, p)), { recursive: true });
    writeFileSync(join(dir, p), text);
  }
  return dir;
}
