import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
  type CompleteMultipartUploadCommandOutput,
  type CreateMultipartUploadCommandInput,
  type GetObjectCommandOutput,
  type PutObjectCommandInput,
  type PutObjectCommandOutput,
  type S3Client,
  type UploadPartCommandOutput,
} from '@aws-sdk/client-s3';
import { CONSISTENCY_RETRY_POLL_INTERVAL_MS, CONSISTENCY_RETRY_TIMEOUT_MS, STATE_CONTENT_TYPE } from '../../protocol/constants';
import { checksumMismatchMessage } from '../../protocol/digest';
import { goQuote } from '../../protocol/go-time';
import { newLineage, sameStateContent, type OutputValue, type StateFile } from '../../protocol/state';
import {
  BucketNotFoundError,
  EncryptedStateError,
  InvalidStateError,
  StateBackendError,
  StateChecksumMismatchError,
  StateConflictError,
} from '../errors';
import { describeError, isAbort, isNoSuchBucket, isNoSuchKey } from './aws-errors';
import type { DigestStore } from './digest-store';
import type { RequestCounter } from './instrumentation';
import type { ObjectStoreSettings } from './object-store';
import { StatePrefixScanner, isPrefixEmpty, outputsFromPrefix, stateHeadFromPrefix, type StatePrefix } from './streaming-scan';
import { sleep } from './timing';

/** Bodies up to this size go in one PutObject (Terraform's uploader does the same below 5 MiB). */
export const SINGLE_PUT_MAX_BYTES = 8 * 1024 * 1024;
/** Multipart part size: S3's minimum is 5 MiB; memory use is about (concurrency + 1) parts. */
export const PART_SIZE_BYTES = 8 * 1024 * 1024;
/** Parts in flight at once. */
export const PART_CONCURRENCY = 2;
/** A broken response body is read again this many times in all (outputs and heads only). */
const BODY_ATTEMPTS = 3;

/** Everything the streaming paths need from the facade. */
export interface StreamingTarget {
  readonly s3: S3Client;
  readonly counter: RequestCounter;
  readonly settings: ObjectStoreSettings;
  readonly stateKey: string;
  readonly digests?: DigestStore;
  readonly digestLockId: string;
  readonly digestRetry?: { readonly pollIntervalMs?: number; readonly timeoutMs?: number };
  readonly terraformVersion?: string;
}

/** What a streamed read learnt about the stored state without holding it. */
export interface StateHead {
  /** Identity and outputs (resources left out). */
  readonly head: StateFile;
  readonly prefix: StatePrefix;
  /** MD5 of the whole object when it was hashed (digest check, or asked for). */
  readonly md5?: string;
  readonly etag?: string;
  readonly versionId?: string;
  readonly size?: number;
}

/** Result of a pull. */
export interface PullResult {
  readonly md5: string;
  readonly bytes: number;
  readonly etag?: string;
  readonly versionId?: string;
}

/** Result of a push. */
export interface StreamedWriteResult {
  readonly md5: string;
  readonly etag?: string;
  readonly versionId?: string;
  /** False when the remote was identical and nothing was written (Terraform skips the PUT too). */
  readonly written: boolean;
  /** Multipart parts used (0 for a single PutObject or no write). */
  readonly parts: number;
}

/** The ETag, unquoted, when it is a plain MD5 (single-part upload without SSE-KMS/SSE-C). */
function etagMd5(etag: string | undefined): string | undefined {
  const v = etag?.replace(/"/g, '').toLowerCase();
  return v && /^[0-9a-f]{32}$/.test(v) ? v : undefined;
}

/**
 * Reads, writes and scans state objects as streams: memory stays bounded whatever the state's size.
 * Same headers as {@link ObjectStore} (SSE per `encrypt`, SSE-C on every request, canned ACL,
 * precomputed SHA-256 unless `skip_s3_checksum`), same digest rules as the in-memory path.
 */
export class StreamingState {
  constructor(private readonly t: StreamingTarget) {}

  private get bucket(): string {
    return this.t.settings.bucket;
  }

  private sseC(): { SSECustomerAlgorithm?: string; SSECustomerKey?: string } {
    const e = this.t.settings.encryption;
    return e.type === 'sse-c' ? { SSECustomerAlgorithm: 'AES256', SSECustomerKey: e.customerKey } : {};
  }

  private sseWrite(): Partial<PutObjectCommandInput & CreateMultipartUploadCommandInput> {
    const e = this.t.settings.encryption;
    switch (e.type) {
      case 'none': return {};
      case 'aws:kms': return { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: e.kmsKeyId };
      case 'sse-c': return this.sseC();
      case 'AES256': return { ServerSideEncryption: 'AES256' };
    }
  }

  private acl(): Partial<PutObjectCommandInput> {
    return this.t.settings.acl ? { ACL: this.t.settings.acl as PutObjectCommandInput['ACL'] } : {};
  }

  /** A streamed GET of the state object; `undefined` when it does not exist. */
  private async open(signal?: AbortSignal): Promise<GetObjectCommandOutput | undefined> {
    try {
      return await this.t.counter.send<GetObjectCommandOutput>('s3', this.t.s3, new GetObjectCommand({
        Bucket: this.bucket,
        Key: this.t.stateKey,
        ...this.sseC(),
      }), signal);
    } catch (e) {
      if (isAbort(e)) throw e;
      if (isNoSuchBucket(e)) throw new BucketNotFoundError(this.bucket, { cause: e });
      if (isNoSuchKey(e)) return undefined;
      throw new StateBackendError(`Unable to access object "${this.t.stateKey}" in S3 bucket "${this.bucket}": ${describeError(e)}`, { cause: e });
    }
  }

  /**
   * The state's identity and outputs from a bounded prefix of the object: the GET is abandoned as
   * soon as `outputs` (and the start of `resources`) has been read. With a DynamoDB table the
   * digest must still match the whole object: a plain-MD5 ETag equal to the digest proves it
   * without reading on; otherwise the rest is hashed (not kept), with Terraform's consistency wait.
   *
   * `undefined` when there is no state (no object, or zero bytes).
   */
  public async readHead(options: { signal?: AbortSignal; wantMd5?: boolean } = {}): Promise<StateHead | undefined> {
    const { signal } = options;
    const timing = this.t.digestRetry ?? {};
    const poll = timing.pollIntervalMs ?? CONSISTENCY_RETRY_POLL_INTERVAL_MS;
    const deadline = Date.now() + (timing.timeoutMs ?? CONSISTENCY_RETRY_TIMEOUT_MS);
    for (let attempt = 1; ; attempt++) {
      let scanned;
      try {
        scanned = await this.scanOnce(options.wantMd5 === true, signal);
      } catch (e) {
        if (e instanceof BodyError && attempt < BODY_ATTEMPTS) continue;
        if (e instanceof BodyError) throw new StateBackendError(`reading s3://${this.bucket}/${this.t.stateKey} failed ${attempt} times: ${describeError(e.cause)}`, { cause: e.cause });
        throw e;
      }
      if (!scanned.ok) return scanned.result;
      const { result, calculated, stored } = scanned;
      if (stored === undefined || stored === calculated) return result;
      if (Date.now() >= deadline) {
        throw new StateChecksumMismatchError(
          checksumMismatchMessage({ bucket: this.bucket, key: this.t.stateKey, calculated, stored }),
          calculated,
          stored,
        );
      }
      await sleep(Math.min(poll, Math.max(0, deadline - Date.now())), signal);
    }
  }

  private async scanOnce(wantMd5: boolean, signal?: AbortSignal): Promise<
    | { ok: false; result: StateHead | undefined }
    | { ok: true; result: StateHead | undefined; calculated: string; stored: string | undefined }
  > {
    const storedPromise = this.t.digests?.get(this.t.digestLockId, signal);
    // Settle now so a rejection is not reported as unhandled while the GET runs.
    storedPromise?.catch(() => undefined);
    const out = await this.open(signal);
    const stored = storedPromise ? await storedPromise : undefined;
    if (!out || !out.Body || out.ContentLength === 0) {
      if (out?.Body) (out.Body as Readable).destroy();
      return { ok: true, result: undefined, calculated: '', stored };
    }
    const body = out.Body as Readable;
    const scanner = new StatePrefixScanner();
    const hashNeeded = wantMd5 || (stored !== undefined && etagMd5(out.ETag) !== stored);
    const md5 = hashNeeded ? createHash('md5') : undefined;
    let size = 0;
    try {
      for await (const chunk of body as AsyncIterable<Buffer>) {
        size += chunk.length;
        md5?.update(chunk);
        if (!scanner.done) scanner.push(chunk);
        if (scanner.done && !md5) break;
      }
    } catch (e) {
      if (isAbort(e) || signal?.aborted) throw e;
      throw new BodyError(e);
    } finally {
      body.destroy();
    }
    const prefix = scanner.finish();
    const calculated = md5 ? md5.digest('hex') : (etagMd5(out.ETag) ?? '');
    if (size === 0) return { ok: true, result: undefined, calculated: '', stored };
    const head = this.headOf(prefix);
    const result: StateHead = {
      head,
      prefix,
      etag: out.ETag,
      versionId: out.VersionId,
      size: out.ContentLength,
      ...(md5 ? { md5: calculated } : stored !== undefined ? { md5: stored } : {}),
    };
    if (stored === undefined) return { ok: false, result };
    return { ok: true, result, calculated, stored };
  }

  private headOf(prefix: StatePrefix): StateFile {
    const where = `s3://${this.bucket}/${this.t.stateKey}`;
    if (prefix.encrypted) {
      throw new EncryptedStateError(`${where} is encrypted by OpenTofu (state encryption envelope); this client cannot decrypt it. Read it with OpenTofu and its encryption configuration.`);
    }
    let head: StateFile | undefined;
    try {
      head = stateHeadFromPrefix(prefix, this.t.terraformVersion);
    } catch (e) {
      throw new InvalidStateError(`${where} is not a usable state: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    if (!head) {
      throw new InvalidStateError(`${where} is not a usable state: ${prefix.syntaxError ?? 'The state file does not have a "version" attribute, which is required to identify the format version.'}`);
    }
    return head;
  }

  /** Root module outputs from a bounded prefix read; `{}` when there is no state. */
  public async readOutputs(options: { signal?: AbortSignal } = {}): Promise<Record<string, OutputValue>> {
    const found = await this.readHead(options);
    return found ? outputsFromPrefix(found.prefix, this.t.terraformVersion) ?? {} : {};
  }

  /**
   * Copies the stored state bytes to `destination` without holding them. The digest, when a table
   * is configured, is checked before a byte is written: by the ETag when that is the plain MD5,
   * otherwise by spooling to a temporary file (bounded memory) and re-reading on mismatch for
   * Terraform's 10 s consistency window. `undefined` (nothing written) when there is no state.
   */
  public async pullTo(destination: Writable, options: { signal?: AbortSignal; end?: boolean } = {}): Promise<PullResult | undefined> {
    const { signal } = options;
    const timing = this.t.digestRetry ?? {};
    const poll = timing.pollIntervalMs ?? CONSISTENCY_RETRY_POLL_INTERVAL_MS;
    const deadline = Date.now() + (timing.timeoutMs ?? CONSISTENCY_RETRY_TIMEOUT_MS);
    for (;;) {
      const storedPromise = this.t.digests?.get(this.t.digestLockId, signal);
      storedPromise?.catch(() => undefined);
      const out = await this.open(signal);
      const stored = storedPromise ? await storedPromise : undefined;
      const body = out?.Body as Readable | undefined;
      if (!out || !body || out.ContentLength === 0) {
        body?.destroy();
        if (stored !== undefined && stored !== '') {
          if (Date.now() < deadline) {
            await sleep(Math.min(poll, Math.max(0, deadline - Date.now())), signal);
            continue;
          }
          throw new StateChecksumMismatchError(checksumMismatchMessage({ bucket: this.bucket, key: this.t.stateKey, calculated: '', stored }), '', stored);
        }
        return undefined;
      }
      if (stored === undefined || etagMd5(out.ETag) === stored) {
        const { md5, bytes } = await copyHashed(body, destination, options.end !== false, this.t.stateKey);
        return { md5, bytes, etag: out.ETag, versionId: out.VersionId };
      }
      const spool = join(tmpdir(), `tfstate-pull-${process.pid}-${randomBytes(6).toString('hex')}`);
      try {
        const file = createWriteStream(spool);
        const { md5, bytes } = await copyHashed(body, file, true, this.t.stateKey);
        if (md5 === stored) {
          const copied = await copyHashed(createReadStream(spool), destination, options.end !== false, this.t.stateKey);
          return { md5: copied.md5, bytes, etag: out.ETag, versionId: out.VersionId };
        }
        if (Date.now() >= deadline) {
          const message = checksumMismatchMessage({ bucket: this.bucket, key: this.t.stateKey, calculated: md5, stored });
          throw new StateChecksumMismatchError(message, md5, stored);
        }
      } finally {
        await fs.rm(spool, { force: true });
      }
      await sleep(Math.min(poll, Math.max(0, deadline - Date.now())), signal);
    }
  }

  /**
   * Uploads the file at `path` as the state object (optionally with `serial`/`lineage` values
   * replaced, which {@link pushFile} uses for Terraform's serial rule), then writes the digest item.
   * Up to {@link SINGLE_PUT_MAX_BYTES} it is one PutObject; above, a multipart upload whose object
   * only appears on completion, so readers never see a partial state, and which is aborted on failure.
   */
  public async writeFile(path: string, options: { signal?: AbortSignal; replace?: Replacement[] } = {}): Promise<StreamedWriteResult> {
    const { signal } = options;
    const size = (await fs.stat(path)).size;
    const replace = [...(options.replace ?? [])].sort((a, b) => a.start - b.start);
    const finalSize = size + replace.reduce((d, r) => d + r.bytes.length - (r.end - r.start), 0);
    if (finalSize === 0) throw new InvalidStateError('refusing to write an empty state object: Terraform reads it as "no state"; delete the workspace instead');
    const source = spliced(createReadStream(path, { highWaterMark: 1024 * 1024 }), replace);
    let result: { etag?: string; versionId?: string; md5: string; parts: number };
    try {
      result = finalSize <= SINGLE_PUT_MAX_BYTES
        ? await this.putSingle(await collect(source), signal)
        : await this.putMultipart(source, signal);
    } catch (e) {
      if (isAbort(e) || signal?.aborted) throw e;
      if (e instanceof StateBackendError) throw e;
      if (isNoSuchBucket(e)) throw new BucketNotFoundError(this.bucket, { cause: e });
      throw new StateBackendError(`failed to upload state: ${describeError(e)}`, { cause: e });
    }
    await this.t.digests?.put(this.t.digestLockId, result.md5, signal);
    return { md5: result.md5, etag: result.etag, versionId: result.versionId, written: true, parts: result.parts };
  }

  private async putSingle(body: Buffer, signal?: AbortSignal) {
    const checksum = this.t.settings.skipS3Checksum
      ? {}
      : { ChecksumAlgorithm: 'SHA256' as const, ChecksumSHA256: createHash('sha256').update(body).digest('base64') };
    const out = await this.t.counter.send<PutObjectCommandOutput>('s3', this.t.s3, new PutObjectCommand({
      Bucket: this.bucket,
      Key: this.t.stateKey,
      Body: body,
      ContentLength: body.length,
      ContentType: STATE_CONTENT_TYPE,
      ...checksum,
      ...this.sseWrite(),
      ...this.acl(),
    }), signal);
    return { etag: out.ETag, versionId: out.VersionId, md5: createHash('md5').update(body).digest('hex'), parts: 0 };
  }

  private async putMultipart(source: AsyncIterable<Buffer>, signal?: AbortSignal) {
    const withChecksum = !this.t.settings.skipS3Checksum;
    const created = await this.t.counter.send<{ UploadId?: string }>('s3', this.t.s3, new CreateMultipartUploadCommand({
      Bucket: this.bucket,
      Key: this.t.stateKey,
      ContentType: STATE_CONTENT_TYPE,
      ...(withChecksum ? { ChecksumAlgorithm: 'SHA256' as const } : {}),
      ...this.sseWrite(),
      ...this.acl(),
    }), signal);
    const uploadId = created.UploadId;
    if (!uploadId) throw new StateBackendError('failed to upload state: CreateMultipartUpload returned no UploadId');
    const md5 = createHash('md5');
    const parts: { PartNumber: number; ETag?: string; ChecksumSHA256?: string }[] = [];
    const inFlight = new Set<Promise<void>>();
    // Part buffers are reused once their upload is done: memory stays at (concurrency + 1) parts
    // instead of waiting for the garbage collector to notice external memory.
    const pool: Buffer[] = [];
    const alloc = () => pool.pop() ?? Buffer.allocUnsafe(PART_SIZE_BYTES);
    let failure: unknown;
    const uploadPart = async (partNumber: number, body: Buffer) => {
      const sha = withChecksum ? createHash('sha256').update(body).digest('base64') : undefined;
      const out = await this.t.counter.send<UploadPartCommandOutput>('s3', this.t.s3, new UploadPartCommand({
        Bucket: this.bucket,
        Key: this.t.stateKey,
        UploadId: uploadId,
        PartNumber: partNumber,
        Body: body,
        ContentLength: body.length,
        ...(sha ? { ChecksumAlgorithm: 'SHA256' as const, ChecksumSHA256: sha } : {}),
        ...this.sseC(),
      }), signal);
      parts.push({ PartNumber: partNumber, ETag: out.ETag, ...(sha ? { ChecksumSHA256: out.ChecksumSHA256 ?? sha } : {}) });
    };
    try {
      let partNumber = 0;
      for await (const part of chunked(source, PART_SIZE_BYTES, alloc)) {
        if (failure) break;
        md5.update(part);
        partNumber++;
        const p: Promise<void> = uploadPart(partNumber, part).catch((e) => {
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
      parts.sort((a, b) => a.PartNumber - b.PartNumber);
      const done = await this.t.counter.send<CompleteMultipartUploadCommandOutput>('s3', this.t.s3, new CompleteMultipartUploadCommand({
        Bucket: this.bucket,
        Key: this.t.stateKey,
        UploadId: uploadId,
        MultipartUpload: { Parts: parts },
        ...this.sseC(),
      }), signal);
      return { etag: done.ETag, versionId: done.VersionId, md5: md5.digest('hex'), parts: parts.length };
    } catch (e) {
      await Promise.allSettled(inFlight);
      try {
        await this.t.counter.send('s3', this.t.s3, new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: this.t.stateKey, UploadId: uploadId }));
      } catch (abortError) {
        throw new StateBackendError(
          `failed to upload state: ${describeError(e)}; the stored state is unchanged, but aborting multipart upload ${uploadId} also failed ` +
          `(${describeError(abortError)}): remove it with \`aws s3api abort-multipart-upload --bucket ${this.bucket} --key ${this.t.stateKey} --upload-id ${uploadId}\` ` +
          'or a lifecycle rule that aborts incomplete multipart uploads',
          { cause: e },
        );
      }
      throw new StateBackendError(`failed to upload state: ${describeError(e)} (multipart upload aborted; the stored state is unchanged)`, { cause: e });
    }
  }

  /**
   * `terraform state push` of a file of any size, holding no more than a few parts in memory. Run it
   * under the lock. The rules are Terraform's: at the same lineage and serial, "same content" is
   * equal MD5s or, failing that, Terraform's semantic equality (`sameStateContent`, which reads both
   * states whole). The written object is the file with only `serial` (and, into a workspace without
   * state, `lineage`) replaced, per Terraform's PersistState rule.
   */
  public async pushFile(
    path: string,
    options: { force?: boolean; signal?: AbortSignal; newLineage?: () => string } = {},
  ): Promise<StreamedWriteResult> {
    const { signal } = options;
    const local = await scanFile(path);
    const where = `the state file ${path}`;
    if (local.prefix.encrypted) throw new EncryptedStateError(`${where} is an OpenTofu encrypted state; push it with OpenTofu`);
    if (local.size === 0) throw new InvalidStateError('refusing to push an empty state: it is not a state file');
    let pushed: StateFile | undefined;
    try {
      pushed = stateHeadFromPrefix(local.prefix, this.t.terraformVersion);
    } catch (e) {
      throw new InvalidStateError(`${where} is not a usable state: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    if (!pushed || !local.prefix.serialSpan || !local.prefix.lineageSpan) {
      throw new InvalidStateError(`${where} is not a usable state: it needs top-level "version", "serial" and "lineage" attributes`);
    }
    const remote = await this.readHead({ signal });
    if (remote && !options.force && !isPrefixEmpty(remote.prefix, remote.head) && pushed.lineage !== '' && remote.head.lineage !== '') {
      if (pushed.lineage !== remote.head.lineage) {
        throw new StateConflictError(`cannot import state with lineage ${goQuote(pushed.lineage)} over unrelated state with lineage ${goQuote(remote.head.lineage)}`);
      }
      if (pushed.serial < remote.head.serial) {
        throw new StateConflictError(`cannot import state with serial ${pushed.serial} over newer state with serial ${remote.head.serial}`);
      }
    }
    let lineage = pushed.lineage;
    let serial = pushed.serial + 1;
    if (!remote) {
      lineage = (options.newLineage ?? newLineage)();
      serial = 1;
    } else if (pushed.lineage === remote.head.lineage && pushed.serial === remote.head.serial) {
      const remoteMd5 = remote.md5 ?? (await this.readHead({ signal, wantMd5: true }))?.md5;
      const remoteBody = async () => collect(((await this.open(signal))?.Body as AsyncIterable<Buffer> | undefined) ?? emptyBody());
      const same = remoteMd5 === local.md5 || sameStateContent(await fs.readFile(path), await remoteBody());
      if (same && remote.head.lineage !== '' && remote.head.serial !== 0) {
        return { md5: local.md5, etag: remote.etag, versionId: remote.versionId, written: false, parts: 0 };
      }
      if (!same && !options.force && !isPrefixEmpty(remote.prefix, remote.head) && pushed.lineage !== '') {
        throw new StateConflictError(`cannot overwrite existing state with serial ${pushed.serial} with a different state that has the same serial`);
      }
    }
    const replace: Replacement[] = [{ start: local.prefix.serialSpan[0], end: local.prefix.serialSpan[1], bytes: Buffer.from(String(serial)) }];
    if (lineage !== pushed.lineage) {
      replace.push({ start: local.prefix.lineageSpan[0], end: local.prefix.lineageSpan[1], bytes: Buffer.from(JSON.stringify(lineage)) });
    }
    return this.writeFile(path, { signal, replace });
  }
}

/** A response body that broke while being read (retryable for reads that wrote nothing yet). */
class BodyError extends Error {
  constructor(public readonly cause: unknown) {
    super(describeError(cause));
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

async function* emptyBody(): AsyncGenerator<Buffer> {}

async function collect(source: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of source) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}

/** Copies `body` to `destination` with backpressure, hashing as it goes. */
async function copyHashed(body: Readable, destination: Writable, end: boolean, key: string): Promise<{ md5: string; bytes: number }> {
  const md5 = createHash('md5');
  let bytes = 0;
  try {
    await pipeline(body, async function* (src: AsyncIterable<Buffer>) {
      for await (const chunk of src) {
        md5.update(chunk);
        bytes += chunk.length;
        yield chunk;
      }
    }, destination, { end });
  } catch (e) {
    if (isAbort(e)) throw e;
    throw new StateBackendError(`reading state object "${key}" was interrupted after ${bytes} bytes: ${describeError(e)}; the output is incomplete`, { cause: e });
  }
  return { md5: md5.digest('hex'), bytes };
}

/** One pass over a local file: MD5, size and the scanned prefix. */
export async function scanFile(path: string): Promise<{ md5: string; size: number; prefix: StatePrefix }> {
  const md5 = createHash('md5');
  const scanner = new StatePrefixScanner();
  let size = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>) {
    md5.update(chunk);
    size += chunk.length;
    if (!scanner.done) scanner.push(chunk);
  }
  return { md5: md5.digest('hex'), size, prefix: scanner.finish() };
}

/** Writes `source` to a new temporary file (bounded memory) and returns its path; the caller removes it. */
export async function spoolToTempFile(source: Readable | AsyncIterable<Uint8Array>): Promise<string> {
  const path = join(tmpdir(), `tfstate-push-${process.pid}-${randomBytes(6).toString('hex')}`);
  await pipeline(source as Readable, createWriteStream(path, { mode: 0o600 }));
  return path;
}
