import type { Command } from 'commander';
import { formatDoctor, runDoctor } from '../../doctor/index.js';

/** `tsfm doctor`: versions, hardware and set-up checks; exits 1 when training cannot run. */
export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('report Node, addon, LibTorch, BLAS, GPUs, CPU and memory, and check the set-up (exit 1 when training cannot run)')
    .option('--json', 'print the report as JSON')
    .action(async (o: { json?: boolean }) => {
      const r = await runDoctor();
      process.stdout.write(o.json ? JSON.stringify(r, null, 2) + '\n' : formatDoctor(r));
      if (!r.ok) process.exitCode = 1;
    });
}
