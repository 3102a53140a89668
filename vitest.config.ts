import { defineConfig } from 'vitest/config';

// Four tiers, all run by CI: pure TypeScript, the native addon, several processes, and slow end-to-end runs.
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['tests/unit/**/*.test.ts'], testTimeout: 60_000 } },
      { test: { name: 'addon', include: ['tests/addon/**/*.test.ts'], testTimeout: 300_000, pool: 'forks' } },
      { test: { name: 'multiproc', include: ['tests/multiproc/**/*.test.ts'], testTimeout: 600_000, pool: 'forks', fileParallelism: false } },
      { test: { name: 'slow', include: ['tests/slow/**/*.test.ts'], testTimeout: 1_800_000, pool: 'forks', fileParallelism: false } },
    ],
  },
});
