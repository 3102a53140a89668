// hf:<org>/<repo>[@rev] downloads against a local HTTP server that plays the Hugging Face hub with the shared
// TTM-R2 files (never the internet): the revision API (sizes, LFS sha256, git blob ids), resolve URLs with
// range requests, and failures (a dropped connection, corrupt bytes, TSFM_NO_DOWNLOAD=1).
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { checkoutDir, fetchHfCheckpoint, parseHfRef } from '../../../ts/pretrained/hub.js';

const shipped = path.resolve('../shared/models/granite-ttm-r2-512-96');
const files: Record<string, Buffer> = {
  'config.json': readFileSync(path.join(shipped, 'config.json')),
  'model.safetensors': readFileSync(path.join(shipped, 'model.safetensors')),
};
const COMMIT = '0123456789abcdef0123456789abcdef01234567';
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const gitBlob = (b: Buffer) => createHash('sha1').update(`blob ${b.length}\0`).update(b).digest('hex');

/** What the fake hub does; tests change it. */
const hub = {
  requests: [] as string[],
  ranges: [] as string[],
  /** Close the connection after this many bytes of model.safetensors (once). */
  dropAfter: 0,
  /** Serve this instead of the real weights. */
  corrupt: null as Buffer | null,
  /** Answer 206 to range requests (a server without range support answers 200 with everything). */
  ranges206: true,
};

function handle(req: IncomingMessage, res: ServerResponse): void {
  const url = req.url ?? '';
  hub.requests.push(url);
  const api = /^\/api\/models\/ibm-granite\/granite-timeseries-ttm-r2\/revision\/([^?]+)\?blobs=true$/.exec(url);
  if (api) {
    if (decodeURIComponent(api[1]) !== 'main') return void res.writeHead(404).end('{"error":"Revision not found"}');
    const w = files['model.safetensors'];
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        id: 'ibm-granite/granite-timeseries-ttm-r2',
        sha: COMMIT,
        siblings: [
          { rfilename: 'README.md', size: 10, blobId: 'x' },
          { rfilename: 'config.json', size: files['config.json'].length, blobId: gitBlob(files['config.json']) },
          { rfilename: 'model.safetensors', size: w.length, blobId: 'y', lfs: { sha256: sha256(w), size: w.length, pointerSize: 134 } },
        ],
      }),
    );
    return;
  }
  const file = /^\/ibm-granite\/granite-timeseries-ttm-r2\/resolve\/([0-9a-f]{40})\/(.+)$/.exec(url);
  if (!file || file[1] !== COMMIT || !files[file[2]]) return void res.writeHead(404).end('not found');
  let body = file[2] === 'model.safetensors' && hub.corrupt ? hub.corrupt : files[file[2]];
  const range = /^bytes=(\d+)-$/.exec(String(req.headers.range ?? ''));
  if (range) hub.ranges.push(`${file[2]} ${range[1]}`);
  if (range && hub.ranges206) {
    body = body.subarray(Number(range[1]));
    res.writeHead(206, { 'content-length': body.length, 'content-range': `bytes ${range[1]}-/${files[file[2]].length}` });
  } else {
    res.writeHead(200, { 'content-length': body.length });
  }
  if (file[2] === 'model.safetensors' && hub.dropAfter > 0) {
    const n = hub.dropAfter;
    hub.dropAfter = 0;
    res.write(body.subarray(0, n), () => res.socket?.destroy());
    return;
  }
  res.end(body);
}

let server: Server;
let endpoint = '';
let cache = '';
const env = () => ({ TSFM_CACHE: cache, HF_ENDPOINT: endpoint });
const source = 'hf:ibm-granite/granite-timeseries-ttm-r2';

beforeAll(async () => {
  server = createServer(handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));
beforeEach(() => {
  cache = mkdtempSync(path.join(tmpdir(), 'tsfm-hub-'));
  Object.assign(hub, { requests: [], ranges: [], dropAfter: 0, corrupt: null, ranges206: true });
  return () => rmSync(cache, { recursive: true, force: true });
});

describe('hf: checkpoints', () => {
  it('parses references', () => {
    expect(parseHfRef('hf:ibm-granite/granite-timeseries-ttm-r2')).toEqual({
      repo: 'ibm-granite/granite-timeseries-ttm-r2',
      revision: 'main',
    });
    expect(parseHfRef('hf:ibm-granite/granite-timeseries-ttm-r2@1024-96-r2')).toEqual({
      repo: 'ibm-granite/granite-timeseries-ttm-r2',
      revision: '1024-96-r2',
    });
    expect(() => parseHfRef('hf:no-repo')).toThrow(/'hf:no-repo' is not hf:<org>\/<repo>\[@<revision>\]/);
  });

  it('downloads into the cache, verifies sizes and checksums, and then works offline', async () => {
    const c = await fetchHfCheckpoint(source, env());
    expect(c.dir).toBe(checkoutDir({ repo: 'ibm-granite/granite-timeseries-ttm-r2', revision: 'main' }, env()));
    expect(c.dir.startsWith(cache)).toBe(true);
    expect(c.commit).toBe(COMMIT);
    expect(c.files['model.safetensors']).toEqual({
      size: 3_240_592,
      sha256: 'a706726a7eb01bbcb42994b7dcb3c06ea9557898dbae8d480eb04fe8ccb89710',
    });
    expect(readFileSync(path.join(c.dir, 'model.safetensors')).equals(files['model.safetensors'])).toBe(true);
    expect(readFileSync(path.join(c.dir, 'config.json')).equals(files['config.json'])).toBe(true);
    hub.requests = [];
    const again = await fetchHfCheckpoint(source, { ...env(), TSFM_NO_DOWNLOAD: '1' });
    expect(again.commit).toBe(COMMIT);
    expect(hub.requests).toEqual([]);
  });

  it('resumes a download that stopped part-way with a range request', async () => {
    hub.dropAfter = 1_000_000;
    await expect(fetchHfCheckpoint(source, env())).rejects.toThrow();
    const partial = path.join(checkoutDir(parseHfRef(source), env()), 'model.safetensors.partial');
    const kept = statSync(partial).size;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(files['model.safetensors'].length);
    const c = await fetchHfCheckpoint(source, env());
    expect(hub.ranges).toEqual([`model.safetensors ${kept}`]);
    expect(c.files['model.safetensors'].sha256).toBe(sha256(files['model.safetensors']));
    expect(existsSync(partial)).toBe(false);
  });

  it('starts over when the server ignores the range', async () => {
    const dir = checkoutDir(parseHfRef(source), env());
    await fetchHfCheckpoint(source, env()).catch(() => undefined);
    rmSync(path.join(dir, 'tsfm-manifest.json'));
    rmSync(path.join(dir, 'model.safetensors'));
    writeFileSync(path.join(dir, 'model.safetensors.partial'), files['model.safetensors'].subarray(0, 1000));
    hub.ranges206 = false;
    const c = await fetchHfCheckpoint(source, env());
    expect(hub.ranges).toEqual(['model.safetensors 1000']);
    expect(c.files['model.safetensors'].size).toBe(3_240_592);
  });

  it('rejects and removes a download whose sha256 differs from the hub', async () => {
    const bad = Buffer.from(files['model.safetensors']);
    bad[5000] ^= 0xff;
    hub.corrupt = bad;
    await expect(fetchHfCheckpoint(source, env())).rejects.toThrow(
      /model\.safetensors has sha256 [0-9a-f]{64}, the hub reports a706726a.* \(corrupt download removed\)/,
    );
    expect(existsSync(path.join(checkoutDir(parseHfRef(source), env()), 'model.safetensors.partial'))).toBe(false);
  });

  it('re-downloads a cached file that changed on disk', async () => {
    const c = await fetchHfCheckpoint(source, env());
    writeFileSync(path.join(c.dir, 'config.json'), '{}');
    hub.requests = [];
    await fetchHfCheckpoint(source, env());
    expect(hub.requests.some((u) => u.endsWith('/config.json'))).toBe(true);
    expect(readFileSync(path.join(c.dir, 'config.json')).equals(files['config.json'])).toBe(true);
  });

  it('with TSFM_NO_DOWNLOAD=1 and an empty cache, names the cache and never connects', async () => {
    await expect(fetchHfCheckpoint(source, { ...env(), TSFM_NO_DOWNLOAD: '1' })).rejects.toThrow(
      new RegExp(
        `hf:ibm-granite/granite-timeseries-ttm-r2: not in the cache \\(${cache}.*\\) and TSFM_NO_DOWNLOAD=1 forbids downloading it`,
      ),
    );
    expect(hub.requests).toEqual([]);
  });

  it('names an unknown revision and an unreachable hub', async () => {
    await expect(fetchHfCheckpoint(`${source}@9999-96-r2`, env())).rejects.toThrow(/hub answered 404 .*\(no such repository or revision\)/);
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    await expect(fetchHfCheckpoint(source, { TSFM_CACHE: cache, HF_ENDPOINT: `http://127.0.0.1:${port}` })).rejects.toThrow(
      new RegExp(`cannot reach http://127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\); set TSFM_NO_DOWNLOAD=1`),
    );
  });
});
