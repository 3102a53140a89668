/** The machine a bench result was measured on: enough to tell whether two results are comparable. */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { packageRoot } from '../config/index.js';
import { loadNative } from '../native/loader.js';
import { buildSettings, cpuInfo, loadedBlas, nvidiaGpus, type GpuInfo } from './probe.js';

export interface Fingerprint {
  id: string; // short hash of the hardware and software fields below
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  torch: string;
  blas: string;
  cuda: boolean;
  gpus: GpuInfo[];
  intraOpThreads: number;
  /** Fused CPU kernels the native side ran with: 'avx2', 'baseline' or 'off' (absent in older results). */
  fusedKernels?: string;
  addonBuild?: Record<string, unknown>;
  note?: string; // free text, e.g. "shared with 4 other agents"
}

export function machineFingerprint(note?: string): Fingerprint {
  const native = loadNative();
  const rt = native.runtimeInfo();
  const cpu = cpuInfo();
  const settings = buildSettings(rt.buildConfig);
  let addonBuild: Record<string, unknown> | undefined;
  try {
    addonBuild = JSON.parse(readFileSync(path.join(packageRoot(), 'build', 'build-info.json'), 'utf8'));
  } catch {
    /* prebuilt */
  }
  const fp: Omit<Fingerprint, 'id'> = {
    cpu: cpu.model,
    cores: cpu.cores,
    memoryGiB: Math.round(cpu.memoryBytes / 2 ** 30),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    torch: rt.torchVersion,
    blas: `${loadedBlas().kind}${rt.blasCore ? `, kernels ${rt.blasCore}` : ''} (BLAS_INFO=${settings.BLAS_INFO ?? '?'})`,
    cuda: rt.cudaAvailable,
    gpus: nvidiaGpus(),
    intraOpThreads: rt.intraOpThreads,
    fusedKernels: rt.fusedKernels,
    addonBuild,
    note,
  };
  const id = createHash('sha256')
    .update(JSON.stringify([fp.cpu, fp.cores, fp.memoryGiB, fp.torch, fp.blas, fp.gpus.map((g) => g.name)]))
    .digest('hex')
    .slice(0, 10);
  return { id, ...fp };
}
