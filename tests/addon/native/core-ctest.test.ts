// The C++ core's own tests (native/tests/core: the Predictor and the checkpoint round trip, no N-API), built
// and run through ctest by `npm run test:native`, so that the test command (and CI) runs them too.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

describe('C++ core tests (ctest)', () => {
  it('build and pass', () => {
    const r = spawnSync('bash', ['scripts/ctest.sh'], {
      encoding: 'utf8',
      env: { ...process.env, CMAKE_BUILD_PARALLEL_LEVEL: process.env.CMAKE_BUILD_PARALLEL_LEVEL ?? '2' },
    });
    expect(r.status, (r.stdout + r.stderr).slice(-4000)).toBe(0);
    expect(r.stdout).toMatch(/100% tests passed/);
  }, 900_000);
});
