import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, promises as fs } from 'node:fs';
import { StateFormatError, type StateFile, type StateFlavor } from '../../protocol/state';
import { streamWriteState, type StateByteSource } from '../../protocol/statefile/stream-write';
import { InvalidStateError } from '../errors';
import { createPrivateWriteStream } from './temp-files';

/** What {@link rewriteStateFile} wrote. */
export interface RewrittenStateFile {
  readonly md5: string;
  readonly size: number;
  /** Spans of the `serial` and `lineage` values in the rewritten file. */
  readonly serialSpan: readonly [number, number];
  readonly lineageSpan: readonly [number, number];
  /** The file's state without its resources, as Terraform's reader reads it (duplicate keys: the last wins). */
  readonly head: StateFile;
}

/**
 * Writes to `outPath` (a new private file) the state file at `path` as Terraform's `statefile.Write`
 * writes it after `statefile.Read` (the whole-state path's bytes; see `protocol/statefile/stream-write.ts`),
 * one resource at a time. A file Terraform would refuse is refused with its text.
 *
 * @throws InvalidStateError naming the file and Terraform's problem
 */
export async function rewriteStateFile(
  path: string, outPath: string, options: { terraformVersion?: string; signal?: AbortSignal } = {},
): Promise<RewrittenStateFile> {
  const out = createPrivateWriteStream(outPath);
  const md5 = createHash('md5');
  try {
    const result = await withFileSource(path, options.signal, (source) => streamWriteState(source, async (bytes) => {
      options.signal?.throwIfAborted();
      md5.update(bytes);
      if (!out.write(bytes)) await once(out, 'drain');
    }, { terraformVersion: options.terraformVersion }));
    out.end();
    await once(out, 'close');
    const { serialSpan, lineageSpan, head } = result;
    return { md5: md5.digest('hex'), size: result.size, serialSpan, lineageSpan, head };
  } catch (e) {
    out.destroy();
    if (e instanceof StateFormatError) {
      throw new InvalidStateError(`the state file ${path} is not a usable state: ${e.message}`, { cause: e });
    }
    throw e;
  }
}

/**
 * Terraform's `statefile.StatesMarshalEqual` on two state files in bounded memory: both written by
 * `flavor`'s writer with serial, lineage and `terraform_version` blanked, compared by MD5 (what
 * `statesMarshalEqual` compares as bytes). A file Terraform's reader refuses is never equal.
 *
 * @see https://github.com/hashicorp/terraform/blob/main/internal/states/statefile/marshal_equal.go
 */
export async function statesMarshalEqualFiles(a: string, b: string, flavor: StateFlavor, signal?: AbortSignal): Promise<boolean> {
  const digest = async (path: string) => {
    const md5 = createHash('md5');
    await withFileSource(path, signal, (source) => streamWriteState(source, (bytes) => {
      signal?.throwIfAborted();
      md5.update(bytes);
    }, { serial: 0, lineage: '', writtenTerraformVersion: '', writeFlavor: flavor }));
    return md5.digest('hex');
  };
  try {
    return (await digest(a)) === (await digest(b));
  } catch (e) {
    if (e instanceof StateFormatError) return false;
    throw e;
  }
}

/** A local file as a {@link StateByteSource} for the duration of `fn`. */
async function withFileSource<T>(path: string, signal: AbortSignal | undefined, fn: (source: StateByteSource) => Promise<T>): Promise<T> {
  const handle = await fs.open(path, 'r');
  try {
    const size = (await handle.stat()).size;
    return await fn({
      size,
      chunks: () => createReadStream(path, { highWaterMark: 1024 * 1024, end: Math.max(0, size - 1), signal }),
      read: async (start, end) => {
        const buf = Buffer.allocUnsafe(end - start);
        let done = 0;
        while (done < buf.length) {
          const { bytesRead } = await handle.read(buf, done, buf.length - done, start + done);
          if (bytesRead === 0) throw new Error(`${path} changed while it was being read`);
          done += bytesRead;
        }
        return buf;
      },
    });
  } finally {
    await handle.close();
  }
}
