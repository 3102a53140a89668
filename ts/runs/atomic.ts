/**
 * Atomic file writes: write a temporary file next to the target, flush it to disk, then rename it
 * over the target. A reader sees the old file or the new one, never a half-written one.
 */
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { fsReason, isFsError } from './fs-errors.js';

let counter = 0;

/** writeSync may write only part of the data (a nearly full disk): go on until it is all written or it throws. */
function writeAll(fd: number, data: Uint8Array): void {
  for (let done = 0; done < data.length;) done += writeSync(fd, data, done, data.length - done);
}

/** Throws one line naming the file and the cause (a full disk, a read-only file system, ...); no temporary is left. */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  // pid + counter: two processes (or two writes in one) never share a temporary name.
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${counter++}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'w');
    writeAll(fd, typeof data === 'string' ? Buffer.from(data) : data);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, file);
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    rmSync(tmp, { force: true });
    if (isFsError(e)) throw new Error(`${file}: cannot write (${fsReason(e)})`);
    throw e;
  }
}

export function writeJsonAtomic(file: string, value: unknown): void {
  writeFileAtomic(file, JSON.stringify(value, null, 2) + '\n');
}
