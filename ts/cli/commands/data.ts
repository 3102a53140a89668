import type { Command } from 'commander';
import { writeDatasetIPC } from '../../data/arrow.js';
import { describeDataset, renderDescription } from '../../data/describe.js';
import { openDataset } from '../../data/resolve.js';
import { simulateCohort, cohortStatistics } from '../../data/simulate/index.js';
import { renderIngestReport } from '../../data/report.js';
import { positiveIntOption } from '../options.js';
import { fileOptions, withFileOptions } from '../file-options.js';

const FILE_HELP =
  'a name from configs/datasets, a dataset YAML file, or a data file (CSV, Parquet, Arrow; Dexcom Clarity, LibreView or Nightscout export)';

/** `tsfm data simulate|ingest|describe`: make, read and inspect datasets without training. */
// eslint-disable-next-line max-lines-per-function -- commander wiring of the data subcommands, one block per subcommand
export function registerData(program: Command): void {
  const data = program.command('data').description('simulate, ingest and describe datasets');

  data
    .command('simulate')
    .description('generate a simulated type 1 diabetes cohort (UVA/Padova-style model, CGM, insulin, carbs)')
    .option('--patients <n>', 'virtual patients', positiveIntOption('--patients'), 20)
    .option('--days <n>', 'days per patient', positiveIntOption('--days'), 14)
    .option('--seed <n>', 'random seed (same seed, same data)', (v) => Number(v), 42)
    .option('--interval <minutes>', 'CGM sampling interval in minutes', positiveIntOption('--interval'), 5)
    .option('--start-date <date>', 'first local day (YYYY-MM-DD)', '2024-01-01')
    .option('--out <dir>', 'write the cohort as Arrow IPC (data.arrow + dataset.json) to this directory')
    .option('--json', 'print the statistics as JSON')
    .action(async (o) => {
      const t0 = performance.now();
      const ds = simulateCohort({ patients: o.patients, days: o.days, seed: o.seed, intervalMinutes: o.interval, startDate: o.startDate });
      const seconds = (performance.now() - t0) / 1000;
      const stats = cohortStatistics(ds);
      if (o.out) await writeDatasetIPC(ds, o.out);
      if (o.json) {
        console.log(
          JSON.stringify(
            {
              name: ds.name,
              version: ds.version,
              rows: ds.values[0].length,
              series: ds.series.length,
              seconds,
              statistics: stats,
              out: o.out ?? null,
            },
            null,
            2,
          ),
        );
        return;
      }
      console.log(
        `simulated ${ds.series.length} patients x ${o.days} days (${ds.values[0].length} rows, version ${ds.version}) in ${seconds.toFixed(2)} s`,
      );
      console.log(
        `mean glucose ${stats.meanGlucose.toFixed(1)} mg/dL, SD ${stats.sdGlucose.toFixed(1)}, CV ${stats.cv.toFixed(1)}%, ` +
          `TIR ${stats.timeInRange.toFixed(1)}%, <70 ${stats.timeBelow70.toFixed(1)}%, <54 ${stats.timeBelow54.toFixed(1)}%, ` +
          `>180 ${stats.timeAbove180.toFixed(1)}%, >250 ${stats.timeAbove250.toFixed(1)}%, hypo events ${stats.hypoEventsPerWeek.toFixed(2)}/week`,
      );
      const n = stats.night;
      console.log(
        `nights 00:00-06:00 (${n.nights}): <70 ${n.timeBelow70.toFixed(1)}%, <54 ${n.timeBelow54.toFixed(2)}%, ` +
          `nights with a reading <70 ${n.hypoNightsPercent.toFixed(1)}% (${n.hypoNightsPerWeek.toFixed(2)}/week), <54 ${n.severeNightsPercent.toFixed(1)}%, ` +
          `<=60 for 20 min ${n.nightsBelow60For20MinPercent.toFixed(1)}%`,
      );
      if (o.out) console.log(`wrote ${o.out}`);
    });

  withFileOptions(
    data
      .command('ingest')
      .description('read a dataset into the canonical Arrow layout and report every row kept, interpolated or dropped')
      .argument('<dataset>', FILE_HELP),
  )
    .option('--out <dir>', 'also write the ingested dataset (Arrow IPC) to this directory')
    .option('--cache-dir <dir>', 'cache root', '.tsfm-cache')
    .option('--no-cache', 'ingest from the source files even when a cached copy exists')
    .option('--min-segment <n>', 'drop segments shorter than this many points', positiveIntOption('--min-segment'))
    .option('--json', 'print the ingest report as JSON')
    .action(async (ref: string, o) => {
      const r = await openDataset(ref, {
        cacheDir: o.cache === false ? false : o.cacheDir,
        minSegmentLength: o.minSegment,
        file: fileOptions(o),
      });
      if (o.out) await writeDatasetIPC(r.dataset, o.out);
      if (o.json) {
        console.log(
          JSON.stringify(
            {
              name: r.dataset.name,
              version: r.dataset.version,
              cachePath: r.cachePath ?? null,
              cacheHit: r.cacheHit,
              detected: r.note ?? null,
              report: r.dataset.report,
            },
            null,
            2,
          ),
        );
        return;
      }
      if (r.note) console.log(r.note);
      console.log(renderIngestReport(r.dataset));
      console.log(r.cacheHit ? `from cache ${r.cachePath}` : r.cachePath ? `cached at ${r.cachePath}` : 'not cached');
      if (o.out) console.log(`wrote ${o.out}`);
    });

  withFileOptions(
    data
      .command('describe')
      .description('series, lengths, gaps, value ranges and glucose time in range of a dataset')
      .argument('<dataset>', `${FILE_HELP}, or a directory written by --out`),
  )
    .option('--cache-dir <dir>', 'cache root', '.tsfm-cache')
    .option('--max-series <n>', 'rows of the per-series table', positiveIntOption('--max-series'), 50)
    .option('--json', 'print the description as JSON')
    .action(async (ref: string, o) => {
      const r = await openDataset(ref, { cacheDir: o.cacheDir, file: fileOptions(o) });
      const d = describeDataset(r.dataset);
      if (o.json) console.log(JSON.stringify(r.note ? { detected: r.note, ...d } : d, null, 2));
      else {
        if (r.note) console.log(r.note);
        console.log(renderDescription(d, { maxSeries: o.maxSeries }));
      }
    });
}
