#!/usr/bin/env node
// Compiles every native source (syntax only: no LibTorch 2.x libraries are needed) against LibTorch 2.x
// headers, so that a change which builds here against Debian 12's LibTorch 1.13 cannot break the build on a
// GPU server's LibTorch 2.x unnoticed. The headers are Debian 13 (trixie)'s libtorch-dev (2.6), unpacked
// from the .deb without installing it; the CUDA-only source is checked too when CUDA headers exist.
//
//   node scripts/check-libtorch2.mjs [--headers DIR] [--fetch] [--extra FILE ...] [--jobs N]
//
//   --headers DIR  where the unpacked headers are (default .cache/libtorch2; DIR/usr/include/torch...)
//   --fetch        download and unpack them there first when missing (apt-get download + dpkg -x; Debian only);
//                  --fetch-only: only that
//   --extra FILE   also check FILE (the tests use it to prove the check can fail); --only-extra: just those
// Exit status 0 when every file compiles, 1 otherwise (the compiler's first errors are printed).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir, availableParallelism } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const option = (name) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const headers = path.resolve(option('--headers') ?? path.join(root, '.cache', 'libtorch2'));
const jobs = Number(option('--jobs') ?? Math.min(2, availableParallelism()));
const extras = argv.flatMap((a, i) => (argv[i - 1] === '--extra' ? [path.resolve(a)] : []));
const fail = (msg) => {
  console.error(`check-libtorch2: ${msg}`);
  process.exit(1);
};
const include = path.join(headers, 'usr', 'include');

function fetchHeaders() {
  // A private apt state: the machine's own sources and package lists stay as they are.
  const apt = mkdtempSync(path.join(tmpdir(), 'tsfm-apt-'));
  mkdirSync(path.join(apt, 'lists', 'partial'), { recursive: true });
  mkdirSync(path.join(apt, 'cache', 'archives', 'partial'), { recursive: true });
  writeFileSync(
    path.join(apt, 'sources.list'),
    'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main\n',
  );
  const o = [
    '-o',
    `Dir::Etc::sourcelist=${apt}/sources.list`,
    '-o',
    'Dir::Etc::sourceparts=/nonexistent',
    '-o',
    `Dir::State::Lists=${apt}/lists`,
    '-o',
    `Dir::Cache=${apt}/cache`,
    '-o',
    'Debug::NoLocking=1',
    '-o',
    'APT::Sandbox::User=root',
    '-qq',
  ];
  const run = (cmd, args, cwd) => {
    const r = spawnSync(cmd, args, { cwd, encoding: 'utf8' });
    if (r.error || r.status !== 0)
      fail(
        `${cmd} ${args.filter((a) => !a.startsWith('Dir::') && a !== '-o').join(' ')} failed: ${(r.error?.message ?? r.stderr).trim().split('\n').pop()}`,
      );
  };
  try {
    run('apt-get', [...o, 'update'], apt);
    run('apt-get', [...o, 'download', 'libtorch-dev'], apt);
    const deb = readdirSync(apt).find((f) => f.startsWith('libtorch-dev_') && f.endsWith('.deb'));
    if (!deb) fail('apt-get download left no libtorch-dev .deb');
    mkdirSync(headers, { recursive: true });
    run('dpkg', ['-x', path.join(apt, deb), headers], apt);
    console.log(`check-libtorch2: unpacked ${deb} into ${path.relative(process.cwd(), headers) || '.'}`);
  } finally {
    rmSync(apt, { recursive: true, force: true });
  }
}

if (!existsSync(path.join(include, 'torch', 'csrc', 'api', 'include', 'torch', 'version.h'))) {
  if (!argv.includes('--fetch') && !argv.includes('--fetch-only'))
    fail(`no LibTorch 2.x headers in ${headers} (run with --fetch to download Debian 13's libtorch-dev there)`);
  fetchHeaders();
}

if (argv.includes('--fetch-only')) process.exit(0);

const require = createRequire(path.join(root, 'package.json'));
const napi = [require('node-addon-api').include_dir, path.join(path.dirname(require.resolve('node-api-headers/package.json')), 'include')];
const scratch = mkdtempSync(path.join(tmpdir(), 'tsfm-lt2-'));
// The LibTorch 2.x version, and a stand-in for the one header a CUDA LibTorch generates at its own build.
writeFileSync(
  path.join(scratch, 'version.cpp'),
  '#include <torch/version.h>\n#include <cstdio>\nint main() { std::printf("%d.%d.%d", TORCH_VERSION_MAJOR, TORCH_VERSION_MINOR, TORCH_VERSION_PATCH); }\n',
);
mkdirSync(path.join(scratch, 'c10', 'cuda', 'impl'), { recursive: true });
writeFileSync(path.join(scratch, 'c10', 'cuda', 'impl', 'cuda_cmake_macros.h'), '#pragma once\n');
const torchIncludes = ['-I', include, '-I', path.join(include, 'torch', 'csrc', 'api', 'include')];
const v = spawnSync('g++', ['-std=c++17', ...torchIncludes, path.join(scratch, 'version.cpp'), '-o', path.join(scratch, 'version')], {
  encoding: 'utf8',
});
if (v.status !== 0) fail(`cannot read the LibTorch version from ${headers}: ${v.stderr.trim().split('\n')[0]}`);
const version = spawnSync(path.join(scratch, 'version'), { encoding: 'utf8' }).stdout;
if (!version.startsWith('2.')) fail(`the headers in ${headers} are LibTorch ${version}, not 2.x`);

// As CMakeLists.txt compiles them (distributed with Gloo; the Gloo headers are the system's libgloo-dev).
const common = [
  '-std=c++17',
  '-fsyntax-only',
  '-fopenmp',
  '-D_GLIBCXX_USE_CXX11_ABI=1',
  '-DTSFM_HAVE_DISTRIBUTED=1',
  '-DUSE_C10D_GLOO',
  '-DUSE_DISTRIBUTED',
  ...torchIncludes,
  '-I',
  path.join(root, 'native', 'core'),
  ...napi.flatMap((d) => ['-I', d]),
  '-DNAPI_VERSION=8',
  '-DNODE_ADDON_API_CPP_EXCEPTIONS',
  '-DNODE_ADDON_API_DISABLE_DEPRECATED',
  '-Wno-psabi',
];
const sources = (dir) =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith('.cpp') ? [path.join(dir, e.name)] : [],
  );
const tree = argv.includes('--only-extra')
  ? []
  : [
      ...sources(path.join(root, 'native', 'core')),
      ...sources(path.join(root, 'native', 'binding')),
      ...sources(path.join(root, 'native', 'tests')),
    ];
const units = [...tree, ...extras].map((file) => ({ file, flags: common }));
const cudaInclude = [process.env.CUDA_HOME && path.join(process.env.CUDA_HOME, 'include'), '/usr/local/cuda/include'].find(
  (d) => d && existsSync(path.join(d, 'cuda_runtime_api.h')),
);
if (cudaInclude && tree.length)
  // the CUDA-only code, as a CUDA build compiles it
  units.push({
    file: path.join(root, 'native', 'core', 'device_memory.cpp'),
    flags: [...common, '-DTSFM_WITH_CUDA=1', '-I', scratch, '-I', cudaInclude],
    label: 'with CUDA',
  });

const compile = (u) =>
  new Promise((resolve) => {
    const p = spawn('g++', [...u.flags, u.file], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d) => {
      err += d;
    });
    p.on('close', (code) => resolve({ ...u, ok: code === 0, err }));
  });
const results = [];
let next = 0;
await Promise.all(
  Array.from({ length: Math.max(1, jobs) }, async () => {
    while (next < units.length) results.push(await compile(units[next++]));
  }),
);
rmSync(scratch, { recursive: true, force: true });
const bad = results.filter((r) => !r.ok);
for (const r of bad) {
  console.error(`${path.relative(root, r.file)}${r.label ? ` (${r.label})` : ''}: does not compile against LibTorch ${version}`);
  console.error(
    r.err
      .split('\n')
      .filter((l) => /error/.test(l))
      .slice(0, 5)
      .map((l) => `  ${l}`)
      .join('\n'),
  );
}
console.log(
  `check-libtorch2: ${results.length - bad.length} of ${results.length} files compile against LibTorch ${version} headers${cudaInclude ? ` (CUDA-only code with ${cudaInclude})` : ' (no CUDA headers: CUDA-only code not checked)'}`,
);
process.exit(bad.length ? 1 : 0);
