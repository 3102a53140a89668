import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as api from '../../../ts/index.js';

const root = path.resolve(__dirname, '../../..');
const docs = [
  path.join(root, 'README.md'),
  ...readdirSync(path.join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => path.join(root, 'docs', f)),
];

describe('the public API (ts/index.ts)', () => {
  it("exports every name the documentation imports from 'tsfm'", () => {
    const missing: string[] = [];
    for (const file of docs) {
      for (const m of readFileSync(file, 'utf8').matchAll(/import\s*\{([^}]+)\}\s*from\s*'tsfm'/g)) {
        for (const name of m[1]!
          .split(',')
          .map((s) => s.trim().replace(/^type\s+/, ''))
          .filter(Boolean)) {
          if (!(name in api)) missing.push(`${path.basename(file)}: ${name}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it('keeps the raw addon and the SQLite and locking internals inside', () => {
    for (const internal of [
      'loadNative',
      'toNativeDataset',
      'openDatabase',
      'withRetry',
      'transaction',
      'isBusy',
      'acquireLock',
      'currentProcess',
      'writeFileAtomic',
    ]) {
      expect(api, internal).not.toHaveProperty(internal);
    }
  });

  it('offers the one owner of a trained model and the main entry points', () => {
    for (const name of [
      'train',
      'prepare',
      'TrainedModel',
      'evaluateRun',
      'predictWithRun',
      'Registry',
      'runExperiment',
      'launch',
      'loadConfig',
    ]) {
      expect(typeof (api as Record<string, unknown>)[name], name).toBe('function');
    }
    expect(Object.keys(api).length).toBeLessThan(200);
  });
});
