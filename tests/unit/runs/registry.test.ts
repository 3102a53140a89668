import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultConfig, type TsfmConfig } from '../../../ts/config/index.js';
import { Registry, compareRuns, selectGarbage, removeRun } from '../../../ts/runs/registry/index.js';
import { openRun } from '../../../ts/runs/run.js';
import { appendStage } from '../../../ts/runs/stages.js';
import { writeFileAtomic } from '../../../ts/runs/atomic.js';

function config(family: 'ttm' | 'dlinear', seed: number): TsfmConfig {
  const c = defaultConfig();
  return { ...c, model: { ...c.model, family, horizon: 12 }, training: { ...c.training, seed } };
}

/** A finished run with a checkpoint file, as train() leaves it. */
function fakeRun(
  runs: string,
  id: string,
  family: 'ttm' | 'dlinear',
  dataset: string,
  rmse: number,
  status: 'completed' | 'failed' = 'completed',
) {
  const run = openRun({ runsDir: runs, runId: id, config: config(family, 1), tags: { experiment: 'e1' } });
  run.update({ dataset: { name: dataset, version: 'v1' }, model: { family, parameters: 100, horizon: 12 } });
  run.writeArtifact('checkpoints/best.pt', 'weights');
  run.logMetrics({ test_rmse: rmse, val_rmse: rmse / 10 });
  run.finish(status, status === 'failed' ? new Error('boom') : undefined);
  return run;
}

function snapshot(reg: Registry) {
  return {
    runs: reg.listRuns().map((r) => ({ ...r })),
    models: reg.listModels({ sort: 'test_rmse' }),
    best: reg.bestModel({ dataset: 'broll', metric: 'test_rmse' }),
    history: reg.stageHistory('b'),
  };
}

describe('registry', () => {
  it('indexes runs and models, filters, sorts and finds the best', () => {
    const runs = mkdtempSync(path.join(tmpdir(), 'tsfm-reg-'));
    fakeRun(runs, 'a', 'ttm', 'broll', 20);
    fakeRun(runs, 'b', 'dlinear', 'broll', 15);
    fakeRun(runs, 'c', 'ttm', 'simulated_t1d', 30);
    fakeRun(runs, 'd', 'ttm', 'broll', 5, 'failed');
    const reg = Registry.open(runs);
    try {
      expect(
        reg
          .listRuns()
          .map((r) => r.run_id)
          .sort(),
      ).toEqual(['a', 'b', 'c', 'd']);
      expect(reg.listRuns({ status: 'failed' })[0]).toMatchObject({ run_id: 'd', error: 'boom' });
      expect(
        reg
          .listRuns({ family: 'ttm', dataset: 'broll' })
          .map((r) => r.run_id)
          .sort(),
      ).toEqual(['a', 'd']);
      expect(reg.listRuns({ tags: { experiment: 'e1' } })).toHaveLength(4);
      // A failed run is not a model, however good its numbers.
      expect(reg.listModels({ sort: 'test_rmse' }).map((m) => m.model_id)).toEqual(['b', 'a', 'c']);
      expect(reg.listModels({ sort: 'test_rmse', descending: true }).map((m) => m.model_id)).toEqual(['c', 'a', 'b']);
      expect(reg.bestModel({ dataset: 'broll', metric: 'test_rmse' })?.model_id).toBe('b');
      expect(reg.bestModel({ task: 'broll_h12', family: 'ttm', metric: 'test_rmse' })?.model_id).toBe('a');
      expect(reg.bestModel({ dataset: 'nope', metric: 'test_rmse' })).toBeNull();
      expect(reg.getRun('a').model_family).toBe('ttm');
      expect(() => reg.getRun('zzz')).toThrow(/run 'zzz' not found/);
      expect(() => reg.listModels({ sort: 'x; drop table runs' })).toThrow(/not a metric name/);
      const cmp = compareRuns([reg.getRun('a'), reg.getRun('b')]);
      expect(cmp.rows.find((r) => r[0] === 'param model.family')).toEqual(['param model.family', 'ttm', 'dlinear']);
    } finally {
      reg.close();
    }
  });

  it('stage tags keep their history, and rebuild from the run directories gives the same answers', () => {
    const runs = mkdtempSync(path.join(tmpdir(), 'tsfm-reg-'));
    fakeRun(runs, 'a', 'ttm', 'broll', 20);
    fakeRun(runs, 'b', 'dlinear', 'broll', 15);
    fakeRun(runs, 'f', 'ttm', 'broll', 1, 'failed');
    const reg = Registry.open(runs);
    appendStage(path.join(runs, 'b'), 'candidate', 'first look');
    reg.indexRunDir(path.join(runs, 'b'));
    appendStage(path.join(runs, 'b'), 'production');
    reg.indexRunDir(path.join(runs, 'b'));
    const before = snapshot(reg);
    reg.close();
    expect(before.history.map((h) => [h.previous, h.stage])).toEqual([
      ['none', 'candidate'],
      ['candidate', 'production'],
    ]);
    expect(before.models.find((m) => m.model_id === 'b')?.stage).toBe('production');
    const r = Registry.rebuild(runs);
    expect(r).toEqual({ runs: 3, skipped: [] });
    const again = Registry.open(runs);
    try {
      expect(snapshot(again)).toEqual(before);
    } finally {
      again.close();
    }
  });

  it('rebuild skips a damaged run directory, naming it', () => {
    const runs = mkdtempSync(path.join(tmpdir(), 'tsfm-reg-'));
    fakeRun(runs, 'ok', 'ttm', 'broll', 20);
    const bad = fakeRun(runs, 'bad', 'ttm', 'broll', 20);
    writeFileAtomic(path.join(bad.dir, 'metadata.json'), '{ half');
    const r = Registry.rebuild(runs);
    expect(r.runs).toBe(1);
    expect(r.skipped[0]).toMatch(/bad.*metadata\.json: not valid JSON/);
  });

  it('gc selects failed runs but keeps models in production; rm deletes directory and rows', () => {
    const runs = mkdtempSync(path.join(tmpdir(), 'tsfm-reg-'));
    fakeRun(runs, 'a', 'ttm', 'broll', 20);
    fakeRun(runs, 'f', 'ttm', 'broll', 1, 'failed');
    fakeRun(runs, 'p', 'ttm', 'broll', 3);
    appendStage(path.join(runs, 'p'), 'production');
    const reg = Registry.open(runs);
    try {
      reg.indexRunDir(path.join(runs, 'p'));
      expect(selectGarbage(reg, { failed: true }).map((g) => g.run.run_id)).toEqual(['f']);
      expect(
        selectGarbage(reg, { olderThanMs: 0, now: new Date(Date.now() + 1000) })
          .map((g) => g.run.run_id)
          .sort(),
      ).toEqual(['a', 'f']);
      removeRun(reg, reg.getRun('f'));
      expect(
        reg
          .listRuns()
          .map((r) => r.run_id)
          .sort(),
      ).toEqual(['a', 'p']);
      expect(Registry.rebuild(runs).runs).toBe(2);
    } finally {
      reg.close();
    }
  });
});
