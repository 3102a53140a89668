import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// Debian 12's system Node is 20: the CLI must say which Node it needs instead of failing on node:sqlite.
const systemNode = '/usr/bin/node';
const version = existsSync(systemNode) ? spawnSync(systemNode, ['--version'], { encoding: 'utf8' }).stdout.trim() : '';
const tooOld = /^v(\d+)\.(\d+)/.exec(version);
const old = tooOld !== null && (Number(tooOld[1]) < 22 || (Number(tooOld[1]) === 22 && Number(tooOld[2]) < 13));

describe('tsfm on a Node older than 22.13', () => {
  it.runIf(old)(`says in one line which Node it needs (system ${version})`, () => {
    const r = spawnSync(systemNode, [path.resolve('dist/ts/cli/main.js'), 'runs', 'list'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/tsfm: Node v\d+\.\d+\.\d+ is too old; tsfm needs Node >= 22\.13/);
    expect(r.stderr).not.toMatch(/node:sqlite'|ERR_UNKNOWN_BUILTIN_MODULE/);
  });
});
