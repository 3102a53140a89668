import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, sleep, waitFor } from './helpers.js';

// Tiny trials (a few steps each) on a small simulated cohort: the study takes well under a minute on 2 cores.
const study = (dir: string) => `
name: tiny
base: ${path.resolve('configs/default.yaml')}
set: ['data.overrides={patients: 4, days: 4}', data.cache_dir=${path.join(dir, 'cache')}, training.epochs=3, training.max_steps_per_epoch=10, training.device=cpu, 'training.early_stopping={metric: val_loss, patience: 10}']
trials: 6
workers: 2
n_startup_trials: 3
pruner: median
runs_dir: ${path.join(dir, 'runs')}
space:
  model.family: {categorical: [dlinear, ttm]}
  training.lr: {log_uniform: [1.0e-4, 1.0e-2]}
conditional:
  - when: {model.family: ttm}
    space: {model.params.d_model: {int: [8, 16]}}
`;

const trialsOf = (dir: string) => {
  const d = path.join(dir, 'runs', 'studies', 'tiny', 'trials');
  return existsSync(d)
    ? readdirSync(d)
        .filter((f) => f.endsWith('.json'))
        .map((f) => JSON.parse(readFileSync(path.join(d, f), 'utf8')))
        .sort((a, b) => a.number - b.number)
    : [];
};

describe('tsfm tune', () => {
  it('a SIGKILLed tuner resumes: the trials it left running are retried or adopted, none duplicated; show writes a best.yaml that trains', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tsfm-tune-'));
    const file = path.join(dir, 'study.yaml');
    writeFileSync(file, study(dir));
    const first = spawn(process.execPath, [cli, 'tune', file], { stdio: 'ignore' });
    await waitFor(
      () => trialsOf(dir).filter((t) => t.state !== 'running').length >= 2 && trialsOf(dir).some((t) => t.state === 'running'),
      240_000,
      'two finished trials and a running one',
    );
    const exited = new Promise((r) => first.on('exit', r));
    first.kill('SIGKILL');
    await exited;
    const left = trialsOf(dir)
      .filter((t) => t.state === 'running')
      .map((t) => t.number);
    expect(left.length).toBeGreaterThan(0);
    await sleep(3000); // the orphaned trainings notice their tuner is gone and end

    const out = execFileSync(process.execPath, [cli, 'tune', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const trials = trialsOf(dir);
    expect(trials.map((t) => t.number)).toEqual([0, 1, 2, 3, 4, 5]);
    for (const t of trials) expect(['completed', 'pruned']).toContain(t.state);
    for (const n of left) expect(trials[n].runId).toMatch(trials[n].attempt === 1 ? /^tiny\.t\d$/ : new RegExp(`^tiny\\.t${n}\\.r2$`));
    expect(out).toMatch(/study tiny: 6\/6 trials/);
    const best = path.join(dir, 'runs', 'studies', 'tiny', 'best.yaml');
    expect(existsSync(best)).toBe(true);
    expect(execFileSync(process.execPath, [cli, 'train', best, '--validate-config'], { encoding: 'utf8' })).toMatch(/config ok/);
  });
});
