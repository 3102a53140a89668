// The native sources against LibTorch 2.x headers (Debian 13's libtorch-dev, unpacked by
// `node scripts/check-libtorch2.mjs --fetch`, which .ci/run does): the build here is LibTorch 1.13, GPU
// servers build against 2.x, and this is what keeps a 1.13-only call from reaching them. Syntax only.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const headers = path.resolve(process.env.TSFM_LIBTORCH2_HEADERS ?? '.cache/libtorch2');
const present = existsSync(path.join(headers, 'usr', 'include', 'torch'));
const check = (...args: string[]) =>
  spawnSync(process.execPath, ['scripts/check-libtorch2.mjs', '--headers', headers, ...args], { encoding: 'utf8' });

describe.skipIf(!present)('LibTorch 2.x headers', () => {
  it('every native source compiles against them (and the CUDA-only code where CUDA headers exist)', () => {
    const r = check();
    expect(r.status, r.stderr.slice(-3000)).toBe(0);
    expect(r.stdout).toMatch(/(\d+) of \1 files compile against LibTorch 2\.\d+\.\d+ headers/);
  });

  it('fails, naming the file and the error, on a source that 2.x does not compile', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tsfm-lt2-test-'));
    try {
      const file = path.join(dir, 'needs_1x.cpp');
      writeFileSync(file, '#include <torch/version.h>\nstatic_assert(TORCH_VERSION_MAJOR < 2, "written for LibTorch 1.x");\n');
      const r = check('--only-extra', '--extra', file);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/needs_1x\.cpp: does not compile against LibTorch 2\.\d+\.\d+/);
      expect(r.stderr).toMatch(/written for LibTorch 1\.x/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
