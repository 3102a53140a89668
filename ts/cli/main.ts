#!/usr/bin/env node
// The `tsfm` program: each command lives in ts/cli/commands/ and registers itself here.
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
  process.exit(1);
});
