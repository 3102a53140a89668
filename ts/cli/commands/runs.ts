import type { Command } from 'commander';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { Registry, markStaleRuns, selectGarbage, removeRun, compareRuns, type RunRow } from '../../runs/registry/index.js';
import { effectiveStatus, readMetadata, METADATA_FILE } from '../../runs/index.js';
import { confirm } from '../confirm.js';
import { parseAge, parsePositiveInt, parseTags, runsDirOf, RUNS_DIR_OPTION } from '../options.js';
import { formatDuration, formatNumber, renderTable } from '../table.js';
import { DEFAULT_UNITS, metricUnit, type MetricUnits } from '../../runs/units.js';

/** Opens the existing registry of --runs-dir after recording killed runs as failed. */
export function openRegistry(o: { runsDir?: string }): Registry {
  const reg = Registry.openExisting(runsDirOf(o));
  markStaleRuns(reg);
  return reg;
}

/**
 * The registry row of the run `ref` names: an exact id, a unique prefix of one, or a run directory (the
 * same forms `resolveRunDir` takes for commands that need only the directory).
 */
export function findRun(reg: Registry, ref: string): RunRow {
  const dir = existsSync(path.join(ref, METADATA_FILE)) && statSync(ref).isDirectory() ? path.resolve(ref) : undefined;
  return reg.getRun(dir ? path.basename(dir) : ref);
}

/** `tsfm runs list|show|compare|rm|gc`. */
export function registerRuns(program: Command): void {
  const runs = program.command('runs').description('list, inspect, compare and delete runs (the registry under --runs-dir)');
  registerList(runs);
  registerShow(runs);
  registerCompare(runs);
  registerRm(runs);
  registerGc(runs);
}

const dirOpt = RUNS_DIR_OPTION;

function registerList(runs: Command): void {
  runs
    .command('list')
    .description('table of runs, newest first')
    .option(...dirOpt)
    .option('--status <status>', 'running, completed, failed or interrupted')
    .option('--family <family>', 'model family')
    .option('--dataset <name>', 'dataset name')
    .option('--experiment <name>', 'experiment name')
    .option('--task <task>', 'task tag')
    .option('--tag <key=value...>', 'tag filters', [])
    .option('--metric <name>', 'metric column', 'test_rmse')
    .option('--limit <n>', 'at most n runs')
    .option('--json', 'JSON lines instead of a table')
    .action((o) => {
      const reg = openRegistry(o);
      try {
        const rows = reg.listRuns({
          status: o.status,
          family: o.family,
          dataset: o.dataset,
          experiment: o.experiment,
          task: o.task,
          tags: parseTags(o.tag),
          limit: parsePositiveInt(o.limit, '--limit'),
        });
        if (o.json) {
          for (const r of rows) console.log(JSON.stringify(r));
          return;
        }
        process.stdout.write(
          renderTable(
            ['Run ID', 'Model', 'Dataset', 'Status', o.metric, 'Duration'],
            rows.map((r) => [
              r.run_id,
              r.model_family ?? '-',
              r.dataset ?? '-',
              r.status,
              formatNumber(r.metrics[o.metric]),
              formatDuration(r.duration_s),
            ]),
          ),
        );
      } finally {
        reg.close();
      }
    });
}

function registerShow(runs: Command): void {
  runs
    .command('show')
    .description('everything recorded about one run (id or unique prefix)')
    .argument('<id>')
    .option(...dirOpt)
    .option('--json', 'the metadata as JSON')
    .action((id: string, o) => {
      const reg = openRegistry(o);
      try {
        const row = findRun(reg, id);
        const m = readMetadata(row.run_dir);
        const eff = effectiveStatus(m);
        const meta = { ...m, status: eff.status, error: eff.error };
        if (o.json) {
          console.log(JSON.stringify({ ...meta, run_dir: row.run_dir }, null, 2));
          return;
        }
        console.log(showLines(meta, row.run_dir).join('\n'));
      } finally {
        reg.close();
      }
    });
}

/** `tsfm runs show`'s text: the run's metadata, one field per line, then its metrics and artifacts. */
function showLines(
  m: Omit<ReturnType<typeof readMetadata>, 'status'> & { status: string; error?: string | null },
  runDir: string,
): string[] {
  const e = m.environment;
  const units = recordedUnits(runDir);
  return [
    `run ${m.run_id} (${m.kind}) ${m.status}${m.error ? `: ${m.error}` : ''}`,
    `directory   ${runDir}`,
    `model       ${m.model?.family ?? '-'}${m.model?.parameters ? ` (${m.model.parameters} parameters)` : ''}, context ${m.model?.context_length ?? '-'}, horizon ${m.model?.horizon ?? '-'}`,
    `dataset     ${m.dataset ? `${m.dataset.name} (version ${m.dataset.version})` : '-'}; strategy ${m.strategy}; seed ${m.seed ?? '-'}`,
    `time        ${m.start_time} -> ${m.end_time ?? '-'} (${formatDuration(m.duration_s)}; training ${formatDuration(m.train_seconds)})`,
    `code        git ${e.git_commit ?? '-'}${e.git_dirty ? ' (uncommitted changes)' : ''}, tsfm ${e.package_version ?? '-'}, config ${m.config_hash ?? '-'}`,
    `runtime     Node ${e.node_version}, LibTorch ${e.libtorch_version ?? '-'}, CUDA ${e.cuda_version ?? '-'}, cuDNN ${e.cudnn_version ?? '-'}, NCCL ${e.nccl_version ?? '-'}`,
    `devices     ${m.device ?? '-'} x ${m.world_size} on ${e.host} (${e.cpus} CPUs, ${e.cuda_devices} CUDA devices); pid ${m.owner.pid}`,
    `tags        ${
      Object.entries(m.tags)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ') || '-'
    }`,
    'metrics',
    ...Object.entries(m.metrics).map(([k, v]) => `  ${k.padEnd(28)} ${formatNumber(v).padEnd(10)} ${metricUnit(k, units)}`.trimEnd()),
    'artifacts',
    ...m.artifacts.map((a) => `  ${a}`),
  ];
}

/** The units metrics.json records (older runs: the defaults of their version). */
function recordedUnits(runDir: string): MetricUnits {
  try {
    const u = (JSON.parse(readFileSync(path.join(runDir, 'metrics.json'), 'utf8')) as { units?: MetricUnits }).units;
    return u?.test && u.validation ? u : DEFAULT_UNITS;
  } catch {
    return DEFAULT_UNITS;
  }
}

function registerCompare(runs: Command): void {
  runs
    .command('compare')
    .description('runs side by side: fields, differing params, metrics')
    .argument('<ids...>')
    .option(...dirOpt)
    .option('--json', 'JSON instead of a table')
    .action((ids: string[], o) => {
      const reg = openRegistry(o);
      try {
        if (ids.length < 2) throw new Error('runs compare: give at least two run ids');
        const rows = ids.map((id) => findRun(reg, id));
        const t = compareRuns(rows);
        if (o.json) console.log(JSON.stringify(t, null, 2));
        else process.stdout.write(renderTable(t.header, t.rows));
      } finally {
        reg.close();
      }
    });
}

function registerRm(runs: Command): void {
  runs
    .command('rm')
    .description('delete runs (directory and registry rows)')
    .argument('<ids...>')
    .option(...dirOpt)
    .option('-y, --yes', 'do not ask')
    .action(async (ids: string[], o) => {
      const reg = openRegistry(o);
      try {
        const rows = ids.map((id) => findRun(reg, id));
        if (!(await confirm(`delete ${rows.length} run(s): ${rows.map((r) => r.run_id).join(', ')}?`, Boolean(o.yes)))) return;
        for (const r of rows) removeRun(reg, r);
        console.log(`deleted ${rows.length} run(s)`);
      } finally {
        reg.close();
      }
    });
}

function registerGc(runs: Command): void {
  runs
    .command('gc')
    .description('delete failed/interrupted runs and/or runs older than an age (models in staging/production are kept)')
    .option(...dirOpt)
    .option('--failed', 'failed and interrupted runs')
    .option('--older-than <age>', 'runs started before this age, e.g. 30d, 12h')
    .option('--dry-run', 'only list what would be deleted')
    .option('-y, --yes', 'do not ask')
    .action(async (o) => {
      if (!o.failed && !o.olderThan) throw new Error('runs gc: say what to collect: --failed and/or --older-than <age>');
      const reg = openRegistry(o);
      try {
        const garbage = selectGarbage(reg, {
          failed: Boolean(o.failed),
          olderThanMs: o.olderThan ? parseAge(o.olderThan, '--older-than') : undefined,
        });
        for (const g of garbage) console.log(`${g.run.run_id}\t${g.reason}`);
        if (garbage.length === 0) {
          console.log('nothing to collect');
          return;
        }
        if (o.dryRun) return;
        if (!(await confirm(`delete these ${garbage.length} run(s)?`, Boolean(o.yes)))) return;
        for (const g of garbage) removeRun(reg, g.run);
        console.log(`deleted ${garbage.length} run(s)`);
      } finally {
        reg.close();
      }
    });
}
