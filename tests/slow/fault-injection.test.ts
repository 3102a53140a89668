// Fault injection: a training is SIGKILLed at random points (during epochs and checkpoint writes) and
// resumed each time until it completes; every time the run's recorded status must match its directory,
// no temporary file may be listed or left after a resume, no process may survive, and the final result
// must be byte-identical to the same training run without faults. Completed runs beside it must never
// change. The counts are printed for the record.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const cli = path.resolve('dist/ts/cli/main.js');
const args = [
  '--epochs',
  '12',
  '--set',
  'training.threads=1',
  '--set',
  'data.overrides.patients=3',
  '--set',
  'data.overrides.days=4',
  '--set',
  'training.early_stopping.patience=1000',
  '--set',
  'model.context_length=32',
  '--set',
  'training.val_max_windows=200',
];

/** A deterministic stream of kill delays (ms) so a failure can be replayed. */
function delays(seed: number, n: number, lo: number, hi: number): number[] {
  let s = seed >>> 0;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return lo + (s % (hi - lo));
  });
}

function train(runsDir: string, extra: string[]): Promise<{ code: number | null; signal: string | null; pid: number }> {
  const child = spawn(process.execPath, [cli, 'train', '--runs-dir', runsDir, ...args, ...extra], { stdio: 'ignore' });
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, pid: child.pid! })));
}

function tmpFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(d, e.name));
      else if (/\.tmp(\.|$)/.test(e.name)) out.push(path.join(d, e.name));
    }
  };
  walk(dir);
  return out;
}

const listRuns = (runsDir: string) =>
  execFileSync(process.execPath, [cli, 'runs', 'list', '--runs-dir', runsDir, '--json'], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));

describe('fault injection: SIGKILL at random points, then resume', () => {
  it('loses and changes nothing, and ends where an uninterrupted run ends', async () => {
    const runsDir = mkdtempSync(path.join(tmpdir(), 'tsfm-faults-'));
    expect((await train(runsDir, ['--run-id', 'clean'])).code).toBe(0);
    const cleanMetrics = readFileSync(path.join(runsDir, 'clean', 'metrics.json'));

    let faults = 0;
    let checks = 0;
    const victim = path.join(runsDir, 'victim');
    const last = path.join(victim, 'checkpoints', 'last.pt');
    for (const ms of delays(20261202, 12, 0, 700)) {
      const resume = existsSync(last) ? ['--resume', last] : ['--run-id', 'victim'];
      const child = spawn(process.execPath, [cli, 'train', '--runs-dir', runsDir, ...args, ...resume], { stdio: 'ignore' });
      let code: number | null | undefined;
      const exited = new Promise<void>((r) => child.on('exit', (c) => ((code = c), r())));
      // Kill once a checkpoint exists (so there is something to resume), at a random moment after it:
      // inside an epoch or inside the next checkpoint write.
      while (!existsSync(last) && code === undefined) await new Promise((r) => setTimeout(r, 20));
      const timer = setTimeout(() => child.kill('SIGKILL'), ms);
      await exited;
      clearTimeout(timer);
      if (code === 0) break; // it finished before the kill
      faults++;
      // The killed run reads as failed (its process is gone), in the registry and in its directory.
      const row = listRuns(runsDir).find((r) => r.run_id === 'victim');
      expect(row?.status).toBe('failed');
      const meta = JSON.parse(readFileSync(path.join(victim, 'metadata.json'), 'utf8'));
      expect(meta.status).toBe('failed');
      expect(meta.artifacts.filter((a: string) => /\.tmp/.test(a))).toEqual([]);
      checks++;
      // The completed run beside it is untouched.
      expect(readFileSync(path.join(runsDir, 'clean', 'metrics.json')).equals(cleanMetrics)).toBe(true);
    }
    // Resume to the end, then compare with the uninterrupted run.
    if (existsSync(last)) {
      const done = await train(runsDir, ['--resume', last]);
      expect(done.code).toBe(0);
    }
    const finalMetrics = JSON.parse(readFileSync(path.join(victim, 'metrics.json'), 'utf8'));
    const clean = JSON.parse(cleanMetrics.toString());
    expect(finalMetrics.status).toBe('completed');
    expect(finalMetrics.test).toEqual(clean.test);
    expect(finalMetrics.epochs.map((e: { trainLoss: number }) => e.trainLoss)).toEqual(
      clean.epochs.map((e: { trainLoss: number }) => e.trainLoss),
    );
    expect(tmpFiles(victim)).toEqual([]);
    expect(
      execFileSync('ps', ['-eo', 'args='], { encoding: 'utf8' })
        .split('\n')
        .filter((l) => l.includes(runsDir)),
    ).toEqual([]);
    expect(faults).toBeGreaterThanOrEqual(3);
    console.log(
      `fault injection: ${faults} SIGKILLs, ${checks + 1} run states checked, ${cleanMetrics.length * (checks + 2)} bytes of completed results compared`,
    );
  });
});
