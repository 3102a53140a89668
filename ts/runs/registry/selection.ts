/**
 * How `tsfm models best` chooses: on validation metrics unless asked otherwise (choosing on test makes the
 * test error an optimistic estimate), among the models of one task (runs of different horizons or datasets
 * are not comparable).
 */

/** The metric to minimise: `--metric` as given, else `<on>_rmse`; a test metric comes with a warning line. */
export function selectionMetric(on: string = 'val', metric?: string): { metric: string; warning?: string } {
  if (on !== 'val' && on !== 'test') throw new Error(`--on: expected val or test (got '${on}')`);
  const m = metric ?? `${on}_rmse`;
  const warning = /^test_/.test(m)
    ? `tsfm: warning: selecting on the test metric ${m}: the chosen model's test error is then optimistic; select on validation (the default) to keep the test set for the final estimate`
    : undefined;
  return { metric: m, warning };
}

/** The one task the models belong to; refuses models of several tasks, naming them. */
export function oneTask(tasks: Array<string | null>): string | undefined {
  const distinct = [...new Set(tasks.map((t) => t ?? '(no task)'))].sort();
  if (distinct.length <= 1) return tasks[0] ?? undefined;
  const shown = distinct.length > 6 ? [...distinct.slice(0, 6), `… ${distinct.length - 6} more`] : distinct;
  throw new Error(`models best: the matching models belong to ${distinct.length} tasks (${shown.join(', ')}); choose one with --task`);
}
