/**
 * `tsfm evaluate --experiment NAME`: every trained run of an experiment (the newest completed run of each
 * cell) evaluated on the same datasets and tasks, one after the other. Their test summaries are what the
 * experiment table reads its LinReg baseline from.
 */
import { Registry, type RunRow } from '../runs/registry/index.js';
import { evaluateRun, type EvaluateRunOptions, type RunEvaluation } from './evaluate.js';

/** The newest completed run of each cell of the experiment (runs without a cell tag count on their own). */
export function experimentRuns(registry: Registry, experiment: string): RunRow[] {
  const byCell = new Map<string, RunRow>();
  for (const r of registry.listRuns({ experiment, status: 'completed' })) {
    const key = r.tags.cell ?? r.run_id;
    if (!byCell.has(key)) byCell.set(key, r); // newest first
  }
  return [...byCell.values()].reverse();
}

export interface ExperimentEvaluation {
  run: string;
  results: RunEvaluation[];
  error?: string;
}

/** Evaluates each run of `experiment` under `opts.runsDir`; a failing run is recorded and the others go on. */
export async function evaluateExperiment(
  experiment: string,
  opts: EvaluateRunOptions & { runsDir: string },
): Promise<ExperimentEvaluation[]> {
  const reg = Registry.openExisting(opts.runsDir);
  let runs: RunRow[];
  try {
    runs = experimentRuns(reg, experiment);
  } finally {
    reg.close();
  }
  if (!runs.length)
    throw new Error(
      `--experiment: no completed run of experiment '${experiment}' in ${opts.runsDir} (see \`tsfm runs list --experiment ${experiment}\`)`,
    );
  const out: ExperimentEvaluation[] = [];
  for (const r of runs) {
    opts.onLog?.(`tsfm: evaluating ${r.run_id} (${out.length + 1}/${runs.length})`);
    try {
      out.push({ run: r.run_id, results: await evaluateRun(r.run_dir, opts) });
    } catch (e) {
      out.push({ run: r.run_id, results: [], error: (e as Error).message.split('\n')[0] });
    }
  }
  return out;
}
