/**
 * Fault injection for the fault-handling tests: TSFM_TEST_FAULT=<rank>:<step>:<exit|throw|hang> makes that
 * rank crash, throw or hang at that global step. Ignored unless set.
 */
export function faultFromEnv(
  rank: number,
  env: Record<string, string | undefined> = process.env,
): { faultKind?: string; faultStep?: number } {
  const spec = env.TSFM_TEST_FAULT;
  if (!spec) return {};
  const m = /^(\d+):(\d+):(exit|throw|hang)$/.exec(spec);
  if (!m) throw new Error(`TSFM_TEST_FAULT='${spec}': expected <rank>:<step>:<exit|throw|hang>`);
  return Number(m[1]) === rank ? { faultKind: m[3], faultStep: Number(m[2]) } : {};
}
