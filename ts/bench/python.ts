/** Finds a Python with torch and runs bench/python scripts in it (asynchronously: never blocks Node). */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { packageRoot } from '../config/index.js';

const run = promisify(execFile);

export interface PythonTorch { python: string; torch: string }

let found: Promise<PythonTorch | null> | undefined;

/** $TSFM_PYTHON, then python3 on PATH, then the system /usr/bin/python3 (Debian's python3-torch). */
export function findPythonTorch(): Promise<PythonTorch | null> {
  found ??= (async () => {
    const candidates = [process.env.TSFM_PYTHON, 'python3', '/usr/bin/python3'].filter((p): p is string => Boolean(p));
    for (const python of candidates) {
      try {
        const { stdout } = await run(python, ['-c', 'import torch; print(torch.__version__)'], { timeout: 60_000 });
        return { python, torch: stdout.trim() };
      } catch { /* next */ }
    }
    return null;
  })();
  return found;
}

export function benchPythonScript(name: string): string {
  return path.join(packageRoot(), 'bench', 'python', name);
}

/** Runs a bench/python script with args; returns stdout. Errors carry the script's last stderr line. */
export async function runPythonScript(python: string, script: string, args: string[], timeoutMs = 600_000): Promise<string> {
  try {
    const { stdout } = await run(python, [benchPythonScript(script), ...args], { timeout: timeoutMs, maxBuffer: 64 << 20 });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    const last = (e.stderr ?? '').trim().split('\n').pop() || e.message.split('\n')[0];
    throw new Error(`${script}: ${last}`);
  }
}
