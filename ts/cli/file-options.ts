/** The column-mapping flags of a data file named directly, shared by `data ingest|describe`, `train` and `predict`. */
import type { Command } from 'commander';
import type { FileMappingOptions } from '../data/autodetect.js';

/** Adds `--time COL`, `--target COL`, `--id COL`, `--units`, `--interval`, `--time-format`, `--time-zone`. */
export function withFileOptions(cmd: Command): Command {
  return cmd
    .option('--time <col>', 'data file: the time column (default: detected)')
    .option('--target <col>', 'data file: the glucose/target column (default: detected)')
    .option('--id <col>', 'data file: the series id column (default: detected, or one series)')
    .option('--units <unit>', 'data file: glucose unit of the target, mg/dL or mmol/L (default: from the name or the values)')
    .option('--interval <d>', 'data file: sampling interval, e.g. 5min (default: the median step)')
    .option('--time-format <fmt>', "data file: time pattern such as 'DD/MM/YYYY HH:mm', or epoch_s / epoch_ms (default: detected)")
    .option('--time-zone <zone>', 'data file: IANA zone of local timestamps (default: kept as written, UTC)');
}

/** The mapping flags given (unset ones undefined); --units checked. */
export function fileOptions(o: Record<string, unknown>): FileMappingOptions {
  if (o.units !== undefined && o.units !== 'mg/dL' && o.units !== 'mmol/L')
    throw new Error(`--units must be mg/dL or mmol/L, got '${String(o.units)}'`);
  return {
    time: o.time as string | undefined,
    target: o.target as string | undefined,
    id: o.id as string | undefined,
    units: o.units as FileMappingOptions['units'],
    interval: o.interval as string | undefined,
    timeFormat: o.timeFormat as string | undefined,
    timeZone: o.timeZone as string | undefined,
  };
}
