/**
 * A study on disk: <runs_dir>/studies/<name>/trials/t<k>.json, one atomic JSON per trial. A trial is
 * written (state running, its parameters fixed) before its run starts, so a tuner killed mid-trial leaves
 * a running trial behind; the next tuner retries that trial (same number and parameters, attempt + 1)
 * instead of sampling a new one. Only one tuner works on a study at a time (study.lock).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { writeJsonAtomic } from '../runs/atomic.js';
import { acquireLock, type Lock } from '../runs/lock.js';
import type { Assignment } from './space.js';
import type { Trial } from './trial.js';

export const studyDir = (runsDir: string, name: string): string => path.join(runsDir, 'studies', name);

/** Run id of a trial's attempt: `<study>.t<k>`, then `<study>.t<k>.r2`, ... for retries. */
export const trialRunId = (study: string, number: number, attempt: number): string =>
  `${study}.t${number}${attempt > 1 ? `.r${attempt}` : ''}`;

export class StudyStore {
  private constructor(
    readonly dir: string,
    readonly name: string,
    private lock: Lock | null,
  ) {}

  /** Opens (making it) the study directory; `exclusive` takes the tuner's lock (a second tuner fails naming the first). */
  static open(dir: string, name: string, opts: { exclusive?: boolean } = {}): StudyStore {
    mkdirSync(path.join(dir, 'trials'), { recursive: true });
    const lock = opts.exclusive ? acquireLock(path.join(dir, 'study.lock'), `a tuner of study '${name}'`) : null;
    return new StudyStore(dir, name, lock);
  }

  close(): void {
    this.lock?.release();
    this.lock = null;
  }

  private file(number: number): string {
    return path.join(this.dir, 'trials', `t${number}.json`);
  }

  /** Every trial, by number (temporaries of an interrupted write are ignored). */
  trials(): Trial[] {
    const dir = path.join(this.dir, 'trials');
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((n) => /^t\d+\.json$/.test(n))
      .map((n) => JSON.parse(readFileSync(path.join(dir, n), 'utf8')) as Trial)
      .sort((a, b) => a.number - b.number);
  }

  save(t: Trial): void {
    writeJsonAtomic(this.file(t.number), t);
  }

  /** A new trial with these parameters, recorded as running before anything runs. */
  create(number: number, params: Assignment): Trial {
    if (existsSync(this.file(number))) throw new Error(`study ${this.name}: trial ${number} exists already`);
    const t: Trial = {
      number,
      state: 'running',
      params,
      intermediate: [],
      attempt: 1,
      runId: trialRunId(this.name, number, 1),
      started: new Date().toISOString(),
    };
    this.save(t);
    return t;
  }

  /** The next attempt of a trial left running by a tuner that died: same number and parameters, history reset. */
  retry(t: Trial): Trial {
    const attempt = t.attempt + 1;
    const r: Trial = {
      number: t.number,
      state: 'running',
      params: t.params,
      intermediate: [],
      attempt,
      runId: trialRunId(this.name, t.number, attempt),
      started: new Date().toISOString(),
    };
    this.save(r);
    return r;
  }

  /** Trials left running by a dead tuner (call with the lock held: no live tuner owns them). */
  orphans(): Trial[] {
    return this.trials().filter((t) => t.state === 'running');
  }

  nextNumber(): number {
    const ts = this.trials();
    return ts.length ? ts[ts.length - 1]!.number + 1 : 0;
  }
}
