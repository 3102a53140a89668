/**
 * Node's built-in SQLite (node:sqlite) opened for many concurrent writers: WAL journal, a busy
 * timeout, and a retry with backoff around every transaction, so "database is locked" never reaches
 * the user. node:sqlite is used rather than a native npm module because it needs no compiler or
 * prebuilt download (stable since Node 22.13).
 */
import { createRequire } from 'node:module';
import type { DatabaseSync as DatabaseSyncType } from 'node:sqlite';

const require = createRequire(import.meta.url);

let sqliteModule: typeof import('node:sqlite') | undefined;

/** Loads node:sqlite, keeping Node's one-time ExperimentalWarning for it (older Node 22 lines) off the CLI's stderr. */
function sqlite(): typeof import('node:sqlite') {
  if (sqliteModule) return sqliteModule;
  const original = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === 'string' ? warning : warning.message;
    if (/SQLite/i.test(text)) return;
    return (original as (...a: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    sqliteModule = require('node:sqlite') as typeof import('node:sqlite');
  } finally {
    process.emitWarning = original;
  }
  return sqliteModule;
}

export type Database = DatabaseSyncType;

const BUSY_CODES = new Set([5, 6]); // SQLITE_BUSY, SQLITE_LOCKED (primary codes)

export function isBusy(e: unknown): boolean {
  const err = e as { errcode?: number; message?: string };
  if (typeof err?.errcode === 'number' && BUSY_CODES.has(err.errcode & 0xff)) return true;
  return /database is locked|database table is locked|SQLITE_BUSY/i.test(String(err?.message ?? ''));
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));
function sleepMs(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

/** Total time a write keeps retrying before the error is shown (a lock is never held this long). */
export const RETRY_BUDGET_MS = 120_000;

/** Runs `fn`, retrying on SQLITE_BUSY/LOCKED with jittered exponential backoff. */
export function withRetry<T>(fn: () => T, budgetMs = RETRY_BUDGET_MS): T {
  const start = Date.now();
  let delay = 5;
  for (;;) {
    try {
      return fn();
    } catch (e) {
      if (!isBusy(e) || Date.now() - start > budgetMs) throw e;
      sleepMs(delay + Math.random() * delay);
      delay = Math.min(delay * 2, 500);
    }
  }
}

/** Runs `fn` inside BEGIN IMMEDIATE ... COMMIT (the write lock is taken up front, so no deadlock on upgrade). */
export function transaction<T>(db: Database, fn: () => T): T {
  return withRetry(() => {
    db.exec('BEGIN IMMEDIATE');
    try {
      const r = fn();
      db.exec('COMMIT');
      return r;
    } catch (e) {
      try {
        db.exec('ROLLBACK');
      } catch {
        /* already rolled back */
      }
      throw e;
    }
  });
}

export function openDatabase(file: string): Database {
  const { DatabaseSync } = sqlite();
  const db = withRetry(() => new DatabaseSync(file));
  db.exec('PRAGMA busy_timeout = 10000');
  // Switching to WAL needs a brief exclusive lock: another opener may hold it.
  withRetry(() => db.exec('PRAGMA journal_mode = WAL'));
  db.exec('PRAGMA synchronous = NORMAL');
  db.exec('PRAGMA foreign_keys = ON');
  return db;
}
