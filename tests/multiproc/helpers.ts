import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export const cli = path.resolve('dist/ts/cli/main.js');
export const lib = path.resolve('dist/ts/index.js');

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `cond` every 100 ms until it holds or `timeoutMs` passes (then throws `what`). */
export async function waitFor(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** metadata.json of every run directory under runsDir (unreadable ones skipped). */
export function runMetadata(
  runsDir: string,
): Array<{ run_id: string; status: string; tags: Record<string, string>; error: string | null }> {
  if (!existsSync(runsDir)) return [];
  return readdirSync(runsDir).flatMap((d) => {
    try {
      return [JSON.parse(readFileSync(path.join(runsDir, d, 'metadata.json'), 'utf8'))];
    } catch {
      return [];
    }
  });
}
