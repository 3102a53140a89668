/**
 * What a run ran on: code version (git commit, uncommitted changes), package, Node, LibTorch and
 * CUDA/cuDNN/NCCL versions, devices, host. Gathered once per process; every probe is best effort
 * (a missing git or addon gives null, never an error).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { packageRoot } from '../config/index.js';

export interface RunEnvironment {
  git_commit: string | null;
  git_dirty: boolean | null;
  package_version: string | null;
  node_version: string;
  libtorch_version: string | null;
  cuda_version: string | null;
  cudnn_version: string | null;
  nccl_version: string | null;
  cuda_devices: number;
  host: string;
  platform: string;
  cpus: number;
}

/** The subset of the native addon's runtimeInfo() used here. */
export interface NativeRuntime {
  torchVersion?: string;
  cudaDeviceCount?: number;
  buildConfig?: string;
}

function git(args: string[], cwd: string): string | null {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8', timeout: 5000 });
  return r.status === 0 ? r.stdout.trim() : null;
}

/** LibTorch's build string (at::show_config) names the CUDA and cuDNN it was built with. */
export function parseBuildVersions(buildConfig: string | undefined): { cuda: string | null; cudnn: string | null; nccl: string | null } {
  const find = (re: RegExp) => (buildConfig ? (re.exec(buildConfig)?.[1] ?? null) : null);
  return {
    cuda: find(/CUDA Runtime (\d[\d.]*)/) ?? find(/CUDA_VERSION=(\d[\d.]*)/),
    cudnn: find(/CuDNN (\d[\d.]*)/) ?? find(/CUDNN_VERSION=(\d[\d.]*)/),
    nccl: find(/NCCL_VERSION=(\d[\d.]*)/) ?? find(/NCCL (\d[\d.]*)/),
  };
}

let cachedGit: { commit: string | null; dirty: boolean | null } | undefined;

export function collectEnvironment(native?: NativeRuntime): RunEnvironment {
  const root = packageRoot();
  if (!cachedGit) {
    const commit = git(['rev-parse', 'HEAD'], root);
    const status = commit ? git(['status', '--porcelain', '--untracked-files=no'], root) : null;
    cachedGit = { commit, dirty: status === null ? null : status.length > 0 };
  }
  let version: string | null = null;
  try {
    version = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version?: string }).version ?? null;
  } catch {
    /* no package.json: leave null */
  }
  const v = parseBuildVersions(native?.buildConfig);
  return {
    git_commit: cachedGit.commit,
    git_dirty: cachedGit.dirty,
    package_version: version,
    node_version: process.version,
    libtorch_version: native?.torchVersion ?? null,
    cuda_version: v.cuda,
    cudnn_version: v.cudnn,
    nccl_version: v.nccl,
    cuda_devices: native?.cudaDeviceCount ?? 0,
    host: os.hostname(),
    platform: `${process.platform}-${process.arch}`,
    cpus: os.availableParallelism(),
  };
}
