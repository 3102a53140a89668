#!/usr/bin/env node
// The `tsfm` program: each command lives in ts/cli/commands/ and registers itself here.
import { writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { registerTrain } from './commands/train.js';
import { registerConfigDocs } from './commands/config-docs.js';
import { registerSlurm } from './commands/slurm.js';

const program = new Command();
program.name('tsfm').description('Train and evaluate time-series forecasting models on a LibTorch core');

registerTrain(program);
registerConfigDocs(program);
registerSlurm(program);

program.parseAsync().catch((err: Error) => {
  console.error(`tsfm: ${err.message.split('\n').join('\n  ')}`);
  // A worker of `tsfm train --nproc-per-node` hands its error to the launcher, which reports it.
  if (process.env.TSFM_ERROR_FILE) {
    try { writeFileSync(process.env.TSFM_ERROR_FILE, err.message); } catch { /* the launcher falls back to the exit code */ }
  }
  process.exit(1);
});
