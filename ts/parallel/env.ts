/**
 * Where this process sits in a distributed job, read from the environment of whoever started it:
 * tsfm's own launcher and torchrun (`RANK`, `LOCAL_RANK`, `WORLD_SIZE`, `MASTER_ADDR`, `MASTER_PORT`),
 * or SLURM's srun (`SLURM_PROCID`, `SLURM_NTASKS`, `SLURM_LOCALID`, master = first node of the job).
 */

export interface DistributedEnv {
  rank: number;
  localRank: number;
  worldSize: number;
  masterAddr: string;
  masterPort: number;
  /** Who set it up: `env` (torchrun, tsfm's launcher or by hand), `slurm`, or `none` (one process). */
  source: 'env' | 'slurm' | 'none';
}

export const SINGLE_PROCESS: DistributedEnv = {
  rank: 0,
  localRank: 0,
  worldSize: 1,
  masterAddr: '127.0.0.1',
  masterPort: 29500,
  source: 'none',
};

type Env = Record<string, string | undefined>;

function intVar(env: Env, name: string, min: number): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < min) throw new Error(`${name}='${raw}' is not an integer >= ${min}`);
  return Number(raw);
}

/** A port for jobs that did not choose one: derived from the SLURM job id so that concurrent jobs differ. */
export function portForJob(jobId: string | undefined): number {
  const id = Number(jobId);
  return Number.isFinite(id) && id > 0 ? 20000 + (id % 20000) : 29500;
}

/**
 * The first host of a SLURM host list: `node[03-05,9],gpu1` -> `node03`; `a1,b2` -> `a1`.
 * (The same answer as `scontrol show hostnames $SLURM_JOB_NODELIST | head -n1`, without needing scontrol.)
 */
export function firstSlurmHost(nodelist: string): string {
  const s = nodelist.trim();
  let depth = 0;
  let end = s.length;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '[') depth++;
    else if (s[i] === ']') depth--;
    else if (s[i] === ',' && depth === 0) {
      end = i;
      break;
    }
  }
  const first = s.slice(0, end);
  const m = /^([^[]*)\[([^\]]*)\](.*)$/.exec(first);
  if (!m) {
    if (!first) throw new Error(`SLURM_JOB_NODELIST='${nodelist}' names no host`);
    return first;
  }
  const range = m[2]!.split(',')[0]!.split('-')[0]!;
  const rest = m[3]!;
  return `${m[1]}${range}${rest.includes('[') ? firstSlurmHost(rest) : rest}`;
}

/** Reads the distributed position from an environment; `none` when nothing says this is a distributed job. */
export function detectDistributed(env: Env = process.env): DistributedEnv {
  const world = intVar(env, 'WORLD_SIZE', 1);
  if (world !== undefined) {
    const rank = intVar(env, 'RANK', 0);
    if (rank === undefined) throw new Error('WORLD_SIZE is set but RANK is not (set both, as torchrun does)');
    if (rank >= world) throw new Error(`RANK=${rank} is outside WORLD_SIZE=${world}`);
    if (world > 1 && !env.MASTER_ADDR) throw new Error('WORLD_SIZE > 1 but MASTER_ADDR is not set (the address of rank 0)');
    return {
      rank,
      worldSize: world,
      localRank: intVar(env, 'LOCAL_RANK', 0) ?? 0,
      masterAddr: env.MASTER_ADDR ?? '127.0.0.1',
      masterPort: intVar(env, 'MASTER_PORT', 1) ?? 29500,
      source: world > 1 ? 'env' : 'none',
    };
  }
  const ntasks = intVar(env, 'SLURM_NTASKS', 1);
  // An sbatch script itself runs with SLURM_NTASKS set but no SLURM_PROCID per task unless started by srun.
  if (ntasks !== undefined && ntasks > 1 && env.SLURM_PROCID !== undefined && env.SLURM_STEP_ID !== undefined) {
    const rank = intVar(env, 'SLURM_PROCID', 0)!;
    const nodelist = env.SLURM_STEP_NODELIST ?? env.SLURM_JOB_NODELIST;
    if (!env.MASTER_ADDR && !nodelist) throw new Error('SLURM job without SLURM_JOB_NODELIST or MASTER_ADDR: cannot find rank 0');
    return {
      rank,
      worldSize: ntasks,
      localRank: intVar(env, 'SLURM_LOCALID', 0) ?? 0,
      masterAddr: env.MASTER_ADDR ?? firstSlurmHost(nodelist!),
      masterPort: intVar(env, 'MASTER_PORT', 1) ?? portForJob(env.SLURM_JOB_ID),
      source: 'slurm',
    };
  }
  return { ...SINGLE_PROCESS };
}

/** Log prefix for a rank, empty when not distributed. */
export function rankPrefix(d: DistributedEnv): string {
  return d.worldSize > 1 ? `[rank ${d.rank}] ` : '';
}
