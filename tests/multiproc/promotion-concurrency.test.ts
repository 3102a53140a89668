import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Registry } from '../../ts/runs/registry/index.js';
import { openRun } from '../../ts/runs/run.js';
import { lib } from './helpers.js';

const MODELS = 6;
const ROUNDS = 5;

// Each process promotes its own model of the same task ROUNDS times, all starting at the same instant.
const promoter = `
import { Registry } from ${JSON.stringify(lib)};
const [runsDir, id, n, t0] = process.argv.slice(1);
while (Date.now() < Number(t0)) {}
const reg = Registry.open(runsDir);
for (let i = 0; i < Number(n); i++) reg.setStage(id, 'production', 'round ' + i);
reg.close();
`;

function runPromoter(runsDir: string, id: string, t0: number): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['--input-type=module', '-e', promoter, runsDir, id, String(ROUNDS), String(t0)], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    p.stderr.on('data', (d) => (stderr += d));
    p.on('exit', (code) => resolve({ code, stderr }));
  });
}

describe('model promotion under concurrent processes', () => {
  it(`${MODELS} processes promoting models of one task at once leave exactly one production model; rebuild agrees`, async () => {
    const runsDir = mkdtempSync(path.join(tmpdir(), 'tsfm-promote-'));
    const ids = Array.from({ length: MODELS }, (_, i) => `m${i}`);
    for (const id of ids) {
      const run = openRun({ runsDir, runId: id, tags: { task: 'glucose_h12' } });
      run.update({ model: { family: 'ttm', parameters: 10, horizon: 12 }, dataset: { name: 'broll', version: 'v' } });
      run.writeArtifact('checkpoints/best.pt', 'w');
      run.finish('completed');
    }
    const t0 = Date.now() + 1500;
    const results = await Promise.all(ids.map((id) => runPromoter(runsDir, id, t0)));
    for (const r of results) expect(r).toEqual({ code: 0, stderr: '' });
    const check = (reg: Registry) => {
      const models = reg.listModels();
      expect(models.filter((m) => m.stage === 'production')).toHaveLength(1);
      expect(models.filter((m) => m.stage === 'archived')).toHaveLength(MODELS - 1);
      // Every promotion recorded; each change saw the stage the one before it left (the writes were serialised).
      let promotions = 0;
      for (const id of ids) {
        const h = reg.stageHistory(id);
        promotions += h.filter((x) => x.stage === 'production').length;
        for (let i = 1; i < h.length; i++) expect(h[i]!.previous).toBe(h[i - 1]!.stage);
      }
      expect(promotions).toBe(MODELS * ROUNDS);
      return models.map((m) => [m.model_id, m.stage]).sort();
    };
    const reg = Registry.open(runsDir);
    const live = check(reg);
    reg.close();
    Registry.rebuild(runsDir);
    const again = Registry.open(runsDir);
    try {
      expect(check(again)).toEqual(live);
    } finally {
      again.close();
    }
  }, 120_000);
});
