/**
 * Errors raised by the data layer. Every message names the file (and, where it applies, the 1-based
 * source line and the column) so that a researcher can open the file and see the problem.
 */
export class DataError extends Error {
  readonly file?: string;
  readonly line?: number;
  readonly column?: string;
  constructor(message: string, where: { file?: string; line?: number; column?: string } = {}) {
    super(message);
    this.name = 'DataError';
    this.file = where.file;
    this.line = where.line;
    this.column = where.column;
  }
}

/** No segment of a dataset is as long as asked (`required` rows); `longest` is the longest one found. */
export class ShortSegmentsError extends DataError {
  constructor(
    message: string,
    readonly dataset: string,
    readonly required: number,
    readonly longest: number,
  ) {
    super(message);
    this.name = 'ShortSegmentsError';
  }
}

/** Message prefix `file:line: column 'x':` for a cell. */
export function cellWhere(file: string, line: number, column?: string): string {
  return `${file}:${line}${column !== undefined ? `: column '${column}'` : ''}`;
}

/** Levenshtein distance (small strings only). */
export function editDistance(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  if (m === 0) return n;
  if (n === 0) return m;
  let prev = new Array<number>(n + 1);
  let cur = new Array<number>(n + 1);
  for (let j = 0; j <= n; j++) prev[j] = j;
  for (let i = 1; i <= m; i++) {
    cur[0] = i;
    for (let j = 1; j <= n; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[n];
}

/** The closest candidate to `name` (case-insensitive), if it is plausibly a typo. */
export function didYouMean(name: string, candidates: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const cl = c.toLowerCase();
    if (cl === lower) return c;
    let d = editDistance(lower, cl);
    const a = lower.replace(/[^a-z0-9]/g, '');
    const b = cl.replace(/[^a-z0-9]/g, '');
    if (a === b) d = 0.5;
    else if (Math.min(a.length, b.length) >= 2 && (b.includes(a) || a.includes(b)))
      d = Math.min(d, 1 + Math.abs(a.length - b.length) / 100);
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  if (best === undefined) return undefined;
  return bestD <= Math.max(2, Math.ceil(lower.length / 3)) ? best : undefined;
}

/** Error for a column named in the mapping that the file does not have. */
export function unknownColumnError(file: string, column: string, role: string, available: readonly string[]): DataError {
  const hint = didYouMean(column, available);
  return new DataError(
    `${file}: ${role} column '${column}' not found` +
      (hint !== undefined ? ` (did you mean '${hint}'?)` : '') +
      `; available columns: ${available.map((a) => `'${a}'`).join(', ')}`,
    { file, column },
  );
}
