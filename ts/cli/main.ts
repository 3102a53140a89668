#!/usr/bin/env node
// The `tsfm` program: each command lives in ts/cli/commands/ and registers itself here.
import { Command } from 'commander';
import { registerTrain } from './commands/train.js';
import { registerConfigDocs } from './commands/config-docs.js';
import { registerData } from './commands/data.js';
import { registerEvaluate } from './commands/evaluate.js';
import { registerReport } from './commands/report.js';

const program = new Command();
program.name('tsfm').description('Train and evaluate time-series forecasting models on a LibTorch core');

registerTrain(program);
registerConfigDocs(program);
registerData(program);
registerEvaluate(program);
registerReport(program);

program.parseAsync().catch((err: Error) => {
  console.error(`tsfm: ${err.message.split('\n').join('\n  ')}`);
  process.exit(1);
});
