/** Small option parsers shared by CLI commands. */
import { defaultRunsDir } from '../runs/resolve.js';

/** `key=value` pairs (from a repeatable --tag) into an object; throws naming the bad pair. */
export function parseTags(pairs: string[] = [], flag = '--tag'): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of pairs) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new Error(`${flag} ${p}: expected key=value`);
    out[p.slice(0, eq)] = p.slice(eq + 1);
  }
  return out;
}

/** A positive integer option; throws naming the flag. */
export function parsePositiveInt(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag}: expected a positive integer, got '${text}'`);
  return n;
}

/** A commander option parser for a positive integer flag. */
export function positiveIntOption(flag: string): (text: string) => number {
  return (text) => parsePositiveInt(text, flag)!;
}

/** Durations like 30d, 12h, 90m into milliseconds; throws naming the flag. */
export function parseAge(text: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(d|h|m|s)$/.exec(text.trim());
  if (!m) throw new Error(`${flag}: expected an age like 30d, 12h or 45m, got '${text}'`);
  const unit = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000 }[m[2] as 'd' | 'h' | 'm' | 's'];
  return Number(m[1]) * unit;
}

/** The one --runs-dir option every command takes: [flags, description]. */
export const RUNS_DIR_OPTION = ['--runs-dir <dir>', 'runs directory (default: $TSFM_RUNS_DIR or ./runs)'] as const;

/** --runs-dir, else $TSFM_RUNS_DIR, else ./runs (the default output.runs_dir). */
export function runsDirOf(o: { runsDir?: string }): string {
  return defaultRunsDir(o.runsDir);
}
