// Packaging: `npm run prebuildify` (prebuildify -> node-gyp -> binding.gyp -> the CMake build) produces
// prebuilds/<platform>-<arch>/tsfm.glibc.node, and a package holding only that prebuild loads and trains.
// Runs on a copy of the sources so the checkout's own build/ is untouched. A full native build: minutes.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

describe('prebuildify packaging', () => {
  it('builds a prebuild through binding.gyp that the loader finds and that trains', () => {
    const copy = mkdtempSync(path.join(tmpdir(), 'tsfm-pkg-'));
    for (const f of ['package.json', 'binding.gyp', 'CMakeLists.txt', 'native', 'scripts'])
      cpSync(f, path.join(copy, f), { recursive: true });
    symlinkSync(path.resolve('node_modules'), path.join(copy, 'node_modules'));
    const r = spawnSync(process.execPath, [path.join(copy, 'scripts', 'prebuild.mjs')], {
      cwd: copy,
      encoding: 'utf8',
      env: { ...process.env, CMAKE_BUILD_PARALLEL_LEVEL: '2' },
    });
    expect(r.status, r.stdout.slice(-2000) + r.stderr.slice(-2000)).toBe(0);
    const dir = path.join(copy, 'prebuilds', `${process.platform}-${process.arch}`);
    expect(readdirSync(dir)).toContain('tsfm.glibc.node');
    expect(existsSync(path.join(copy, 'build', 'Release', 'tsfm.node'))).toBe(true);

    // A package with only the prebuild (no build/): the loader must find it there.
    const pkg = mkdtempSync(path.join(tmpdir(), 'tsfm-prebuilt-'));
    cpSync(path.resolve('dist'), path.join(pkg, 'dist'), { recursive: true });
    cpSync(path.resolve('configs'), path.join(pkg, 'configs'), { recursive: true });
    cpSync(path.resolve('package.json'), path.join(pkg, 'package.json'));
    cpSync(path.join(copy, 'prebuilds'), path.join(pkg, 'prebuilds'), { recursive: true });
    symlinkSync(path.resolve('node_modules'), path.join(pkg, 'node_modules'));
    const script = `import('./dist/ts/native/loader.js').then((t) => { const a = t.loadNative(); console.log(t.nativeAddonPath()); console.log(a.listModelFamilies().length); })`;
    const out = execFileSync(process.execPath, ['-e', script], { cwd: pkg, encoding: 'utf8' });
    expect(out).toContain(path.join('prebuilds', `${process.platform}-${process.arch}`, 'tsfm.glibc.node'));
    expect(out.trim().split('\n')[1]).toBe('9');
    const train = execFileSync(
      process.execPath,
      [
        path.join(pkg, 'dist/ts/cli/main.js'),
        'train',
        '--epochs',
        '1',
        '--runs-dir',
        path.join(pkg, 'runs'),
        '--set',
        'training.max_steps_per_epoch=2',
        '--set',
        'training.val_max_windows=20',
        '--set',
        'data.overrides.patients=2',
        '--set',
        'data.overrides.days=2',
      ],
      { cwd: pkg, encoding: 'utf8' },
    );
    expect(train).toMatch(/run \S+ completed/);
  });
});
