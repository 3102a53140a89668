import type { Command } from 'commander';
import { writeReport } from '../../report/report.js';
import { runsDirOf, RUNS_DIR_OPTION } from '../options.js';

/** `tsfm report <run-or-experiment>`: self-contained HTML (and Markdown) from saved evaluations. */
export function registerReport(program: Command): void {
  program
    .command('report')
    .description("write an HTML and Markdown report of a run's evaluations (or of every evaluated run in a directory)")
    .argument('<run-or-experiment>', 'run id, run directory, or a directory of runs')
    .option('--out <dir>', 'output directory (default: <target>/report)')
    .option(...RUNS_DIR_OPTION)
    .action(async (target: string, o) => {
      const r = await writeReport(target, { outDir: o.out, runsDir: runsDirOf(o) });
      console.log(r.html);
      console.log(r.markdown);
    });
}
