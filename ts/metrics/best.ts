/**
 * "Best" in a row of scores where lower is better, models and baselines alike: the indices of the
 * lowest finite score (every one of them on a tie); none when no score is finite.
 */
export function bestIndices(scores: ReadonlyArray<number | null | undefined>): number[] {
  let min = Infinity;
  for (const s of scores) if (s !== null && s !== undefined && Number.isFinite(s) && s < min) min = s;
  if (min === Infinity) return [];
  return scores.flatMap((s, i) => (s === min ? [i] : []));
}
