import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

import { expandCells, loadExperimentFile, parseExperiment } from '../../../ts/experiments/index.js';
import { aggregate, meanStd, resultsCsv, resultsMarkdown, resultsTableRows, scoreMatrix } from '../../../ts/experiments/aggregate.js';
import { Registry } from '../../../ts/runs/registry/index.js';
import { openRun } from '../../../ts/runs/run.js';
import { cellHash } from '../../../ts/experiments/matrix.js';

function experimentFile(yaml: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'tsfm-exp-'));
  const file = path.join(dir, 'exp.yaml');
  writeFileSync(file, yaml);
  return file;
}

const expand = (yaml: string, runsDir?: string) => {
  const { config, file } = loadExperimentFile(experimentFile(yaml));
  return { config, cells: expandCells(config, file, { runsDir }) };
};

describe('experiment configs', () => {
  it('expands models × datasets × seeds (× strategies × context lengths) into resolved cells', () => {
    const { cells } = expand(
      `name: e\nmodels: [dlinear, ttm, patchtst]\ndatasets: [simulated_t1d, broll]\nseeds: [1, 2]\nset: [training.epochs=1]\n`,
    );
    expect(cells).toHaveLength(12);
    expect(new Set(cells.map((c) => c.key)).size).toBe(12);
    const c = cells.find((x) => x.key === 'patchtst.broll.global.s2')!;
    expect(c.config.model.family).toBe('patchtst');
    expect(c.config.model.params.d_model).toBe(128); // from configs/models/patchtst.yaml
    expect(c.config.data.dataset).toBe('broll');
    expect(c.config.training.seed).toBe(2);
    expect(c.config.training.epochs).toBe(1);
    const withStrategies = expand(
      `name: e\nmodels: [dlinear]\ndatasets: [simulated_t1d]\nstrategies: [global, {name: no_covariates, set: [data.covariates=false]}]\ncontext_lengths: [32, 64]\n`,
    ).cells;
    expect(withStrategies.map((x) => x.key)).toEqual([
      'dlinear.simulated_t1d.global.ctx32.s42',
      'dlinear.simulated_t1d.global.ctx64.s42',
      'dlinear.simulated_t1d.no_covariates.ctx32.s42',
      'dlinear.simulated_t1d.no_covariates.ctx64.s42',
    ]);
    expect(withStrategies[2]!.config.data.covariates).toBe(false);
    expect(withStrategies[1]!.config.model.context_length).toBe(64);
  });

  it('takes the MLP and recurrent families by name, with their presets', () => {
    const { cells } = expand(`name: e\nmodels: [tsmixer, nhits, tide, lstm, gru]\ndatasets: [broll]\n`);
    expect(cells.map((c) => c.config.model.family)).toEqual(['tsmixer', 'nhits', 'tide', 'lstm', 'gru']);
    expect(cells[1]!.config.model.params.hidden_size).toBe(256); // from configs/models/nhits.yaml
  });

  it('rejects an unknown model, naming the entry', () => {
    expect(() => expand(`name: e\nmodels: [ttm, transformer]\ndatasets: [broll]\n`)).toThrow(
      /exp\.yaml: models\[1\]: unknown model 'transformer' \(known: dlinear, gru, lstm, nhits, patchtst, tide, tsmixer, ttm, granite_ttm\)/,
    );
  });

  it('accepts a dataset YAML or an ingested dataset directory next to the experiment file', () => {
    const file = experimentFile(`name: e\nmodels: [ttm]\ndatasets: [{name: mine, dataset: ingested}]\n`);
    mkdirSync(path.join(path.dirname(file), 'ingested'));
    const { config } = loadExperimentFile(file);
    expect(expandCells(config, file)[0]!.config.data.dataset).toBe(path.join(path.dirname(file), 'ingested'));
  });

  it('rejects an unknown dataset, naming the entry', () => {
    expect(() => expand(`name: e\nmodels: [ttm]\ndatasets: [broll, {name: x, dataset: nowhere}]\n`)).toThrow(
      /exp\.yaml: datasets\[1\]: unknown dataset 'nowhere'/,
    );
  });

  it('rejects a bad override naming the cell, and bad fields naming the key', () => {
    expect(() => expand(`name: e\nmodels: [ttm]\ndatasets: [broll]\nset: [training.lrr=1]\n`)).toThrow(
      /cell ttm\.broll\.global\.s42 .*training\.lrr/,
    );
    expect(() => parseExperiment({ name: 'e', models: [], datasets: ['broll'] }, 'x.yaml')).toThrow(/x\.yaml: models: /);
    expect(() => parseExperiment({ name: 'e', models: ['ttm'], datasets: ['broll'], seed: [1] }, 'x.yaml')).toThrow(/x\.yaml: .*seed/);
    expect(() => expand(`name: e\nmodels: [ttm, ttm]\ndatasets: [broll]\n`)).toThrow(/models\[1\]: duplicate name 'ttm'/);
  });
});

describe('aggregation', () => {
  it('mean ± sample std', () => {
    expect(meanStd([1, 3])).toEqual({ mean: 2, std: Math.SQRT2 });
    expect(meanStd([4])).toEqual({ mean: 4, std: null });
    expect(meanStd([])).toEqual({ mean: null, std: null });
  });

  it('tables the experiment metric over seeds with the best per dataset marked', () => {
    const runs = mkdtempSync(path.join(tmpdir(), 'tsfm-agg-'));
    const { config, cells } = expand(`name: agg\nmodels: [dlinear, ttm]\ndatasets: [simulated_t1d, broll]\nseeds: [1, 2]\n`, runs);
    const value: Record<string, number> = { dlinear: 10, ttm: 8 };
    for (const c of cells) {
      if (c.key === 'ttm.broll.global.s2') continue; // a cell that did not complete
      const run = openRun({
        runsDir: runs,
        runId: `agg.${c.key}.a1`,
        config: c.config,
        tags: { experiment: 'agg', cell: c.key, cell_hash: cellHash(c) },
      });
      run.logMetrics({ test_rmse: value[c.model]! + (c.dataset === 'broll' ? 5 : 0) + c.seed });
      run.finish('completed');
    }
    const reg = Registry.open(runs);
    const res = aggregate(config, cells, reg);
    reg.close();
    const row = (d: string, m: string) => res.rows.find((r) => r.dataset === d && r.model === m)!;
    expect(row('simulated_t1d', 'ttm')).toMatchObject({ n: 2, mean: 9.5, best: true, seeds: [1, 2] });
    expect(row('simulated_t1d', 'dlinear')).toMatchObject({ n: 2, mean: 11.5, best: false });
    expect(row('broll', 'ttm')).toMatchObject({ n: 1, mean: 14, std: null, best: true, missing: ['ttm.broll.global.s2'] });
    expect(row('simulated_t1d', 'dlinear').std).toBeCloseTo(Math.SQRT1_2, 12);
    // Blocks where every model completed: broll seed 2 lacks ttm, so 3 blocks.
    const sm = scoreMatrix(res.rows);
    expect(sm.models).toEqual(['dlinear', 'ttm']);
    expect(sm.blocks).toEqual(['simulated_t1d/global/96/s1', 'simulated_t1d/global/96/s2', 'broll/global/96/s1']);
    expect(sm.scores).toEqual([
      [11, 9],
      [12, 10],
      [16, 14],
    ]);
    const md = resultsMarkdown(res, [{ key: 'ttm.broll.global.s2', error: 'boom' }]);
    expect(md).toContain('| simulated_t1d | global | 96 | **ttm** | **9.5 ± 0.7071** | 2 |');
    expect(md).toContain('- ttm.broll.global.s2: boom');
    const csv = resultsCsv(res).trim().split('\n');
    expect(csv[0]).toBe('dataset,strategy,context_length,model,metric,mean,std,n,best,seeds,runs,train_fraction,series,baseline');
    expect(csv).toHaveLength(5);
  });
});

describe('baselines in the table', () => {
  // dlinear 10 + seed, ttm 8 + seed; last value 9 + seed (recorded by training), LinReg 7 + seed (from tsfm evaluate) on ttm's runs only at first.
  function experimentWithBaselines(linregOn: (model: string) => boolean) {
    const runs = mkdtempSync(path.join(tmpdir(), 'tsfm-aggb-'));
    const { config, cells } = expand(`name: aggb\nmodels: [dlinear, ttm]\ndatasets: [simulated_t1d]\nseeds: [1, 2]\n`, runs);
    for (const c of cells) {
      const run = openRun({
        runsDir: runs,
        runId: `aggb.${c.key}.a1`,
        config: c.config,
        tags: { experiment: 'aggb', cell: c.key, cell_hash: cellHash(c) },
      });
      run.update({ dataset: { name: 'simulated_t1d', version: 'v1' } });
      run.logMetrics({ test_rmse: (c.model === 'dlinear' ? 10 : 8) + c.seed, baseline_last_value_rmse: 9 + c.seed });
      if (linregOn(c.model)) {
        const dir = path.join(runs, `aggb.${c.key}.a1`, 'eval', 'simulated_t1d-test');
        mkdirSync(dir, { recursive: true });
        const fc = (rmse: number) => ({ pooled: { rmse, mae: rmse / 2 }, medianPerWindow: { rmse, mae: rmse / 2 } });
        writeFileSync(
          path.join(dir, 'summary.json'),
          JSON.stringify({ channels: [{ forecasters: { model: fc(8 + c.seed), last_value: fc(9 + c.seed), linreg: fc(7 + c.seed) } }] }),
        );
      }
      run.finish('completed');
    }
    const reg = Registry.open(runs);
    try {
      return aggregate(config, cells, reg);
    } finally {
      reg.close();
    }
  }

  it('lists last value and LinReg beside the models and marks the best including them', () => {
    const res = experimentWithBaselines(() => true);
    expect(res.rows.map((r) => [r.model, r.baseline ?? null, r.mean, r.best])).toEqual([
      ['dlinear', null, 11.5, false],
      ['ttm', null, 9.5, false],
      ['last value', 'last_value', 10.5, false],
      ['LinReg', 'linreg', 8.5, true],
    ]);
    expect(res.rows[3]!.seeds).toEqual([1, 2]);
    const md = resultsMarkdown(res);
    expect(md).toContain('| simulated_t1d | global | 96 | **LinReg** *baseline* | **8.5 ± 0.7071** | 2 |');
    expect(md).toContain('| simulated_t1d | global | 96 | ttm | 9.5 ± 0.7071 | 2 |');
    expect(md).toContain('| simulated_t1d | global | 96 | last value *baseline* | 10.5 ± 0.7071 | 2 |');
    // The best model is compared with the best row, here the LinReg baseline.
    expect(res.tests.find((t) => t.detail.model === 'ttm')?.detail.versus).toBe('LinReg');
    const table = resultsTableRows(res);
    expect(table.header).toEqual(['Dataset', 'Strategy', 'Context', 'Model', 'test_rmse', 'n', 'Best']);
    expect(table.rows.map((r) => [r[3], r[6]])).toEqual([
      ['dlinear', ''],
      ['ttm', ''],
      ['last value (baseline)', ''],
      ['LinReg (baseline)', 'best'],
    ]);
    expect(resultsCsv(res).split('\n')[4]).toMatch(/^simulated_t1d,global,96,LinReg,test_rmse,8\.5,.*,linreg$/);
  });

  it('takes LinReg from the runs that were evaluated, and without it a model that beats last value is the best', () => {
    const some = experimentWithBaselines((m) => m === 'ttm');
    const linreg = some.rows.find((r) => r.baseline === 'linreg')!;
    expect(linreg).toMatchObject({ mean: 8.5, best: true });
    expect(linreg.runs).toEqual(['aggb.ttm.simulated_t1d.global.s1.a1', 'aggb.ttm.simulated_t1d.global.s2.a1']);
    const none = experimentWithBaselines(() => false);
    expect(none.rows.map((r) => [r.model, r.mean, r.best])).toEqual([
      ['dlinear', 11.5, false],
      ['ttm', 9.5, true],
      ['last value', 10.5, false],
    ]);
  });
});

describe('shipped experiment configs', () => {
  it('glucobench-broll and nocturnal expand into valid cells', () => {
    const broll = loadExperimentFile('configs/experiments/glucobench-broll.yaml');
    const cells = expandCells(broll.config, broll.file);
    expect(cells).toHaveLength(3 * 5);
    expect(
      cells.every((c) => c.config.data.split.protocol === 'glucobench' && c.config.model.horizon === 12 && !c.config.data.covariates),
    ).toBe(true);
    const night = loadExperimentFile('configs/experiments/nocturnal.yaml');
    expect(night.config.evaluate).toEqual(['test', 'nocturnal']);
    expect(night.config.strategies).toEqual(['global', 'per_patient_finetune']);
    expect(night.config.datasets.map((d) => (typeof d === 'string' ? d : d.name))).toEqual(['simulated_t1d', 'shanghai_t1dm']);
  });

  it('evaluate: lists test and nocturnal, must include test, defaults to [test]', () => {
    const base = { name: 'e', models: ['dlinear'], datasets: ['simulated_t1d'] };
    expect(parseExperiment(base, 'e.yaml').evaluate).toEqual(['test']);
    expect(parseExperiment({ ...base, evaluate: ['test', 'nocturnal'] }, 'e.yaml').evaluate).toEqual(['test', 'nocturnal']);
    expect(() => parseExperiment({ ...base, evaluate: ['nocturnal'] }, 'e.yaml')).toThrow(/e\.yaml: evaluate: must include 'test'/);
    expect(() => parseExperiment({ ...base, evaluate: ['test', 'nightly'] }, 'e.yaml')).toThrow(/e\.yaml: evaluate\[1\]/);
  });
});
