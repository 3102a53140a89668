/**
 * CGM summary metrics of the international consensus (Battelino et al., Diabetes Care 2019;42:1593–1603).
 *
 * - meanGlucose, sdGlucose: over all readings of the cohort (pooled).
 * - cv: coefficient of variation (%), computed per series (SD/mean × 100) and averaged over series, as the
 *   consensus defines glycaemic variability per person (a pooled CV would add between-patient spread).
 * - timeInRange (70–180 mg/dL inclusive), timeBelow70, timeBelow54, timeAbove180, timeAbove250: percent of
 *   all readings.
 * - hypoEventsPerWeek: level-1 hypoglycaemic events (≥ 15 consecutive minutes < 70 mg/dL; an event ends
 *   after ≥ 15 consecutive minutes ≥ 70 mg/dL), counted within segments, per 7 days of data.
 * - night: the same readings between 00:00 and 06:00 local time (the nocturnal task's night), see nightStatistics.
 */
import { ZoneConverter } from '../time.js';
import type { TimeSeriesDataset } from '../types.js';

export interface CohortStatistics {
  meanGlucose: number;
  sdGlucose: number;
  cv: number;
  timeInRange: number;
  timeBelow70: number;
  timeBelow54: number;
  timeAbove180: number;
  timeAbove250: number;
  hypoEventsPerWeek: number;
  night: NightStatistics;
}

/**
 * Nocturnal figures over local 00:00-06:00, counting a night when it has at least 4 h of readings (as the
 * JDRF CGM study did):
 * - timeBelow70, timeBelow54: percent of night readings;
 * - hypoNightsPercent / hypoNightsPerWeek: nights with any reading < 70 mg/dL (the label of `--split nocturnal`);
 * - severeNightsPercent: nights with any reading < 54 mg/dL;
 * - nightsBelow60For20MinPercent: nights with >= 20 consecutive minutes <= 60 mg/dL (the JDRF CGM study's event).
 */
export interface NightStatistics {
  nights: number;
  timeBelow70: number;
  timeBelow54: number;
  hypoNightsPercent: number;
  hypoNightsPerWeek: number;
  severeNightsPercent: number;
  nightsBelow60For20MinPercent: number;
}

export function nightStatistics(ds: TimeSeriesDataset, channel: number): NightStatistics {
  const g = ds.values[channel];
  const I = ds.intervalMs;
  const zone = new ZoneConverter(ds.timeZone);
  const need60 = Math.max(1, Math.ceil(20 / (I / 60_000)));
  const minReadings = Math.ceil((4 * 3_600_000) / I);
  let readings = 0,
    b70 = 0,
    b54 = 0,
    nights = 0,
    hypo = 0,
    severe = 0,
    long60 = 0;
  // one night's running tallies, keyed by its series and local day
  let key = '',
    n = 0,
    any70 = false,
    any54 = false,
    run60 = 0,
    hit60 = false;
  const close = () => {
    if (n < minReadings) return;
    nights++;
    if (any70) hypo++;
    if (any54) severe++;
    if (hit60) long60++;
  };
  for (const seg of ds.segments) {
    for (let j = 0; j < seg.length; j++) {
      const v = g[seg.offset + j];
      if (!Number.isFinite(v)) continue;
      const wall = zone.utcToWall(seg.startMs + j * I);
      const day = Math.floor(wall / 86_400_000);
      if (wall - day * 86_400_000 >= 6 * 3_600_000) continue;
      const k = `${seg.series}/${day}`;
      if (k !== key) {
        close();
        [key, n, any70, any54, run60, hit60] = [k, 0, false, false, 0, false];
      }
      n++;
      readings++;
      if (v < 70) [b70, any70] = [b70 + 1, true];
      if (v < 54) [b54, any54] = [b54 + 1, true];
      run60 = v <= 60 ? run60 + 1 : 0;
      if (run60 >= need60) hit60 = true;
    }
  }
  close();
  const pct = (k: number, of: number) => (of > 0 ? (100 * k) / of : 0);
  return {
    nights,
    timeBelow70: pct(b70, readings),
    timeBelow54: pct(b54, readings),
    hypoNightsPercent: pct(hypo, nights),
    hypoNightsPerWeek: nights > 0 ? (7 * hypo) / nights : 0,
    severeNightsPercent: pct(severe, nights),
    nightsBelow60For20MinPercent: pct(long60, nights),
  };
}

export function cohortStatistics(ds: TimeSeriesDataset): CohortStatistics {
  let c = ds.channels.findIndex((ch) => ch.name === 'glucose');
  if (c < 0) c = ds.channels.findIndex((ch) => ch.role === 'target');
  if (c < 0) throw new Error('cohortStatistics: dataset has no glucose channel');
  const g = ds.values[c];
  const minutes = ds.intervalMs / 60_000;
  const need = Math.max(1, Math.ceil(15 / minutes));

  let n = 0;
  let sum = 0;
  let sumSq = 0;
  let inRange = 0;
  let b70 = 0;
  let b54 = 0;
  let a180 = 0;
  let a250 = 0;
  let events = 0;
  const perSeries = new Map<number, { n: number; s: number; ss: number }>();

  for (const seg of ds.segments) {
    let acc = perSeries.get(seg.series);
    if (!acc) perSeries.set(seg.series, (acc = { n: 0, s: 0, ss: 0 }));
    let inEvent = false;
    let runLow = 0;
    let runHigh = 0;
    for (let r = seg.offset; r < seg.offset + seg.length; r++) {
      const v = g[r];
      if (!Number.isFinite(v)) continue;
      n++;
      sum += v;
      sumSq += v * v;
      acc.n++;
      acc.s += v;
      acc.ss += v * v;
      if (v < 54) b54++;
      if (v < 70) b70++;
      else if (v <= 180) inRange++;
      else {
        a180++;
        if (v > 250) a250++;
      }
      if (v < 70) {
        runLow++;
        runHigh = 0;
        if (!inEvent && runLow >= need) {
          inEvent = true;
          events++;
        }
      } else {
        runHigh++;
        runLow = 0;
        if (inEvent && runHigh >= need) inEvent = false;
      }
    }
  }
  if (n === 0) throw new Error('cohortStatistics: no glucose readings');
  const mean = sum / n;
  const sd = Math.sqrt(Math.max(0, sumSq / n - mean * mean));
  let cvSum = 0;
  let cvN = 0;
  for (const a of perSeries.values()) {
    if (a.n < 2) continue;
    const m = a.s / a.n;
    cvSum += (100 * Math.sqrt(Math.max(0, a.ss / a.n - m * m))) / m;
    cvN++;
  }
  const pct = (k: number): number => (100 * k) / n;
  const weeks = (n * minutes) / (7 * 1440);
  return {
    meanGlucose: mean,
    sdGlucose: sd,
    cv: cvN > 0 ? cvSum / cvN : 0,
    timeInRange: pct(inRange),
    timeBelow70: pct(b70),
    timeBelow54: pct(b54),
    timeAbove180: pct(a180),
    timeAbove250: pct(a250),
    hypoEventsPerWeek: events / weeks,
    night: nightStatistics(ds, c),
  };
}
