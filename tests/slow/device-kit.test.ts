// The device kit (scripts/device-kit.mjs): tsfm packed for a machine with no npm and no network (the GPU
// boxes of the `device` tool, an air-gapped cluster node). Made here without Node's binary (run.sh then
// takes `node` from PATH); run.sh builds the addon from scratch with plain CMake against the LibTorch it
// finds, writes `doctor --json`, then runs a short bench. The bundled CLI must need nothing from this
// checkout. A full native build: minutes.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

describe('device kit', () => {
  it('packs a bundled CLI and the native sources; run.sh builds the addon, runs doctor and the bench', () => {
    const kit = mkdtempSync(path.join(tmpdir(), 'tsfm-kit-'));
    try {
      const made = spawnSync(process.execPath, ['scripts/device-kit.mjs', '--out', kit, '--no-node'], { encoding: 'utf8' });
      expect(made.status, made.stderr).toBe(0);
      expect(readdirSync(path.join(kit, 'tsfm', 'node_modules')).sort()).toEqual(['node-addon-api', 'node-api-headers']);
      expect(existsSync(path.join(kit, 'node.xz'))).toBe(false);

      const out = path.join(kit, 'results');
      const env = { ...process.env, OUT: out, PATH: `${path.dirname(process.execPath)}:${process.env.PATH}` };
      delete env.TSFM_ADDON;
      const r = spawnSync('bash', [path.join(kit, 'run.sh'), 'bench', '--quick', '--suite', 'micro', '--no-python', '--out', out], {
        encoding: 'utf8',
        env,
      });
      expect(r.status, `${r.stdout.slice(-2000)}\n${r.stderr.slice(-3000)}`).toBe(0);
      expect(existsSync(path.join(kit, 'tsfm', 'build', 'Release', 'tsfm.node'))).toBe(true);

      const doctor = JSON.parse(readFileSync(path.join(out, 'doctor.json'), 'utf8'));
      expect(doctor.ok).toBe(true);
      expect(doctor.addon.path.startsWith(path.join(kit, 'tsfm'))).toBe(true); // its own addon, not the checkout's
      expect(doctor.checks.find((c: { name: string }) => c.name === 'optimizer-step').status).toBe('ok');
      const results = readdirSync(out).filter((f) => f.endsWith('-quick.json'));
      expect(results.length).toBe(1);
      const bench = JSON.parse(readFileSync(path.join(out, results[0]), 'utf8'));
      expect(bench.micro.matmul.some((m: { dtype: string; tflops?: number }) => m.dtype === 'fp32' && (m.tflops ?? 0) > 0)).toBe(true);
    } finally {
      rmSync(kit, { recursive: true, force: true });
    }
  });
});
