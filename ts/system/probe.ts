/**
 * Machine probes shared by `tsfm doctor` and `tsfm bench`: CPU, memory, the BLAS library really loaded,
 * NVIDIA GPUs (nvidia-smi), shared memory, resident memory of this process.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, realpathSync, statfsSync, writeFileSync } from 'node:fs';
import os from 'node:os';

export interface CpuInfo {
  model: string;
  cores: number;
  availableParallelism: number;
  memoryBytes: number;
}

export function cpuInfo(): CpuInfo {
  const cpus = os.cpus();
  return {
    model: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    availableParallelism: os.availableParallelism(),
    memoryBytes: os.totalmem(),
  };
}

export interface BlasInfo {
  kind: 'openblas' | 'mkl' | 'reference' | 'blis' | 'unknown';
  libraries: string[];
  core?: string;
}

/** The x86 vector extensions the CPU reports (Linux /proc/cpuinfo flags); empty elsewhere. */
export function cpuVectorFlags(cpuinfoText?: string): { avx2: boolean; avx512f: boolean } {
  let text = cpuinfoText;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/cpuinfo', 'utf8');
    } catch {
      text = '';
    }
  }
  const flags = new Set((/^flags\s*:\s*(.*)$/m.exec(text)?.[1] ?? '').split(/\s+/));
  return { avx2: flags.has('avx2'), avx512f: flags.has('avx512f') };
}

// OpenBLAS kernel sets (openblas_get_corename, lower case) that use AVX2 or AVX-512.
const OPENBLAS_AVX2_CORES = new Set(['haswell', 'zen', 'skylakex', 'cooperlake', 'sapphirerapids']);

/**
 * When OpenBLAS runs kernels older than the CPU (an OpenBLAS that does not know the CPU model falls back to
 * its SSE3 "Prescott" set: Debian 12's 0.3.21 on Emerald Rapids Xeons), the OPENBLAS_CORETYPE that gives
 * it the CPU's own vector units; undefined when the kernels already use them or this is not OpenBLAS.
 */
export function betterOpenblasCore(core: string, cpu: { avx2: boolean; avx512f: boolean }): string | undefined {
  if (!core || !cpu.avx2 || OPENBLAS_AVX2_CORES.has(core.toLowerCase())) return undefined;
  return cpu.avx512f ? 'SkylakeX' : 'Haswell';
}

/**
 * Which BLAS this process has mapped (call after the addon is loaded). Debian's libblas.so.3 is an
 * alternatives link: its real path says whether it is OpenBLAS or the reference implementation.
 */
export function loadedBlas(mapsText?: string): BlasInfo {
  let text = mapsText;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/self/maps', 'utf8');
    } catch {
      return { kind: 'unknown', libraries: [] };
    }
  }
  const libs = new Set<string>();
  for (const line of text.split('\n')) {
    const file = line.slice(line.indexOf('/'));
    if (line.includes('/') && /lib(open)?blas|libmkl|libblis|libcblas/.test(file)) {
      let real = file.trim();
      try {
        if (mapsText === undefined) real = realpathSync(real);
      } catch {
        /* keep the mapped name */
      }
      libs.add(real);
    }
  }
  const all = [...libs];
  const kind: BlasInfo['kind'] = all.some((l) => /openblas/i.test(l))
    ? 'openblas'
    : all.some((l) => /mkl/i.test(l))
      ? 'mkl'
      : all.some((l) => /blis/i.test(l))
        ? 'blis'
        : all.some((l) => /\/blas\/libblas|libblas\.so|libcblas/.test(l))
          ? 'reference'
          : 'unknown';
  return { kind, libraries: all };
}

export interface GpuInfo {
  index: number;
  name: string;
  memoryBytes: number;
  computeCapability: string;
  driver: string;
}

/** NVIDIA GPUs as nvidia-smi reports them; [] when there is no nvidia-smi or no GPU. */
export function nvidiaGpus(): GpuInfo[] {
  try {
    const out = execFileSync(
      'nvidia-smi',
      ['--query-gpu=index,name,memory.total,compute_cap,driver_version', '--format=csv,noheader,nounits'],
      { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'ignore'] },
    );
    return out
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [index, name, mem, cc, driver] = line.split(',').map((s) => s.trim());
        return { index: Number(index), name, memoryBytes: Number(mem) * 2 ** 20, computeCapability: cc, driver };
      });
  } catch {
    return [];
  }
}

/** Size of /dev/shm in bytes (undefined where there is none). */
export function sharedMemoryBytes(): number | undefined {
  try {
    if (!existsSync('/dev/shm')) return undefined;
    const s = statfsSync('/dev/shm');
    return s.blocks * s.bsize;
  } catch {
    return undefined;
  }
}

function statusField(name: string): number {
  const m = readFileSync('/proc/self/status', 'utf8').match(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm'));
  return m ? Number(m[1]) * 1024 : NaN;
}

/** Resident and peak-resident memory of this process (Linux). */
export function residentBytes(): { rss: number; peak: number } {
  return { rss: statusField('VmRSS'), peak: statusField('VmHWM') };
}

/** Resets this process's peak-resident mark (Linux >= 4.0), so the next peak belongs to what runs next. */
export function resetPeakResident(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

/** Parses `key=value` settings out of at::show_config() (USE_CUDA, USE_NCCL, BLAS_INFO, ...). */
export function buildSettings(showConfig: string): Record<string, string> {
  const out: Record<string, string> = {};
  const line = showConfig.split('\n').find((l) => l.includes('Build settings:')) ?? '';
  for (const part of line.replace(/^.*Build settings:/, '').split(', ')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i).trim()] = part.slice(i + 1).trim();
  }
  const cuda = showConfig.match(/CUDA Runtime ([\d.]+)/);
  if (cuda) out.CUDA_RUNTIME = cuda[1];
  const cudnn = showConfig.match(/CuDNN ([\d.]+)/);
  if (cudnn) out.CUDNN_VERSION = cudnn[1];
  const omp = showConfig.match(/OpenMP (\d+)/);
  if (omp) out.OPENMP = omp[1];
  return out;
}
