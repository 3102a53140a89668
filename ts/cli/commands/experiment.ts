import type { Command } from 'commander';
import { Registry } from '../../runs/registry/index.js';
import {
  aggregate,
  experimentDir,
  loadExperimentFile,
  planExperiment,
  runExperiment,
  runsDirOfCells,
  writeResults,
  resultsTableRows,
  type CellOutcome,
  type ExperimentResults,
} from '../../experiments/index.js';
import { parsePositiveInt } from '../options.js';
import { renderTable } from '../table.js';

/** `tsfm experiment run|report FILE`. */
// eslint-disable-next-line max-lines-per-function -- commander wiring of the experiment subcommands, one block per subcommand
export function registerExperiment(program: Command): void {
  const experiment = program
    .command('experiment')
    .description('run a matrix of models × datasets × seeds (× strategies × context lengths) and compare them');

  experiment
    .command('run')
    .description('run every cell not yet completed (re-running resumes), then write the comparison table')
    .argument('<config>', 'experiment YAML, e.g. configs/experiments/glucobench-broll.yaml')
    .option('--workers <n>', 'cells at once on CPU (default: from the config, else CPU cores / threads_per_worker)')
    .option('--runs-dir <dir>', "runs directory (default: the config's runs_dir, else the base config's output.runs_dir)")
    .option('--dry-run', 'list the cells and whether they are done, run nothing')
    .action(async (file: string, o) => {
      const { config: exp, file: abs } = loadExperimentFile(file);
      // Printed once the whole plan is valid, so that a bad entry is the only line of a failed run.
      const ready: string[] = [];
      const cells = await planExperiment(exp, abs, {
        runsDir: o.runsDir,
        onLoaded: (d, n) => ready.push(`dataset ${d}: ${n} series ready`),
      });
      if (!o.dryRun) for (const line of ready) console.error(line);
      const runsDir = runsDirOfCells(cells);
      const workers = parsePositiveInt(o.workers, '--workers');
      if (o.dryRun) {
        const reg = Registry.open(runsDir);
        try {
          const done = new Set(reg.listRuns({ experiment: exp.name, status: 'completed' }).map((r) => r.tags.cell));
          for (const c of cells) console.log(`${done.has(c.key) ? 'done   ' : 'pending'} ${c.key}`);
        } finally {
          reg.close();
        }
        return;
      }
      const controller = new AbortController();
      let interrupts = 0;
      const onSigint = () => {
        if (++interrupts > 1) process.exit(130);
        console.error('\ntsfm: stopping: running cells save a checkpoint and are marked interrupted; run the same command to resume');
        controller.abort();
      };
      process.on('SIGINT', onSigint);
      process.on('SIGTERM', onSigint);
      const { outcomes, interrupted } = await runExperiment(exp, cells, {
        workers,
        signal: controller.signal,
        onEvent: (e) => {
          if (e.type === 'plan')
            console.error(
              `experiment ${exp.name}: ${e.total} cells, ${e.done} already completed, ${e.workers} at once${e.devices.length ? ` on ${e.devices.join(', ')}` : ' on CPU'}`,
            );
          else if (e.type === 'start') console.error(`start  ${e.outcome.cell.key} (run ${e.outcome.runId})`);
          else
            console.error(
              `${e.outcome.status.padEnd(6)} ${e.outcome.cell.key} (${e.outcome.seconds?.toFixed(1)}s)${e.outcome.error ? `: ${e.outcome.error}` : ''}`,
            );
        },
      });
      const failed = [
        ...outcomes
          .filter((x): x is CellOutcome & { error: string } => x.status === 'failed')
          .map((x) => ({ key: x.cell.key, error: x.error ?? 'failed' })),
        ...outcomes.flatMap((x) =>
          Object.entries(x.transferErrors ?? {}).map(([d, error]) => ({ key: `${x.cell.key} → ${d} (transfer evaluation)`, error })),
        ),
        ...outcomes.flatMap((x) => (x.nocturnalError ? [{ key: `${x.cell.key} (nocturnal evaluation)`, error: x.nocturnalError }] : [])),
      ];
      for (const f of failed.filter((x) => / evaluation\)$/.test(x.key))) console.error(`failed ${f.key}: ${f.error}`);
      const reg = Registry.open(runsDir);
      let files: string[];
      let results: ExperimentResults;
      try {
        results = aggregate(exp, cells, reg);
        files = writeResults(experimentDir(runsDir, exp.name), results, failed);
      } finally {
        reg.close();
      }
      const count = (s: CellOutcome['status']) => outcomes.filter((x) => x.status === s).length;
      console.log(
        `experiment ${exp.name}: ${count('completed')} completed, ${count('skipped')} already done, ${count('failed')} failed, ${count('interrupted') + count('not_started')} not finished`,
      );
      console.log(`results: ${files.join(', ')}\n`);
      const table = resultsTableRows(results);
      process.stdout.write(renderTable(table.header, table.rows));
      if (interrupted) {
        console.log(`interrupted: run \`tsfm experiment run ${file}\` again to resume`);
        process.exitCode = 130;
      } else if (failed.length) {
        console.error(`tsfm: ${failed.length} cell(s) failed (listed in ${files[0]}); the other cells completed`);
        process.exitCode = 1;
      }
    });

  experiment
    .command('report')
    .description('(re)write the comparison table from the runs completed so far, and print it')
    .argument('<config>', 'experiment YAML')
    .option('--runs-dir <dir>', 'runs directory')
    .option('--csv', 'print CSV instead of Markdown')
    .action(async (file: string, o) => {
      const { config: exp, file: abs } = loadExperimentFile(file);
      const cells = await planExperiment(exp, abs, { runsDir: o.runsDir });
      const runsDir = runsDirOfCells(cells);
      const reg = Registry.open(runsDir);
      try {
        const files = writeResults(experimentDir(runsDir, exp.name), aggregate(exp, cells, reg));
        const { readFileSync } = await import('node:fs');
        process.stdout.write(readFileSync(o.csv ? files[1]! : files[0]!, 'utf8'));
      } finally {
        reg.close();
      }
    });
}
