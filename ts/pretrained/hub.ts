/**
 * `hf:<org>/<repo>[@<revision>]`: a Hugging Face model repository fetched into a local cache
 * (`$TSFM_CACHE`, else ~/.cache/tsfm), as a checkpoint directory the loader reads like any other.
 *
 * The hub's API (`/api/models/<repo>/revision/<rev>?blobs=true`) gives the commit and each file's size and,
 * for files kept in Git LFS, its sha256 (for small files, the git blob id: sha1 of "blob <size>\0" + bytes);
 * every downloaded file is checked against them, and a download that stopped part-way resumes with an HTTP
 * range request. `TSFM_NO_DOWNLOAD=1` uses the cache only. `HF_ENDPOINT` (default https://huggingface.co)
 * and `HF_TOKEN` are honoured as the Hugging Face tools do.
 */
import { createHash } from 'node:crypto';
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export const HF_FILES = ['config.json', 'model.safetensors'] as const;

export interface HfRef {
  repo: string;
  revision: string;
}

export interface CachedFile {
  size: number;
  /** sha256 of the file (always computed here). */
  sha256: string;
}

export interface HfCheckout {
  dir: string;
  repo: string;
  revision: string;
  /** The commit the revision pointed to when it was downloaded. */
  commit: string;
  files: Record<string, CachedFile>;
}

const REF = /^hf:([A-Za-z0-9][\w.-]*\/[\w.-]+)(?:@([\w./-]+))?$/;

export function isHfRef(source: string): boolean {
  return source.startsWith('hf:');
}

export function parseHfRef(source: string): HfRef {
  const m = REF.exec(source);
  if (!m) throw new Error(`model.pretrained: '${source}' is not hf:<org>/<repo>[@<revision>]`);
  return { repo: m[1], revision: m[2] ?? 'main' };
}

export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.TSFM_CACHE || path.join(homedir(), '.cache', 'tsfm'));
}

/** Where a revision lives in the cache: <root>/hf/<org>--<repo>/<revision>. */
export function checkoutDir(ref: HfRef, env: NodeJS.ProcessEnv = process.env): string {
  return path.join(cacheRoot(env), 'hf', ref.repo.replace('/', '--'), ref.revision.replace(/\//g, '--'));
}

const MANIFEST = 'tsfm-manifest.json';

interface Sibling {
  rfilename: string;
  size?: number;
  blobId?: string;
  lfs?: { sha256: string; size: number };
}

/** The repository's files at the revision, as the hub reports them. */
async function revisionInfo(
  ref: HfRef,
  endpoint: string,
  headers: Record<string, string>,
): Promise<{ commit: string; files: Map<string, Sibling> }> {
  const url = `${endpoint}/api/models/${ref.repo}/revision/${encodeURIComponent(ref.revision)}?blobs=true`;
  const res = await fetchOrExplain(url, { headers }, ref);
  if (!res.ok) {
    const hint =
      res.status === 401 || res.status === 403
        ? ' (private or gated: set HF_TOKEN)'
        : res.status === 404
          ? ' (no such repository or revision)'
          : '';
    throw new Error(`hf:${ref.repo}@${ref.revision}: the hub answered ${res.status} for ${url}${hint}`);
  }
  const body = (await res.json()) as { sha?: string; siblings?: Sibling[] };
  if (!body.sha || !Array.isArray(body.siblings))
    throw new Error(`hf:${ref.repo}@${ref.revision}: unexpected answer from ${url} (no sha/siblings)`);
  return { commit: body.sha, files: new Map(body.siblings.map((s) => [s.rfilename, s])) };
}

async function fetchOrExplain(url: string, init: RequestInit, ref: HfRef): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(
      `hf:${ref.repo}@${ref.revision}: cannot reach ${new URL(url).origin} (${cause?.code ?? cause?.message ?? (e as Error).message}); set TSFM_NO_DOWNLOAD=1 to use the cache only, or point model.pretrained at a local directory`,
    );
  }
}

async function hashFile(file: string, algorithm: 'sha256' | 'sha1', prefix?: string): Promise<string> {
  const h = createHash(algorithm);
  if (prefix) h.update(prefix);
  await pipeline(createReadStream(file), h);
  return h.digest('hex');
}

/** Downloads one file to <dir>/<name>, resuming <name>.partial, and verifies its size and checksum. */
async function downloadFile(
  ref: HfRef,
  commit: string,
  info: Sibling,
  dir: string,
  endpoint: string,
  headers: Record<string, string>,
): Promise<CachedFile> {
  const name = info.rfilename;
  const size = info.lfs?.size ?? info.size;
  if (typeof size !== 'number') throw new Error(`hf:${ref.repo}@${ref.revision}: the hub reports no size for ${name}`);
  const final = path.join(dir, name);
  const partial = `${final}.partial`;
  let have = existsSync(partial) ? statSync(partial).size : 0;
  if (have > size) {
    unlinkSync(partial);
    have = 0;
  }
  if (have < size) {
    const url = `${endpoint}/${ref.repo}/resolve/${commit}/${name}`;
    const res = await fetchOrExplain(url, { headers: have > 0 ? { ...headers, Range: `bytes=${have}-` } : headers }, ref);
    if (res.status !== 200 && res.status !== 206)
      throw new Error(`hf:${ref.repo}@${ref.revision}: the hub answered ${res.status} for ${url}`);
    // 206: the server continues where the partial file ends; 200: it sends everything, so start over.
    const append = res.status === 206 && have > 0;
    await pipeline(
      Readable.fromWeb(res.body as import('node:stream/web').ReadableStream),
      createWriteStream(partial, { flags: append ? 'a' : 'w' }),
    );
  }
  const got = statSync(partial).size;
  if (got !== size)
    throw new Error(
      `hf:${ref.repo}@${ref.revision}: ${name} has ${got} bytes after download, the hub reports ${size} (kept ${partial}; run again to resume)`,
    );
  const sha256 = await hashFile(partial, 'sha256');
  if (info.lfs) {
    if (sha256 !== info.lfs.sha256) {
      unlinkSync(partial);
      throw new Error(
        `hf:${ref.repo}@${ref.revision}: ${name} has sha256 ${sha256}, the hub reports ${info.lfs.sha256} (corrupt download removed)`,
      );
    }
  } else if (info.blobId) {
    const blob = await hashFile(partial, 'sha1', `blob ${size}\0`);
    if (blob !== info.blobId) {
      unlinkSync(partial);
      throw new Error(
        `hf:${ref.repo}@${ref.revision}: ${name} has git blob id ${blob}, the hub reports ${info.blobId} (corrupt download removed)`,
      );
    }
  } else {
    throw new Error(`hf:${ref.repo}@${ref.revision}: the hub reports no checksum for ${name}`);
  }
  renameSync(partial, final);
  return { size, sha256 };
}

/** The cached checkout if it is complete and its files still match the manifest; otherwise null. */
async function cachedCheckout(dir: string): Promise<HfCheckout | null> {
  const file = path.join(dir, MANIFEST);
  if (!existsSync(file)) return null;
  let m: HfCheckout;
  try {
    m = JSON.parse(readFileSync(file, 'utf8')) as HfCheckout;
  } catch {
    return null;
  }
  for (const name of HF_FILES) {
    const f = m.files?.[name];
    const p = path.join(dir, name);
    if (!f || !existsSync(p) || statSync(p).size !== f.size || (await hashFile(p, 'sha256')) !== f.sha256) return null;
  }
  return { ...m, dir };
}

/**
 * Resolves `hf:<org>/<repo>[@rev]` to a verified local directory with config.json and model.safetensors,
 * downloading what the cache lacks unless TSFM_NO_DOWNLOAD=1.
 */
export async function fetchHfCheckpoint(source: string, env: NodeJS.ProcessEnv = process.env): Promise<HfCheckout> {
  const ref = parseHfRef(source);
  const dir = checkoutDir(ref, env);
  const cached = await cachedCheckout(dir);
  if (cached) return cached;
  if (env.TSFM_NO_DOWNLOAD === '1') throw new Error(`${source}: not in the cache (${dir}) and TSFM_NO_DOWNLOAD=1 forbids downloading it`);
  const endpoint = (env.HF_ENDPOINT || 'https://huggingface.co').replace(/\/+$/, '');
  const headers: Record<string, string> = env.HF_TOKEN ? { Authorization: `Bearer ${env.HF_TOKEN}` } : {};
  const { commit, files } = await revisionInfo(ref, endpoint, headers);
  mkdirSync(dir, { recursive: true });
  const out: Record<string, CachedFile> = {};
  for (const name of HF_FILES) {
    const info = files.get(name);
    if (!info) throw new Error(`${source}: the repository has no ${name} at revision ${ref.revision} (commit ${commit})`);
    out[name] = await downloadFile(ref, commit, info, dir, endpoint, headers);
  }
  const checkout: HfCheckout = { dir, repo: ref.repo, revision: ref.revision, commit, files: out };
  const tmp = path.join(dir, `${MANIFEST}.tmp-${process.pid}`);
  writeFileSync(tmp, JSON.stringify({ ...checkout, dir: undefined }, null, 2));
  renameSync(tmp, path.join(dir, MANIFEST));
  return checkout;
}
