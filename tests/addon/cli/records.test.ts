// What a run records reads the same as what the console said: the resolved config.yaml names the family's
// params when the family was set with --set, and `runs show` names the unit beside every metric.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';

const cli = path.resolve('dist/ts/cli/main.js');
const tsfm = (args: string[]) => execFileSync(process.execPath, [cli, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

describe('run records', () => {
  it('config.yaml has the resolved params of a family set with --set; runs show names units', () => {
    const runs = mkdtempSync(path.join(tmpdir(), 'tsfm-records-'));
    const small = ['--set', 'training.max_steps_per_epoch=3', '--set', 'training.val_max_windows=50', '--set', 'training.threads=1'];
    const out = tsfm(['train', '--epochs', '1', '--runs-dir', runs, '--set', 'model.family=dlinear', ...small]);
    const [, id, dir] = /run (\S+) completed: (\S+)/.exec(out)!;
    const saved = YAML.parse(readFileSync(path.join(dir!, 'config.yaml'), 'utf8'));
    expect(saved.model.family).toBe('dlinear');
    expect(Object.keys(saved.model.params).length).toBeGreaterThan(0);
    expect(saved.model.params.kernel_size).toBeGreaterThan(1);
    const metrics = JSON.parse(readFileSync(path.join(dir!, 'metrics.json'), 'utf8'));
    expect(metrics.units).toEqual({ test: 'mg/dL', validation: 'scaled (z-score of the training scaler)' });
    const show = tsfm(['runs', 'show', id!, '--runs-dir', runs]);
    expect(show).toMatch(/test_rmse +[\d.]+ +mg\/dL\n/);
    expect(show).toMatch(/baseline_last_value_rmse +[\d.]+ +mg\/dL\n/);
    expect(show).toMatch(/val_rmse +[\d.]+ +scaled \(z-score of the training scaler\)\n/);
    expect(show).toMatch(/best_epoch +1 +epoch \(counted from 1\)\n/);
    // The saved config loads back: evaluation rebuilds the same model from it.
    expect(tsfm(['evaluate', '--run', id!, '--runs-dir', runs, '--no-forecasts']).trim()).toMatch(/eval/);
  }, 120_000);
});
