/**
 * The one way every command finds a run: a path to a run directory, an exact run id under the runs
 * directory, or a unique prefix of one. Read-only: it never creates the runs directory or a registry.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { listRunDirs, METADATA_FILE } from './metadata.js';

/** --runs-dir, else $TSFM_RUNS_DIR, else ./runs: the default of every command (and of output.runs_dir). */
export function defaultRunsDir(explicit?: string): string {
  return explicit ?? process.env.TSFM_RUNS_DIR ?? 'runs';
}

function isRunDir(dir: string): boolean {
  return existsSync(path.join(dir, 'config.yaml')) || existsSync(path.join(dir, METADATA_FILE));
}

/**
 * The absolute directory of the run `ref` names; throws one line naming `ref` and where it looked when
 * there is no such run, or listing the candidates when a prefix is ambiguous.
 */
export function resolveRunDir(ref: string, runsDir: string = defaultRunsDir(), flag = '--run'): string {
  if (!ref) throw new Error(`${flag}: expected a run id, a unique prefix of one, or a run directory`);
  if (existsSync(ref) && statSync(ref).isDirectory() && isRunDir(ref)) return path.resolve(ref);
  if (!existsSync(runsDir) || !statSync(runsDir).isDirectory()) {
    throw new Error(
      `${flag} ${ref}: no run directory '${ref}', and the runs directory ${path.resolve(runsDir)} does not exist (set --runs-dir or TSFM_RUNS_DIR)`,
    );
  }
  const exact = path.join(runsDir, ref);
  if (existsSync(exact) && statSync(exact).isDirectory() && isRunDir(exact)) return path.resolve(exact);
  const matches = listRunDirs(runsDir).filter((d) => path.basename(d).startsWith(ref));
  if (matches.length === 1) return path.resolve(matches[0]!);
  if (matches.length > 1) {
    const shown = matches
      .slice(0, 5)
      .map((d) => path.basename(d))
      .join(', ');
    throw new Error(
      `${flag} ${ref}: ambiguous prefix, ${matches.length} runs in ${path.resolve(runsDir)} match (${shown}${matches.length > 5 ? ', ...' : ''})`,
    );
  }
  throw new Error(`${flag} ${ref}: no such run in ${path.resolve(runsDir)} (\`tsfm runs list\` shows the runs there)`);
}
