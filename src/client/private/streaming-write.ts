import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import { BucketNotFoundError, InvalidStateError, StateBackendError } from '../errors';
import { describeError, isAbort, isNoSuchBucket } from './aws-errors';
import type { DigestStore } from './digest-store';
import type { ObjectStore, UploadedPart, UserMetadata } from './object-store';

/**
 * The one size threshold of the streaming paths: states up to it are written with one PutObject and
 * pushed through the exact in-memory rules (semantic comparison, Terraform's formatting); larger
 * ones are pushed from their scanned head and written as a multipart upload of bounded parts
 * (Terraform's uploader also switches to multipart, at 5 MiB).
 */
export const STREAMING_THRESHOLD_BYTES = 8 * 1024 * 1024;
/** Multipart part size: S3's minimum is 5 MiB; memory use is about (concurrency + 1) parts. */
export const PART_SIZE_BYTES = 8 * 1024 * 1024;
/** Parts in flight at once. */
export const PART_CONCURRENCY = 2;

/** Where a streamed write goes. */
export interface WriteTarget {
  readonly store: ObjectStore;
  readonly stateKey: string;
  readonly digests?: DigestStore;
  readonly digestLockId: string;
  /** `x-amz-tagging` of every state write (OpenTofu's `state_tags`, encoded). @default - no tags */
  readonly tagging?: string;
}

/** What a streamed write stored. */
export interface FileWriteResult {
  readonly md5: string;
  readonly etag?: string;
  readonly versionId?: string;
  /** Multipart parts used (0 for a single PutObject). */
  readonly parts: number;
}

/**
 * Uploads the file at `path` as the state object (with byte ranges replaced: the push and restore
 * rewrite `serial`/`lineage` in place), then writes the digest item. Up to
 * {@link STREAMING_THRESHOLD_BYTES} it is one PutObject; above, a multipart upload whose object only
 * appears on completion, so readers never see a partial state, and which is aborted on failure.
 *
 * Multipart is our own rather than `@aws-sdk/lib-storage`'s `Upload`: every part must go through the
 * {@link ObjectStore} (request counting, `skip_s3_checksum` header policy, Content-MD5 for Object
 * Lock buckets, precomputed part checksums), which `Upload` bypasses by sending on the client itself.
 */
export async function writeStateFile(
  t: WriteTarget, path: string, options: { signal?: AbortSignal; replace?: readonly Replacement[]; metadata?: UserMetadata } = {},
): Promise<FileWriteResult> {
  const { signal } = options;
  const size = (await fs.stat(path)).size;
  const replace = [...(options.replace ?? [])].sort((a, b) => a.start - b.start);
  const finalSize = size + replace.reduce((d, r) => d + r.bytes.length - (r.end - r.start), 0);
  if (finalSize === 0) throw new InvalidStateError('refusing to write an empty state object: Terraform reads it as "no state"; delete the workspace instead');
  const source = spliced(createReadStream(path, { highWaterMark: 1024 * 1024 }), replace);
  let result: FileWriteResult;
  try {
    if (finalSize <= STREAMING_THRESHOLD_BYTES) {
      const body = await collect(source);
      const out = await t.store.put(t.stateKey, body, { signal, metadata: options.metadata, tagging: t.tagging });
      result = { ...out, md5: createHash('md5').update(body).digest('hex'), parts: 0 };
    } else {
      result = await putMultipart(t, source, signal, options.metadata);
    }
  } catch (e) {
    if (isAbort(e) || signal?.aborted) throw e;
    if (e instanceof StateBackendError) throw e;
    if (isNoSuchBucket(e)) throw new BucketNotFoundError(t.store.bucket, { cause: e });
    throw new StateBackendError(`failed to upload state: ${describeError(e)}`, { cause: e });
  }
  await t.digests?.put(t.digestLockId, result.md5, signal);
  return result;
}

async function putMultipart(t: WriteTarget, source: AsyncIterable<Buffer>, signal?: AbortSignal, metadata?: UserMetadata): Promise<FileWriteResult> {
  const { store, stateKey } = t;
  const uploadId = await store.createMultipartUpload(stateKey, signal, metadata, t.tagging);
  const md5 = createHash('md5');
  const parts: UploadedPart[] = [];
  const inFlight = new Set<Promise<void>>();
  // Part buffers are reused once their upload is done: memory stays at (concurrency + 1) parts
  // instead of waiting for the garbage collector to notice external memory.
  const pool: Buffer[] = [];
  const alloc = () => pool.pop() ?? Buffer.allocUnsafe(PART_SIZE_BYTES);
  let failure: unknown;
  try {
    let partNumber = 0;
    for await (const part of chunked(source, PART_SIZE_BYTES, alloc)) {
      if (failure) break;
      md5.update(part);
      partNumber++;
      const n = partNumber;
      const p: Promise<void> = store.uploadPart(stateKey, uploadId, n, part, signal).then((uploaded) => {
        parts.push(uploaded);
      }, (e) => {
        failure ??= e;
      }).finally(() => {
        inFlight.delete(p);
        if (part.length === PART_SIZE_BYTES) pool.push(part);
      });
      inFlight.add(p);
      if (inFlight.size >= PART_CONCURRENCY) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    if (failure) throw failure;
    const done = await store.completeMultipartUpload(stateKey, uploadId, parts, signal);
    return { ...done, md5: md5.digest('hex'), parts: parts.length };
  } catch (e) {
    await Promise.allSettled(inFlight);
    try {
      await store.abortMultipartUpload(stateKey, uploadId);
    } catch (abortError) {
      throw new StateBackendError(
        `failed to upload state: ${describeError(e)}; the stored state is unchanged, but aborting multipart upload ${uploadId} also failed ` +
        `(${describeError(abortError)}): remove it with \`aws s3api abort-multipart-upload --bucket ${store.bucket} --key ${stateKey} --upload-id ${uploadId}\` ` +
        'or a lifecycle rule that aborts incomplete multipart uploads',
        { cause: e },
      );
    }
    throw new StateBackendError(`failed to upload state: ${describeError(e)} (multipart upload aborted; the stored state is unchanged)`, { cause: e });
  }
}

/** A byte range `[start, end)` of a file replaced by `bytes`. */
export interface Replacement {
  readonly start: number;
  readonly end: number;
  readonly bytes: Buffer;
}

/** `source` with the sorted, non-overlapping `replace` ranges substituted. */
async function* spliced(source: AsyncIterable<Buffer>, replace: readonly Replacement[]): AsyncGenerator<Buffer> {
  let offset = 0;
  let r = 0;
  for await (const chunk of source) {
    let pos = 0;
    while (r < replace.length && replace[r].start < offset + chunk.length) {
      const rep = replace[r];
      const localStart = Math.max(rep.start - offset, pos);
      if (localStart > pos) yield chunk.subarray(pos, localStart);
      if (rep.start >= offset) yield rep.bytes;
      const localEnd = rep.end - offset;
      if (localEnd > chunk.length) {
        pos = chunk.length;
        break;
      }
      pos = Math.max(localEnd, pos);
      r++;
    }
    if (pos < chunk.length) yield chunk.subarray(pos);
    offset += chunk.length;
  }
}

/** Re-chunks `source` into Buffers of exactly `size` bytes (the last one shorter). */
async function* chunked(source: AsyncIterable<Buffer>, size: number, alloc: () => Buffer = () => Buffer.allocUnsafe(size)): AsyncGenerator<Buffer> {
  let part = alloc();
  let fill = 0;
  for await (const chunk of source) {
    let pos = 0;
    while (pos < chunk.length) {
      const n = Math.min(size - fill, chunk.length - pos);
      chunk.copy(part, fill, pos, pos + n);
      fill += n;
      pos += n;
      if (fill === size) {
        yield part;
        part = alloc();
        fill = 0;
      }
    }
  }
  if (fill > 0) yield part.subarray(0, fill);
}

async function collect(source: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of source) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}

