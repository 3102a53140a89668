// The addon loader: the order it tries, and what it says when nothing loads.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AddonLoadError, addonCandidates, loadAddonFrom, loadNative, nativeAddonPath } from '../../../ts/native/loader.js';

describe('addon loader', () => {
  it("tries TSFM_ADDON, then the local build, then this platform's prebuilds with this libc first", () => {
    const root = mkdtempSync(path.join(tmpdir(), 'tsfm-root-'));
    const pre = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`);
    mkdirSync(pre, { recursive: true });
    for (const f of ['tsfm.musl.node', 'tsfm.node', 'tsfm.glibc.node']) writeFileSync(path.join(pre, f), '');
    const list = addonCandidates(root, { TSFM_ADDON: '/opt/x/tsfm.node' });
    expect(list).toEqual([
      '/opt/x/tsfm.node',
      path.join(root, 'build', 'Release', 'tsfm.node'),
      path.join(pre, 'tsfm.glibc.node'),
      path.join(pre, 'tsfm.node'),
      path.join(pre, 'tsfm.musl.node'),
    ]);
  });

  it('lists every place it tried, why each failed and what to do', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tsfm-bad-addon-'));
    const junk = path.join(dir, 'junk.node');
    writeFileSync(junk, 'not a shared object');
    let err: unknown;
    try {
      loadAddonFrom([path.join(dir, 'missing.node'), junk]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AddonLoadError);
    const msg = (err as Error).message;
    expect(msg).toContain(`${path.join(dir, 'missing.node')}: not found`);
    expect(msg).toMatch(new RegExp(`${junk.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: .*(ELF|invalid|too short)`));
    expect(msg).toMatch(/Fix: /);
    expect((err as AddonLoadError).tried).toHaveLength(2);
  });

  it('loads the local build and says which file it used', () => {
    const addon = loadNative();
    expect(addon.runtimeInfo().torchVersion).toMatch(/^\d+\.\d+/);
    expect(nativeAddonPath()).toMatch(/tsfm(\.\w+)?\.node$/);
  });
});
