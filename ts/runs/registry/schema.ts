/** The registry's tables. The run directories are the source of truth; these tables index them. */
export const SCHEMA_VERSION = 1;

export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS registry_info (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
  run_id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  status TEXT NOT NULL,
  error TEXT,
  model_family TEXT,
  strategy TEXT,
  dataset TEXT,
  datasets TEXT NOT NULL,
  task TEXT,
  experiment TEXT,
  seed INTEGER,
  start_time TEXT NOT NULL,
  end_time TEXT,
  duration_s REAL,
  train_seconds REAL,
  run_dir TEXT NOT NULL,
  config_hash TEXT,
  git_commit TEXT,
  git_dirty INTEGER,
  device TEXT,
  world_size INTEGER,
  host TEXT,
  pid INTEGER,
  metrics TEXT NOT NULL,
  params TEXT NOT NULL,
  tags TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_by_start ON runs(start_time);
CREATE INDEX IF NOT EXISTS runs_by_experiment ON runs(experiment);
CREATE TABLE IF NOT EXISTS run_metrics (
  run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  value REAL NOT NULL,
  PRIMARY KEY (run_id, key)
);
CREATE TABLE IF NOT EXISTS models (
  model_id TEXT PRIMARY KEY,
  run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
  family TEXT,
  strategy TEXT,
  dataset TEXT,
  task TEXT,
  checkpoint TEXT NOT NULL,
  parameters INTEGER,
  created_time TEXT NOT NULL,
  stage TEXT NOT NULL DEFAULT 'none'
);
CREATE TABLE IF NOT EXISTS stage_history (
  model_id TEXT NOT NULL REFERENCES models(model_id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  stage TEXT NOT NULL,
  previous TEXT NOT NULL,
  time TEXT NOT NULL,
  note TEXT,
  PRIMARY KEY (model_id, seq)
);
`;
