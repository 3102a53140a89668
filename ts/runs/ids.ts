/** Run ids: `run_YYYYMMDD_HHMMSS_<short>` by default, or a name the user chose. */
import { randomBytes } from 'node:crypto';

export const RUN_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export function newRunId(now: Date = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const date = `${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}`;
  const time = `${p(now.getUTCHours())}${p(now.getUTCMinutes())}${p(now.getUTCSeconds())}`;
  // 6 hex digits: two runs started in the same second by parallel processes do not collide in practice,
  // and creation is exclusive (mkdir) anyway.
  return `run_${date}_${time}_${randomBytes(3).toString('hex')}`;
}

/** Throws a one-line error naming `where` when `id` cannot be a run directory name. */
export function checkRunId(id: string, where = 'run id'): string {
  if (!RUN_ID_PATTERN.test(id) || id.length > 200) {
    throw new Error(`${where}: '${id}' is not a valid run id (letters, digits, '.', '_', '-', starting with a letter or digit)`);
  }
  return id;
}
