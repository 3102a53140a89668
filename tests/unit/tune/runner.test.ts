import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { epochHistory, runStudy } from '../../../ts/tune/runner.js';
import { StudyStore, studyDir } from '../../../ts/tune/store.js';
import { parseStudy } from '../../../ts/tune/study.js';

// A stand-in for `tsfm train` (no addon): reads the --set overrides, "trains" 4 epochs whose validation loss
// is a function of training.lr, writing the run log and metadata as a run does; SIGINT ends it as interrupted.
const FAKE = `
const fs = require('node:fs'), path = require('node:path');
const a = process.argv.slice(2);
const sets = {}; let runId;
for (let i = 0; i < a.length; i++) {
  if (a[i] === '--set') { const [k, ...v] = a[++i].split('='); sets[k] = v.join('='); }
  if (a[i] === '--run-id') runId = a[++i];
}
const dir = path.join(sets['output.runs_dir'], runId);
fs.mkdirSync(path.join(dir, 'logs'), { recursive: true });
const lr = Number(sets['training.lr']);
const meta = (status, metrics) => fs.writeFileSync(path.join(dir, 'metadata.json'), JSON.stringify({ run_id: runId, status, metrics }));
meta('running', {});
let e = 0, best = Infinity;
process.on('SIGINT', () => { meta('interrupted', {}); process.exit(0); });
const step = () => {
  if (e === 4) { meta('completed', { val_loss: best, lr }); process.exit(0); }
  const v = (Math.log10(lr) + 3) ** 2 + 1 / (e + 1);
  best = Math.min(best, v);
  fs.appendFileSync(path.join(dir, 'logs', 'run.log'), 'T epoch ' + (++e) + '/4 train_loss 1 val_loss ' + v + '\\n');
  setTimeout(step, 30);
};
step();`;

const dirs: string[] = [];
function setup(extra: Record<string, unknown> = {}) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tsfm-tune-'));
  dirs.push(dir);
  const fake = path.join(dir, 'fake-train.cjs');
  writeFileSync(fake, FAKE);
  const study = parseStudy(
    { name: 's', trials: 6, seed: 3, n_startup_trials: 2, space: { 'training.lr': { log_uniform: [1e-5, 1e-1] } }, ...extra },
    path.join(dir, 'study.yaml'),
    { runsDir: path.join(dir, 'runs') },
  );
  const command = (args: string[]) => ({ file: process.execPath, args: [fake, ...args] });
  return { dir, study, command };
}
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('tune runner', () => {
  it('reads the validation history from a run log', () => {
    expect(epochHistory('x epoch 1/3 train_loss 0.5 val_loss 0.4 (best)\nx epoch 2/3 train_loss 0.3 val_loss 0.45\n')).toEqual([0.4, 0.45]);
  });

  it('runs the trials as child runs with the sampled overrides, two at a time', async () => {
    const { study, command } = setup({ workers: 2 });
    const { trials, interrupted } = await runStudy(study, { command, pollMs: 10 });
    expect(interrupted).toBe(false);
    expect(trials.map((t) => [t.number, t.state, t.runId])).toEqual([0, 1, 2, 3, 4, 5].map((k) => [k, 'completed', `s.t${k}`]));
    expect(trials[1]!.started! < trials[0]!.finished!).toBe(true); // trial 1 started while trial 0 ran
    for (const t of trials) {
      const lr = t.params['training.lr'] as number;
      expect(t.value).toBeCloseTo((Math.log10(lr) + 3) ** 2 + 0.25, 9);
      expect(t.intermediate).toHaveLength(4);
      expect(JSON.parse(readFileSync(path.join(study.runsDir, t.runId!, 'metadata.json'), 'utf8')).metrics.lr).toBe(lr);
    }
  });

  it('prunes from the per-epoch history (median pruner)', async () => {
    const { study, command } = setup({ trials: 12, pruner: 'median', n_startup_trials: 10, seed: 1 });
    const { trials } = await runStudy(study, { command, pollMs: 5 });
    const pruned = trials.filter((t) => t.state === 'pruned');
    expect(pruned.length).toBeGreaterThan(0);
    expect(trials.slice(0, 5).every((t) => t.state === 'completed')).toBe(true); // 5 startup trials
    for (const t of pruned) expect(t.value).toBe(t.intermediate[t.intermediate.length - 1]);
  });

  it('resumes after a kill: a trial left running is retried, one whose run completed is adopted, none is duplicated', async () => {
    const { study, command } = setup({ trials: 4 });
    const store = StudyStore.open(studyDir(study.runsDir, 's'), 's');
    const t0 = store.create(0, { 'training.lr': 1e-3 });
    store.save({ ...t0, state: 'completed', value: 0.25, intermediate: [1] });
    store.create(1, { 'training.lr': 1e-2 }); // its run never got going
    store.create(2, { 'training.lr': 1e-4 }); // its run completed, the tuner died before recording it
    mkdirSync(path.join(study.runsDir, 's.t2'), { recursive: true });
    writeFileSync(
      path.join(study.runsDir, 's.t2', 'metadata.json'),
      JSON.stringify({ run_id: 's.t2', status: 'completed', metrics: { val_loss: 1.5 } }),
    );
    store.close();
    const { trials } = await runStudy(study, { command, pollMs: 10 });
    expect(trials.map((t) => [t.number, t.state, t.attempt, t.runId])).toEqual([
      [0, 'completed', 1, 's.t0'],
      [1, 'completed', 2, 's.t1.r2'],
      [2, 'completed', 1, 's.t2'],
      [3, 'completed', 1, 's.t3'],
    ]);
    expect(trials[1]!.params).toEqual({ 'training.lr': 1e-2 });
    expect(trials[2]!.value).toBe(1.5);
  });

  it('an interrupt (Ctrl-C) leaves the running trials to be retried by the next tuner', async () => {
    const { study, command } = setup({ trials: 3, workers: 2 });
    const controller = new AbortController();
    const first = await runStudy(study, {
      command,
      pollMs: 10,
      signal: controller.signal,
      onEvent: (e) => e.type === 'start' && e.trial.number === 1 && controller.abort(),
    });
    expect(first.interrupted).toBe(true);
    expect(first.trials.map((t) => [t.number, t.state])).toEqual([
      [0, 'running'],
      [1, 'running'],
    ]);
    const second = await runStudy(study, { command, pollMs: 10 });
    expect(second.trials.map((t) => [t.number, t.state, t.attempt])).toEqual([
      [0, 'completed', 2],
      [1, 'completed', 2],
      [2, 'completed', 1],
    ]);
    expect(second.trials[0]!.params).toEqual(first.trials[0]!.params);
  });

  it('names the key of a space entry the config does not have', () => {
    expect(() => setup({ space: { 'training.lrr': { uniform: [0, 1] } } })).toThrow(
      /study\.yaml: space training\.lrr: unknown key 'training\.lrr'/,
    );
  });
});
