/**
 * `tsfm bench` / `npm run bench`: micro-benchmarks, end-to-end training throughput beside a plain PyTorch
 * loop, the windowing benchmark and the data-parallel suite (all-reduce bandwidth, DDP throughput); results
 * as JSON + Markdown under bench/results/.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../config/index.js';
import { loadNative } from '../native/loader.js';
import { machineFingerprint, type Fingerprint } from '../system/fingerprint.js';
import { ddpBench, type DdpBenchResult } from './ddp.js';
import { copyBench, matmulBench, memcpyBench, type CopyResult, type MatmulResult } from './micro.js';
import { benchMarkdown, comparisonMarkdown } from './report.js';
import { FAMILIES, SIZES, trainingBench, type Setup, type SizeName, type TrainingCaseResult } from './training.js';
import { WINDOWING_DEFAULTS, windowingBench, type WindowingResult } from './windowing.js';

export { compareResults, comparisonMarkdown, benchMarkdown } from './report.js';
export { forwardFlopsPerSample, trainFlopsPerSample } from './flops.js';
export { SIZE_TABLE } from './training.js';

export type Suite = 'micro' | 'train' | 'windowing' | 'ddp';
export const SUITES: Suite[] = ['micro', 'train', 'windowing', 'ddp'];

export interface BenchOptions {
  quick?: boolean;
  suites?: Suite[];
  families?: string[];
  sizes?: SizeName[];
  /** Measured steps per training case (after warm-up). */
  steps?: number;
  warmupSteps?: number;
  /** Alternating native/Python rounds per case; each side reports its best (default 2, --quick 2, full 3). */
  rounds?: number;
  /** Intra-op threads for every measurement (native and Python alike); default: LibTorch's current setting. */
  threads?: number;
  python?: boolean;
  /** Setups to run; default: cpu, plus cuda fp32 and cuda bf16 when a GPU is usable. */
  devices?: string[];
  windowingPoints?: number;
  /** Share of a windowing epoch to iterate (default 1 = a whole epoch; --quick 0.02). */
  windowingEpochFraction?: number;
  matmulSize?: number;
  /** ddp suite: training steps per `tsfm train` run, interleaved repeats, all-reduce sizes in bytes. */
  ddpSteps?: number;
  ddpRepeats?: number;
  allReduceSizes?: number[];
  note?: string;
  outDir?: string | null; // null: write nothing
  compare?: string;
  onLog?: (line: string) => void;
}

export interface BenchResult {
  tool: 'tsfm-bench';
  version: 1;
  startedAt: string;
  seconds: number;
  fingerprint: Fingerprint;
  options: {
    quick: boolean;
    suites: Suite[];
    families: string[];
    sizes: string[];
    steps: number;
    warmupSteps: number;
    threads: number;
    setups: Setup[];
  };
  micro?: { matmul: MatmulResult[]; copy: CopyResult[]; memcpy: { bytes: number; gbPerSec: number } };
  ddp?: DdpBenchResult;
  training?: TrainingCaseResult[];
  windowing?: WindowingResult;
  files?: { json: string; markdown: string };
}

function setupsFor(devices: string[] | undefined, cuda: boolean): Setup[] {
  const list = devices ?? (cuda ? ['cpu', 'cuda'] : ['cpu']);
  const out: Setup[] = [];
  for (const d of list) {
    if (d === 'cpu') out.push({ name: 'cpu', device: 'cpu', precision: 'fp32' });
    else if (d.startsWith('cuda')) {
      out.push({ name: `${d}-fp32`, device: d, precision: 'fp32' }, { name: `${d}-bf16`, device: d, precision: 'bf16' });
    } else throw new Error(`bench --devices: unknown device '${d}' (expected cpu, cuda or cuda:N)`);
  }
  return out;
}

export async function runBench(o: BenchOptions = {}): Promise<BenchResult> {
  const native = loadNative();
  const log = o.onLog ?? (() => {});
  const t0 = performance.now();
  const rt = native.runtimeInfo();
  const quick = o.quick ?? false;
  const suites = o.suites ?? SUITES;
  const families = o.families ?? [...FAMILIES];
  for (const fam of families)
    if (!(FAMILIES as readonly string[]).includes(fam))
      throw new Error(`bench --families: unknown family '${fam}' (expected ${FAMILIES.join(', ')})`);
  const sizes = o.sizes ?? (quick ? ['small', 'medium'] : SIZES);
  for (const s of sizes) if (!SIZES.includes(s)) throw new Error(`bench --sizes: unknown size '${s}' (expected ${SIZES.join(', ')})`);
  const threads = o.threads ?? rt.intraOpThreads;
  if (!(threads >= 1)) throw new Error('bench --threads: must be >= 1');
  const steps = o.steps ?? (quick ? 20 : 100);
  const warmupSteps = o.warmupSteps ?? (quick ? 3 : 10);
  const setups = setupsFor(o.devices, rt.cudaAvailable);
  if (setups.some((s) => s.device !== 'cpu') && !rt.cudaAvailable)
    throw new Error('bench --devices: cuda asked for, but this LibTorch sees no usable CUDA GPU');
  const before = o.compare ? (JSON.parse(readFileSync(o.compare, 'utf8')) as BenchResult) : undefined;
  if (before && before.tool !== 'tsfm-bench') throw new Error(`bench --compare: ${o.compare} is not a tsfm bench result`);

  const result: BenchResult = {
    tool: 'tsfm-bench',
    version: 1,
    startedAt: new Date().toISOString(),
    seconds: 0,
    fingerprint: machineFingerprint(o.note),
    options: { quick, suites, families, sizes, steps, warmupSteps, threads, setups },
  };
  native.setThreads(threads);
  try {
    const devices = [...new Set(setups.map((s) => s.device))];
    if (suites.includes('micro') || suites.includes('train')) {
      log('micro: matmul, memcpy, host<->device copies');
      const matmul = await matmulBench(devices, o.matmulSize ?? (devices.some((d) => d !== 'cpu') ? 4096 : 1024), quick ? 0.3 : 1.0);
      result.micro = {
        matmul,
        copy: await copyBench(devices, 256 << 20, quick ? 0.3 : 1.0),
        memcpy: await memcpyBench(256 << 20, quick ? 0.3 : 1.0),
      };
    }
    if (suites.includes('train')) {
      const peaks: Record<string, number | undefined> = {};
      for (const s of setups) {
        const dtype = s.precision === 'fp32' ? (s.device === 'cpu' ? 'fp32' : 'tf32') : s.precision;
        const m = result.micro?.matmul.find((x) => x.device === s.device && x.dtype === (s.device === 'cpu' ? 'fp32' : dtype));
        peaks[s.name] = m?.peakTflops ? m.peakTflops * 1e12 : m?.tflops ? m.tflops * 1e12 : undefined;
      }
      result.training = await trainingBench({
        families,
        sizes,
        setups,
        warmupSteps,
        steps,
        rounds: o.rounds ?? (quick ? 2 : 3),
        threads,
        python: o.python ?? true,
        deterministic: true,
        peaks,
        onLog: log,
      });
    }
    // Windowing after training: the collection of its 400 MB, which V8 runs in background threads when it
    // chooses, would otherwise overlap training rounds and count in their process CPU time. Its memory
    // figure is growth over the resident set at its start, which the earlier suites' garbage does not raise.
    if (suites.includes('windowing')) {
      const points = o.windowingPoints ?? WINDOWING_DEFAULTS.points;
      log(`windowing: ${points.toExponential(0)} points, context ${WINDOWING_DEFAULTS.context}`);
      result.windowing = await windowingBench({
        ...WINDOWING_DEFAULTS,
        threads,
        points,
        segments: Math.max(1, Math.min(100, Math.floor(points / 1e6))),
        epochFraction: o.windowingEpochFraction ?? (quick ? 0.02 : 1),
      });
    }
    if (suites.includes('ddp')) {
      result.ddp = await ddpBench({
        devices,
        cudaDeviceCount: rt.cudaDeviceCount,
        trainSteps: o.ddpSteps ?? (quick ? 100 : 300),
        repeats: o.ddpRepeats ?? (quick ? 2 : 3),
        allReduceSizes: o.allReduceSizes ?? (quick ? [1 << 20, 16 << 20] : [1 << 20, 16 << 20, 64 << 20, 256 << 20]),
        minSeconds: quick ? 0.3 : 1.0,
        onLog: log,
      });
    }
  } finally {
    native.setThreads(rt.intraOpThreads);
  }
  result.seconds = (performance.now() - t0) / 1e3;
  if (o.outDir !== null) {
    const dir = o.outDir ?? path.join(packageRoot(), 'bench', 'results');
    mkdirSync(dir, { recursive: true });
    const stamp = result.startedAt.replace(/[:.]/g, '-').replace(/-\d+Z$/, 'Z');
    const base = path.join(dir, `${stamp}-${result.fingerprint.id}${quick ? '-quick' : ''}`);
    result.files = { json: `${base}.json`, markdown: `${base}.md` };
    writeFileSync(result.files.json, JSON.stringify(result, null, 2) + '\n');
    writeFileSync(result.files.markdown, benchMarkdown(result) + (before ? '\n' + comparisonMarkdown(before, result) : ''));
  }
  return result;
}

/** The Markdown report, with the comparison appended when `compareWith` is given. */
export function renderBench(r: BenchResult, compareWith?: BenchResult): string {
  return benchMarkdown(r) + (compareWith ? '\n' + comparisonMarkdown(compareWith, r) : '');
}
