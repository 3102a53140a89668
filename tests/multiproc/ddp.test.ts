/**
 * Data-parallel training over real processes (Gloo over loopback): equality with one process, faults,
 * interrupts, resume with another world size, and no orphan processes.
 */
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadNative } from '../../ts/native/loader.js';

const cli = path.resolve('dist/ts/cli/main.js');
const root = mkdtempSync(path.join(tmpdir(), 'tsfm-ddp-'));
const config = path.join(root, 'tiny.yaml');
// Small enough for 4 processes on 2 cores; dlinear has no dropout or batch statistics, so ranks must match a
// single process exactly up to float rounding.
writeFileSync(
  config,
  `
defaults: [models/dlinear]
model: {context_length: 32, horizon: 6, output: point}
data:
  dataset: simulated_t1d
  overrides: {patients: 4, days: 3}
  split: {protocol: temporal, train: 0.7, val: 0.1, test: 0.2}
  scaler: global
  cache_dir: ${path.join(root, 'cache')}
training:
  epochs: 2
  batch_size: 16
  lr: 0.01
  max_steps_per_epoch: 5
  val_max_windows: 200
  threads: 1
  grad_clip: 0.05
  early_stopping: {patience: 0}
  distributed: {bucket_mb: 0.0005}
`,
);

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  seconds: number;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function run(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  onStderr?: (text: string, child: ReturnType<typeof spawn>) => void,
): Promise<Run> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { env: { ...process.env, ...env } });
    let stdout = '',
      stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
      onStderr?.(stderr, child);
    });
    child.on('exit', (code) => setTimeout(() => resolve({ code, stdout, stderr, seconds: (Date.now() - t0) / 1000 }), 100));
  });
}

const train = (id: string, extra: string[] = [], env: NodeJS.ProcessEnv = {}) =>
  run(['train', config, '--runs-dir', path.join(root, 'runs'), '--set', `output.run_id=${id}`, ...extra], env);

/** Processes whose command line mentions this test's directory (workers and launchers alike). */
/** The pid of the launcher's worker with this RANK (read from /proc), other than `not`. */
function workerPid(rank: number, not: number): number | undefined {
  for (const d of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    const pid = Number(d);
    if (pid === not) continue;
    try {
      if (!readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(root)) continue;
      const env = readFileSync(`/proc/${d}/environ`, 'utf8').split('\0');
      if (env.includes(`RANK=${rank}`) && env.some((e) => e.startsWith('TSFM_LAUNCHER_PID='))) return pid;
    } catch {
      /* gone meanwhile */
    }
  }
  return undefined;
}

function survivors(): string[] {
  const ps = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return ps.split('\n').filter((l) => l.includes(root) && !l.includes('ps -eo'));
}

async function weights(runId: string): Promise<Map<string, Float32Array>> {
  const native = loadNative();
  const model = new native.NativeModel({
    family: 'dlinear',
    contextLength: 32,
    horizon: 6,
    channels: 3,
    params: { kernel_size: 25, individual: 0 },
  });
  const trainer = new native.NativeTrainer(model, { epochs: 1 });
  await trainer.loadWeights(path.join(root, 'runs', runId, 'checkpoints', 'last.pt'));
  const sd = model.stateDict() as Record<string, { data: Float32Array }>;
  trainer.dispose();
  model.dispose();
  return new Map(Object.entries(sd).map(([k, v]) => [k, v.data]));
}

function maxDiff(a: Map<string, Float32Array>, b: Map<string, Float32Array>): number {
  expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
  let m = 0;
  for (const [k, x] of a) {
    const y = b.get(k)!;
    for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]! - y[i]!));
  }
  return m;
}

describe('distributed data-parallel training (Gloo, loopback)', () => {
  it('2 and 4 processes end with the parameters of 1 process (same global batch)', async () => {
    const one = await train('w1');
    expect(one.code, one.stderr).toBe(0);
    const two = await train('w2', ['--nproc-per-node', '2', '--master-port', String(await freePort())]);
    expect(two.code, two.stderr).toBe(0);
    expect(two.stdout).toMatch(/run w2 completed/);
    // Only rank 0 reports; its lines carry the rank.
    expect(two.stderr).toMatch(/\[rank 0\] epoch 2\/2/);
    expect(two.stderr).not.toMatch(/\[rank 1\] epoch/);
    // 4 workers started by hand with torchrun's variables (as `torchrun --no-python` would).
    const port = String(await freePort());
    const four = await Promise.all(
      [0, 1, 2, 3].map((r) =>
        train('w4', [], { RANK: String(r), LOCAL_RANK: String(r), WORLD_SIZE: '4', MASTER_ADDR: '127.0.0.1', MASTER_PORT: port }),
      ),
    );
    for (const r of four) expect(r.code, r.stderr).toBe(0);
    const w1 = await weights('w1');
    const d2 = maxDiff(w1, await weights('w2'));
    const d4 = maxDiff(w1, await weights('w4'));
    expect(d2).toBeLessThan(1e-5);
    expect(d4).toBeLessThan(1e-5);
    // Control: a different global batch (2 x 16) ends elsewhere, so the bound above is not vacuous.
    const other = await train('w2b32', ['--nproc-per-node', '2', '--master-port', String(await freePort()), '--batch-size', '32']);
    expect(other.code, other.stderr).toBe(0);
    expect(maxDiff(w1, await weights('w2b32'))).toBeGreaterThan(1e-3);
    // Validation is reduced over ranks: every world size records the same history.
    const hist = (id: string) => JSON.parse(readFileSync(path.join(root, 'runs', id, 'metrics.json'), 'utf8')).epochs;
    expect(hist('w2')[1].valLoss).toBeCloseTo(hist('w1')[1].valLoss, 5);
    expect(hist('w4')[1].valLoss).toBeCloseTo(hist('w1')[1].valLoss, 5);
    // Rank 0 alone wrote the run directory.
    expect(existsSync(path.join(root, 'runs', 'w4', 'config.yaml'))).toBe(true);
  });

  it('two launchers as two nodes, and srun-style tasks, train like one process', async () => {
    const port = String(await freePort());
    const node = (rank: number) =>
      train('nodes', [
        '--nproc-per-node',
        '1',
        '--nnodes',
        '2',
        '--node-rank',
        String(rank),
        '--master-addr',
        '127.0.0.1',
        '--master-port',
        port,
      ]);
    const nodes = await Promise.all([node(0), node(1)]);
    for (const r of nodes) expect(r.code, r.stderr).toBe(0);
    expect(maxDiff(await weights('w1'), await weights('nodes'))).toBeLessThan(1e-5);
    // What srun gives each task; the master comes from the job's node list.
    const slurm = (rank: number) => ({
      SLURM_PROCID: String(rank),
      SLURM_LOCALID: String(rank),
      SLURM_NTASKS: '2',
      SLURM_STEP_ID: '0',
      SLURM_JOB_ID: '1',
      SLURM_JOB_NODELIST: 'localhost',
      MASTER_PORT: port,
    });
    const tasks = await Promise.all([0, 1].map((r) => train('srun', [], slurm(r))));
    for (const r of tasks) expect(r.code, r.stderr).toBe(0);
    expect(maxDiff(await weights('w1'), await weights('srun'))).toBeLessThan(1e-5);
  });

  it('gradient accumulation gives the same parameters as one big batch', async () => {
    const acc = await train('acc', [
      '--nproc-per-node',
      '2',
      '--master-port',
      String(await freePort()),
      '--set',
      'training.grad_accumulation_steps=2',
    ]);
    expect(acc.code, acc.stderr).toBe(0);
    expect(maxDiff(await weights('w1'), await weights('acc'))).toBeLessThan(1e-5);
  });

  it('resumes a 1-process checkpoint on 2 processes and ends where 1 process does', async () => {
    // Rank 0 throws at the first step of epoch 2, leaving the checkpoint of epoch 1.
    const cut = await train('res', [], { TSFM_TEST_FAULT: '0:5:throw' });
    expect(cut.code).toBe(1);
    const ckpt = path.join(root, 'runs', 'res', 'checkpoints', 'last.pt');
    // No run id: a resumed run continues in its own directory.
    const resumed = await run(['train', config, '--resume', ckpt, '--nproc-per-node', '2', '--master-port', String(await freePort())]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/run res completed/);
    expect(maxDiff(await weights('w1'), await weights('res'))).toBeLessThan(1e-5);
  });

  it('a crash of rank 1 at step 3 ends the job within 60 s with its error and leaves no process', async () => {
    const r = await train('crash', ['--nproc-per-node', '2', '--master-port', String(await freePort())], { TSFM_TEST_FAULT: '1:3:exit' });
    expect(r.code).toBe(1);
    expect(r.seconds).toBeLessThan(60);
    expect(r.stderr).toMatch(/tsfm: rank 1 failed \(exit code 3\): it ended without an error message/);
    // Its peer saw the crash as a failed collective, not a hang.
    expect(r.stderr).toMatch(/\[rank 0\] tsfm: distributed: a collective failed/);
    const failure = JSON.parse(readFileSync(path.join(root, 'runs', 'crash', 'failure.json'), 'utf8'));
    expect(failure).toMatchObject({ status: 'failed', rank: 1 });
    expect(survivors()).toEqual([]);
  });

  it('a hung rank brings the job down after the collective timeout', async () => {
    const r = await train(
      'hang',
      ['--nproc-per-node', '2', '--master-port', String(await freePort()), '--set', 'training.distributed.timeout_seconds=4'],
      { TSFM_TEST_FAULT: '1:2:hang' },
    );
    expect(r.code).toBe(1);
    expect(r.seconds).toBeLessThan(60);
    // The hung rank is named, not the healthy rank 0 that timed out waiting for it.
    expect(r.stderr).toMatch(
      /tsfm: rank 1 hung: it stopped responding \(process \d+ is still running but never reached the collective\); rank 0 timed out waiting for it: distributed: a collective failed \(a peer crashed, or hung past the 4 s timeout\)/,
    );
    expect(JSON.parse(readFileSync(path.join(root, 'runs', 'hang', 'failure.json'), 'utf8'))).toMatchObject({ rank: 1, hung: true });
    expect(survivors()).toEqual([]);
  });

  it('a stopped rank (SIGSTOP) is named as the one that hung', async () => {
    let stopped = false;
    const r = await run(
      [
        'train',
        config,
        '--runs-dir',
        path.join(root, 'runs'),
        '--set',
        'output.run_id=stopped',
        '--set',
        'training.epochs=400',
        '--set',
        'training.distributed.timeout_seconds=4',
        '--nproc-per-node',
        '2',
        '--master-port',
        String(await freePort()),
      ],
      {},
      (text) => {
        if (!stopped && /epoch 2\/400/.test(text)) {
          const m = /"pid":\s*(\d+)/.exec(readFileSync(path.join(root, 'runs', 'stopped', 'metadata.json'), 'utf8'));
          // The run's owner is rank 0; rank 1 is the other worker of the launcher, found by its RANK.
          const rank1 = workerPid(1, Number(m![1]));
          if (rank1) {
            stopped = true;
            process.kill(rank1, 'SIGSTOP');
          }
        }
      },
    );
    expect(stopped).toBe(true);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /tsfm: rank 1 hung: it stopped responding \(process \d+ is stopped \(SIGSTOP or a debugger\)\); rank 0 timed out waiting for it/,
    );
    expect(survivors()).toEqual([]);
  });

  it('a peer that never shows up gives one clear rendezvous error', async () => {
    const r = await train('alone', ['--set', 'training.distributed.rendezvous_timeout_seconds=2'], {
      RANK: '0',
      WORLD_SIZE: '2',
      MASTER_ADDR: '127.0.0.1',
      MASTER_PORT: String(await freePort()),
    });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n').at(-1)).toMatch(
      /rendezvous at 127\.0\.0\.1:\d+ timed out after 2.* 1 of 2 ranks joined \(missing rank 1\)/,
    );
  });

  it('SIGINT to the launcher stops every worker after a checkpoint', async () => {
    let sent = false;
    const r = await run(
      [
        'train',
        config,
        '--runs-dir',
        path.join(root, 'runs'),
        '--set',
        'output.run_id=sigint',
        '--set',
        'training.epochs=400',
        '--nproc-per-node',
        '2',
        '--master-port',
        String(await freePort()),
      ],
      {},
      (text, child) => {
        if (!sent && /epoch 2\/400/.test(text)) {
          sent = true;
          child.kill('SIGINT');
        }
      },
    );
    expect(sent).toBe(true);
    expect(r.code, r.stderr).toBe(130);
    expect(r.stdout).toMatch(/run sigint interrupted/);
    expect(existsSync(path.join(root, 'runs', 'sigint', 'checkpoints', 'last.pt'))).toBe(true);
    expect(survivors()).toEqual([]);
  });

  it('workers do not outlive a launcher killed with SIGKILL', async () => {
    let killedAt = 0;
    await run(
      [
        'train',
        config,
        '--runs-dir',
        path.join(root, 'runs'),
        '--set',
        'output.run_id=orphans',
        '--set',
        'training.epochs=400',
        '--nproc-per-node',
        '2',
        '--master-port',
        String(await freePort()),
      ],
      {},
      (text, child) => {
        if (!killedAt && /epoch 2\/400/.test(text)) {
          killedAt = Date.now();
          child.kill('SIGKILL');
        }
      },
    );
    expect(killedAt).toBeGreaterThan(0);
    while (survivors().length > 0 && Date.now() - killedAt < 20_000) await new Promise((r) => setTimeout(r, 250));
    expect(survivors()).toEqual([]);
  });

  it('bad launch input fails at once with one line', async () => {
    const zero = await train('bad0', ['--nproc-per-node', '0']);
    expect(zero.code).toBe(1);
    expect(zero.stderr.trim()).toBe("tsfm: --nproc-per-node: expected a positive integer, got '0'");
    const uneven = await train('bad3', ['--nproc-per-node', '3']);
    expect(uneven.code).toBe(1);
    expect(uneven.stderr.trim()).toBe('tsfm: training.batch_size 16 is not a multiple of 3 workers x 1 accumulation steps');
  });

  it('tsfm slurm --dry-run prints an sbatch script', async () => {
    const r = await run(['slurm', config, '--kind', 'multi-node', '--nodes', '2', '--gpus-per-node', '8', '--dry-run']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^#!\/bin\/bash/);
    expect(r.stdout).toMatch(/#SBATCH --nodes=2\n#SBATCH --ntasks-per-node=8\n#SBATCH --gres=gpu:8/);
    expect(r.stdout).toContain(`srun --kill-on-bad-exit=1 npx tsfm train ${config}`);
  });
});
