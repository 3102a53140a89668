import type { Command } from 'commander';
import { checkForecastsTarget, forecastsCsv, predictWithRun, writeForecasts } from '../../predict/index.js';
import { fileOptions, withFileOptions } from '../file-options.js';
import { parsePositiveInt, RUNS_DIR_OPTION } from '../options.js';
import { findRun, openRegistry } from './runs.js';

/** `tsfm predict --run ID --data FILE`: forecasts with a trained run's model and scalers. */
export function registerPredict(program: Command): void {
  withFileOptions(
    program
      .command('predict')
      .description('forecast a data file with a trained run (its config, train-fitted scaler and best checkpoint)')
      .requiredOption('--run <id|dir>', 'run id, unique prefix of one (under --runs-dir), or a run directory')
      .requiredOption(
        '--data <file>',
        "data file (CSV, Parquet, Arrow, JSON; device exports detected; a table is read with the run's recorded column mapping, the flags below, or detection), a dataset YAML, or a directory from `tsfm data ingest|simulate --out`",
      ),
  )
    .option('--out <file>', 'write .csv, .json, .arrow or .parquet (default: CSV on stdout)')
    .option(
      '--origins <mode>',
      "'last': one forecast from the end of each series (no actuals: it is the future); 'rolling': every --stride steps, with actuals",
      'last',
    )
    .option('--stride <n>', 'steps between rolling origins (default: the horizon)')
    .option('--device <name>', 'auto, cpu, cuda, cuda:N (default: the run’s training.device)')
    .option(...RUNS_DIR_OPTION)
    .action(async (o) => {
      if (o.origins !== 'last' && o.origins !== 'rolling') throw new Error(`--origins: expected 'last' or 'rolling', got '${o.origins}'`);
      if (o.out) checkForecastsTarget(o.out);
      const file = fileOptions(o);
      const reg = openRegistry(o);
      let runDir: string;
      try {
        const run = findRun(reg, o.run);
        if (run.status !== 'completed' && run.status !== 'interrupted')
          throw new Error(
            `--run ${run.run_id}: the run ${run.status}${run.error ? ` (${run.error})` : ''}; it has no trained model to use`,
          );
        runDir = run.run_dir;
      } finally {
        reg.close();
      }
      const forecasts = await predictWithRun(runDir, o.data, {
        origins: o.origins,
        stride: parsePositiveInt(o.stride, '--stride'),
        device: o.device,
        file,
        onNote: (l) => console.error(`tsfm: ${l}`),
      });
      if (o.out) {
        await writeForecasts(o.out, forecasts);
        console.error(`${forecasts.forecast.length} forecasts (${forecasts.meta.model}, run ${forecasts.meta.runId}) written to ${o.out}`);
      } else {
        // `tsfm predict ... | head`: a closed pipe ends the output, not with a stack trace.
        process.stdout.on('error', (e: NodeJS.ErrnoException) => {
          if (e.code === 'EPIPE') process.exit(0);
          throw e;
        });
        process.stdout.write(forecastsCsv(forecasts));
      }
    });
}
