/** File-system errors in words a user can act on, instead of a bare errno code. */

const REASONS: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOTDIR: 'a part of the path is a file, not a directory',
  EISDIR: 'the path is a directory',
  EEXIST: 'a file of that name is in the way',
  ENOENT: 'a parent directory does not exist',
};

/** "no space left on the device (ENOSPC)" for a Node fs error; the message itself for anything else. */
export function fsReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code && REASONS[code]) return `${REASONS[code]} (${code})`;
  return e instanceof Error ? e.message.split('\n')[0]! : String(e);
}

/** Whether `e` is a Node fs error with an errno code (as opposed to a logic error to rethrow as it is). */
export function isFsError(e: unknown): boolean {
  return typeof (e as NodeJS.ErrnoException)?.code === 'string' && typeof (e as NodeJS.ErrnoException)?.syscall === 'string';
}
