// The project's lint runs with the tests (so CI runs it): eslint (typescript-eslint's recommended rules and a
// 100-line function limit) and prettier's formatting check, over the same folders as `npm run lint`.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const bin = (name: string) => path.resolve('node_modules', '.bin', name);
const run = (cmd: string, args: string[]) => spawnSync(bin(cmd), args, { encoding: 'utf8', maxBuffer: 64 << 20 });

describe('lint', () => {
  it('eslint finds no problem', () => {
    const r = run('eslint', ['ts', 'tests', 'bench', 'scripts']);
    expect(r.status, r.stdout + r.stderr).toBe(0);
  }, 300_000);

  it('every file is formatted as prettier formats it', () => {
    const r = run('prettier', ['--check', 'ts', 'tests', 'bench', 'scripts', 'configs']);
    expect(r.status, r.stdout + r.stderr).toBe(0);
  }, 300_000);
});
