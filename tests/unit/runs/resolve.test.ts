import { mkdirSync, mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultRunsDir, resolveRunDir } from '../../../ts/runs/resolve.js';

function runsWith(...ids: string[]): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'tsfm-resolve-'));
  for (const id of ids) {
    mkdirSync(path.join(dir, id));
    writeFileSync(path.join(dir, id, 'metadata.json'), '{}');
  }
  return dir;
}

describe('resolveRunDir: the one run resolver', () => {
  const saved = process.env.TSFM_RUNS_DIR;
  afterEach(() => {
    if (saved === undefined) delete process.env.TSFM_RUNS_DIR;
    else process.env.TSFM_RUNS_DIR = saved;
  });

  it('takes an exact id, a unique prefix, or a run directory', () => {
    const runs = runsWith('20261201-aaaa', '20261201-abcd', '20261202-zzzz');
    expect(resolveRunDir('20261201-abcd', runs)).toBe(path.join(runs, '20261201-abcd'));
    expect(resolveRunDir('20261202', runs)).toBe(path.join(runs, '20261202-zzzz'));
    expect(resolveRunDir(path.join(runs, '20261201-aaaa'), '/nonexistent')).toBe(path.join(runs, '20261201-aaaa'));
  });

  it('names the candidates of an ambiguous prefix and the directory of a missing id', () => {
    const runs = runsWith('20261201-aaaa', '20261201-abcd');
    expect(() => resolveRunDir('20261201-a', runs)).toThrow(/--run 20261201-a: ambiguous prefix, 2 runs .*20261201-aaaa, 20261201-abcd/);
    expect(() => resolveRunDir('nope', runs)).toThrow(new RegExp(`--run nope: no such run in ${runs}`));
  });

  it('never creates a missing runs directory', () => {
    const missing = path.join(tmpdir(), `tsfm-missing-${process.pid}`);
    expect(() => resolveRunDir('x', missing, '--init-from')).toThrow(/--init-from x: .*does not exist \(set --runs-dir or TSFM_RUNS_DIR\)/);
    expect(existsSync(missing)).toBe(false);
  });

  it('defaults to $TSFM_RUNS_DIR, then ./runs', () => {
    delete process.env.TSFM_RUNS_DIR;
    expect(defaultRunsDir()).toBe('runs');
    process.env.TSFM_RUNS_DIR = '/data/runs';
    expect(defaultRunsDir()).toBe('/data/runs');
    expect(defaultRunsDir('mine')).toBe('mine');
  });
});
