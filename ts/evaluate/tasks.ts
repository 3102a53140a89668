/**
 * The windows an evaluation runs on, by task:
 * - 'test', 'val': the split's windows (eval stride from the config);
 * - 'test-ood' (alias 'holdout-patients'): windows of the held-out series (hybrid / glucobench; for
 *   the 'series' protocol its test series);
 * - 'sliding': the test blocks in non-overlapping windows (stride = horizon);
 * - 'nocturnal': the bedtime-anchored night (night-run.ts; not windows of this module);
 * - 'nocturnal-rolling': one night per series and day, origin at local `nightStart` (default 00:00),
 *   `nightHours` (default 8) long, scored as rolling nowcasts (each forecast sees the night's readings
 *   up to its origin, so it only has to notice a low that has begun: not the clinical task), inside the test (and held-out) blocks; a model whose horizon is
 *   shorter than the night forecasts it from rolling origins every `horizon` steps (each with the
 *   real context up to that origin), so the night covers ceil(night/horizon) * horizon steps;
 *   nights whose context + night do not fit in one gap-free segment are skipped and counted;
 * - 'prandial': one window per meal in the test blocks (needs a meal channel).
 */
import type { TimeSeriesDataset, WindowSet } from '../data/types.js';
import { makeSplits, nocturnalWindows, prandialWindows, seededShuffle, type SplitProtocol, type SplitResult } from '../data/splits.js';
import { WindowSetBuilder, windowStarts, type RowRange } from '../data/windows.js';
import { EvalError } from '../metrics/errors.js';

export const EVAL_SPLITS = [
  'test',
  'val',
  'test-ood',
  'holdout-patients',
  'sliding',
  'nocturnal',
  'nocturnal-rolling',
  'prandial',
] as const;
export type EvalSplit = (typeof EVAL_SPLITS)[number];
/** The tasks evaluated on windows of this module (the bedtime-anchored 'nocturnal' is night-run.ts's). */
export type WindowTask = Exclude<EvalSplit, 'nocturnal'>;

export interface TaskOptions {
  context: number;
  horizon: number;
  stride?: number;
  evalStride?: number;
  nightStart?: string;
  nightHours?: number;
}

export interface TaskWindows {
  split: WindowTask;
  windows: WindowSet;
  /** First context row of each window, in the order the addon predicts them. */
  starts: Float64Array;
  /** Nocturnal: night index of each window. */
  night?: Float64Array;
  counts: Record<string, number>;
  notes: string[];
}

export function parseEvalSplit(s: string): EvalSplit {
  if (!(EVAL_SPLITS as readonly string[]).includes(s))
    throw new EvalError(`--split: unknown split '${s}' (choose from ${EVAL_SPLITS.join(', ')})`);
  return s as EvalSplit;
}

export function taskWindows(
  ds: TimeSeriesDataset,
  splits: SplitResult,
  protocol: SplitProtocol,
  split: WindowTask,
  o: TaskOptions,
): TaskWindows {
  const notes = [...splits.warnings];
  const evalBlocks: RowRange[] = [...splits.blocks.test, ...(splits.blocks.testOOD ?? [])];
  const plain = (ws: WindowSet): TaskWindows => {
    const starts = windowStarts(ws);
    return { split, windows: ws, starts, counts: { windows: starts.length }, notes };
  };
  switch (split) {
    case 'test':
      return plain(splits.test);
    case 'val':
      return plain(splits.val);
    case 'test-ood':
    case 'holdout-patients': {
      if (splits.testOOD) return plain(splits.testOOD);
      if (protocol.kind === 'series') return plain(splits.test);
      throw new EvalError(
        `--split ${split}: the '${protocol.kind}' split protocol holds out no patients (use data.split.protocol series, hybrid or glucobench)`,
      );
    }
    case 'sliding': {
      const s = makeSplits(ds, { context: o.context, horizon: o.horizon, stride: o.stride, evalStride: o.horizon }, protocol);
      return plain(s.test);
    }
    case 'nocturnal-rolling': {
      const I = ds.intervalMs;
      const hours = o.nightHours ?? 8;
      const nightSteps = Math.round((hours * 3_600_000) / I);
      if (nightSteps < 1) throw new EvalError(`--night-hours ${hours}: shorter than one sampling interval`);
      const k = Math.ceil(nightSteps / o.horizon);
      const nights = nocturnalWindows(ds, {
        context: o.context,
        originLocalTime: o.nightStart ?? '00:00',
        horizon: k * o.horizon,
        targetBlocks: evalBlocks,
      });
      const b = new WindowSetBuilder(o.context, o.horizon, 1);
      const nightOf: number[] = [];
      windowStarts(nights.windows).forEach((s, n) => {
        for (let j = 0; j < k; j++) {
          b.addOne(s + j * o.horizon);
          nightOf.push(n);
        }
      });
      const ws = b.build();
      if (k * o.horizon !== nightSteps)
        notes.push(
          `nocturnal-rolling: the night is covered by ${k} rolling forecasts of ${o.horizon} steps (${k * o.horizon} steps, ${((k * o.horizon * I) / 3_600_000).toFixed(2)} h)`,
        );
      return {
        split,
        windows: ws,
        starts: windowStarts(ws),
        night: Float64Array.from(nightOf),
        counts: {
          nights: nights.origins.length,
          candidates: nights.candidates,
          skipped_gap: nights.skipped.gap,
          skipped_outside_test: nights.skipped.outside_blocks,
          windows: nightOf.length,
        },
        notes,
      };
    }
    case 'prandial': {
      const r = prandialWindows(ds, { context: o.context, horizon: o.horizon, targetBlocks: evalBlocks });
      const starts = windowStarts(r.windows);
      return {
        split,
        windows: r.windows,
        starts,
        counts: { meals: r.candidates, skipped_gap: r.skipped.gap, skipped_outside_test: r.skipped.outside_blocks, windows: starts.length },
        notes,
      };
    }
  }
}

/**
 * At most `max` windows (config evaluation.max_windows): a fixed random subset (seeded), kept in
 * their original order; on the nocturnal-rolling task whole nights are kept or dropped.
 */
export function limitWindows(task: TaskWindows, max: number, seed: number): TaskWindows {
  const N = task.starts.length;
  if (N <= max) return task;
  const groups: number[][] = [];
  if (task.night) {
    task.night.forEach((n, w) => (groups[n] ??= []).push(w));
  } else for (let w = 0; w < N; w++) groups.push([w]);
  const perGroup = Math.max(1, groups[0]?.length ?? 1);
  const keep = seededShuffle(groups.filter(Boolean), seed)
    .slice(0, Math.max(1, Math.floor(max / perGroup)))
    .flat()
    .sort((a, b) => a - b);
  const b = new WindowSetBuilder(task.windows.context, task.windows.horizon, 1);
  for (const w of keep) b.addOne(task.starts[w]);
  const out: TaskWindows = {
    ...task,
    windows: b.build(),
    starts: Float64Array.from(keep, (w) => task.starts[w]),
    counts: { ...task.counts, windows: keep.length, windows_before_limit: N },
    notes: [...task.notes, `evaluated on ${keep.length} of ${N} windows (evaluation.max_windows = ${max})`],
  };
  if (task.night) {
    // renumber nights 0.. in order
    const ids = new Map<number, number>();
    out.night = Float64Array.from(keep, (w) => {
      const n = task.night![w];
      if (!ids.has(n)) ids.set(n, ids.size);
      return ids.get(n)!;
    });
    out.counts.nights = ids.size;
  }
  return out;
}
