import { describe, expect, it } from 'vitest';
import { detectDistributed, firstSlurmHost, portForJob } from '../../../ts/parallel/env.js';
import { faultFromEnv } from '../../../ts/parallel/fault.js';
import { slurmScript } from '../../../ts/parallel/slurm.js';
import { workerArgs, LAUNCHER_FLAGS } from '../../../ts/train/supervise.js';

describe('distributed environment detection', () => {
  it('is a single process when nothing is set', () => {
    expect(detectDistributed({})).toMatchObject({ rank: 0, worldSize: 1, source: 'none' });
  });

  it('reads torchrun / tsfm launcher variables', () => {
    const d = detectDistributed({ RANK: '3', LOCAL_RANK: '1', WORLD_SIZE: '4', MASTER_ADDR: 'n1', MASTER_PORT: '1234' });
    expect(d).toEqual({ rank: 3, localRank: 1, worldSize: 4, masterAddr: 'n1', masterPort: 1234, source: 'env' });
  });

  it('rejects inconsistent variables with one clear message', () => {
    expect(() => detectDistributed({ RANK: '4', WORLD_SIZE: '4', MASTER_ADDR: 'x' })).toThrow(/RANK=4 is outside WORLD_SIZE=4/);
    expect(() => detectDistributed({ WORLD_SIZE: '2' })).toThrow(/RANK is not/);
    expect(() => detectDistributed({ RANK: '0', WORLD_SIZE: '2' })).toThrow(/MASTER_ADDR/);
    expect(() => detectDistributed({ RANK: 'a', WORLD_SIZE: '2', MASTER_ADDR: 'x' })).toThrow(/RANK='a'/);
  });

  it('reads srun tasks, master from the first node of the job', () => {
    const d = detectDistributed({
      SLURM_PROCID: '5',
      SLURM_NTASKS: '8',
      SLURM_LOCALID: '1',
      SLURM_STEP_ID: '0',
      SLURM_JOB_ID: '123456',
      SLURM_JOB_NODELIST: 'gpu[07-08]',
    });
    expect(d).toEqual({ rank: 5, localRank: 1, worldSize: 8, masterAddr: 'gpu07', masterPort: portForJob('123456'), source: 'slurm' });
    // The batch script itself (no srun step) is not a worker.
    expect(detectDistributed({ SLURM_PROCID: '0', SLURM_NTASKS: '8', SLURM_JOB_NODELIST: 'a' }).source).toBe('none');
    // torchrun inside SLURM wins.
    expect(
      detectDistributed({ RANK: '0', WORLD_SIZE: '2', MASTER_ADDR: 'h', SLURM_PROCID: '1', SLURM_NTASKS: '2', SLURM_STEP_ID: '0' }).rank,
    ).toBe(0);
  });

  it('expands the first host of SLURM node lists', () => {
    expect(firstSlurmHost('node[03-05,9],gpu1')).toBe('node03');
    expect(firstSlurmHost('a1,b2')).toBe('a1');
    expect(firstSlurmHost('single')).toBe('single');
    expect(firstSlurmHost('rack[2-3]-n[10-11]')).toBe('rack2-n10');
    expect(portForJob('40001')).toBe(20001);
  });
});

describe('launcher helpers', () => {
  it('strips launcher flags from the worker command', () => {
    expect(
      workerArgs(['train', 'c.yaml', '--nproc-per-node', '2', '--master-port=1', '--epochs', '3', '--nnodes', '1'], LAUNCHER_FLAGS),
    ).toEqual(['train', 'c.yaml', '--epochs', '3']);
  });

  it('parses fault injection only for its rank', () => {
    expect(faultFromEnv(1, { TSFM_TEST_FAULT: '1:3:exit' })).toEqual({ faultKind: 'exit', faultStep: 3 });
    expect(faultFromEnv(0, { TSFM_TEST_FAULT: '1:3:exit' })).toEqual({});
    expect(() => faultFromEnv(0, { TSFM_TEST_FAULT: 'boom' })).toThrow(/TSFM_TEST_FAULT/);
  });
});

describe('sbatch scripts', () => {
  it('single GPU', () => {
    const s = slurmScript({ kind: 'single', trainArgs: ['configs/default.yaml'] });
    expect(s).toMatch(/#SBATCH --gres=gpu:1/);
    expect(s).toMatch(/#SBATCH --ntasks-per-node=1/);
    expect(s).toMatch(/srun --kill-on-bad-exit=1 npx tsfm train configs\/default.yaml/);
  });

  it('several GPUs on one node and several nodes', () => {
    const one = slurmScript({ kind: 'multi-gpu', trainArgs: ['c.yaml'], gpusPerNode: 8 });
    expect(one).toMatch(/#SBATCH --nodes=1\n#SBATCH --ntasks-per-node=8\n#SBATCH --gres=gpu:8/);
    const many = slurmScript({
      kind: 'multi-node',
      trainArgs: ['c.yaml', '--set', 'training.lr=3e-4'],
      gpusPerNode: 4,
      nodes: 3,
      time: '02:00:00',
      partition: 'gpu',
    });
    expect(many).toMatch(/#SBATCH --nodes=3/);
    expect(many).toMatch(/#SBATCH --time=02:00:00/);
    expect(many).toMatch(/MASTER_ADDR=\$\(scontrol show hostnames "\$SLURM_JOB_NODELIST" \| head -n 1\)/);
    expect(many).toMatch(/train c.yaml --set training.lr=3e-4/);
  });

  it('adaptive: one launcher per node using the GPUs it finds', () => {
    const s = slurmScript({ kind: 'adaptive', trainArgs: ['my config.yaml'], nodes: 2 });
    expect(s).toMatch(/#SBATCH --ntasks-per-node=1/);
    expect(s).toMatch(/--nproc-per-node auto --nnodes "\$SLURM_NNODES" --node-rank "\$SLURM_NODEID"/);
    expect(s).toContain(`train '\\''my config.yaml'\\''`);
  });
});
