import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const cli = path.resolve('dist/ts/cli/main.js');
const tiny = [
  '--epochs',
  '1',
  '--set',
  'training.max_steps_per_epoch=4',
  '--set',
  'training.val_max_windows=100',
  '--set',
  'training.threads=1',
  '--set',
  'data.overrides.patients=3',
  '--set',
  'data.overrides.days=3',
];

describe('one --runs-dir and one run resolver for every command', () => {
  it('train honours $TSFM_RUNS_DIR; evaluate, report, predict and runs show find the run by a unique prefix there', () => {
    const runs = mkdtempSync(path.join(tmpdir(), 'tsfm-envruns-'));
    const cwd = mkdtempSync(path.join(tmpdir(), 'tsfm-cwd-'));
    const env = { ...process.env, TSFM_RUNS_DIR: runs };
    const out = execFileSync(process.execPath, [cli, 'train', ...tiny, '--run-id', 'prefix-test-run'], { encoding: 'utf8', env, cwd });
    expect(out).toMatch(new RegExp(`run prefix-test-run completed: ${runs}/prefix-test-run`));
    expect(existsSync(path.join(cwd, 'runs'))).toBe(false);

    const ev = spawnSync(process.execPath, [cli, 'evaluate', '--run', 'prefix-te', '--no-forecasts'], { encoding: 'utf8', env, cwd });
    expect(ev.status, ev.stderr).toBe(0);
    expect(ev.stdout).toContain(path.join(runs, 'prefix-test-run', 'eval'));
    const show = execFileSync(process.execPath, [cli, 'runs', 'show', 'prefix-te'], { encoding: 'utf8', env, cwd });
    expect(show).toContain('prefix-test-run');
    const rep = execFileSync(process.execPath, [cli, 'report', 'prefix-test-run'], { encoding: 'utf8', env, cwd });
    expect(readFileSync(rep.split('\n')[0]!, 'utf8')).toContain('<html');
  });

  it('a missing run names the runs directory and creates nothing', () => {
    const runs = path.join(tmpdir(), `tsfm-absent-${process.pid}`);
    const r = spawnSync(process.execPath, [cli, 'evaluate', '--run', 'abc', '--runs-dir', runs], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/--run abc: .*does not exist \(set --runs-dir or TSFM_RUNS_DIR\)/);
    expect(existsSync(runs)).toBe(false);
  });

  it('tsfm --version prints the package version', () => {
    const version = JSON.parse(readFileSync('package.json', 'utf8')).version;
    expect(execFileSync(process.execPath, [cli, '--version'], { encoding: 'utf8' }).trim()).toBe(version);
  });
});
