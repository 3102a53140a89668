/** The one way reports print a p-value: three decimals, and `< 0.001` below that (never scientific notation). */
export function pValue(p: number | null | undefined): string {
  if (p === null || p === undefined || !Number.isFinite(p)) return '–';
  return p < 0.001 ? '< 0.001' : p.toFixed(3);
}

/** `p = 0.032`, `p < 0.001`. */
export const pText = (p: number | null | undefined): string => {
  const v = pValue(p);
  return v.startsWith('<') ? `p ${v}` : `p = ${v}`;
};
