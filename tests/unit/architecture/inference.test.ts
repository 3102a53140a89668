import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// Issue 12, "one owner for a trained model": models and trainers are built in ts/native/engine.ts only,
// predictors in engine.ts through ts/native/predictor.ts, and inference (evaluate, predict, TrainedModel) never touches a
// trainer or its options.
const tsRoot = path.resolve(__dirname, '../../../ts');
const walk = (d: string): string[] =>
  readdirSync(d).flatMap((n) => {
    const p = path.join(d, n);
    return statSync(p).isDirectory() ? walk(p) : n.endsWith('.ts') ? [p] : [];
  });
const files = walk(tsRoot).map((f) => ({ rel: path.relative(tsRoot, f).split(path.sep).join('/'), src: readFileSync(f, 'utf8') }));
const using = (pattern: RegExp) =>
  files
    .filter((f) => pattern.test(f.src))
    .map((f) => f.rel)
    .sort();

describe('who builds native trainers and predictors', () => {
  it('only the engine constructs a model or a trainer, or opens a predictor', () => {
    expect(using(/new\s+\w+\.NativeModel\b/)).toEqual(['native/engine.ts']);
    expect(using(/new\s+\w+\.NativeTrainer\b/)).toEqual(['native/engine.ts']);
    expect(using(/\.NativePredictor\.open\b/)).toEqual(['native/predictor.ts']);
    expect(using(/\bPredictor\.open\(/)).toEqual(['native/engine.ts']);
  });

  it('inference never reaches for a trainer or training options', () => {
    const inference = files.filter((f) => /^(evaluate|predict)\//.test(f.rel) || f.rel === 'pipeline/trained-model.ts');
    expect(inference.length).toBeGreaterThan(5);
    const offenders = inference.filter((f) => /createTrainer|NativeTrainer|\blossOf\b|\blr\b|\bepochs\b/.test(f.src)).map((f) => f.rel);
    expect(offenders).toEqual([]);
  });
});
