import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parsePositiveInt } from '../options.js';
import { SLURM_KINDS, slurmScript, type SlurmKind } from '../../parallel/slurm.js';

/** `tsfm slurm [config] --kind ...`: writes (or with --dry-run prints) an sbatch script for distributed training. */
export function registerSlurm(program: Command): void {
  program
    .command('slurm')
    .description('write an sbatch script that trains on a SLURM cluster (one GPU, several GPUs, several nodes, or adaptive)')
    .argument('[config]', 'YAML config file passed to `tsfm train`')
    .option('--kind <kind>', `script kind: ${SLURM_KINDS.join(', ')}`, 'multi-gpu')
    .option('--gpus-per-node <n>', 'GPUs (= workers) per node', '4')
    .option('--nodes <n>', 'nodes (multi-node, adaptive)')
    .option('--time <hh:mm:ss>', 'wall-clock limit (#SBATCH --time)')
    .option('--partition <name>', '#SBATCH --partition')
    .option('--account <name>', '#SBATCH --account')
    .option('--job-name <name>', '#SBATCH --job-name', 'tsfm')
    .option('--tsfm <command>', 'how to run tsfm on the cluster', 'npx tsfm')
    .option('--set <key=value...>', 'config overrides passed on to `tsfm train`', [])
    .option('-o, --output <file>', 'script file to write', 'tsfm.sbatch')
    .option('--dry-run', 'print the script instead of writing it')
    .action((file: string | undefined, o) => {
      if (!SLURM_KINDS.includes(o.kind)) throw new Error(`--kind: unknown '${o.kind}' (expected ${SLURM_KINDS.join(', ')})`);
      const trainArgs = [...(file ? [file] : []), ...(o.set as string[]).flatMap((s) => ['--set', s])];
      const script = slurmScript({
        kind: o.kind as SlurmKind,
        trainArgs,
        gpusPerNode: parsePositiveInt(o.gpusPerNode, '--gpus-per-node'),
        nodes: parsePositiveInt(o.nodes, '--nodes'),
        time: o.time,
        partition: o.partition,
        account: o.account,
        jobName: o.jobName,
        tsfm: o.tsfm,
      });
      if (o.dryRun) {
        process.stdout.write(script);
        return;
      }
      writeFileSync(o.output, script, { mode: 0o755 });
      console.log(`wrote ${o.output}: submit with sbatch ${o.output}`);
    });
}
