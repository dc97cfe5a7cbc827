import { createWriteStream, mkdtempSync, rmSync, type WriteStream } from 'node:fs';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * Temporary files that hold state (pull spool, push spool, restore copy). State holds secrets, so
 * each file lives alone in a fresh private directory (`mkdtemp`, mode 0700), is created with mode
 * 0600 and `O_EXCL`, and the directory is removed on every exit path: the `finally` of its user, and
 * for SIGINT, SIGTERM (unless the program handles them itself) and `process.exit` a synchronous
 * removal of every directory still open.
 */

const open = new Set<string>();
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

function removeAllSync(): void {
  for (const dir of open) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // Best effort at exit: nothing else can be done here.
    }
  }
  open.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  // A program with its own handler keeps control (the `tfstate` CLI lets a locked operation finish,
  // which may still read its spool): the directories then go in withTempFile's finally, or at exit.
  if (process.listenerCount(signal) > 1) return;
  removeAllSync();
  uninstall();
  // Nobody else listens: die by the signal as the process would have without us (status 128 + n).
  process.kill(process.pid, signal);
}

function install(): void {
  for (const s of SIGNALS) process.on(s, onSignal);
  process.on('exit', removeAllSync);
}

function uninstall(): void {
  for (const s of SIGNALS) process.removeListener(s, onSignal);
  process.removeListener('exit', removeAllSync);
}

/** A private temporary directory with one file name in it; see {@link withTempFile}. */
export interface TempFile {
  /** The directory (mode 0700). */
  readonly dir: string;
  /** A path inside it, not created yet: create it with {@link createPrivateWriteStream}. */
  readonly path: string;
}

/**
 * Runs `fn` with a fresh private temporary file path and removes the directory afterwards, whatever
 * happens (error, abort, signal).
 */
export async function withTempFile<T>(purpose: string, fn: (file: TempFile) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), `tfstate-${purpose}-`));
  if (open.size === 0) install();
  open.add(dir);
  try {
    return await fn({ dir, path: join(dir, 'state') });
  } finally {
    open.delete(dir);
    if (open.size === 0) uninstall();
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/** A write stream on a new file readable by its owner only (0600, fails if the file exists). */
export function createPrivateWriteStream(path: string): WriteStream {
  return createWriteStream(path, { mode: 0o600, flags: 'wx' });
}

/** Writes `source` to `path` (a {@link TempFile} path) with bounded memory. */
export async function spoolTo(path: string, source: Readable | AsyncIterable<Uint8Array>): Promise<void> {
  await pipeline(source as Readable, createPrivateWriteStream(path));
}
