import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadStudyFile } from '../../../ts/tune/study.js';

const dir = path.resolve(__dirname, '../../../configs/search');

describe('configs/search', () => {
  it.each(readdirSync(dir).filter((f) => f.endsWith('.yaml')))('%s is a valid study on its base config', (f) => {
    const s = loadStudyFile(path.join(dir, f), { runsDir: '/tmp/unused' });
    expect(s.space.params.length).toBeGreaterThan(0);
  });

  it('has a default space for each model family', () => {
    expect(readdirSync(dir)).toEqual(expect.arrayContaining(['dlinear.yaml', 'ttm.yaml', 'patchtst.yaml']));
  });
});
