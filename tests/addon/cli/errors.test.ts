// Bad input through the real CLI: one clear line on stderr, a non-zero exit, and nothing saved is lost.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const cli = path.resolve('dist/ts/cli/main.js');
const tiny = ['--set', 'data.overrides.patients=2', '--set', 'data.overrides.days=3', '--set', 'training.threads=1'];

function tsfm(...args: string[]) {
  return spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
}

function expectOneLineError(r: ReturnType<typeof tsfm>, pattern: RegExp) {
  expect(r.status, r.stderr).toBe(1);
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^tsfm: /);
  expect(lines[0]).toMatch(pattern);
}

describe('tsfm CLI: bad input', () => {
  let dir: string;
  let runs: string;
  const dataset = (name: string, body: Record<string, string>) => {
    const file = path.join(dir, `${name}.yaml`);
    writeFileSync(
      file,
      Object.entries({ name, format: 'long', id: 'id', time: 'time', target: 'gl', interval: '5min', ...body })
        .map(([k, v]) => `${k}: ${v}`)
        .join('\n'),
    );
    return file;
  };

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'tsfm-bad-'));
    runs = path.join(dir, 'runs');
    const rows = ['id,time,gl'];
    for (let i = 0; i < 300; i++)
      rows.push(`a,2024-01-01 ${String(Math.floor(i / 12)).padStart(2, '0')}:${String((i % 12) * 5).padStart(2, '0')}:00,`);
    writeFileSync(path.join(dir, 'nan.csv'), rows.slice(0, 289).join('\n'));
    writeFileSync(path.join(dir, 'short.csv'), ['id,time,gl', ...rows.slice(1, 101).map((r) => `${r}120`)].join('\n'));
    mkdirSync(path.join(dir, 'folder.csv'));
  });

  it('missing config file', () => {
    expectOneLineError(tsfm('train', path.join(dir, 'nope.yaml')), /config file .*nope\.yaml.* not found/);
  });

  it('missing data file names the path', () => {
    const ds = dataset('missing', { path: path.join(dir, 'absent.csv') });
    expectOneLineError(tsfm('train', '--set', `data.dataset=${ds}`, '--runs-dir', runs), /dataset path not found: .*absent\.csv/);
  });

  it('unreadable data file (a directory with no data files) names the path', () => {
    const ds = dataset('unreadable', { path: path.join(dir, 'folder.csv') });
    expectOneLineError(tsfm('train', '--set', `data.dataset=${ds}`, '--runs-dir', runs), /folder\.csv/);
  });

  it('unknown column, with a did-you-mean', () => {
    const ds = dataset('col', { path: path.join(dir, 'nan.csv'), target: 'glucose' });
    expectOneLineError(
      tsfm('train', '--set', `data.dataset=${ds}`, '--runs-dir', runs),
      /nan\.csv: target column 'glucose' not found \(did you mean 'gl'\?\)/,
    );
  });

  it('all-NaN target', () => {
    const ds = dataset('nan', { path: path.join(dir, 'nan.csv') });
    expectOneLineError(tsfm('train', '--set', `data.dataset=${ds}`, '--runs-dir', runs), /nan\.csv: column 'gl' has no numeric values/);
  });

  it('unknown key in a dataset config', () => {
    const ds = dataset('key', { path: path.join(dir, 'nan.csv'), intervall: '5min' });
    expectOneLineError(
      tsfm('train', '--set', `data.dataset=${ds}`, '--runs-dir', runs),
      /key\.yaml: intervall: unknown key \(did you mean 'interval'\?\)/,
    );
  });

  it('unknown config key', () => {
    expectOneLineError(tsfm('train', '--set', 'model.contxt_length=3'), /model\.contxt_length.*did you mean 'model\.context_length'/);
  });

  it('wrong type', () => {
    expectOneLineError(tsfm('train', '--set', 'training.epochs=abc'), /training\.epochs: expected an integer ≥ 0, got "abc"/);
  });

  it('an unknown prefetch mode', () => {
    expectOneLineError(tsfm('train', '--set', 'training.prefetch=sometimes'), /training\.prefetch: expected one of 'auto', 'on', 'off'/);
  });

  it('an output the model does not support', () => {
    expectOneLineError(tsfm('train', '--set', 'model.output=samples'), /model\.output: expected one of 'point', 'quantile'/);
  });

  it('a checkpoint from another model is rejected and the original run is left intact', () => {
    const ok = tsfm(
      'train',
      '--runs-dir',
      runs,
      '--epochs',
      '1',
      '--set',
      'training.max_steps_per_epoch=2',
      '--set',
      'training.val_max_windows=50',
      '--set',
      'model.family=dlinear',
      '--set',
      'model.params={kernel_size: 25}',
      ...tiny,
    );
    expect(ok.status, ok.stderr).toBe(0);
    const runDir = /completed: (\S+)/.exec(ok.stdout)![1];
    const before = Object.fromEntries(
      ['config.yaml', 'metrics.json', 'scaler.json'].map((f) => [f, readFileSync(path.join(runDir, f), 'utf8')]),
    );
    const runsBefore = readdirSync(runs).sort();

    const r = tsfm('train', '--runs-dir', runs, '--resume', path.join(runDir, 'checkpoints', 'last.pt'), ...tiny);
    expectOneLineError(r, /checkpoint/i);
    for (const [f, text] of Object.entries(before)) expect(readFileSync(path.join(runDir, f), 'utf8')).toBe(text);
    expect(readdirSync(runs).sort()).toEqual(runsBefore);
  });

  it('bad data or model input stops before a run directory or registry exists', () => {
    const fresh = path.join(dir, 'fresh-runs');
    const cases: Array<[string[], RegExp]> = [
      [['--set', `data.dataset=${dataset('gone', { path: path.join(dir, 'absent.csv') })}`], /dataset path not found/],
      [
        ['--set', 'model.family=dlinear', '--set', 'model.context_length=900', ...tiny],
        /no training window of model\.context_length 900 \+ model\.horizon 12 = 912 rows fits .*lower model\.context_length or model\.horizon/,
      ],
      [
        [
          '--set',
          `data.dataset=${dataset('short', { path: path.join(dir, 'short.csv') })}`,
          '--set',
          'model.family=dlinear',
          '--set',
          'model.context_length=96',
        ],
        /no segment holds one window of model\.context_length 96 \+ model\.horizon 12 = 108 rows \(the longest has 100\); lower model\.context_length or model\.horizon/,
      ],
      [['--set', 'model.family=dlinear', '--set', 'model.params={kernel_size: -3}', ...tiny], /kernel_size/],
    ];
    for (const [args, re] of cases) {
      expectOneLineError(tsfm('train', '--runs-dir', fresh, ...args), re);
      expect(existsSync(fresh), args.join(' ')).toBe(false);
    }
  });

  it('--validate-config checks the data and the model too; an empty config file is an error', () => {
    expectOneLineError(tsfm('train', '--validate-config', '--set', 'data.dataset=no_such_dataset'), /no_such_dataset/);
    expectOneLineError(
      tsfm('train', '--validate-config', '--set', 'model.family=dlinear', '--set', 'model.params={kernel_size: -3}', ...tiny),
      /kernel_size/,
    );
    expectOneLineError(
      tsfm('train', '--validate-config', '--set', `data.dataset=${dataset('gone2', { path: path.join(dir, 'absent.csv') })}`),
      /dataset path not found/,
    );
    const ok = tsfm('train', '--validate-config', ...tiny);
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(
      /^config ok \(.*\): ttm \(\d+ parameters\) on simulated_t1d, 2 series, \d+\/\d+\/\d+ train\/val\/test windows/,
    );
    const empty = path.join(dir, 'empty.yaml');
    writeFileSync(empty, '# nothing here\n');
    expectOneLineError(tsfm('train', empty, '--validate-config'), /empty\.yaml: the file is empty \(no config sections\)/);
  });

  it('a file that is not a checkpoint', () => {
    const junk = path.join(dir, 'junk.pt');
    writeFileSync(junk, 'not a checkpoint');
    expectOneLineError(tsfm('train', '--runs-dir', runs, '--resume', junk, ...tiny), /junk\.pt/);
  });
});
