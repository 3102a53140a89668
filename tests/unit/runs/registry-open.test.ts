// Commands that read the registry never create files, and a registry that was deleted, truncated or
// corrupted is named with the command that restores it, instead of looking like an empty one.
import { existsSync, mkdtempSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../../ts/config/index.js';
import { Registry } from '../../../ts/runs/registry/registry.js';
import { openRun } from '../../../ts/runs/run.js';

function runsWithOneRun(): string {
  const runsDir = mkdtempSync(path.join(tmpdir(), 'tsfm-regopen-'));
  openRun({ runsDir, runId: 'r1', config: defaultConfig() }).finish('completed');
  return runsDir;
}

describe('Registry.openExisting (read-only commands)', () => {
  it('reads a healthy registry', () => {
    const reg = Registry.openExisting(runsWithOneRun());
    expect(reg.listRuns().map((r) => r.run_id)).toEqual(['r1']);
    reg.close();
  });

  it('refuses a runs directory that does not exist, and does not create it', () => {
    const missing = path.join(tmpdir(), `tsfm-typo-${process.pid}`);
    expect(() => Registry.openExisting(missing)).toThrow(/no such runs directory \(set --runs-dir or TSFM_RUNS_DIR\)/);
    expect(existsSync(missing)).toBe(false);
  });

  it('an empty runs directory reads as empty and stays empty', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tsfm-empty-'));
    const reg = Registry.openExisting(dir);
    expect(reg.listRuns()).toEqual([]);
    reg.close();
    expect(readdirSync(dir)).toEqual([]);
  });

  it.each([
    ['deleted', (f: string) => rmSync(f)],
    ['truncated', (f: string) => truncateSync(f, 0)],
  ])('a %s database beside run directories says so and names `tsfm registry rebuild`', (_what, damage) => {
    const runsDir = runsWithOneRun();
    const file = path.join(runsDir, 'registry.sqlite');
    for (const f of [`${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
    damage(file);
    expect(() => Registry.openExisting(runsDir)).toThrow(
      new RegExp(`${file}: the registry database is missing or empty while .* holds 1 run directories; \`tsfm registry rebuild`),
    );
  });

  it('a corrupt database is named with its path and the fix', () => {
    const runsDir = runsWithOneRun();
    const file = path.join(runsDir, 'registry.sqlite');
    for (const f of [`${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
    writeFileSync(file, Buffer.alloc(8192, 0x5a));
    expect(() => Registry.openExisting(runsDir)).toThrow(
      new RegExp(`${file}: the registry database is corrupt \\(.*\\); \`tsfm registry rebuild`),
    );
    Registry.rebuild(runsDir);
    const reg = Registry.openExisting(runsDir);
    expect(reg.listRuns().map((r) => r.run_id)).toEqual(['r1']);
    reg.close();
  });
});
