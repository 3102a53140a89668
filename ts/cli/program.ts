// The `tsfm` program (started by main.ts): each command lives in ts/cli/commands/ and registers itself here.
import { readFileSync, writeFileSync } from 'node:fs';
import { packageRoot } from '../config/index.js';
import { Command } from 'commander';
import { registerTrain } from './commands/train.js';
import { registerConfigDocs } from './commands/config-docs.js';
import { registerRuns } from './commands/runs.js';
import { registerModels } from './commands/models.js';
import { registerRegistry } from './commands/registry.js';
import { registerExperiment } from './commands/experiment.js';
import { registerTune } from './commands/tune.js';
import { registerPredict } from './commands/predict.js';
import { registerData } from './commands/data.js';
import { registerEvaluate } from './commands/evaluate.js';
import { registerReport } from './commands/report.js';
import { registerSlurm } from './commands/slurm.js';
import { registerBench } from './commands/bench.js';
import { registerDoctor } from './commands/doctor.js';

/** tsfm's version, from its package.json. */
function packageVersion(): string {
  return (JSON.parse(readFileSync(`${packageRoot()}/package.json`, 'utf8')) as { version: string }).version;
}

const program = new Command();
program
  .name('tsfm')
  .description('Train and evaluate time-series forecasting models on a LibTorch core')
  .version(packageVersion(), '-V, --version', 'print the tsfm version')
  .option('--debug', 'print stack traces and native details on errors (also TSFM_DEBUG=1)')
  .hook('preAction', (cmd) => {
    if (cmd.opts().debug) process.env.TSFM_DEBUG = '1';
  });

registerTrain(program);
registerConfigDocs(program);
registerRuns(program);
registerModels(program);
registerRegistry(program);
registerExperiment(program);
registerTune(program);
registerPredict(program);
registerData(program);
registerEvaluate(program);
registerReport(program);
registerSlurm(program);
registerBench(program);
registerDoctor(program);

program.parseAsync().catch((err: Error) => {
  if (process.env.TSFM_DEBUG) console.error(err.stack);
  console.error(`tsfm: ${err.message.split('\n').join('\n  ')}`);
  // A worker of `tsfm train --nproc-per-node` hands its error to the launcher, which reports it.
  if (process.env.TSFM_ERROR_FILE) {
    try {
      writeFileSync(process.env.TSFM_ERROR_FILE, err.message);
    } catch {
      /* the launcher falls back to the exit code */
    }
  }
  process.exit(1);
});
