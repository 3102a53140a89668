/**
 * Shanghai T1DM/T2DM CGM exports (Zhao et al., Sci Data 2023): `processed_<patient>_<visit>_<date>.csv`.
 *
 * Channels:
 * - glucose (target, mg/dL) from `CGM (mg / dl)`;
 * - bolus_insulin (U, event): `CSII - bolus insulin` plus short/rapid-acting s.c. doses parsed from
 *   `Insulin dose - s.c.` (Novolin R, Humulin R, Gansulin R, aspart, glulisine, lispro);
 * - basal_insulin (U/h, state, forward-filled): `CSII - basal insulin` rate changes;
 *   "temporarily suspend insulin delivery" sets the rate to 0;
 * - long_acting_insulin (U, event): glargine, degludec, detemir s.c. doses;
 * - premixed_insulin (U, event): premixed s.c. doses (aspart 70/30, Novolin 30R/50R, Humulin 70/30,
 *   Gansulin 40R, SciLin M30), which are neither pure bolus nor basal;
 * - meal (event flag): 1 where the English `Dietary intake` text records food ("data not available" = no meal);
 * - food_g (g, event): sum of the gram amounts stated in that text: the mass of the food, not its
 *   carbohydrate (the dataset gives no carbohydrate amounts; the name was meal_g before, refused now with a pointer).
 * Columns are found by normalised header matching (the Chinese duplicate diet column is ignored; its
 * header differs between files). One series per file: id `<patient>_<visit>`, attributes
 * patient, visit, diabetes_type (1 or 2, from static_attributes, the folder name, or the id prefix).
 */
import path from 'node:path';
import type { DatasetConfig } from '../config.js';
import { DataError, didYouMean } from '../errors.js';
import { readTable } from '../readers.js';
import {
  RowFilter,
  SeriesBuilder,
  bump,
  fileStem,
  glucoseToMgdl,
  handleMalformed,
  isMissingToken,
  newFileStat,
  parseNumberColumn,
  parseTimeColumn,
  requireSomeNumeric,
} from '../raw.js';
import type { AdapterResult, ChannelSpec, FileStat } from '../raw.js';
import { MGDL_PER_MMOLL } from '../units.js';
import type { AdapterContext } from './generic.js';
import type { ChannelRole } from '../types.js';

export const SHANGHAI_COVARIATES: readonly ChannelSpec[] = [
  { name: 'bolus_insulin', role: 'past_covariate', unit: 'U', fill: 'zero' },
  { name: 'basal_insulin', role: 'past_covariate', unit: 'U/h', fill: 'ffill' },
  { name: 'long_acting_insulin', role: 'past_covariate', unit: 'U', fill: 'zero' },
  { name: 'premixed_insulin', role: 'past_covariate', unit: 'U', fill: 'zero' },
  { name: 'meal', role: 'past_covariate', unit: 'flag', fill: 'zero' },
  { name: 'food_g', role: 'past_covariate', unit: 'g', fill: 'zero' },
];

export type InsulinKind = 'bolus' | 'long_acting' | 'premixed' | 'unknown';

export interface InsulinDose {
  name: string;
  units: number;
  kind: InsulinKind;
}

/** Classifies an insulin product name. */
export function classifyInsulin(name: string): InsulinKind {
  const s = name
    .toLowerCase()
    .replace(/\u00a0/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (/70\/30|\d0\s*r\b|m30|mix|premix|25r|50\/50|75\/25/.test(s)) return 'premixed';
  if (/glargine|glarigine|glargin|degludec|detemir|lantus|levemir|tresiba|toujeo|basaglar|nph|isophane|humulin n|novolin n/.test(s))
    return 'long_acting';
  if (/\b(novolin|humulin|gansulin|actrapid|insuman) r\b|regular|aspart|glulisine|lispro|novorapid|humalog|apidra|fiasp|\br\b/.test(s))
    return 'bolus';
  return 'unknown';
}

/**
 * Parses s.c. insulin text such as `Novolin R, 4 IU`, `insulin glargine, 14 IU, Humulin 70/30, 12 IU`,
 * `insulin detemir, 6 IU; Novolin R, 4 IU`, `Humulin 70/30  8 IU`. Each `<number> IU` is one dose
 * whose product name is the text since the previous dose.
 */
export function parseInsulinText(text: string): InsulinDose[] {
  const out: InsulinDose[] = [];
  const re = /(\d+(?:\.\d+)?)\s*(?:IU|U|units?)\b/gi;
  let last = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    const name = text
      .slice(last, m.index)
      .replace(/\u00a0/g, ' ')
      .replace(/^[\s,;:+&]+|[\s,;:+&]+$/g, '')
      .trim();
    last = m.index + m[0].length;
    out.push({ name, units: +m[1], kind: classifyInsulin(name) });
  }
  return out;
}

/** Meal flag and stated grams from the English dietary text; 'data not available' (or empty) = no meal. */
export function parseDietText(text: string | null | undefined): { meal: number; grams: number } {
  if (!text) return { meal: 0, grams: 0 };
  const t = text.trim();
  if (t === '' || /^(data not available|not available|n\/?a|none|no)$/i.test(t) || /data not available/i.test(t))
    return { meal: 0, grams: 0 };
  let grams = 0;
  const re = /(\d+(?:\.\d+)?)\s*g\b/gi;
  let m: RegExpExecArray | null;
  while ((m = re.exec(t)) !== null) grams += +m[1];
  return { meal: 1, grams };
}

const norm = (h: string): string => h.toLowerCase().replace(/[^a-z0-9]/g, '');

/** Finds the Shanghai columns by normalised header. */
export function findShanghaiColumns(header: string[]): {
  time?: string;
  cgm?: string;
  diet?: string;
  sc?: string;
  bolus?: string;
  basal?: string;
} {
  const find = (pred: (n: string) => boolean): string | undefined => header.find((h) => pred(norm(h)));
  return {
    time: find((n) => n === 'date' || n === 'datetime' || n === 'time' || n === 'timestamp'),
    cgm: find((n) => n.startsWith('cgm')),
    diet: find((n) => n.startsWith('dietaryintake')) ?? find((n) => n.includes('diet')),
    sc: find((n) => n.startsWith('insulindose') && n.endsWith('sc')),
    bolus: find((n) => n.includes('csii') && n.includes('bolus')),
    basal: find((n) => n.includes('csii') && n.includes('basal')),
  };
}

function parseFileName(file: string): { id: string; patient: string; visit?: number } | undefined {
  const m = /^processed_([A-Za-z0-9]+)_(\d+)(?:_(\d+))?$/.exec(fileStem(file));
  if (!m) return undefined;
  return { id: `${m[1]}_${m[2]}`, patient: m[1], visit: +m[2] };
}

function diabetesType(file: string, patient: string): number | undefined {
  const dir = path.basename(path.dirname(file)).toLowerCase();
  if (dir.includes('t1dm')) return 1;
  if (dir.includes('t2dm')) return 2;
  if (/^1\d{3}$/.test(patient)) return 1;
  if (/^2\d{3}$/.test(patient)) return 2;
  return undefined;
}

function selectChannels(cfg: DatasetConfig): ChannelSpec[] {
  const names = SHANGHAI_COVARIATES.map((c) => c.name);
  if (cfg.past_covariates === undefined && cfg.future_covariates === undefined) return SHANGHAI_COVARIATES.map((c) => ({ ...c }));
  const out: ChannelSpec[] = [];
  const pick = (list: string[] | undefined, role: ChannelRole): void => {
    for (const n of list ?? []) {
      const spec = SHANGHAI_COVARIATES.find((c) => c.name === n);
      if (!spec && n === 'meal_g')
        throw new DataError(
          `dataset '${cfg.name}': Shanghai covariate 'meal_g' is now 'food_g' (the grams stated in the diet text are the mass of the food, not carbohydrate); rename it in the dataset config`,
        );
      if (!spec) {
        const hint = didYouMean(n, names);
        throw new DataError(
          `dataset '${cfg.name}': unknown Shanghai covariate '${n}'${hint ? ` (did you mean '${hint}'?)` : ''}; available: ${names.join(', ')}`,
        );
      }
      out.push({ ...spec, role });
    }
  };
  pick(cfg.past_covariates, 'past_covariate');
  pick(cfg.future_covariates, 'future_covariate');
  return out;
}

// eslint-disable-next-line max-lines-per-function -- one reader of the Shanghai workbook layout (per-sheet columns, units, event channels)
export async function readShanghai(ctx: AdapterContext): Promise<AdapterResult> {
  const { cfg } = ctx;
  const onError = cfg.on_error ?? 'error';
  const units = cfg.units ?? 'mg/dL';
  const covs = selectChannels(cfg);
  const channels: ChannelSpec[] = [{ name: 'glucose', role: 'target', unit: 'mg/dL', fill: 'interpolate' }, ...covs];
  const warnings: string[] = [];
  const counters: Record<string, number> = {};
  const files: FileStat[] = [];
  const builders = new Map<string, SeriesBuilder>();
  const unknownNames = new Set<string>();

  for (let fi = 0; fi < ctx.files.length; fi++) {
    const file = ctx.files[fi];
    const stat = newFileStat(file);
    files.push(stat);
    const table = await readTable(file, {
      columns: (header) => {
        const c = findShanghaiColumns(header);
        return [c.time, c.cgm, c.diet, c.sc, c.bolus, c.basal].filter((x): x is string => x !== undefined);
      },
    });
    handleMalformed(table, stat, onError, warnings);
    const cols = findShanghaiColumns(table.header);
    const avail = table.header.map((h) => `'${h}'`).join(', ');
    if (!cols.time) throw new DataError(`${file}: no date/time column (expected 'Date'); available columns: ${avail}`, { file });
    if (!cols.cgm) throw new DataError(`${file}: no CGM column (expected 'CGM (mg / dl)'); available columns: ${avail}`, { file });
    for (const [key, label] of [
      ['diet', 'Dietary intake'],
      ['sc', 'Insulin dose - s.c.'],
      ['bolus', 'CSII - bolus insulin'],
      ['basal', 'CSII - basal insulin'],
    ] as const) {
      if (!cols[key]) {
        bump(counters, `missing_column:${label}`);
        warnings.push(`${file}: no '${label}' column; its channels are 0`);
      }
    }
    const f = new RowFilter(table, stat, onError, warnings);
    const times = parseTimeColumn(table.column(cols.time), cols.time, f, ctx.parser, ctx.zone, ctx.timeFormatLabel);
    const glucose = parseNumberColumn(table.column(cols.cgm), cols.cgm, f);
    requireSomeNumeric(glucose, f.ok, file, cols.cgm);
    glucoseToMgdl(glucose, units, file, cols.cgm, MGDL_PER_MMOLL);

    const n = table.rowCount;
    const strCol = (name: string | undefined): ArrayLike<string | null> | undefined => {
      if (!name) return undefined;
      const c = table.column(name);
      return c.kind === 'string' ? c.values : Array.from(c.values, (v) => (Number.isFinite(v) ? String(v) : ''));
    };
    // Pump columns: numbers, or "temporarily suspend insulin delivery".
    const pumpColumn = (name: string | undefined, isBasal: boolean): Float64Array => {
      const out = new Float64Array(n).fill(NaN);
      const vals = strCol(name);
      if (!vals || !name) return out;
      for (let i = 0; i < n; i++) {
        const s = vals[i];
        if (s === null || s.length === 0) continue;
        const v = +s;
        if (Number.isFinite(v) && s.trim() !== '') {
          out[i] = v;
          continue;
        }
        if (/suspend/i.test(s)) {
          bump(counters, 'pump_suspended');
          if (isBasal) out[i] = 0;
          continue;
        }
        if (isMissingToken(s) || !f.ok[i]) continue;
        f.reject(i, 'malformed_number', `column '${name}': cannot parse insulin amount '${s}'`);
      }
      return out;
    };
    const bolusPump = pumpColumn(cols.bolus, false);
    const basal = pumpColumn(cols.basal, true);
    const scText = strCol(cols.sc);
    const dietText = strCol(cols.diet);

    const info = parseFileName(file);
    if (!info) warnings.push(`${file}: file name does not match processed_<patient>_<visit>_<date>.csv; series id is the file name`);
    const id = info?.id ?? fileStem(file);
    const patient = info?.patient ?? id;
    let b = builders.get(id);
    if (!b) {
      b = new SeriesBuilder(id, channels.length);
      builders.set(id, b);
      b.attributes.patient = patient;
      if (info?.visit !== undefined) b.attributes.visit = info.visit;
      const dt = diabetesType(file, patient);
      if (dt !== undefined) b.attributes.diabetes_type = dt;
      if (cfg.static_attributes) Object.assign(b.attributes, cfg.static_attributes);
    } else warnings.push(`${file}: series '${id}' also comes from another file; merged`);

    const row = new Float64Array(channels.length);
    const cidx = (name: string): number => channels.findIndex((c) => c.name === name);
    const iBolus = cidx('bolus_insulin');
    const iBasal = cidx('basal_insulin');
    const iLong = cidx('long_acting_insulin');
    const iPre = cidx('premixed_insulin');
    const iMeal = cidx('meal');
    const iFoodG = cidx('food_g');
    for (let i = 0; i < n; i++) {
      if (!f.ok[i]) continue;
      row.fill(0);
      row[0] = glucose[i];
      let bolus = Number.isFinite(bolusPump[i]) ? bolusPump[i] : 0;
      let longActing = 0;
      let premixed = 0;
      const sc = scText?.[i];
      if (sc && sc.trim() !== '') {
        const doses = parseInsulinText(sc);
        if (doses.length === 0) {
          bump(counters, 'unparsed_insulin_text');
          if (unknownNames.size < 20 && !unknownNames.has(sc)) {
            unknownNames.add(sc);
            warnings.push(`${file}:${table.lineOf(i)}: no dose found in s.c. insulin text '${sc}'`);
          }
        }
        for (const d of doses) {
          if (d.kind === 'long_acting') longActing += d.units;
          else if (d.kind === 'premixed') premixed += d.units;
          else {
            if (d.kind === 'unknown') {
              bump(counters, 'unknown_insulin_as_bolus');
              if (unknownNames.size < 20 && !unknownNames.has(d.name)) {
                unknownNames.add(d.name);
                warnings.push(`${file}:${table.lineOf(i)}: unknown insulin '${d.name}' counted as bolus`);
              }
            }
            bolus += d.units;
          }
          bump(counters, `sc_doses_${d.kind}`);
        }
      }
      const diet = parseDietText(dietText?.[i]);
      if (iBolus >= 0) row[iBolus] = bolus;
      if (iBasal >= 0) row[iBasal] = basal[i];
      if (iLong >= 0) row[iLong] = longActing;
      if (iPre >= 0) row[iPre] = premixed;
      if (iMeal >= 0) row[iMeal] = diet.meal;
      if (iFoodG >= 0) row[iFoodG] = diet.grams;
      if (diet.meal) bump(counters, 'meals');
      b.push(times[i], row, fi, table.lineOf(i));
      stat.rowsParsed++;
    }
  }
  return { channels, series: [...builders.values()].map((x) => x.build()), files, warnings, counters };
}
