import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, runMetadata, waitFor } from './helpers.js';

// Tiny models and a few steps: the whole 12-cell experiment takes about half a minute on 2 cores.
const TINY = `
set: [training.epochs=1, training.max_steps_per_epoch=3, training.val_max_windows=50, model.context_length=32]
models:
  - {name: dlinear, set: [model.params.kernel_size=5]}
  - {name: ttm, set: [model.params.d_model=8, model.params.num_layers=1]}
  - {name: patchtst, set: [model.params.d_model=8, model.params.num_heads=2, model.params.num_layers=1, model.params.d_ff=16, model.params.patch_length=8, model.params.stride=8]}
`;

function setup(yaml: string) {
  const dir = mkdtempSync(path.join(tmpdir(), 'tsfm-expt-'));
  const file = path.join(dir, 'exp.yaml');
  writeFileSync(file, yaml.replace('set: [', `set: [data.cache_dir=${path.join(dir, 'cache')}, `));
  return { dir, file, runsDir: path.join(dir, 'runs') };
}

describe('tsfm experiment run', () => {
  it('3 models × 2 datasets × 2 seeds: interrupted, resumed without repeating finished cells, aggregated', async () => {
    const { file, runsDir } = setup(`name: grid\nworkers: 2\ndatasets: [simulated_t1d, broll]\nseeds: [1, 2]\n${TINY}`);
    // In its own process group, interrupted like a terminal's Ctrl-C: SIGINT to the whole group.
    const first = spawn(process.execPath, [cli, 'experiment', 'run', file, '--runs-dir', runsDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let out1 = '';
    first.stdout.on('data', (d) => (out1 += d));
    first.stderr.on('data', (d) => (out1 += d));
    const completed = () => runMetadata(runsDir).filter((m) => m.status === 'completed');
    await waitFor(() => completed().length >= 3, 240_000, 'three cells to complete');
    const exit1 = new Promise<number | null>((r) => first.on('exit', (code) => r(code)));
    process.kill(-first.pid!, 'SIGINT');
    expect(await exit1).toBe(130);
    expect(out1).toMatch(/run `tsfm experiment run .*` again to resume/);
    const before = runMetadata(runsDir);
    const doneBefore = before.filter((m) => m.status === 'completed');
    expect(doneBefore.length).toBeGreaterThanOrEqual(3);
    expect(doneBefore.length).toBeLessThan(12);
    // Cells running at the interrupt recorded themselves as interrupted, not left 'running'.
    expect(before.filter((m) => m.status !== 'completed' && m.status !== 'interrupted')).toEqual([]);

    const out2 = execFileSync(process.execPath, [cli, 'experiment', 'run', file, '--runs-dir', runsDir], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(out2).toMatch(
      new RegExp(`experiment grid: ${12 - doneBefore.length} completed, ${doneBefore.length} already done, 0 failed, 0 not finished`),
    );
    const after = runMetadata(runsDir);
    // Finished cells were not repeated: each has exactly one completed run, the same as before.
    const completedAfter = after.filter((m) => m.status === 'completed');
    expect(completedAfter).toHaveLength(12);
    expect(new Set(completedAfter.map((m) => m.tags.cell)).size).toBe(12);
    for (const m of doneBefore) expect(after.filter((a) => a.tags.cell === m.tags.cell).map((a) => a.run_id)).toEqual([m.run_id]);
    // Interrupted cells were retried under a new run id; the interrupted run is kept.
    for (const m of before.filter((b) => b.status === 'interrupted')) {
      expect(after.find((a) => a.run_id === m.run_id)?.status).toBe('interrupted');
      expect(m.run_id).toMatch(/\.a1$/);
    }

    const csv = readFileSync(path.join(runsDir, 'experiments', 'grid', 'results.csv'), 'utf8')
      .trim()
      .split('\n');
    // 3 models and the last-value baseline (every training run records it) per dataset.
    expect(csv).toHaveLength(1 + 8);
    const rows = csv.slice(1).map((l) => l.split(','));
    expect(rows.every((r) => r[7] === '2' && Number(r[5]) > 0 && Number(r[6]) >= 0)).toBe(true);
    for (const ds of ['simulated_t1d', 'broll']) {
      const group = rows.filter((r) => r[0] === ds);
      expect(group.map((r) => r[3]).sort()).toEqual(['dlinear', 'last value', 'patchtst', 'ttm']);
      expect(group.find((r) => r[3] === 'last value')![13]).toBe('last_value');
      const best = group.filter((r) => r[8] === 'true');
      expect(best).toHaveLength(1);
      expect(Number(best[0]![5])).toBe(Math.min(...group.map((r) => Number(r[5]))));
    }
    const md = readFileSync(path.join(runsDir, 'experiments', 'grid', 'results.md'), 'utf8');
    expect(md).toMatch(/\| broll \| global \| 32 \| \*\*[\w ]+\*\*( \*baseline\*)? \| \*\*[\d.]+ ± [\d.]+\*\* \| 2 \|/);
    // The run ends with the table itself, baselines beside the models.
    expect(out2).toMatch(/Dataset +\| Strategy +\| Context \| Model +\| test_rmse +\| n +\| Best\n/);
    expect(out2).toMatch(/broll +\| global +\| 32 +\| last value \(baseline\) +\| [\d.]+ ± [\d.]+ +\| 2 /);
    // The registry answers for the experiment too.
    const listed = execFileSync(
      process.execPath,
      [cli, 'runs', 'list', '--runs-dir', runsDir, '--experiment', 'grid', '--status', 'completed', '--json'],
      { encoding: 'utf8' },
    )
      .trim()
      .split('\n');
    expect(listed).toHaveLength(12);
  });

  it('an unknown model or dataset is rejected before any cell starts, naming the entry', () => {
    for (const [yaml, message] of [
      [`name: bad\ndatasets: [simulated_t1d]\nmodels: [ttm, transformer]\n`, /exp\.yaml: models\[1\]: unknown model 'transformer'/],
      [`name: bad\ndatasets: [simulated_t1d, glucoworld]\nmodels: [ttm]\n`, /exp\.yaml: datasets\[1\]: unknown dataset 'glucoworld'/],
    ] as const) {
      const { dir, file, runsDir } = setup(yaml.replace('name: bad', 'name: bad\nset: []'));
      const r = spawnSync(process.execPath, [cli, 'experiment', 'run', file, '--runs-dir', runsDir], { encoding: 'utf8' });
      expect(r.status).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
      expect(existsSync(runsDir)).toBe(false);
      expect(readdirSync(dir)).toEqual(['exp.yaml']);
    }
  });

  it('a failing cell is reported and the others complete', () => {
    const { file, runsDir } =
      setup(`name: partial\nworkers: 1\ndatasets: [simulated_t1d]\nseeds: [1]\nset: [training.epochs=1, training.max_steps_per_epoch=3, training.val_max_windows=50, model.context_length=32]
models:
  - {name: dlinear, set: [model.params.kernel_size=5]}
  - {name: broken, config: models/ttm, set: [model.params.no_such_param=1]}
`);
    const r = spawnSync(process.execPath, [cli, 'experiment', 'run', file, '--runs-dir', runsDir], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/experiment partial: 1 completed, 0 already done, 1 failed/);
    expect(r.stderr).toMatch(/failed broken\.simulated_t1d\.global\.s1 .*no_such_param/);
    const md = readFileSync(path.join(runsDir, 'experiments', 'partial', 'results.md'), 'utf8');
    expect(md).toMatch(/## Failed cells\n\n- broken\.simulated_t1d\.global\.s1: .*no_such_param/);
    expect(md).toMatch(/\| simulated_t1d \| global \| 32 \| (\*\*)?dlinear(\*\*)? \|/);
  });
});
