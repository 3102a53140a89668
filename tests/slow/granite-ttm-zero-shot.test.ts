// IBM Granite TTM-R2 (512 -> 96) zero-shot on ETTh1 through the CLI: `tsfm train` on
// configs/examples/etth1-granite-ttm-zero-shot.yaml (training.epochs 0) evaluates the shipped checkpoint
// (../shared/models/granite-ttm-r2-512-96) on every test window. Published MSE 0.363; the bar is ±0.005.
// Then the same checkpoint as hf:ibm-granite/granite-timeseries-ttm-r2, served by a local HTTP server that
// plays the hub (never the internet), into a temporary TSFM_CACHE. About 1 min on 2 cores.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const cli = path.resolve('dist/ts/cli/main.js');
const shipped = path.resolve('../shared/models/granite-ttm-r2-512-96');
const data = path.resolve('../shared/data/ett/ETTh1.csv');
const SHA256 = 'a706726a7eb01bbcb42994b7dcb3c06ea9557898dbae8d480eb04fe8ccb89710';
const tmp = mkdtempSync(path.join(tmpdir(), 'tsfm-granite-zs-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function train(args: string[], env: NodeJS.ProcessEnv = process.env) {
  const runs = mkdtempSync(path.join(tmp, 'runs-'));
  const { stdout, stderr } = await run(
    process.execPath,
    [cli, 'train', 'configs/examples/etth1-granite-ttm-zero-shot.yaml', '--runs-dir', runs, '--set', 'training.threads=2', ...args],
    { encoding: 'utf8', env },
  );
  const dir = /run \S+ \S+: (\S+)/.exec(stdout)![1];
  return {
    output: stdout + stderr,
    metrics: JSON.parse(readFileSync(path.join(dir, 'metrics.json'), 'utf8')),
    meta: JSON.parse(readFileSync(path.join(dir, 'metadata.json'), 'utf8')),
    dir,
  };
}

describe.skipIf(!existsSync(data) || !existsSync(shipped))('Granite TTM-R2 512-96 zero-shot on ETTh1', () => {
  it('reproduces the published MSE 0.363 ± 0.005 on all 2,785 test windows and records the checkpoint', async () => {
    const { output, metrics, meta, dir } = await train([]);
    expect(output).toMatch(/zero-shot from \.\.\/shared\/models\/granite-ttm-r2-512-96, no training/);
    expect(metrics.test.windows).toBe(2785); // 14400 - 11520 - 96 + 1: every test origin, none dropped
    expect(Math.abs(metrics.test.mse - 0.363)).toBeLessThanOrEqual(0.005);
    expect(metrics.test.mse).toBeCloseTo(0.3628, 4); // the plain-PyTorch port's figure (bench/python/granite_zero_shot.py)
    expect(metrics.test.mae).toBeCloseTo(0.389, 3);
    expect(metrics.epochs).toEqual([]);
    expect(metrics.pretrained).toMatchObject({ source: '../shared/models/granite-ttm-r2-512-96', sha256: SHA256, zero_shot: true });
    expect(meta.strategy).toBe('zero_shot');
    expect(meta.tags).toMatchObject({ pretrained: '../shared/models/granite-ttm-r2-512-96', pretrained_sha256: SHA256, zero_shot: 'true' });
    expect(existsSync(path.join(dir, 'checkpoints', 'best.pt'))).toBe(true);
  });

  it('loads the same checkpoint as hf:ibm-granite/granite-timeseries-ttm-r2 from a (local) hub and records revision and commit', async () => {
    const commit = 'fedcba9876543210fedcba9876543210fedcba98';
    const files: Record<string, Buffer> = {
      'config.json': readFileSync(path.join(shipped, 'config.json')),
      'model.safetensors': readFileSync(path.join(shipped, 'model.safetensors')),
    };
    const server = createServer((req, res) => {
      if (req.url === '/api/models/ibm-granite/granite-timeseries-ttm-r2/revision/main?blobs=true') {
        const c = files['config.json'];
        const w = files['model.safetensors'];
        return void res.end(
          JSON.stringify({
            sha: commit,
            siblings: [
              { rfilename: 'config.json', size: c.length, blobId: createHash('sha1').update(`blob ${c.length}\0`).update(c).digest('hex') },
              { rfilename: 'model.safetensors', size: w.length, lfs: { sha256: SHA256, size: w.length } },
            ],
          }),
        );
      }
      const m = /^\/ibm-granite\/granite-timeseries-ttm-r2\/resolve\/([0-9a-f]+)\/(.+)$/.exec(req.url ?? '');
      if (m && m[1] === commit && files[m[2]]) return void res.end(files[m[2]]);
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const env = {
        ...process.env,
        TSFM_CACHE: path.join(tmp, 'cache'),
        HF_ENDPOINT: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      };
      const { metrics, meta } = await train(['--set', 'model.pretrained=hf:ibm-granite/granite-timeseries-ttm-r2'], env);
      expect(metrics.test.mse).toBeCloseTo(0.3628, 4);
      expect(meta.tags).toMatchObject({
        pretrained: 'hf:ibm-granite/granite-timeseries-ttm-r2',
        pretrained_revision: 'main',
        pretrained_commit: commit,
        pretrained_sha256: SHA256,
      });
      expect(existsSync(path.join(tmp, 'cache', 'hf', 'ibm-granite--granite-timeseries-ttm-r2', 'main', 'model.safetensors'))).toBe(true);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('refuses a run whose context does not match, naming the branch, and writes no run', async () => {
    const runs = mkdtempSync(path.join(tmp, 'runs-'));
    const err = await run(
      process.execPath,
      [cli, 'train', 'configs/examples/etth1-granite-ttm-zero-shot.yaml', '--runs-dir', runs, '--set', 'model.context_length=1024'],
      { encoding: 'utf8' },
    ).catch((e: { stderr: string; code: number }) => e);
    expect((err as { code: number }).code).not.toBe(0);
    expect((err as { stderr: string }).stderr).toMatch(
      /is context 512\/horizon 96 \(512-96-r2\), but model\.context_length is 1024; for context 1024 use branch 1024-96-r2/,
    );
    expect(readdirSync(runs)).toEqual([]);
  });
});
