// The TSMixer, N-HiTS, TiDE, LSTM and GRU families through the CLI like the older ones: train on real CGM data
// (Broll), resume the completed run for one more epoch, evaluate it and forecast new data; small sizes, a few
// steps. Also that docs/models.md documents every parameter of every family the native core registers.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadNative } from '../../../ts/native/loader.js';

const cli = path.resolve('dist/ts/cli/main.js');
const BROLL = path.resolve('../shared/data/broll_iglu/example_data_5_subject.csv');
const dir = mkdtempSync(path.join(tmpdir(), 'tsfm-families-'));
const runs = path.join(dir, 'runs');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const families: [string, Record<string, number>, boolean][] = [
  ['tsmixer', { num_blocks: 2, ff_dim: 8 }, false],
  ['nhits', { hidden_size: 16 }, true],
  ['tide', { hidden_size: 16, temporal_decoder_hidden: 8 }, false],
  ['lstm', { hidden_size: 8 }, true],
  ['gru', { hidden_size: 8, num_layers: 1 }, false],
];
const base = [
  '--runs-dir',
  runs,
  '--set',
  'data.dataset=broll',
  '--set',
  'data.scaler=per_series',
  '--set',
  `data.cache_dir=${path.join(dir, 'cache')}`,
  '--set',
  'training.max_steps_per_epoch=4',
  '--set',
  'training.val_max_windows=50',
  '--set',
  'training.threads=1',
];
const tsfm = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
const meta = (id: string) => JSON.parse(readFileSync(path.join(runs, id, 'metadata.json'), 'utf8'));

describe('new model families through the CLI', () => {
  it.each(families)('%s trains, resumes, evaluates and predicts', (family, params, quantile) => {
    const sets = [`model.family=${family}`, 'model.context_length=32', ...Object.entries(params).map(([k, v]) => `model.params.${k}=${v}`)];
    if (quantile) sets.push('model.output=quantile', 'model.quantiles=[0.1,0.5,0.9]');
    const setArgs = sets.flatMap((s) => ['--set', s]);
    const train = tsfm('train', '--run-id', family, '--epochs', '1', ...base, ...setArgs);
    expect(train.status, train.stderr).toBe(0);
    expect(meta(family).status).toBe('completed');
    expect(Number.isFinite(meta(family).metrics.test_rmse)).toBe(true);

    const last = path.join(runs, family, 'checkpoints', 'last.pt');
    const resumed = tsfm('train', '--resume', last, '--continue', '--epochs', '2', ...base, ...setArgs);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/resuming run \S+ from last\.pt/);
    expect(JSON.parse(readFileSync(path.join(runs, family, 'metrics.json'), 'utf8')).epochs).toHaveLength(2);

    const evaluated = tsfm('evaluate', '--run', family, '--runs-dir', runs);
    expect(evaluated.status, evaluated.stderr).toBe(0);

    const out = path.join(dir, `${family}.csv`);
    const predicted = tsfm('predict', '--run', family, '--data', BROLL, '--runs-dir', runs, '--out', out);
    expect(predicted.status, predicted.stderr).toBe(0);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.slice(1).every((l) => !/nan/i.test(l))).toBe(true);
  });

  it('docs/models.md lists every parameter of every registered family with its default', () => {
    const doc = readFileSync(path.resolve('docs/models.md'), 'utf8');
    for (const f of loadNative().listModelFamilies() as { family: string; defaults: Record<string, number> }[]) {
      expect(doc, f.family).toContain(`## \`${f.family}\``);
      const section = doc.split(`## \`${f.family}\``)[1]!.split('\n## ')[0]!;
      for (const [k, v] of Object.entries(f.defaults)) expect(section, `${f.family}.${k}`).toContain(`| \`${k}\` | ${v} |`);
    }
  });
});
