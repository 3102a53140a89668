// The bench's data-parallel suite: real multi-process jobs through the launcher (Gloo over loopback here).
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { allReduceBench, ddpTrainingBench } from '../../ts/bench/ddp.js';
import { runBench, renderBench } from '../../ts/bench/index.js';
import { cli } from './helpers.js';

describe('bench: data-parallel suite', () => {
  it('measures all-reduce bus bandwidth over two Gloo ranks', async () => {
    const r = await allReduceBench({ device: 'cpu', ranks: 2, sizes: [4096, 1 << 20], minSeconds: 0.05, cli });
    expect(r).toMatchObject({ device: 'cpu', backend: 'gloo', ranks: 2 });
    expect(r.sizes.map((z) => z.bytes)).toEqual([4096, 1 << 20]);
    for (const z of r.sizes) {
      expect(z.repeats).toBeGreaterThan(0);
      expect(z.algGBps).toBeGreaterThan(0);
      expect(z.busGBps).toBeCloseTo(z.algGBps, 10); // 2(N-1)/N = 1 for two ranks
    }
  });

  it("fails with the worker's own error when a rank cannot run", async () => {
    await expect(allReduceBench({ device: 'cpu', ranks: 2, sizes: [2], minSeconds: 0.05, cli })).rejects.toThrow(
      /sizes must be >= 4 bytes/,
    );
    expect(() => execFileSync(process.execPath, [cli, 'bench-worker', 'broadcast', '{}'], { encoding: 'utf8', stdio: 'pipe' })).toThrow(
      /unknown kind 'broadcast'/,
    );
  });

  it('runs plain, world-size-1 DDP and two-worker training and reports them in the bench result', async () => {
    const t = await ddpTrainingBench({ device: 'cpu', ranks: 2, steps: 8, repeats: 1, config: path.resolve('configs/default.yaml'), cli });
    expect(t.plain).toBeGreaterThan(0);
    expect(t.ddpWorld1).toBeGreaterThan(0);
    expect(t.ddpWorkers).toBeGreaterThan(0);
    expect(t.world1VsPlain).toBeCloseTo(t.ddpWorld1 / t.plain, 10);
    expect(t.runs.ddpWorkers).toHaveLength(1);

    const r = await runBench({ suites: ['ddp'], quick: true, ddpSteps: 8, ddpRepeats: 1, allReduceSizes: [1 << 16], outDir: null });
    expect(r.ddp!.allReduce[0]!.sizes).toHaveLength(1);
    expect(r.ddp!.training[0]!.device).toBe('cpu');
    const md = renderBench(r);
    expect(md).toMatch(/## Data-parallel/);
    expect(md).toMatch(/\| cpu \| gloo \| 2 \| 0 \|/);
    expect(md).toMatch(/world 1 \/ plain \(target >= 95%\)/);
  });
});
