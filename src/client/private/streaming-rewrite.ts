import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, promises as fs } from 'node:fs';
import { StateFormatError, type StateFile } from '../../protocol/state';
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
  const handle = await fs.open(path, 'r');
  const out = createPrivateWriteStream(outPath);
  const md5 = createHash('md5');
  try {
    const size = (await handle.stat()).size;
    const source: StateByteSource = {
      size,
      chunks: () => createReadStream(path, { highWaterMark: 1024 * 1024, end: Math.max(0, size - 1), signal: options.signal }),
      read: async (start, end) => {
        const buf = Buffer.allocUnsafe(end - start);
        let done = 0;
        while (done < buf.length) {
          const { bytesRead } = await handle.read(buf, done, buf.length - done, start + done);
          if (bytesRead === 0) throw new Error(`${path} changed while it was being pushed`);
          done += bytesRead;
        }
        return buf;
      },
    };
    const result = await streamWriteState(source, async (bytes) => {
      options.signal?.throwIfAborted();
      md5.update(bytes);
      if (!out.write(bytes)) await once(out, 'drain');
    }, { terraformVersion: options.terraformVersion });
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
  } finally {
    await handle.close();
  }
}
