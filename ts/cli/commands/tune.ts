import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { bestConfigYaml, bestTrial, importances } from '../../tune/report.js';
import {
  loadStudyFile,
  runStudy,
  studyDir,
  StudyStore,
  trialOverrides,
  parseSpace,
  type Study,
  type StudyConfig,
  type Trial,
} from '../../tune/index.js';
import { parsePositiveInt, RUNS_DIR_OPTION, runsDirOf } from '../options.js';
import { formatNumber, renderTable } from '../table.js';

/** The study to show: a study file, or a name under the runs directory. */
function studyOf(ref: string, runsDir: string | undefined): Pick<Study, 'config' | 'base' | 'space' | 'runsDir'> {
  if (/\.ya?ml$/.test(ref) && existsSync(ref)) return loadStudyFile(ref, { runsDir });
  const dir = studyDir(runsDirOf({ runsDir }), ref);
  const file = path.join(dir, 'study.json');
  if (!existsSync(file)) throw new Error(`tune show: no study '${ref}' in ${runsDirOf({ runsDir })} (looked for ${file})`);
  const saved = JSON.parse(readFileSync(file, 'utf8')) as StudyConfig & { base: string; runs_dir: string };
  return {
    config: saved,
    base: saved.base,
    runsDir: saved.runs_dir,
    space: parseSpace({ space: saved.space, conditional: saved.conditional }, file),
  };
}

function show(s: Pick<Study, 'config' | 'base' | 'space' | 'runsDir'>): void {
  const dir = studyDir(s.runsDir, s.config.name);
  const trials = StudyStore.open(dir, s.config.name).trials();
  const ids = s.space.params.map((p) => p.id);
  const cell = (t: Trial, id: string) =>
    t.params[id] === undefined ? '' : typeof t.params[id] === 'number' ? formatNumber(t.params[id] as number) : String(t.params[id]);
  console.log(
    renderTable(
      ['trial', 'state', s.config.objective, 'epochs', ...ids],
      trials.map((t) => [
        String(t.number),
        t.state + (t.attempt > 1 ? ` (attempt ${t.attempt})` : ''),
        formatNumber(t.value),
        String(t.intermediate.length),
        ...ids.map((id) => cell(t, id)),
      ]),
    ),
  );
  const count = (st: Trial['state']) => trials.filter((t) => t.state === st).length;
  console.log(
    `study ${s.config.name}: ${trials.length}/${s.config.trials} trials, ${count('completed')} completed, ${count('pruned')} pruned, ${count('failed')} failed, ${count('running')} running or left running`,
  );
  const best = bestTrial(trials);
  if (!best) return console.log('no completed trial yet');
  console.log(
    `best: trial ${best.number} (run ${best.runId}) ${s.config.objective} ${formatNumber(best.value)}: ${trialOverrides(s as Study, best.params).join(' ')}`,
  );
  const imp = importances(s.space, trials);
  console.log(
    `\nparameter importance (share of the ${s.config.objective} variance explained by the parameter's bins, over completed trials):`,
  );
  console.log(
    renderTable(
      ['parameter', 'importance', 'trials'],
      imp.map((i) => [i.id, Number.isNaN(i.importance) ? '- (too few trials)' : i.importance.toFixed(3), String(i.trials)]),
    ),
  );
  const file = path.join(dir, 'best.yaml');
  writeFileSync(
    file,
    bestConfigYaml(s.base, trialOverrides(s as Study, best.params), { study: s.config.name, trial: best, objective: s.config.objective }),
  );
  console.log(`best config: ${file}`);
}

/** `tsfm tune FILE` and `tsfm tune show STUDY`. */
export function registerTune(program: Command): void {
  const tune = program
    .command('tune')
    .description('hyperparameter search: run the trials of a study file (re-running resumes), or `tune show` a study')
    .argument('[file]', 'study YAML, e.g. configs/search/dlinear.yaml')
    .option('--workers <n>', "trials at once (child processes; default: the file's workers, else 1)")
    .option(RUNS_DIR_OPTION[0], "runs directory (default: the file's runs_dir, else the base config's output.runs_dir)")
    .action(async (file: string | undefined, o) => {
      if (!file) return tune.help();
      const study = loadStudyFile(file, { runsDir: o.runsDir });
      const workers = parsePositiveInt(o.workers, '--workers');
      const controller = new AbortController();
      let interrupts = 0;
      const onSigint = () => {
        if (++interrupts > 1) process.exit(130);
        console.error('\ntsfm: stopping: running trials save a checkpoint; run the same command to resume (they are retried)');
        controller.abort();
      };
      process.on('SIGINT', onSigint);
      process.on('SIGTERM', onSigint);
      const { trials, interrupted } = await runStudy(study, {
        workers,
        signal: controller.signal,
        onEvent: (e) => {
          if (e.type === 'plan')
            console.error(
              `study ${study.config.name}: ${e.done}/${e.total} trials done${e.retries ? `, ${e.retries} to retry` : ''}, ${e.workers} at once (${study.config.sampler}, pruner ${study.config.pruner})`,
            );
          else if (e.type === 'start')
            console.error(
              `start  trial ${e.trial.number} (run ${e.trial.runId}): ${trialOverrides(study, e.trial.params).slice(study.config.set.length).join(' ')}`,
            );
          else
            console.error(
              `${e.trial.state.padEnd(9)} trial ${e.trial.number}: ${study.config.objective} ${formatNumber(e.trial.value)} after ${e.trial.intermediate.length} epochs${e.trial.error ? `: ${e.trial.error}` : ''}`,
            );
        },
      });
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigint);
      show(study);
      if (interrupted) {
        console.log(`interrupted: run \`tsfm tune ${file}\` again to resume`);
        process.exitCode = 130;
      } else if (trials.some((t) => t.state === 'failed')) process.exitCode = 1;
    });

  tune
    .command('show')
    .description('list the trials of a study, the best config (written as best.yaml) and parameter importances')
    .argument('<study>', 'study name (under <runs_dir>/studies/) or study YAML')
    .option(RUNS_DIR_OPTION[0], RUNS_DIR_OPTION[1])
    // --runs-dir may be parsed by `tune` itself (its option too): take either.
    .action((ref: string, o, cmd: Command) => show(studyOf(ref, o.runsDir ?? cmd.parent?.opts().runsDir)));
}
