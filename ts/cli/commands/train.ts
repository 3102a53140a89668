import { existsSync } from 'node:fs';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { loadConfig, renderConfigYaml } from '../../config/index.js';
import { train } from '../../train/train.js';
import { progressReporter } from '../progress.js';
import { parseTags, RUNS_DIR_OPTION } from '../options.js';
import { resolveCheckpoint } from '../../runs/registry/index.js';
import { detectDistributed } from '../../parallel/env.js';
import { launchTraining, LAUNCHER_FLAGS, watchLauncher } from '../../train/supervise.js';
import { validateTrainingInputs } from '../../train/validate.js';
import { configForDataFile, isDataFile } from '../../data/autodetect.js';
import { mappingAsOverrides } from '../../data/file-mapping.js';
import { fileOptions, withFileOptions } from '../file-options.js';

/** `--data FILE` and its mapping flags as config values: data.dataset and data.overrides (recorded in the run's config). */
function dataFlags(o: Record<string, unknown>): { data?: { dataset?: string; overrides?: Record<string, string> } } {
  const overrides = mappingAsOverrides(fileOptions(o));
  const given = Object.keys(overrides);
  if (o.data === undefined) {
    if (given.length) throw new Error(`${flagNames(o)}: need --data FILE (they say how to read a data file)`);
    return {};
  }
  const ref = o.data as string;
  // A file is recorded by its absolute path, so the run's config reads it from anywhere.
  const dataset = existsSync(ref) ? path.resolve(ref) : ref;
  if (!existsSync(ref) && /\.(csv|tsv|txt|json|xml|arrow|feather|ipc|parquet|pq)(\.gz)?$/i.test(ref))
    throw new Error(`--data ${ref}: file not found (${path.resolve(ref)})`);
  if (given.length && !isDataFile(ref))
    throw new Error(`${flagNames(o)}: apply only to a data file named directly; '${ref}' is not one (set these in its dataset YAML)`);
  return { data: { dataset, ...(given.length ? { overrides } : {}) } };
}

/** What auto-detection chose for a data file given with --data (one line on stderr, as `data ingest` prints it). */
async function announceDataFile(o: Record<string, unknown>): Promise<void> {
  if (typeof o.data !== 'string' || !isDataFile(o.data) || process.env.TSFM_LAUNCHER_PID !== undefined) return;
  const { note } = await configForDataFile(o.data, fileOptions(o));
  console.error(`tsfm: ${note}`);
}

function flagNames(o: Record<string, unknown>): string {
  return ['time', 'target', 'id', 'units', 'interval', 'timeFormat', 'timeZone']
    .filter((k) => o[k] !== undefined)
    .map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`)
    .join(', ');
}

/** `tsfm train [config]`: resolve the config, then train (or validate / dry-run, or launch workers). */
export function registerTrain(program: Command): void {
  withFileOptions(
    program
      .command('train')
      .description('train a model from a YAML config (default: configs/default.yaml on the simulated T1D cohort)')
      .argument('[config]', 'YAML config file')
      .option(
        '--data <file|name>',
        'data.dataset: a data file (CSV, Parquet, Arrow, JSON; device exports detected), a dataset YAML or name, or an ingested directory',
      ),
  )
    .option('--set <key=value...>', 'override any config key, e.g. --set training.lr=3e-4', [])
    .option('--batch-size <n>', 'training.batch_size')
    .option('--epochs <n>', 'training.epochs')
    .option('--device <name>', 'training.device: auto, cpu, cuda, cuda:N')
    .option(RUNS_DIR_OPTION[0], 'output.runs_dir: where the run directory is made (default: $TSFM_RUNS_DIR or ./runs)')
    // The flag's earlier name, kept working for scripts that use it.
    .addOption(new Option('--run-dir <dir>').hideHelp())
    .option('--run-id <name>', 'output.run_id (an existing run is never overwritten)')
    .option('--tag <key=value...>', 'label the run (e.g. --tag task=nocturnal); shown by `tsfm runs` and filterable', [])
    .option(
      '--resume <checkpoint>',
      'continue from a checkpoint (e.g. runs/<id>/checkpoints/last.pt): an interrupted run goes on in its directory; a completed one is kept, and other settings start a new run naming it',
    )
    .option('--continue', 'with --resume of a completed run: train it further in its own directory (recorded in its metadata)')
    .option('--init-from <run-or-checkpoint>', "fine-tune: start from a trained run's best weights (run id, or a checkpoint path)")
    .option('--validate-config', 'check the config, the data and the model parameters, then exit (nothing is written)')
    .option('--dry-run', 'print the resolved config and what would run, then exit')
    .option('--nproc-per-node <n|auto>', 'start N data-parallel worker processes on this node (auto: one per GPU)')
    .option('--nnodes <n>', 'number of nodes of a multi-node job (with --nproc-per-node)', '1')
    .option('--node-rank <n>', "this node's index in a multi-node job", '0')
    .option('--master-addr <host>', 'address of the node running rank 0', '127.0.0.1')
    .option('--master-port <port>', 'port of the rendezvous store on the master node', '29500')
    .action(async (file: string | undefined, o) => {
      // $TSFM_RUNS_DIR comes before the config's own --set overrides; --runs-dir after them.
      const sets: string[] = [...(process.env.TSFM_RUNS_DIR ? [`output.runs_dir=${process.env.TSFM_RUNS_DIR}`] : []), ...o.set];
      if (o.batchSize) sets.push(`training.batch_size=${o.batchSize}`);
      if (o.epochs) sets.push(`training.epochs=${o.epochs}`);
      if (o.device) sets.push(`training.device=${o.device}`);
      if (o.runsDir ?? o.runDir) sets.push(`output.runs_dir=${o.runsDir ?? o.runDir}`);
      if (o.runId) sets.push(`output.run_id=${o.runId}`);
      const tags = parseTags(o.tag);
      const { config, sources } = loadConfig(file, { overrides: sets, flags: dataFlags(o) });
      if (!o.dryRun) await announceDataFile(o);
      if (o.validateConfig) {
        // The data and the model are checked too (as training checks them before it writes anything).
        const c = await validateTrainingInputs(config);
        console.log(
          `config ok (${sources.join(', ')}): ${c.model.family} (${c.model.parameters} parameters) on ${c.dataset}, ${c.series} series, ${c.windows.train}/${c.windows.val}/${c.windows.test} train/val/test windows`,
        );
        return;
      }
      if (o.dryRun) {
        process.stdout.write(renderConfigYaml(config));
        console.log(`# would train ${config.model.family} on ${config.data.dataset} for ${config.training.epochs} epochs`);
        return;
      }
      if (o.nprocPerNode !== undefined && process.env.TSFM_LAUNCHER_PID === undefined) {
        // Launcher mode: this process only supervises; the workers run this same command without the launcher flags.
        process.exitCode = await launchTraining(config, o, process.argv.slice(2).filter(Boolean), LAUNCHER_FLAGS);
        return;
      }
      const dist = detectDistributed();
      // A worker of the launcher, or a cell of an experiment runner, ends when its parent is gone.
      const parent = process.env.TSFM_LAUNCHER_PID ?? process.env.TSFM_RUNNER_PID;
      if (parent) watchLauncher(Number(parent));
      // SIGTERM (timeout, SLURM, docker stop) is a Ctrl-C: finish the step, checkpoint, exit 128 + signal.
      const controller = new AbortController();
      let stopSignal: NodeJS.Signals | undefined;
      const onStopSignal = (signal: NodeJS.Signals) => {
        const code = signal === 'SIGTERM' ? 143 : 130;
        if (stopSignal) process.exit(code);
        stopSignal = signal;
        if (dist.rank === 0)
          console.error(
            `\ntsfm: ${signal}: finishing the current step and saving a checkpoint (${signal === 'SIGINT' ? 'Ctrl-C' : 'the signal'} again to quit at once)`,
          );
        controller.abort();
      };
      process.on('SIGINT', onStopSignal);
      process.on('SIGTERM', onStopSignal);
      // Only rank 0 reports progress, unless TSFM_DEBUG_ALL_RANKS=1; under the launcher stderr is a pipe, so
      // it says whether a terminal is at the other end.
      const quiet = dist.rank !== 0 && process.env.TSFM_DEBUG_ALL_RANKS !== '1';
      const report = progressReporter(process.stderr, process.stderr.isTTY || process.env.TSFM_PROGRESS_TTY === '1');
      const onProgress = quiet ? undefined : report;
      const r = await train(config, {
        onProgress,
        onLog: (l) => {
          if (!quiet) console.error(l);
        },
        resume: o.resume,
        continueRun: o.continue === true,
        signal: controller.signal,
        tags,
        initFrom: o.initFrom ? resolveCheckpoint(o.initFrom, config.output.runs_dir) : undefined,
        distributed: dist,
      });
      if (r.rank === 0) {
        console.log(`run ${r.runId} ${r.status}: ${r.runDir}`);
        console.log(
          `test (${r.testMetrics.windows} windows): MSE ${r.testMetrics.mse.toFixed(4)} RMSE ${r.testMetrics.rmse.toFixed(3)} MAE ${r.testMetrics.mae.toFixed(3)} | last-value RMSE ${r.baselineLastValue.rmse.toFixed(3)} MAE ${r.baselineLastValue.mae.toFixed(3)}`,
        );
      }
      if (r.status === 'interrupted') process.exitCode = stopSignal === 'SIGTERM' ? 143 : 130;
    });
}
