import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { StudyStore } from '../../../ts/tune/store.js';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(path.join(os.tmpdir(), 'tsfm-study-'));
  dirs.push(d);
  return d;
};
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('study store', () => {
  it('retries a trial that was running when the tuner died, never duplicating it', () => {
    const dir = tmp();
    const first = StudyStore.open(dir, 's', { exclusive: true });
    const t0 = first.create(0, { lr: 0.1 });
    first.save({ ...t0, state: 'completed', value: 1, intermediate: [2, 1] });
    first.create(1, { lr: 0.01 });
    // killed here: the lock is left behind (its owner, this test process, is alive, so release it as a dead owner's would be taken over)
    first.close();

    const second = StudyStore.open(dir, 's', { exclusive: true });
    const orphans = second.orphans();
    expect(orphans.map((t) => t.number)).toEqual([1]);
    const r = second.retry(orphans[0]!);
    expect(r).toMatchObject({ number: 1, attempt: 2, params: { lr: 0.01 }, runId: 's.t1.r2', state: 'running', intermediate: [] });
    expect(second.nextNumber()).toBe(2);
    expect(() => second.create(1, { lr: 0.5 })).toThrow(/trial 1 exists already/);
    expect(second.trials().map((t) => [t.number, t.state, t.attempt])).toEqual([
      [0, 'completed', 1],
      [1, 'running', 2],
    ]);
    expect(readdirSync(path.join(dir, 'trials')).sort()).toEqual(['t0.json', 't1.json']);
    second.close();
  });

  it('after a tuner is SIGKILLed mid-trial, the next one takes over its lock and retries the trial', async () => {
    const dir = tmp();
    // A stand-in tuner (plain JS, the store's file format): one trial completed, one running, then killed.
    const script = `
      const fs = require('node:fs'), os = require('node:os'), path = require('node:path');
      const dir = process.argv[1];
      const stat = fs.readFileSync('/proc/self/stat', 'utf8');
      const ticks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
      fs.mkdirSync(path.join(dir, 'trials'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'study.lock'), JSON.stringify({ pid: process.pid, host: os.hostname(), start_ticks: ticks }));
      const t = (number, state, extra) => fs.writeFileSync(path.join(dir, 'trials', 't' + number + '.json'), JSON.stringify({ number, state, params: { lr: number }, intermediate: [], attempt: 1, ...extra }));
      t(0, 'completed', { value: 1 });
      t(1, 'running', { intermediate: [3, 2] });
      fs.writeFileSync(path.join(dir, 'ready'), '');
      setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['-e', script, dir], { stdio: 'ignore' });
    while (!existsSync(path.join(dir, 'ready'))) await new Promise((r) => setTimeout(r, 20));
    expect(() => StudyStore.open(dir, 's', { exclusive: true })).toThrow(/already running \(process \d+/);
    const exited = new Promise((r) => child.on('exit', r));
    child.kill('SIGKILL');
    await exited;
    const store = StudyStore.open(dir, 's', { exclusive: true });
    const [orphan, ...rest] = store.orphans();
    expect(rest).toEqual([]);
    expect(store.retry(orphan!)).toMatchObject({ number: 1, attempt: 2, params: { lr: 1 }, intermediate: [] });
    expect(store.nextNumber()).toBe(2);
    expect(store.trials().map((t) => t.state)).toEqual(['completed', 'running']);
    store.close();
  });

  it('lets one tuner at a time work on a study', () => {
    const dir = tmp();
    const a = StudyStore.open(dir, 's', { exclusive: true });
    expect(() => StudyStore.open(dir, 's', { exclusive: true })).toThrow(/a tuner of study 's' is already running/);
    expect(StudyStore.open(dir, 's').trials()).toEqual([]); // reading needs no lock
    a.close();
    StudyStore.open(dir, 's', { exclusive: true }).close();
  });
});
