/** Micro-benchmarks: matmul throughput per dtype against the device peak, host <-> device copies, memcpy. */
import { loadNative } from '../native/loader.js';
import { nvidiaGpus } from '../system/probe.js';

export interface MatmulResult {
  device: string;
  dtype: string;
  size: number;
  tflops?: number;
  peakTflops?: number;
  fractionOfPeak?: number;
  skipped?: string;
}
export interface CopyResult {
  device: string;
  direction: 'h2d' | 'd2h';
  pinned: boolean;
  bytes: number;
  gbPerSec: number;
}

/**
 * Dense peak TFLOP/s by GPU name (vendor data sheets; SXM parts, no sparsity). CPUs have no reliable
 * published figure here: their "peak" is the best fp32 matmul measured in the same run.
 */
const GPU_PEAKS: { match: RegExp; peaks: Record<string, number> }[] = [
  { match: /H200|H100.*(SXM|HBM3)/i, peaks: { fp32: 67, tf32: 494.5, bf16: 989.5, fp16: 989.5 } },
  { match: /H100/i, peaks: { fp32: 51, tf32: 378, bf16: 756, fp16: 756 } }, // PCIe
  { match: /A100/i, peaks: { fp32: 19.5, tf32: 156, bf16: 312, fp16: 312 } },
  { match: /L40S/i, peaks: { fp32: 91.6, tf32: 183, bf16: 362, fp16: 362 } },
  { match: /A10G?\b/i, peaks: { fp32: 31.2, tf32: 62.5, bf16: 125, fp16: 125 } },
  { match: /V100/i, peaks: { fp32: 15.7, fp16: 125 } },
  { match: /T4\b/i, peaks: { fp32: 8.1, fp16: 65 } },
];

export function gpuPeakTflops(name: string, dtype: string): number | undefined {
  return GPU_PEAKS.find((g) => g.match.test(name))?.peaks[dtype];
}

export async function matmulBench(devices: string[], size: number, minSeconds: number): Promise<MatmulResult[]> {
  const native = loadNative();
  const gpus = nvidiaGpus();
  const out: MatmulResult[] = [];
  for (const device of devices) {
    const dtypes = device === 'cpu' ? ['fp32', 'bf16', 'fp16'] : ['fp32', 'tf32', 'bf16', 'fp16'];
    const gpuName = device === 'cpu' ? undefined : gpus[Number(device.split(':')[1] ?? 0)]?.name;
    for (const dtype of dtypes) {
      try {
        const r = await native.benchMatmul({ device, dtype, size, minSeconds });
        const tflops = r.work / r.seconds / 1e12;
        const peak = gpuName ? gpuPeakTflops(gpuName, dtype) : undefined;
        out.push({ device, dtype, size, tflops, peakTflops: peak, fractionOfPeak: peak ? tflops / peak : undefined });
      } catch (e) {
        out.push({ device, dtype, size, skipped: (e as Error).message });
      }
    }
    // On the CPU the measured fp32 rate is the reference "peak".
    if (device === 'cpu') {
      const fp32 = out.find((m) => m.device === 'cpu' && m.dtype === 'fp32' && m.tflops);
      for (const m of out)
        if (m.device === 'cpu' && m.tflops && fp32?.tflops) {
          m.peakTflops = fp32.tflops;
          m.fractionOfPeak = m.tflops / fp32.tflops;
        }
    }
  }
  return out;
}

export async function copyBench(devices: string[], bytes: number, minSeconds: number): Promise<CopyResult[]> {
  const native = loadNative();
  const out: CopyResult[] = [];
  for (const device of devices.filter((d) => d !== 'cpu'))
    for (const direction of ['h2d', 'd2h'] as const)
      for (const pinned of [true, false]) {
        const r = await native.benchCopy({ device, bytes, pinned, direction, minSeconds });
        out.push({ device, direction, pinned, bytes, gbPerSec: r.work / r.seconds / 1e9 });
      }
  return out;
}

export async function memcpyBench(bytes: number, minSeconds: number): Promise<{ bytes: number; gbPerSec: number }> {
  const r = await loadNative().memcpyBandwidth({ bytes, minSeconds });
  return { bytes, gbPerSec: r.work / r.seconds / 1e9 };
}
