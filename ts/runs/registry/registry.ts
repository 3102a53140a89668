/**
 * The run and model registry: an SQLite index over the run directories under one runs directory
 * (`<runs_dir>/registry.sqlite`). Every write re-indexes one run directory from its files, so the
 * live index and `rebuild()` go through the same code and give the same answers.
 */
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { effectiveStatus, listRunDirs, readMetadata, type RunMetadata } from '../metadata.js';
import { appendStage, currentStage, readStageHistory, type Stage, type StageChange } from '../stages.js';
import { openDatabase, transaction, withRetry, type Database } from './sqlite.js';
import { SCHEMA_SQL, SCHEMA_VERSION } from './schema.js';

export const REGISTRY_FILE = 'registry.sqlite';

export interface RunRow {
  run_id: string;
  kind: string;
  status: string;
  error: string | null;
  model_family: string | null;
  strategy: string | null;
  dataset: string | null;
  datasets: string[];
  task: string | null;
  experiment: string | null;
  seed: number | null;
  start_time: string;
  end_time: string | null;
  duration_s: number | null;
  train_seconds: number | null;
  run_dir: string;
  config_hash: string | null;
  git_commit: string | null;
  git_dirty: boolean | null;
  device: string | null;
  world_size: number | null;
  host: string | null;
  pid: number | null;
  metrics: Record<string, number>;
  params: Record<string, string>;
  tags: Record<string, string>;
}

export interface ModelRow {
  model_id: string;
  run_id: string;
  family: string | null;
  strategy: string | null;
  dataset: string | null;
  task: string | null;
  checkpoint: string;
  parameters: number | null;
  created_time: string;
  stage: string;
  metrics: Record<string, number>;
}

export interface RunFilter {
  status?: string;
  family?: string;
  dataset?: string;
  experiment?: string;
  task?: string;
  /** key=value on tags. */
  tags?: Record<string, string>;
  limit?: number;
}

export interface ModelFilter {
  family?: string;
  dataset?: string;
  task?: string;
  stage?: string;
  /** Metric to order by (ascending unless `descending`); models without it come last. */
  sort?: string;
  descending?: boolean;
  limit?: number;
}

/** The run's task label: its `task` tag, else `<dataset>_h<horizon>`. */
export function taskOf(m: RunMetadata): string | null {
  if (m.tags?.task) return m.tags.task;
  if (!m.dataset) return null;
  return m.model?.horizon ? `${m.dataset.name}_h${m.model.horizon}` : m.dataset.name;
}

const SAFE_NAME = /^[A-Za-z0-9_.-]+$/;

/** Collects `col = ?` conditions (skipping undefined values) and their arguments for a WHERE clause. */
function whereBuilder() {
  const where: string[] = [];
  const args: (string | number)[] = [];
  const eq = (col: string, v: string | undefined) => {
    if (v !== undefined) {
      where.push(`${col} = ?`);
      args.push(v);
    }
  };
  return { where, args, eq };
}

export class Registry {
  readonly db: Database;
  readonly runsDir: string;
  readonly file: string;

  private constructor(runsDir: string, file: string) {
    this.runsDir = path.resolve(runsDir);
    this.file = file;
    this.db = openDatabase(file);
    if (this.schemaVersion() === SCHEMA_VERSION) return; // usual case: no write lock needed to open
    transaction(this.db, () => {
      this.db.exec(SCHEMA_SQL);
      this.db.prepare('INSERT OR IGNORE INTO registry_info(key, value) VALUES (?, ?)').run('schema_version', String(SCHEMA_VERSION));
    });
  }

  private schemaVersion(): number | null {
    try {
      const row = withRetry(() => this.db.prepare("SELECT value FROM registry_info WHERE key = 'schema_version'").get());
      return row ? Number(row.value) : null;
    } catch {
      return null; // no table yet
    }
  }

  /** Opens (creating when absent) the registry of a runs directory. */
  static open(runsDir: string): Registry {
    mkdirSync(runsDir, { recursive: true });
    return new Registry(runsDir, path.join(path.resolve(runsDir), REGISTRY_FILE));
  }

  /**
   * Opens the registry of an existing runs directory for commands that read it: creates nothing, and a
   * database that is missing, emptied or corrupt while run directories exist is named, with the command
   * that restores it (the run directories are the truth).
   */
  static openExisting(runsDir: string): Registry {
    const dir = path.resolve(runsDir);
    if (!existsSync(dir) || !statSync(dir).isDirectory())
      throw new Error(`${dir}: no such runs directory (set --runs-dir or TSFM_RUNS_DIR)`);
    const file = path.join(dir, REGISTRY_FILE);
    const runDirs = listRunDirs(dir).length;
    const fix = `\`tsfm registry rebuild --runs-dir ${runsDir}\` recreates it from the run directories`;
    const present = existsSync(file) && statSync(file).size > 0;
    if (!present && runDirs > 0)
      throw new Error(`${file}: the registry database is missing or empty while ${dir} holds ${runDirs} run directories; ${fix}`);
    // No runs and no database: an empty registry in memory, so that reading writes nothing.
    if (!present) return new Registry(dir, ':memory:');
    let reg: Registry | undefined;
    try {
      reg = new Registry(dir, file);
      const indexed = Number(withRetry(() => reg!.db.prepare('SELECT count(*) AS n FROM runs').get())?.n ?? 0);
      if (indexed === 0 && runDirs > 0)
        throw new Error(`${file}: the registry lists no runs while ${dir} holds ${runDirs} run directories; ${fix}`);
      return reg;
    } catch (e) {
      reg?.close();
      const msg = (e as Error).message;
      if (/malformed|not a database|SQLITE_CORRUPT|SQLITE_NOTADB/i.test(msg))
        throw new Error(`${file}: the registry database is corrupt (${msg}); ${fix}`);
      throw e;
    }
  }

  close(): void {
    this.db.close();
  }

  // ---------------------------------------------------------------------------------------- writes

  /** (Re-)indexes one run directory from its files: metadata.json, stages.json, checkpoints. */
  indexRunDir(runDir: string): RunMetadata {
    const m = readMetadata(runDir);
    transaction(this.db, () => this.writeRun(m, path.resolve(runDir)));
    return m;
  }

  private writeRun(m: RunMetadata, runDir: string): void {
    const db = this.db;
    db.prepare('DELETE FROM runs WHERE run_id = ?').run(m.run_id);
    const task = taskOf(m);
    db.prepare(
      `INSERT INTO runs (run_id, kind, status, error, model_family, strategy, dataset, datasets, task, experiment, seed,
        start_time, end_time, duration_s, train_seconds, run_dir, config_hash, git_commit, git_dirty, device, world_size, host, pid,
        metrics, params, tags) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
    ).run(
      m.run_id,
      m.kind,
      m.status,
      m.error,
      m.model?.family ?? null,
      m.strategy ?? null,
      m.dataset?.name ?? null,
      JSON.stringify(m.datasets ?? []),
      task,
      m.tags?.experiment ?? null,
      m.seed,
      m.start_time,
      m.end_time,
      m.duration_s,
      m.train_seconds,
      runDir,
      m.config_hash,
      m.environment?.git_commit ?? null,
      m.environment?.git_dirty === null || m.environment?.git_dirty === undefined ? null : m.environment.git_dirty ? 1 : 0,
      m.device,
      m.world_size,
      m.owner?.host ?? null,
      m.owner?.pid ?? null,
      JSON.stringify(m.metrics ?? {}),
      JSON.stringify(m.params ?? {}),
      JSON.stringify(m.tags ?? {}),
    );
    const putMetric = db.prepare('INSERT INTO run_metrics(run_id, key, value) VALUES (?, ?, ?)');
    for (const [k, v] of Object.entries(m.metrics ?? {})) if (Number.isFinite(v)) putMetric.run(m.run_id, k, v);
    // A model is a completed run with weights to load.
    const ckpt = ['best.pt', 'last.pt'].map((f) => path.join(runDir, 'checkpoints', f)).find((f) => existsSync(f));
    if (m.status === 'completed' && ckpt) {
      const history = readStageHistory(runDir);
      db.prepare(
        `INSERT INTO models (model_id, run_id, family, strategy, dataset, task, checkpoint, parameters, created_time, stage)
          VALUES (?,?,?,?,?,?,?,?,?,?)`,
      ).run(
        m.run_id,
        m.run_id,
        m.model?.family ?? null,
        m.strategy ?? null,
        m.dataset?.name ?? null,
        task,
        ckpt,
        m.model?.parameters ?? null,
        m.end_time ?? m.start_time,
        currentStage(history),
      );
      const putStage = db.prepare('INSERT INTO stage_history(model_id, seq, stage, previous, time, note) VALUES (?,?,?,?,?,?)');
      history.forEach((h, i) => putStage.run(m.run_id, i, h.stage, h.previous, h.time, h.note));
    }
  }

  /**
   * Tags a model with a stage, keeping one `production` model per task: promoting one demotes (archives) the
   * task's current production model in the same write transaction, so two promotions at once cannot both
   * stay production. The stage files are written demotion first, so a crash between them leaves none, never two.
   */
  setStage(modelId: string, stage: Stage, note: string | null = null): { change: StageChange; demoted: string[] } {
    return transaction(this.db, () => {
      const model = this.db
        .prepare('SELECT m.task, r.run_dir FROM models m JOIN runs r ON r.run_id = m.run_id WHERE m.model_id = ?')
        .get(modelId);
      if (!model) throw new Error(`models stage: '${modelId}' is not a model in ${this.file}`);
      const demoted: string[] = [];
      if (stage === 'production') {
        const others = this.db
          .prepare(
            `SELECT m.model_id, r.run_dir FROM models m JOIN runs r ON r.run_id = m.run_id
              WHERE m.stage = 'production' AND m.model_id != ? AND m.task IS ?`,
          )
          .all(modelId, model.task);
        for (const o of others) {
          appendStage(String(o.run_dir), 'archived', `demoted: ${modelId} promoted to production for task ${model.task ?? '-'}`);
          this.writeRun(readMetadata(String(o.run_dir)), String(o.run_dir));
          demoted.push(String(o.model_id));
        }
      }
      const change = appendStage(String(model.run_dir), stage, note);
      this.writeRun(readMetadata(String(model.run_dir)), String(model.run_dir));
      return { change, demoted };
    });
  }

  removeRun(runId: string): void {
    transaction(this.db, () => this.db.prepare('DELETE FROM runs WHERE run_id = ?').run(runId));
  }

  /**
   * Recreates the database from the run directories (into a new file swapped in atomically).
   * Returns the number of runs indexed and the directories that could not be read.
   */
  static rebuild(runsDir: string): { runs: number; skipped: string[] } {
    const dir = path.resolve(runsDir);
    const file = path.join(dir, REGISTRY_FILE);
    const tmp = path.join(dir, `.${REGISTRY_FILE}.rebuild-${process.pid}`);
    for (const f of [tmp, `${tmp}-wal`, `${tmp}-shm`]) rmSync(f, { force: true });
    const fresh = new Registry(dir, tmp);
    const skipped: string[] = [];
    let runs = 0;
    transaction(fresh.db, () => {
      for (const runDir of listRunDirs(dir)) {
        try {
          fresh.writeRun(readMetadata(runDir), runDir);
          runs++;
        } catch (e) {
          skipped.push(`${runDir}: ${(e as Error).message}`);
        }
      }
    });
    withRetry(() => fresh.db.exec('PRAGMA wal_checkpoint(TRUNCATE)'));
    fresh.close();
    for (const f of [`${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
    renameSync(tmp, file);
    for (const f of [`${tmp}-wal`, `${tmp}-shm`]) rmSync(f, { force: true });
    return { runs, skipped };
  }

  // ---------------------------------------------------------------------------------------- reads

  listRuns(filter: RunFilter = {}): RunRow[] {
    const { where, args, eq } = whereBuilder();
    eq('status', filter.status);
    eq('model_family', filter.family);
    eq('experiment', filter.experiment);
    eq('task', filter.task);
    if (filter.dataset !== undefined) {
      where.push('(dataset = ? OR EXISTS (SELECT 1 FROM json_each(runs.datasets) WHERE value = ?))');
      args.push(filter.dataset, filter.dataset);
    }
    for (const [k, v] of Object.entries(filter.tags ?? {})) {
      where.push('json_extract(tags, ?) = ?');
      args.push(`$."${k.replace(/"/g, '')}"`, v);
    }
    const sql = `SELECT * FROM runs ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY start_time DESC, run_id DESC ${filter.limit ? `LIMIT ${Math.floor(filter.limit)}` : ''}`;
    return withRetry(() => this.db.prepare(sql).all(...args)).map(toRunRow);
  }

  /** A run by id or unique id prefix; throws naming the id when absent or ambiguous. */
  getRun(idOrPrefix: string): RunRow {
    const exact = withRetry(() => this.db.prepare('SELECT * FROM runs WHERE run_id = ?').get(idOrPrefix));
    if (exact) return toRunRow(exact);
    const like = withRetry(() =>
      this.db.prepare('SELECT * FROM runs WHERE substr(run_id, 1, length(?)) = ? LIMIT 3').all(idOrPrefix, idOrPrefix),
    );
    if (like.length === 1) return toRunRow(like[0]);
    if (like.length > 1) throw new Error(`run '${idOrPrefix}' is ambiguous (${like.map((r) => r.run_id).join(', ')}, ...)`);
    throw new Error(`run '${idOrPrefix}' not found in ${this.file} (try \`tsfm registry rebuild\` if its directory exists)`);
  }

  listModels(filter: ModelFilter = {}): ModelRow[] {
    const { where, args, eq } = whereBuilder();
    eq('m.family', filter.family);
    eq('m.dataset', filter.dataset);
    eq('m.task', filter.task);
    eq('m.stage', filter.stage);
    let order = 'm.created_time DESC';
    let join = '';
    if (filter.sort) {
      if (!SAFE_NAME.test(filter.sort)) throw new Error(`--sort: '${filter.sort}' is not a metric name`);
      join = 'LEFT JOIN run_metrics s ON s.run_id = m.run_id AND s.key = ?';
      args.unshift(filter.sort);
      order = `s.value IS NULL, s.value ${filter.descending ? 'DESC' : 'ASC'}, m.created_time DESC`;
    }
    const sql = `SELECT m.*, r.metrics AS metrics FROM models m JOIN runs r ON r.run_id = m.run_id ${join}
      ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY ${order} ${filter.limit ? `LIMIT ${Math.floor(filter.limit)}` : ''}`;
    return withRetry(() => this.db.prepare(sql).all(...args)).map((r) => ({
      ...(r as unknown as ModelRow),
      metrics: JSON.parse(String(r.metrics)),
    }));
  }

  /** The model with the lowest (or highest) value of `metric` among those matching the filter. */
  bestModel(filter: Omit<ModelFilter, 'sort' | 'limit'> & { metric: string }): ModelRow | null {
    const [best] = this.listModels({ ...filter, sort: filter.metric, limit: 1 });
    return best && best.metrics[filter.metric] !== undefined ? best : null;
  }

  stageHistory(modelId: string): StageChange[] {
    return withRetry(() =>
      this.db.prepare('SELECT stage, previous, time, note FROM stage_history WHERE model_id = ? ORDER BY seq').all(modelId),
    ) as unknown as StageChange[];
  }

  /** Runs marked running whose process is gone (killed): returned with their effective status. */
  staleRuns(): Array<{ run: RunRow; error: string }> {
    const out: Array<{ run: RunRow; error: string }> = [];
    for (const run of this.listRuns({ status: 'running' })) {
      try {
        const m = readMetadata(run.run_dir);
        const eff = effectiveStatus(m);
        if (eff.stale) out.push({ run, error: eff.error! });
      } catch {
        /* directory gone: `registry rebuild` or `runs rm` cleans it */
      }
    }
    return out;
  }
}

function toRunRow(r: Record<string, unknown>): RunRow {
  return {
    ...(r as unknown as RunRow),
    datasets: JSON.parse(String(r.datasets)),
    metrics: JSON.parse(String(r.metrics)),
    params: JSON.parse(String(r.params)),
    tags: JSON.parse(String(r.tags)),
    git_dirty: r.git_dirty === null ? null : Boolean(r.git_dirty),
  };
}
