import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

import { expandCells, loadExperimentFile, parseExperiment, planExperiment, type Cell } from '../../../ts/experiments/index.js';
import { aggregate, resultsCsv, resultsMarkdown } from '../../../ts/experiments/aggregate.js';
import { transferMetric, transferRecordPath, experimentDir } from '../../../ts/experiments/scheduler.js';
import { Registry } from '../../../ts/runs/registry/index.js';
import { openRun } from '../../../ts/runs/run.js';
import { cellHash } from '../../../ts/experiments/matrix.js';

function experimentFile(yaml: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'tsfm-strat-'));
  const file = path.join(dir, 'exp.yaml');
  writeFileSync(file, yaml);
  return file;
}
const ids = new Map([['simulated_t1d', ['sim-001', 'sim-002', 'sim-003']]]);
const expand = (yaml: string, runsDir?: string) => {
  const { config, file } = loadExperimentFile(experimentFile(yaml));
  return { config, file, cells: expandCells(config, file, { runsDir, seriesIds: ids }) };
};

describe('per-series strategies: matrix expansion', () => {
  it('per_series: one cell per series of the dataset, trained on that series', () => {
    const { cells } = expand(`name: e\nmodels: [dlinear]\ndatasets: [simulated_t1d]\nstrategies: [global, per_series]\nseeds: [1]\n`);
    expect(cells.map((c) => c.key)).toEqual([
      'dlinear.simulated_t1d.global.s1',
      'dlinear.simulated_t1d.per_series.sim-001.s1',
      'dlinear.simulated_t1d.per_series.sim-002.s1',
      'dlinear.simulated_t1d.per_series.sim-003.s1',
    ]);
    expect(cells[0]!.config.data.series).toBeUndefined();
    expect(cells[2]!.config.data.series).toEqual(['sim-002']);
    expect(cells[2]!).toMatchObject({ series: 'sim-002', strategy: 'per_series', trainFraction: 1 });
    expect(cells.every((c) => c.dependsOn === undefined)).toBe(true);
  });

  it('per_patient_finetune: a global cell, then per series a cell that depends on it; a series subset', () => {
    const { cells } = expand(
      `name: e\nmodels: [dlinear]\ndatasets: [simulated_t1d]\nseeds: [1, 2]\nstrategies: [{name: ppf, kind: per_patient_finetune, series: [sim-003], set: [training.lr=0.0001]}]\n`,
    );
    expect(cells.map((c) => [c.key, c.strategy, c.dependsOn])).toEqual([
      ['dlinear.simulated_t1d.ppf.global.s1', 'ppf/global', undefined],
      ['dlinear.simulated_t1d.ppf.sim-003.s1', 'ppf', 'dlinear.simulated_t1d.ppf.global.s1'],
      ['dlinear.simulated_t1d.ppf.global.s2', 'ppf/global', undefined],
      ['dlinear.simulated_t1d.ppf.sim-003.s2', 'ppf', 'dlinear.simulated_t1d.ppf.global.s2'],
    ]);
    expect(cells[0]!.config.data.series).toBeUndefined();
    expect(cells[1]!.config.data.series).toEqual(['sim-003']);
    expect(cells[1]!.config.training.lr).toBe(0.0001);
  });

  it('names an unknown series of a strategy, and refuses to expand without the series ids', () => {
    expect(() =>
      expand(
        `name: e\nmodels: [dlinear]\ndatasets: [simulated_t1d]\nstrategies: [{name: p, kind: per_series, series: [sim-001, sim-042]}]\n`,
      ),
    ).toThrow(/exp\.yaml: strategies\[0\]\.series: unknown series 'sim-042' in dataset 'simulated_t1d'/);
    const { config, file } = loadExperimentFile(
      experimentFile(`name: e\nmodels: [dlinear]\ndatasets: [simulated_t1d]\nstrategies: [per_series]\n`),
    );
    expect(() => expandCells(config, file)).toThrow(
      /strategies\[0\]: per_series needs the series of dataset 'simulated_t1d' \(expand with planExperiment/,
    );
  });

  it('train_fractions: an axis crossed with the rest, each cell with data.train_fraction', () => {
    const { cells } = expand(`name: e\nmodels: [dlinear]\ndatasets: [simulated_t1d]\ntrain_fractions: [0.25, 1]\nseeds: [3]\n`);
    expect(cells.map((c) => [c.key, c.config.data.train_fraction, c.trainFraction])).toEqual([
      ['dlinear.simulated_t1d.global.f0.25.s3', 0.25, 0.25],
      ['dlinear.simulated_t1d.global.f1.s3', 1, 1],
    ]);
  });

  it('test_datasets: resolved for every cell; unknown ones named', () => {
    const { cells } = expand(
      `name: e\nmodels: [dlinear]\ndatasets: [simulated_t1d]\ntest_datasets: [broll, {name: sh, dataset: shanghai_t1dm}]\n`,
    );
    expect(cells[0]!.testDatasets).toEqual([
      { name: 'broll', ref: 'broll' },
      { name: 'sh', ref: 'shanghai_t1dm' },
    ]);
    expect(() => expand(`name: e\nmodels: [dlinear]\ndatasets: [simulated_t1d]\ntest_datasets: [broll, glucoworld]\n`)).toThrow(
      /exp\.yaml: test_datasets\[1\]: unknown dataset 'glucoworld'/,
    );
  });
});

describe('strategy config validation', () => {
  const base = { name: 'e', models: ['dlinear'], datasets: ['simulated_t1d'] };
  it('rejects inconsistent strategy, fraction and transfer settings naming the key', () => {
    expect(() => parseExperiment({ ...base, strategies: [{ name: 'x', series: ['sim-001'] }] }, 'x.yaml')).toThrow(
      /x\.yaml: strategies\[0\]\.series: `series` needs kind per_series/,
    );
    expect(() =>
      parseExperiment({ ...base, strategies: [{ name: 'x', kind: 'per_patient_finetune', init_from: 'r1' }] }, 'x.yaml'),
    ).toThrow(/strategies\[0\]\.init_from: per_patient_finetune starts from its own global cell/);
    expect(() => parseExperiment({ ...base, strategies: ['per_seriess'] }, 'x.yaml')).toThrow(/x\.yaml: strategies\[0\]/);
    expect(() => parseExperiment({ ...base, train_fractions: [0.5, 0] }, 'x.yaml')).toThrow(/x\.yaml: train_fractions\[1\]/);
    expect(() => parseExperiment({ ...base, train_fractions: [1.5] }, 'x.yaml')).toThrow(/x\.yaml: train_fractions\[0\]/);
    expect(() => parseExperiment({ ...base, test_datasets: ['broll'], metric: 'test_crps' }, 'x.yaml')).toThrow(
      /x\.yaml: metric: with test_datasets the metric must be one that tsfm evaluate reports/,
    );
    expect(() => expand(`name: e\nmodels: [dlinear]\ndatasets: [simulated_t1d]\nset: [data.train_fraction=1.5]\n`)).toThrow(
      /cell dlinear\.simulated_t1d\.global\.s42 .*data\.train_fraction/,
    );
  });
});

describe('planExperiment: series ids from the loaded datasets, checked before any cell starts', () => {
  const small = (dir: string) =>
    `set: [data.cache_dir=${path.join(dir, 'cache')}, data.overrides.patients=2, data.overrides.days=2]\nmodels: [dlinear]\ndatasets: [simulated_t1d]\nseeds: [1]\n`;
  it('expands per_series over the series the dataset has', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tsfm-plan-'));
    const file = path.join(dir, 'exp.yaml');
    writeFileSync(file, `name: p\nstrategies: [per_series, per_patient_finetune]\n${small(dir)}`);
    const { config } = loadExperimentFile(file);
    const cells = await planExperiment(config, file);
    expect(cells.map((c) => c.key)).toEqual([
      'dlinear.simulated_t1d.per_series.sim-001.s1',
      'dlinear.simulated_t1d.per_series.sim-002.s1',
      'dlinear.simulated_t1d.per_patient_finetune.global.s1',
      'dlinear.simulated_t1d.per_patient_finetune.sim-001.s1',
      'dlinear.simulated_t1d.per_patient_finetune.sim-002.s1',
    ]);
  });

  it('an unknown data.series or test dataset file fails naming the cell or entry', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tsfm-plan-'));
    const file = path.join(dir, 'exp.yaml');
    writeFileSync(file, `name: p\nstrategies: [{name: one, set: ["data.series=[sim-001, sim-01]"]}]\n${small(dir)}`);
    await expect(planExperiment(loadExperimentFile(file).config, file)).rejects.toThrow(
      /exp\.yaml: cell dlinear\.simulated_t1d\.one\.s1: data\.series: unknown series 'sim-01' in dataset 'simulated_t1d' \(did you mean 'sim-001'\?\)/,
    );
    mkdirSync(path.join(dir, 'd'));
    writeFileSync(path.join(dir, 'd', 'bad.yaml'), 'format: simulated\nname: bad\npatients: -3\n');
    writeFileSync(file, `name: p\ntest_datasets: [{name: bad, dataset: d/bad.yaml}]\n${small(dir)}`);
    await expect(planExperiment(loadExperimentFile(file).config, file)).rejects.toThrow(
      /exp\.yaml: test_datasets 'bad' \(cell dlinear\.simulated_t1d\.global\.s1\): /,
    );
  });
});

describe('aggregation of per-series and transfer cells', () => {
  it("a seed's value is the mean over its series; transfer scores from the runner's records", () => {
    const runs = mkdtempSync(path.join(tmpdir(), 'tsfm-agg-'));
    const { config, cells } = expand(
      `name: agg\nmodels: [dlinear]\ndatasets: [simulated_t1d]\nstrategies: [global, per_series]\nseeds: [1, 2]\ntest_datasets: [broll]\n`,
      runs,
    );
    const dir = experimentDir(runs, 'agg');
    const value = (c: Cell) => 10 * c.seed + (c.series ? Number(c.series.slice(-1)) : 0);
    for (const c of cells) {
      if (c.key === 'dlinear.simulated_t1d.per_series.sim-003.s2') continue; // one series of seed 2 did not complete
      const runId = `agg.${c.key}.a1`;
      const run = openRun({ runsDir: runs, runId, config: c.config, tags: { experiment: 'agg', cell: c.key, cell_hash: cellHash(c) } });
      run.logMetrics({ test_rmse: value(c) });
      run.finish('completed');
      if (c.seed === 1) {
        mkdirSync(path.dirname(transferRecordPath(dir, runId, 'broll')), { recursive: true });
        writeFileSync(transferRecordPath(dir, runId, 'broll'), JSON.stringify({ run: runId, value: value(c) + 100 }));
      }
    }
    const reg = Registry.open(runs);
    const res = aggregate(config, cells, reg);
    reg.close();
    const [global, perSeries] = res.rows;
    expect(global).toMatchObject({ strategy: 'global', series: 0, n: 2, seeds: [1, 2], values: [10, 20] });
    expect(global!.transfer.broll).toMatchObject({ n: 1, seeds: [1], values: [110] });
    // seed 1: mean of 11, 12, 13; seed 2 is missing one series, so not counted
    expect(perSeries).toMatchObject({
      strategy: 'per_series',
      series: 3,
      n: 1,
      seeds: [1],
      values: [12],
      missing: ['dlinear.simulated_t1d.per_series.sim-003.s2'],
    });
    expect(perSeries!.runs).toHaveLength(3);
    expect(perSeries!.transfer.broll).toMatchObject({ n: 1, mean: 112 });
    const md = resultsMarkdown(res);
    expect(md).toContain('| Dataset | Strategy | Context | Series | Model | test_rmse | n | → broll |');
    expect(md).toMatch(/\| simulated_t1d \| per_series \| 96 \| 3 \| \*\*dlinear\*\* \| \*\*12 ± -\*\* \| 1 \(1 missing\) \| 112 ± - \|/);
    expect(resultsCsv(res).split('\n')[0]).toMatch(
      /,train_fraction,series,baseline,transfer_broll_mean,transfer_broll_std,transfer_broll_n$/,
    );
  });

  it('reads the experiment metric from a tsfm evaluate summary', () => {
    const summary = {
      channels: [{ forecasters: { model: { pooled: { rmse: 20, mae: 15, mse: 400 }, medianPerWindow: { rmse: 18, mae: 14 } } } }],
    };
    expect(transferMetric(summary, 'test_rmse')).toBe(20);
    expect(transferMetric(summary, 'test_mse')).toBe(400);
    expect(transferMetric(summary, 'test_medianMae')).toBe(14);
    expect(transferMetric({ channels: [] }, 'test_rmse')).toBeNull();
  });
});
