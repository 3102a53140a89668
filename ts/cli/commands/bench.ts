import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { positiveIntOption } from '../options.js';
import { renderBench, runBench, SUITES, type BenchResult, type Suite } from '../../bench/index.js';
import { allReduceWorker } from '../../bench/ddp.js';
import { FAMILIES } from '../../bench/training.js';

const list = (v: string) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** `tsfm bench` (also `npm run bench`): hardware and training throughput, saved under bench/results/. */
export function registerBench(program: Command): void {
  program
    .command('bench')
    .description(
      'benchmark matmul, copies, the data pipeline and training throughput (beside a plain PyTorch loop); results under bench/results/',
    )
    .option('--quick', 'a run of a few minutes on CPU: small and medium sizes, 20 steps, 2% of a windowing epoch')
    .option('--suite <list>', 'what to run: micro, train, windowing, ddp (comma-separated; default all)', list)
    .option('--families <list>', `model families (${FAMILIES.join(', ')})`, list)
    .option('--sizes <list>', 'model sizes (small, medium, large)', list)
    .option('--devices <list>', 'setups: cpu, cuda, cuda:N (default: cpu, and cuda when usable)', list)
    .option('--steps <n>', 'measured training steps per case', positiveIntOption('--steps'))
    .option(
      '--rounds <n>',
      'alternating native/Python rounds per training case (each side reports its best)',
      positiveIntOption('--rounds'),
    )
    .option('--threads <n>', 'intra-op threads for native and Python alike', positiveIntOption('--threads'))
    .option('--windowing-points <n>', 'points in the windowing dataset (default 1e8)', (v) =>
      positiveIntOption('--windowing-points')(String(Number(v))),
    )
    .option('--no-python', 'skip the side-by-side Python PyTorch loop')
    .option('--note <text>', 'a note stored with the machine fingerprint (e.g. "shared with 4 other jobs")')
    .option('--out <dir>', 'where results go (default bench/results/)')
    .option('--no-save', 'print only; write no result files')
    .option('--compare <file>', 'show the change against an earlier result JSON')
    .action(async (o) => {
      for (const s of (o.suite ?? []) as string[])
        if (!(SUITES as string[]).includes(s)) throw new Error(`bench --suite: unknown suite '${s}' (expected ${SUITES.join(', ')})`);
      const before = o.compare ? (JSON.parse(readFileSync(o.compare, 'utf8')) as BenchResult) : undefined;
      const r = await runBench({
        quick: o.quick,
        suites: o.suite as Suite[] | undefined,
        families: o.families,
        sizes: o.sizes,
        devices: o.devices,
        steps: o.steps,
        rounds: o.rounds,
        threads: o.threads,
        windowingPoints: o.windowingPoints,
        python: o.python,
        note: o.note,
        outDir: o.save === false ? null : o.out,
        compare: o.compare,
        onLog: (l) => process.stderr.write(`tsfm bench: ${l}\n`),
      });
      process.stdout.write(renderBench(r, before));
      if (r.files) process.stderr.write(`tsfm bench: wrote ${r.files.json} and ${r.files.markdown}\n`);
    });

  // One rank of a multi-process benchmark (started by the bench through the launcher; not for users).
  program.command('bench-worker <kind> <options>', { hidden: true }).action(async (kind: string, options: string) => {
    if (kind !== 'allreduce') throw new Error(`bench-worker: unknown kind '${kind}' (expected allreduce)`);
    await allReduceWorker(options);
  });
}
