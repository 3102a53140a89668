// `tsfm data simulate|ingest|describe` through the real CLI (ingest reads ../shared/data).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const cli = path.resolve('dist/ts/cli/main.js');
const run = (...args: string[]) => execFileSync(process.execPath, [cli, ...args], { encoding: 'utf8' });

describe('tsfm data', () => {
  it('simulate writes a cohort, reports its glucose statistics, and is deterministic by seed', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tsfm-sim-'));
    const a = JSON.parse(run('data', 'simulate', '--patients', '3', '--days', '2', '--seed', '7', '--out', path.join(dir, 'a'), '--json'));
    const b = JSON.parse(run('data', 'simulate', '--patients', '3', '--days', '2', '--seed', '7', '--json'));
    const c = JSON.parse(run('data', 'simulate', '--patients', '3', '--days', '2', '--seed', '8', '--json'));
    expect(a.rows).toBe(3 * 2 * 288);
    expect(a.series).toBe(3);
    expect(a.version).toBe(b.version);
    expect(a.statistics).toEqual(b.statistics);
    expect(c.version).not.toBe(a.version);
    expect(a.statistics.meanGlucose).toBeGreaterThan(80);
    expect(a.statistics.meanGlucose).toBeLessThan(250);
    expect(existsSync(path.join(dir, 'a', 'data.arrow'))).toBe(true);

    const text = run('data', 'describe', path.join(dir, 'a'));
    expect(text).toMatch(/dataset simulated_t1d/);
    expect(text).toMatch(/sim-001\s+576\s+1\s+2\.0/);
    expect(text).toMatch(/overall \(3 series\)/);
  });

  it('ingest reports every row of the Shanghai T1DM export and the counts reconcile', () => {
    const r = JSON.parse(run('data', 'ingest', 'shanghai_t1dm', '--no-cache', '--json'));
    expect(r.report.series).toBe(16);
    expect(r.report.files).toHaveLength(16);
    const dropped = Object.values(r.report.dropped as Record<string, number>).reduce((x, y) => x + y, 0);
    expect(r.report.rowsRead).toBe(r.report.rowsKept + dropped);
    const text = run('data', 'ingest', 'shanghai_t1dm', '--no-cache');
    expect(text).toMatch(/rows read \d+ = kept \d+ \+ dropped \d+; points interpolated \d+/);
  });

  it('describe shows glucose time in range for the iglu (Broll) data', () => {
    const text = run('data', 'describe', 'broll', '--cache-dir', mkdtempSync(path.join(tmpdir(), 'tsfm-cache-')));
    expect(text).toMatch(/TIR%/);
    expect(text).toMatch(/overall \(5 series\)/);
  });

  it('a data file in one command: the chosen columns in one line, from any working directory', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tsfm-file-'));
    const file = path.join(dir, 'my_cgm.csv');
    writeFileSync(
      file,
      [
        'subject,timestamp,glucose_mmol',
        ...Array.from(
          { length: 24 },
          (_, k) =>
            `p1,2024-01-01 ${String(Math.floor(k / 12)).padStart(2, '0')}:${String((k % 12) * 5).padStart(2, '0')}:00,${(6 + (k % 5) / 10).toFixed(1)}`,
        ),
      ].join('\n'),
    );
    const out = execFileSync(process.execPath, [cli, 'data', 'ingest', 'my_cgm.csv', '--no-cache'], { encoding: 'utf8', cwd: dir });
    expect(out.split('\n')[0]).toBe(
      "read my_cgm.csv as a table: time 'timestamp' (YYYY-MM-DD HH:MM:SS), target 'glucose_mmol' (mmol/L, from its name), id 'subject' (1 series); override with --time, --target, --id, --units",
    );
    expect(out).toMatch(/dataset my_cgm .*1 series, 1 segments, interval 5 min/);
    const json = JSON.parse(
      execFileSync(process.execPath, [cli, 'data', 'ingest', file, '--no-cache', '--json', '--interval', '5min'], { encoding: 'utf8' }),
    );
    expect(json.detected).toMatch(/^read my_cgm.csv as a table/);
    expect(json.report.rowsRead).toBe(24);
    // a built-in config resolves from another working directory
    expect(
      execFileSync(process.execPath, [cli, 'data', 'describe', 'broll', '--cache-dir', path.join(dir, 'cache')], {
        encoding: 'utf8',
        cwd: dir,
      }),
    ).toMatch(/overall \(5 series\)/);
  });

  it('bad arguments give one line and a non-zero exit', () => {
    for (const args of [
      ['data', 'simulate', '--patients', '0'],
      ['data', 'describe', 'no-such-dataset'],
      ['data', 'ingest', '/tmp/none.yaml'],
      ['data', 'ingest', 'my_cgm.csv'],
      ['data', 'ingest', 'broll', '--target', 'x'],
    ]) {
      const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
      expect(r.status, args.join(' ')).not.toBe(0);
      expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
    }
  });
});
