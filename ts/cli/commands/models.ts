import type { Command } from 'commander';
import { checkStage } from '../../runs/index.js';
import { parsePositiveInt, RUNS_DIR_OPTION } from '../options.js';
import { formatNumber, renderTable } from '../table.js';
import { findRun, openRegistry } from './runs.js';
import { oneTask, selectionMetric } from '../../runs/registry/selection.js';

/** `tsfm models list|best|stage|history`: trained models (completed runs with weights). */
// eslint-disable-next-line max-lines-per-function -- commander wiring of the models subcommands, one block per subcommand
export function registerModels(program: Command): void {
  const models = program.command('models').description('trained models in the registry: list, best for a task, stage tags');
  const dirOpt = RUNS_DIR_OPTION;

  models
    .command('list')
    .option(...dirOpt)
    .option('--family <family>', 'model family')
    .option('--dataset <name>', 'training dataset')
    .option('--task <task>', 'task (tag `task`, else <dataset>_h<horizon>)')
    .option('--stage <stage>', 'candidate, staging, production, archived or none')
    .option('--sort <metric>', 'order by a metric, e.g. val_rmse or test_rmse (ascending)')
    .option('--desc', 'descending order')
    .option('--limit <n>', 'at most n models')
    .option('--json', 'JSON lines')
    .action((o) => {
      const reg = openRegistry(o);
      try {
        const rows = reg.listModels({
          family: o.family,
          dataset: o.dataset,
          task: o.task,
          stage: o.stage,
          sort: o.sort,
          descending: Boolean(o.desc),
          limit: parsePositiveInt(o.limit, '--limit'),
        });
        if (o.json) {
          for (const r of rows) console.log(JSON.stringify(r));
          return;
        }
        const metric = o.sort ?? 'test_rmse';
        process.stdout.write(
          renderTable(
            ['Model ID', 'Family', 'Dataset', 'Task', 'Stage', metric, 'Parameters'],
            rows.map((r) => [
              r.model_id,
              r.family ?? '-',
              r.dataset ?? '-',
              r.task ?? '-',
              r.stage,
              formatNumber(r.metrics[metric]),
              String(r.parameters ?? '-'),
            ]),
          ),
        );
      } finally {
        reg.close();
      }
    });

  models
    .command('best')
    .description('the model with the lowest validation metric for one task (given, or the one task of the matching models)')
    .option(...dirOpt)
    .option('--task <task>', 'task (tag `task`, else <dataset>_h<horizon>); needed when the matching models span several')
    .option('--dataset <name>', 'training dataset')
    .option('--family <family>', 'model family')
    .option('--stage <stage>', 'only models in this stage')
    .option('--on <split>', 'select on val (default) or test (warns: a test set used for selection no longer estimates the error)', 'val')
    .option('--metric <name>', 'metric to minimise (default <on>_rmse, e.g. val_rmse)')
    .option('--json', 'JSON')
    .action((o) => {
      const reg = openRegistry(o);
      try {
        const { metric, warning } = selectionMetric(o.on, o.metric);
        if (warning) console.error(warning);
        const filter = { dataset: o.dataset, family: o.family, stage: o.stage };
        const task = o.task ?? oneTask(reg.listModels(filter).map((m) => m.task));
        const best = reg.bestModel({ ...filter, task, metric });
        const what =
          [task && `task ${task}`, o.dataset && `dataset ${o.dataset}`, o.family && `family ${o.family}`].filter(Boolean).join(', ') ||
          'any task';
        if (!best) throw new Error(`models best: no model with metric '${metric}' for ${what}`);
        if (o.json) console.log(JSON.stringify({ ...best, selected_on: metric }));
        else
          console.log(
            `${best.model_id}\t${best.family}\t${best.task ?? best.dataset}\t${metric}=${formatNumber(best.metrics[metric])}\t${best.checkpoint}`,
          );
      } finally {
        reg.close();
      }
    });

  models
    .command('stage')
    .description(
      "tag a model candidate, staging, production, archived (or none); the history is kept. One production model per task: promoting one archives the task's previous one",
    )
    .argument('<id>', 'model (run) id')
    .argument('<stage>')
    .option(...dirOpt)
    .option('--note <text>', 'why')
    .action((id: string, stage: string, o) => {
      const reg = openRegistry(o);
      try {
        const s = checkStage(stage);
        const run = findRun(reg, id);
        if (!reg.listModels().some((m) => m.model_id === run.run_id))
          throw new Error(
            `models stage: run '${run.run_id}' is not a model (it ${run.status}; a model is a completed run with a checkpoint)`,
          );
        const { change, demoted } = reg.setStage(run.run_id, s, o.note ?? null);
        console.log(`${run.run_id}: ${change.previous} -> ${change.stage}`);
        for (const d of demoted) console.log(`${d}: production -> archived (one production model per task)`);
      } finally {
        reg.close();
      }
    });

  models
    .command('history')
    .description('stage changes of a model')
    .argument('<id>')
    .option(...dirOpt)
    .action((id: string, o) => {
      const reg = openRegistry(o);
      try {
        const run = findRun(reg, id);
        process.stdout.write(
          renderTable(
            ['Time', 'From', 'To', 'Note'],
            reg.stageHistory(run.run_id).map((h) => [h.time, h.previous, h.stage, h.note ?? '']),
          ),
        );
      } finally {
        reg.close();
      }
    });
}
