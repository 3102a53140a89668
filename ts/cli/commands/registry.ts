import type { Command } from 'commander';
import { Registry } from '../../runs/registry/index.js';
import { runsDirOf, RUNS_DIR_OPTION } from '../options.js';

/** `tsfm registry rebuild`: recreate the database from the run directories. */
export function registerRegistry(program: Command): void {
  const registry = program.command('registry').description('the SQLite index of runs and models');
  registry
    .command('rebuild')
    .description('recreate <runs-dir>/registry.sqlite from the run directories (they are the source of truth)')
    .option(...RUNS_DIR_OPTION)
    .action((o) => {
      const r = Registry.rebuild(runsDirOf(o));
      for (const s of r.skipped) console.error(`tsfm: skipped ${s}`);
      console.log(`registry rebuilt: ${r.runs} run(s) indexed${r.skipped.length ? `, ${r.skipped.length} skipped` : ''}`);
    });
}
