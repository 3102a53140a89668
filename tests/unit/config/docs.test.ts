import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { configDocs, configJsonSchema, configOptions, packageRoot, TsfmConfigSchema } from '../../../ts/config/index.js';

/** Every leaf path of the zod schema, found by walking zod's own definitions (independently of the docs code). */
function zodLeaves(schema: z.core.$ZodType, path: string[] = []): string[] {
  const def = schema._zod.def as z.core.$ZodTypeDef & Record<string, unknown>;
  switch (def.type) {
    case 'default':
    case 'prefault':
    case 'optional':
    case 'nullable':
      return zodLeaves(def.innerType as z.core.$ZodType, path);
    case 'pipe':
      return zodLeaves(def.in as z.core.$ZodType, path);
    case 'object': {
      const shape = def.shape as Record<string, z.core.$ZodType>;
      return Object.entries(shape).flatMap(([k, v]) => zodLeaves(v, [...path, k]));
    }
    case 'union':
      return [...new Set((def.options as z.core.$ZodType[]).flatMap((o) => zodLeaves(o, path)))];
    default:
      return [path.join('.')];
  }
}

function zodDescribed(schema: z.core.$ZodType, path: string[] = [], out: string[] = []): string[] {
  const def = schema._zod.def as z.core.$ZodTypeDef & Record<string, unknown>;
  if (def.type === 'object') {
    for (const [k, v] of Object.entries(def.shape as Record<string, z.core.$ZodType>)) {
      if (!z.globalRegistry.get(v)?.description) out.push([...path, k].join('.'));
      let inner: z.core.$ZodType = v;
      for (;;) {
        const d = inner._zod.def as unknown as Record<string, unknown>;
        if (d.innerType) inner = d.innerType as z.core.$ZodType;
        else if (d.type === 'pipe') inner = d.in as z.core.$ZodType;
        else break;
      }
      const idef = inner._zod.def as unknown as Record<string, unknown>;
      if (idef.type === 'object') zodDescribed(inner, [...path, k], out);
      if (idef.type === 'union') for (const o of idef.options as z.core.$ZodType[]) zodDescribed(o, [...path, k], out);
    }
  }
  return out;
}

describe('generated documentation', () => {
  const docs = configDocs();
  const leaves = zodLeaves(TsfmConfigSchema);

  it('the schema has the expected leaves', () => {
    expect(leaves).toContain('model.family');
    expect(leaves).toContain('data.split.protocol');
    expect(leaves).toContain('data.split.block');
    expect(leaves).toContain('training.early_stopping.min_delta');
    expect(leaves.length).toBeGreaterThan(45);
  });

  it('every option has a description', () => {
    expect(zodDescribed(TsfmConfigSchema)).toEqual([]);
    for (const o of configOptions()) expect(o.description, o.path).not.toBe('');
  });

  it('lists every leaf option with type, default and description', () => {
    for (const leaf of leaves) expect(docs, leaf).toContain(`| \`${leaf}\` |`);
    expect(new Set(configOptions().map((o) => o.path))).toEqual(new Set(leaves));
    expect(docs).toContain(
      '| `model.family` | `dlinear` \\| `ttm` \\| `patchtst` \\| `granite_ttm` \\| `tsmixer` \\| `nhits` \\| `tide` \\| `lstm` \\| `gru` | `ttm` |',
    );
    expect(docs).toContain('| `training.batch_size` | integer ≥ 1 | `64` |');
    expect(docs).toContain('| `model.quantiles` | non-empty list (each entry a number in (0, 1)) | `[0.1, 0.25, 0.5, 0.75, 0.9]` |');
    expect(docs).toContain('### `data.split` with `protocol: glucobench`');
  });

  it('docs/configuration.md is up to date (TSFM_UPDATE_DOCS=1 rewrites it)', () => {
    const file = join(packageRoot(), 'docs', 'configuration.md');
    if (process.env.TSFM_UPDATE_DOCS === '1') writeFileSync(file, docs);
    expect(existsSync(file), `${file} missing: run TSFM_UPDATE_DOCS=1 npx vitest run --project unit tests/unit/config`).toBe(true);
    expect(readFileSync(file, 'utf8'), 'stale: run TSFM_UPDATE_DOCS=1 npx vitest run --project unit tests/unit/config').toBe(docs);
  });

  it('exports a JSON Schema that admits defaults:', () => {
    const s = configJsonSchema() as { properties: Record<string, unknown>; additionalProperties: boolean };
    expect(Object.keys(s.properties)).toEqual(['defaults', 'model', 'data', 'training', 'evaluation', 'output']);
    expect(s.additionalProperties).toBe(false);
  });
});
