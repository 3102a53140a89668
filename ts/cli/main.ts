#!/usr/bin/env node
// The `tsfm` program: each command lives in ts/cli/commands/ and registers itself here.
import { Command } from 'commander';
import { registerTrain } from './commands/train.js';
import { registerConfigDocs } from './commands/config-docs.js';
import { registerRuns } from './commands/runs.js';
import { registerModels } from './commands/models.js';
import { registerRegistry } from './commands/registry.js';
import { registerExperiment } from './commands/experiment.js';
import { registerPredict } from './commands/predict.js';
import { registerData } from './commands/data.js';

const program = new Command();
program.name('tsfm').description('Train and evaluate time-series forecasting models on a LibTorch core');

registerTrain(program);
registerConfigDocs(program);
registerRuns(program);
registerModels(program);
registerRegistry(program);
registerExperiment(program);
registerPredict(program);
registerData(program);

program.parseAsync().catch((err: Error) => {
  console.error(`tsfm: ${err.message.split('\n').join('\n  ')}`);
  process.exit(1);
});
