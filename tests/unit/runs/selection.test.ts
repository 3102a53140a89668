import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Registry } from '../../../ts/runs/registry/index.js';
import { oneTask, selectionMetric } from '../../../ts/runs/registry/selection.js';
import { openRun } from '../../../ts/runs/run.js';

function model(runs: string, id: string, task: string) {
  const run = openRun({ runsDir: runs, runId: id, tags: { task } });
  run.update({ model: { family: 'ttm', parameters: 10, horizon: 12 }, dataset: { name: 'broll', version: 'v' } });
  run.writeArtifact('checkpoints/best.pt', 'w');
  run.finish('completed');
}

describe('model selection', () => {
  it('selects on validation unless test is asked for, which warns', () => {
    expect(selectionMetric()).toEqual({ metric: 'val_rmse', warning: undefined });
    expect(selectionMetric('val', 'val_mae').metric).toBe('val_mae');
    const t = selectionMetric('test');
    expect(t.metric).toBe('test_rmse');
    expect(t.warning).toMatch(/warning: selecting on the test metric test_rmse/);
    expect(selectionMetric('val', 'test_mae').warning).toMatch(/test_mae/);
    expect(() => selectionMetric('train')).toThrow("--on: expected val or test (got 'train')");
  });

  it('infers the one task of the candidates and refuses several, naming them', () => {
    expect(oneTask(['a_h12', 'a_h12'])).toBe('a_h12');
    expect(oneTask([])).toBeUndefined();
    expect(() => oneTask(['a_h12', 'a_h6', null])).toThrow(
      'the matching models belong to 3 tasks ((no task), a_h12, a_h6); choose one with --task',
    );
  });
});

describe('one production model per task', () => {
  it('promoting a second model archives the first; other tasks keep theirs; rebuild agrees', () => {
    const runs = mkdtempSync(path.join(tmpdir(), 'tsfm-stage-'));
    model(runs, 'a', 't1');
    model(runs, 'b', 't1');
    model(runs, 'c', 't2');
    const reg = Registry.open(runs);
    const stages = () => Object.fromEntries(reg.listModels().map((m) => [m.model_id, m.stage]));
    try {
      expect(reg.setStage('a', 'production').demoted).toEqual([]);
      expect(reg.setStage('c', 'production').demoted).toEqual([]);
      const second = reg.setStage('b', 'production', 'better on val');
      expect(second.demoted).toEqual(['a']);
      expect(second.change).toMatchObject({ previous: 'none', stage: 'production', note: 'better on val' });
      expect(stages()).toEqual({ a: 'archived', b: 'production', c: 'production' });
      expect(reg.stageHistory('a').map((h) => [h.previous, h.stage])).toEqual([
        ['none', 'production'],
        ['production', 'archived'],
      ]);
      expect(reg.stageHistory('a')[1]!.note).toBe('demoted: b promoted to production for task t1');
      expect(reg.setStage('b', 'staging').demoted).toEqual([]);
      expect(() => reg.setStage('nope', 'production')).toThrow(/'nope' is not a model/);
    } finally {
      reg.close();
    }
    Registry.rebuild(runs);
    const again = Registry.open(runs);
    try {
      expect(Object.fromEntries(again.listModels().map((m) => [m.model_id, m.stage]))).toEqual({
        a: 'archived',
        b: 'staging',
        c: 'production',
      });
    } finally {
      again.close();
    }
  });
});
