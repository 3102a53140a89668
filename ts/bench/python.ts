/** Finds a Python with torch and runs bench/python scripts in it (asynchronously: never blocks Node). */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { promisify } from 'node:util';
import { packageRoot } from '../config/index.js';

const run = promisify(execFile);

export interface PythonTorch {
  python: string;
  torch: string;
}

let found: Promise<PythonTorch | null> | undefined;

/** $TSFM_PYTHON, then python3 on PATH, then the system /usr/bin/python3 (Debian's python3-torch). */
export function findPythonTorch(): Promise<PythonTorch | null> {
  found ??= (async () => {
    const candidates = [process.env.TSFM_PYTHON, 'python3', '/usr/bin/python3'].filter((p): p is string => Boolean(p));
    for (const python of candidates) {
      try {
        const { stdout } = await run(python, ['-c', 'import torch; print(torch.__version__)'], { timeout: 60_000 });
        return { python, torch: stdout.trim() };
      } catch {
        /* next */
      }
    }
    return null;
  })();
  return found;
}

export function benchPythonScript(name: string): string {
  return path.join(packageRoot(), 'bench', 'python', name);
}

/**
 * A long-lived bench/python script run with --serve: it loads once, then runs a round per `round()` and
 * answers with one JSON line, so native and Python rounds can alternate cheaply.
 */
export class PythonPeer {
  private lines: string[] = [];
  private waiting: ((line: string | null) => void)[] = [];
  private stderr = '';
  private closed = false;
  private readonly child: ChildProcess;

  constructor(python: string, script: string, args: string[], env: NodeJS.ProcessEnv = process.env) {
    this.child = spawn(python, [benchPythonScript(script), ...args, '--serve'], { stdio: ['pipe', 'pipe', 'pipe'], env });
    const rl = createInterface({ input: this.child.stdout! });
    rl.on('line', (l) => {
      const w = this.waiting.shift();
      if (w) w(l);
      else this.lines.push(l);
    });
    this.child.stderr!.on('data', (d) => {
      this.stderr = (this.stderr + d).slice(-4000);
    });
    this.child.on('close', () => {
      this.closed = true;
      for (const w of this.waiting.splice(0)) w(null);
    });
    this.child.on('error', (e) => {
      this.stderr += `\n${e.message}`;
    });
  }

  private next(): Promise<string> {
    const l = this.lines.shift();
    if (l !== undefined) return Promise.resolve(l);
    if (this.closed) return Promise.reject(this.failure());
    return new Promise((resolve, reject) => this.waiting.push((line) => (line === null ? reject(this.failure()) : resolve(line))));
  }

  private failure(): Error {
    const last = this.stderr.trim().split('\n').pop() || 'exited early';
    return new Error(`bench/python peer: ${last}`);
  }

  async ready(): Promise<void> {
    await this.next();
  }

  // One JSON line of the Python peer (its shape: bench/python/train_loop.py).
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  async round(): Promise<any> {
    this.child.stdin!.write('round\n');
    return JSON.parse(await this.next());
  }

  close(): void {
    this.child.stdin!.end();
  }
}
