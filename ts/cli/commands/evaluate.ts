import type { Command } from 'commander';
import { evaluateRun } from '../../evaluate/evaluate.js';
import { evaluateExperiment } from '../../evaluate/experiment.js';
import { parseEvalSplit } from '../../evaluate/tasks.js';
import { parsePositiveInt, runsDirOf, RUNS_DIR_OPTION } from '../options.js';
import { resolveRunDir } from '../../runs/resolve.js';

/** `tsfm evaluate --run <id|dir> | --experiment NAME [--data a,b] [--split test,nocturnal]`: metrics and baselines saved with the run. */
export function registerEvaluate(program: Command): void {
  program
    .command('evaluate')
    .description(
      'evaluate a trained run (or every run of an experiment) on one or more datasets and tasks; results go to <run>/eval/<dataset>-<split>/',
    )
    .option('--run <id|dir>', 'run id, unique prefix of one (under --runs-dir), or a run directory')
    .option(
      '--experiment <name>',
      "every run of this experiment (the newest completed run of each cell); its table's LinReg baseline reads these",
    )
    .option('--data <datasets>', "comma-separated dataset names or config files (default: the run's dataset)")
    .option(
      '--split <splits>',
      'comma-separated: test, val, test-ood (= holdout-patients), sliding, nocturnal (from bedtime: P(hypo) per night), nocturnal-rolling, prandial',
      'test',
    )
    .option(...RUNS_DIR_OPTION)
    .option('--night-start <HH:MM>', 'nocturnal tasks: local time of the anchor (bedtime)', '00:00')
    .option('--night-hours <h>', 'nocturnal tasks: length of the night (default 6 for nocturnal, 8 for nocturnal-rolling)')
    .option('--linreg-lags <n>', 'LinReg baseline: context values used as features (default: the model context, at most 288)')
    .option('--no-forecasts', 'do not write forecasts.arrow')
    .option('--per-channel', 'also print one line per target channel (the first line pools every channel, as `tsfm train` does)')
    .action(async (o) => {
      const nightHours = o.nightHours === undefined ? undefined : Number(o.nightHours);
      if (nightHours !== undefined && !(nightHours > 0))
        throw new Error(`--night-hours: expected a positive number of hours (got '${o.nightHours}')`);
      const linregLags = parsePositiveInt(o.linregLags, '--linreg-lags');
      if (!/^\d{1,2}:\d{2}$/.test(o.nightStart)) throw new Error(`--night-start: expected HH:MM (got '${o.nightStart}')`);
      if (Boolean(o.run) === Boolean(o.experiment)) throw new Error('evaluate: give either --run <id|dir> or --experiment <name>');
      const runsDir = runsDirOf(o);
      const options = {
        datasets: o.data
          ? String(o.data)
              .split(',')
              .map((s: string) => s.trim())
              .filter(Boolean)
          : undefined,
        splits: String(o.split)
          .split(',')
          .map((s: string) => parseEvalSplit(s.trim())),
        runsDir,
        nightStart: o.nightStart,
        nightHours,
        linregLags,
        saveForecasts: o.forecasts === false ? false : undefined,
        perChannel: o.perChannel === true,
        onLog: (l: string) => console.error(l),
      };
      if (o.run) {
        for (const r of await evaluateRun(resolveRunDir(o.run, runsDir), options)) console.log(r.dir);
        return;
      }
      const done = await evaluateExperiment(o.experiment, { ...options, runsDir });
      for (const e of done) for (const r of e.results) console.log(r.dir);
      const failed = done.filter((e) => e.error);
      for (const f of failed) console.error(`tsfm: failed ${f.run}: ${f.error}`);
      console.error(`tsfm: experiment ${o.experiment}: ${done.length - failed.length} of ${done.length} runs evaluated`);
      if (failed.length) process.exitCode = 1;
    });
}
