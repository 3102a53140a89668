import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const cli = path.resolve('dist/ts/cli/main.js');
const meta = (runs: string, id: string) => JSON.parse(readFileSync(path.join(runs, id, 'metadata.json'), 'utf8'));

describe('fine-tuning from a trained run', () => {
  const runs = mkdtempSync(path.join(tmpdir(), 'tsfm-ft-'));
  const common = [
    '--runs-dir',
    runs,
    '--epochs',
    '1',
    '--set',
    'training.max_steps_per_epoch=5',
    '--set',
    'training.val_max_windows=50',
    '--set',
    'training.threads=1',
    '--set',
    'model.context_length=32',
    '--set',
    'model.params.d_model=8',
  ];
  const train = (args: string[]) => spawnSync(process.execPath, [cli, 'train', ...common, ...args], { encoding: 'utf8' });

  it('--init-from RUN starts from its weights and is recorded as fine_tune; a mismatched model fails naming the checkpoint', () => {
    expect(train(['--run-id', 'base']).status).toBe(0);
    // With a vanishing learning rate the fine-tuned model is the base model: same test error to the digit.
    const frozen = ['--set', 'training.lr=1e-12', '--set', 'training.warmup_fraction=0'];
    expect(train(['--run-id', 'tuned', '--init-from', 'base', ...frozen]).status).toBe(0);
    expect(train(['--run-id', 'scratch', '--set', 'training.seed=7', ...frozen]).status).toBe(0);
    const [base, tuned, scratch] = ['base', 'tuned', 'scratch'].map((id) => meta(runs, id));
    expect(tuned.metrics.test_rmse).toBeCloseTo(base.metrics.test_rmse, 6);
    expect(Math.abs(scratch.metrics.test_rmse - base.metrics.test_rmse)).toBeGreaterThan(1e-3);
    expect(tuned.strategy).toBe('fine_tune');
    expect(tuned.tags.init_from).toBe(path.join(runs, 'base', 'checkpoints', 'best.pt'));
    expect(base.strategy).toBe('from_scratch');
    const bad = train(['--run-id', 'mismatch', '--init-from', 'base', '--set', 'model.family=dlinear']);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/checkpoint .*base\/checkpoints\/best\.pt belongs to another model/);
    // A checkpoint that cannot load is refused before the run exists: nothing is written.
    expect(existsSync(path.join(runs, 'mismatch'))).toBe(false);
    expect(train(['--run-id', 'nobase', '--init-from', 'nosuchrun']).stderr).toMatch(/--init-from nosuchrun: run 'nosuchrun' not found/);
  });

  it('an experiment strategy with init_from fine-tunes every cell from that run', () => {
    const file = path.join(runs, 'ft.yaml');
    writeFileSync(
      file,
      `name: ft\nset: [training.epochs=1, training.max_steps_per_epoch=3, training.val_max_windows=50, model.context_length=32, model.params.d_model=8]\nmodels: [ttm]\ndatasets: [simulated_t1d]\nstrategies: [{name: from_base, init_from: base}]\nseeds: [1]\n`,
    );
    execFileSync(process.execPath, [cli, 'experiment', 'run', file, '--runs-dir', runs], { stdio: 'ignore' });
    const cell = meta(runs, 'ft.ttm.simulated_t1d.from_base.s1.a1');
    expect(cell).toMatchObject({
      status: 'completed',
      strategy: 'fine_tune',
      tags: { strategy: 'from_base', init_from: path.join(runs, 'base', 'checkpoints', 'best.pt') },
    });
  });
});
