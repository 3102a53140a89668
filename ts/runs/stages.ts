/**
 * Stage tags of a trained model (candidate / staging / production / archived) with their history,
 * kept in the run directory (stages.json) so that a registry rebuild restores them.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { writeJsonAtomic } from './atomic.js';

export const STAGES = ['none', 'candidate', 'staging', 'production', 'archived'] as const;
export type Stage = (typeof STAGES)[number];
export const STAGES_FILE = 'stages.json';

export interface StageChange {
  stage: Stage;
  previous: Stage;
  time: string;
  note: string | null;
}

export function readStageHistory(runDir: string): StageChange[] {
  const file = path.join(runDir, STAGES_FILE);
  if (!existsSync(file)) return [];
  const v = JSON.parse(readFileSync(file, 'utf8')) as { history?: StageChange[] };
  return Array.isArray(v.history) ? v.history : [];
}

export function currentStage(history: StageChange[]): Stage {
  return history.length ? history[history.length - 1]!.stage : 'none';
}

export function checkStage(stage: string): Stage {
  if (!(STAGES as readonly string[]).includes(stage))
    throw new Error(`stage: unknown stage '${stage}' (expected one of ${STAGES.join(', ')})`);
  return stage as Stage;
}

/** Appends a stage change to the run's history and returns it. */
export function appendStage(runDir: string, stage: Stage, note: string | null = null, now = new Date()): StageChange {
  const history = readStageHistory(runDir);
  const change: StageChange = { stage, previous: currentStage(history), time: now.toISOString(), note };
  writeJsonAtomic(path.join(runDir, STAGES_FILE), { history: [...history, change] });
  return change;
}
