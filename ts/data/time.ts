/**
 * Timestamp parsing without per-cell regexes, and wall-clock <-> UTC conversion for IANA zones.
 *
 * Parsers return "wall" milliseconds (the clock fields read as if they were UTC) unless the text
 * carries an explicit offset (`Z`, `+08:00`), in which case the result is absolute; `ZonedTimeParser`
 * resolves wall times in the configured zone.
 */
import { DataError } from './errors.js';

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysFromCivil(y: number, m: number, d: number): number {
  // Howard Hinnant's algorithm: days since 1970-01-01.
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function validDate(y: number, mo: number, d: number): boolean {
  if (mo < 1 || mo > 12 || d < 1) return false;
  if (d > DAYS_IN_MONTH[mo - 1]) return false;
  if (mo === 2 && d === 29) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  return true;
}

export function fieldsToMs(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number): number {
  return (daysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s) * 1000 + ms;
}

/** Result of parsing one cell: wall ms, and whether an explicit offset made it absolute. */
export interface ParsedTime {
  ms: number;
  absolute: boolean;
  /** The explicit UTC offset in minutes (Z = 0) when `absolute` came from one. */
  offsetMin?: number;
}

const C0 = 48;
function digit(s: string, i: number): number {
  const c = s.charCodeAt(i) - C0;
  return c >= 0 && c <= 9 ? c : -1;
}

/** Reads `count` digits at i, or -1. */
function digits(s: string, i: number, count: number): number {
  let v = 0;
  for (let k = 0; k < count; k++) {
    const d = digit(s, i + k);
    if (d < 0) return -1;
    v = v * 10 + d;
  }
  return v;
}

/**
 * Flexible ISO-8601-ish parser: `YYYY-MM-DD`, `YYYY/MM/DD`, then optional `T` or spaces, `HH:MM`,
 * optional `:SS`, optional fraction `.fff`, optional `Z` or `±HH[:]MM`. Returns NaN on anything else.
 * Writes into `out` to avoid allocation; returns out.ms.
 */
export function parseIsoInto(s: string, out: ParsedTime): number {
  out.absolute = false;
  let i = 0;
  let n = s.length;
  while (i < n && s.charCodeAt(i) <= 32) i++;
  while (n > i && s.charCodeAt(n - 1) <= 32) n--;
  const y = digits(s, i, 4);
  if (y < 0) return (out.ms = NaN);
  i += 4;
  const sep = s.charCodeAt(i);
  if (sep !== 45 && sep !== 47) return (out.ms = NaN); // - or /
  i++;
  let mo = digits(s, i, 2);
  if (mo < 0) {
    mo = digit(s, i);
    if (mo < 0) return (out.ms = NaN);
    i += 1;
  } else i += 2;
  if (s.charCodeAt(i) !== sep) return (out.ms = NaN);
  i++;
  let d = digits(s, i, 2);
  if (d < 0) {
    d = digit(s, i);
    if (d < 0) return (out.ms = NaN);
    i += 1;
  } else i += 2;
  if (!validDate(y, mo, d)) return (out.ms = NaN);
  let h = 0;
  let mi = 0;
  let sec = 0;
  let frac = 0;
  if (i < n) {
    const c = s.charCodeAt(i);
    if (c !== 84 && c !== 116 && c !== 32) return (out.ms = NaN); // T t space
    i++;
    while (i < n && s.charCodeAt(i) === 32) i++;
    h = digits(s, i, 2);
    if (h < 0) {
      h = digit(s, i);
      if (h < 0) return (out.ms = NaN);
      i += 1;
    } else i += 2;
    if (s.charCodeAt(i) !== 58) return (out.ms = NaN);
    mi = digits(s, i + 1, 2);
    if (mi < 0) return (out.ms = NaN);
    i += 3;
    if (i < n && s.charCodeAt(i) === 58) {
      sec = digits(s, i + 1, 2);
      if (sec < 0) return (out.ms = NaN);
      i += 3;
      if (i < n && (s.charCodeAt(i) === 46 || s.charCodeAt(i) === 44)) {
        i++;
        let scale = 100;
        let any = false;
        while (i < n) {
          const dd = digit(s, i);
          if (dd < 0) break;
          frac += dd * scale;
          scale /= 10;
          i++;
          any = true;
        }
        if (!any) return (out.ms = NaN);
        frac = Math.round(frac);
      }
    }
    if (h > 24 || mi > 59 || sec > 60 || (h === 24 && (mi > 0 || sec > 0))) return (out.ms = NaN);
  }
  let offsetMin = 0;
  if (i < n) {
    const c = s.charCodeAt(i);
    if (c === 90 || c === 122) {
      out.absolute = true;
      out.offsetMin = 0;
      i++;
    } else if (c === 43 || c === 45) {
      const sign = c === 43 ? 1 : -1;
      const oh = digits(s, i + 1, 2);
      if (oh < 0) return (out.ms = NaN);
      i += 3;
      if (s.charCodeAt(i) === 58) i++;
      let om = 0;
      if (i < n) {
        om = digits(s, i, 2);
        if (om < 0) return (out.ms = NaN);
        i += 2;
      }
      offsetMin = sign * (oh * 60 + om);
      out.absolute = true;
      out.offsetMin = offsetMin;
    }
    if (i !== n) return (out.ms = NaN);
  }
  return (out.ms = fieldsToMs(y, mo, d, h, mi, sec, frac) - offsetMin * 60_000);
}

type Tok = { kind: 'lit'; text: string } | { kind: 'num'; field: 'Y' | 'M' | 'D' | 'h' | 'm' | 's' | 'f'; max: number };

/**
 * Compiles a pattern such as `DD/MM/YYYY HH:MM`, `MM/DD/YYYY hh:mm:ss`, `YYYY-MM-DD HH:MM:SS`.
 * `MM` means month before the hour field and minutes after it (so the documented default
 * `YYYY-MM-DD HH:MM:SS` reads naturally); `mm` is always minutes; `SSS` is milliseconds. A fraction
 * after the seconds is accepted even when the pattern does not show it.
 */
function compilePattern(pattern: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  let seenHour = false;
  while (i < pattern.length) {
    const rest = pattern.slice(i);
    const take = (re: RegExp): string | undefined => {
      const m = re.exec(rest);
      return m ? m[0] : undefined;
    };
    let t: string | undefined;
    if ((t = take(/^YYYY/))) toks.push({ kind: 'num', field: 'Y', max: 4 });
    else if ((t = take(/^(DD|D)/))) toks.push({ kind: 'num', field: 'D', max: 2 });
    else if ((t = take(/^(HH|H|hh|h)/))) {
      seenHour = true;
      toks.push({ kind: 'num', field: 'h', max: 2 });
    } else if ((t = take(/^(MM|M)/))) toks.push({ kind: 'num', field: seenHour ? 'm' : 'M', max: 2 });
    else if ((t = take(/^mm/))) toks.push({ kind: 'num', field: 'm', max: 2 });
    else if ((t = take(/^SSS/))) toks.push({ kind: 'num', field: 'f', max: 3 });
    else if ((t = take(/^(SS|ss)/))) toks.push({ kind: 'num', field: 's', max: 2 });
    else {
      t = pattern[i];
      const last = toks[toks.length - 1];
      if (last && last.kind === 'lit') last.text += t;
      else toks.push({ kind: 'lit', text: t });
    }
    i += t.length;
  }
  if (!toks.some((x) => x.kind === 'num' && x.field === 'Y')) throw new DataError(`time_format '${pattern}' has no YYYY field`);
  return toks;
}

export type WallParser = (s: string, out: ParsedTime) => number;

export const DEFAULT_TIME_FORMAT = 'YYYY-MM-DD HH:MM:SS';

/** A parser for a `time_format`: 'iso'/default (flexible ISO), 'epoch_s', 'epoch_ms', or a pattern. */
export function makeWallParser(format: string = DEFAULT_TIME_FORMAT): WallParser {
  const f = format.trim();
  if (f === DEFAULT_TIME_FORMAT || f.toLowerCase() === 'iso' || f === 'YYYY-MM-DDTHH:MM:SS' || f === 'YYYY-MM-DD') return parseIsoInto;
  if (f === 'epoch_s' || f === 'epoch_ms') {
    const mult = f === 'epoch_s' ? 1000 : 1;
    return (s, out) => {
      out.absolute = true;
      const t = s.trim();
      const v = t.length === 0 ? NaN : Number(t);
      return (out.ms = Number.isFinite(v) ? Math.round(v * mult) : NaN);
    };
  }
  const toks = compilePattern(f);
  return (s, out) => {
    out.absolute = false;
    let i = 0;
    const n = s.length;
    while (i < n && s.charCodeAt(i) === 32) i++;
    let Y = NaN;
    let M = 1;
    let D = 1;
    let h = 0;
    let m = 0;
    let sec = 0;
    let ms = 0;
    for (const t of toks) {
      if (t.kind === 'lit') {
        if (s.startsWith(t.text, i)) i += t.text.length;
        else return (out.ms = NaN);
        continue;
      }
      let v = 0;
      let k = 0;
      while (k < t.max && i < n) {
        const dd = digit(s, i);
        if (dd < 0) break;
        v = v * 10 + dd;
        i++;
        k++;
      }
      if (k === 0) return (out.ms = NaN);
      switch (t.field) {
        case 'Y':
          Y = v;
          break;
        case 'M':
          M = v;
          break;
        case 'D':
          D = v;
          break;
        case 'h':
          h = v;
          break;
        case 'm':
          m = v;
          break;
        case 's':
          sec = v;
          if (i < n && s.charCodeAt(i) === 46) {
            i++;
            let scale = 100;
            while (i < n && digit(s, i) >= 0) {
              ms += digit(s, i) * scale;
              scale /= 10;
              i++;
            }
            ms = Math.round(ms);
          }
          break;
        case 'f':
          ms = k === 3 ? v : k === 2 ? v * 10 : v * 100;
          break;
      }
    }
    while (i < n && s.charCodeAt(i) <= 32) i++;
    if (i !== n) return (out.ms = NaN);
    if (!validDate(Y, M, D) || h > 23 || m > 59 || sec > 60) return (out.ms = NaN);
    return (out.ms = fieldsToMs(Y, M, D, h, m, sec, ms));
  };
}

/** Converts between UTC instants and wall clock in an IANA zone, with an offset cache. */
export class ZoneConverter {
  readonly zone: string;
  private readonly utc: boolean;
  private readonly fmt: Intl.DateTimeFormat | undefined;
  private readonly cache = new Map<number, number>();

  constructor(zone = 'UTC') {
    this.zone = zone;
    this.utc = zone === 'UTC' || zone === 'Etc/UTC' || zone === 'GMT';
    if (!this.utc) {
      try {
        this.fmt = new Intl.DateTimeFormat('en-US', {
          timeZone: zone,
          hourCycle: 'h23',
          year: 'numeric',
          month: 'numeric',
          day: 'numeric',
          hour: 'numeric',
          minute: 'numeric',
          second: 'numeric',
        });
      } catch {
        throw new DataError(`unknown time_zone '${zone}' (use an IANA name such as 'UTC', 'Asia/Shanghai', 'America/New_York')`);
      }
    }
  }

  /** Offset (wall - utc) in ms at a UTC instant. */
  offsetAt(utcMs: number): number {
    if (this.utc || !Number.isFinite(utcMs)) return 0;
    const key = Math.floor(utcMs / 900_000);
    const hit = this.cache.get(key);
    if (hit !== undefined) return hit;
    const base = key * 900_000;
    const parts = this.fmt!.formatToParts(new Date(base));
    const get = (t: string): number => +(parts.find((p) => p.type === t)?.value ?? 0);
    const wall = fieldsToMs(get('year'), get('month'), get('day'), get('hour') % 24, get('minute'), get('second'), 0);
    const off = wall - base;
    if (this.cache.size > 100_000) this.cache.clear();
    this.cache.set(key, off);
    return off;
  }

  /**
   * Wall ms -> UTC ms. Ambiguous (DST fall-back) wall times resolve to the earlier instant, unless
   * `afterUtc` (the previous row's instant) is given and only the later one keeps time moving
   * forward — so a repeated hour in a time-ordered export maps to the second occurrence.
   * Nonexistent (spring-forward) wall times shift forward by the DST jump.
   */
  wallToUtc(wall: number, afterUtc?: number): number {
    if (this.utc || !Number.isFinite(wall)) return wall;
    const oa = this.offsetAt(wall - 86_400_000);
    const ob = this.offsetAt(wall + 86_400_000);
    const ua = wall - oa;
    if (oa === ob) {
      const o = this.offsetAt(ua);
      return o === oa ? ua : wall - o;
    }
    const ub = wall - ob;
    const va = this.offsetAt(ua) === oa;
    const vb = this.offsetAt(ub) === ob;
    if (va && vb) {
      const early = Math.min(ua, ub);
      const late = Math.max(ua, ub);
      return afterUtc !== undefined && early < afterUtc && late >= afterUtc ? late : early;
    }
    if (va) return ua;
    if (vb) return ub;
    return wall - Math.min(oa, ob);
  }

  /** 'skipped': the wall time falls in a spring-forward gap; 'repeated': in a fall-back hour (two instants); else 'ok'. */
  classify(wall: number): 'ok' | 'skipped' | 'repeated' {
    if (this.utc || !Number.isFinite(wall)) return 'ok';
    const oa = this.offsetAt(wall - 86_400_000);
    const ob = this.offsetAt(wall + 86_400_000);
    if (oa === ob) return 'ok';
    const va = this.offsetAt(wall - oa) === oa;
    const vb = this.offsetAt(wall - ob) === ob;
    return va && vb ? 'repeated' : !va && !vb ? 'skipped' : 'ok';
  }

  utcToWall(utcMs: number): number {
    return utcMs + this.offsetAt(utcMs);
  }
}

/** Local calendar fields of a wall-ms value. */
export function wallFields(wall: number): { year: number; month: number; day: number; hour: number; minute: number; dayIndex: number } {
  const dayIndex = Math.floor(wall / 86_400_000);
  const d = new Date(dayIndex * 86_400_000);
  const msOfDay = wall - dayIndex * 86_400_000;
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: Math.floor(msOfDay / 3_600_000),
    minute: Math.floor((msOfDay % 3_600_000) / 60_000),
    dayIndex,
  };
}

/** Parses 'HH:MM' into ms since midnight. */
export function parseClock(s: string): number {
  const m = /^(\d{1,2}):(\d{2})$/.exec(s.trim());
  if (!m || +m[1] > 23 || +m[2] > 59) throw new DataError(`invalid local time '${s}' (use HH:MM)`);
  return (+m[1] * 60 + +m[2]) * 60_000;
}
