import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Registry } from '../../ts/runs/registry/index.js';
import { lib } from './helpers.js';

const WRITERS = 8;
const RUNS_EACH = 25;

// Each writer creates RUNS_EACH runs (3 registry transactions each), all writers starting at the same instant.
const writer = `
import { openRun } from ${JSON.stringify(lib)};
const [runsDir, w, n, t0] = process.argv.slice(1);
while (Date.now() < Number(t0)) {}
for (let i = 0; i < Number(n); i++) {
  const run = openRun({ runsDir, runId: 'w' + w + '_' + i, tags: { writer: w } });
  run.logMetrics({ test_rmse: Number(w) * 100 + i });
  run.finish('completed');
}
`;

function runWriter(runsDir: string, w: number, t0: number): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['--input-type=module', '-e', writer, runsDir, String(w), String(RUNS_EACH), String(t0)], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    p.stderr.on('data', (d) => (stderr += d));
    p.on('exit', (code) => resolve({ code, stderr }));
  });
}

describe('registry under concurrent writers', () => {
  it(`${WRITERS} processes registering runs at once lose no row and report no error; rebuild matches`, async () => {
    const runsDir = mkdtempSync(path.join(tmpdir(), 'tsfm-conc-'));
    const t0 = Date.now() + 1500; // after every process has loaded
    const results = await Promise.all(Array.from({ length: WRITERS }, (_, w) => runWriter(runsDir, w, t0)));
    for (const r of results) {
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    }
    const reg = Registry.open(runsDir);
    const rows = reg.listRuns();
    const models = reg.listModels();
    reg.close();
    expect(rows).toHaveLength(WRITERS * RUNS_EACH);
    expect(rows.every((r) => r.status === 'completed')).toBe(true);
    for (let w = 0; w < WRITERS; w++) {
      for (let i = 0; i < RUNS_EACH; i++) {
        expect(rows.find((r) => r.run_id === `w${w}_${i}`)?.metrics.test_rmse).toBe(w * 100 + i);
      }
    }
    expect(Registry.rebuild(runsDir)).toEqual({ runs: WRITERS * RUNS_EACH, skipped: [] });
    const again = Registry.open(runsDir);
    try {
      const key = (r: { run_id: string }) => r.run_id;
      expect(again.listRuns().sort((a, b) => key(a).localeCompare(key(b)))).toEqual([...rows].sort((a, b) => key(a).localeCompare(key(b))));
      expect(again.listModels()).toEqual(models);
    } finally {
      again.close();
    }
  });
});
