import type { Command } from 'commander';
import { configDocs } from '../../config/index.js';

/** `tsfm config-docs`: every option of the schema, generated from it. */
export function registerConfigDocs(program: Command): void {
  program
    .command('config-docs')
    .description('print every config option with its type, default and description')
    .action(() => {
      process.stdout.write(configDocs());
    });
}
