import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  UploadPartCommand,
  type CompleteMultipartUploadCommandOutput,
  type CreateMultipartUploadCommandOutput,
  type DeleteObjectCommandOutput,
  type GetObjectCommandOutput,
  type HeadObjectCommandOutput,
  type ListObjectVersionsCommandOutput,
  type ListObjectsV2CommandOutput,
  type PutObjectCommandInput,
  type PutObjectCommandOutput,
  type S3Client,
  type UploadPartCommandOutput,
} from '@aws-sdk/client-s3';
import type { ResolvedEncryption } from '../../protocol/config';
import { STATE_CONTENT_TYPE } from '../../protocol/constants';
import { BucketNotFoundError, StateBackendError } from '../errors';
import { describeError, isAbort, isNoSuchBucket, isNoSuchKey } from './aws-errors';
import type { RequestCounter } from './instrumentation';

/** Settings of every object request. */
export interface ObjectStoreSettings {
  readonly bucket: string;
  /** Terraform's SSE decision (everything gated on `encrypt`), from `protocol/config.ts`. */
  readonly encryption: ResolvedEncryption;
  readonly acl?: string;
  readonly skipS3Checksum: boolean;
}

/** S3 user metadata (`x-amz-meta-*`, names without the prefix). */
export type UserMetadata = Readonly<Record<string, string>>;

/** An object read whole. */
export interface StoredObject {
  readonly body: Buffer;
  readonly etag?: string;
  readonly versionId?: string;
}

/** An object opened for streaming; the caller reads or destroys `body`. */
export interface OpenedObject {
  readonly body: Readable;
  /** Bytes of this response (of the range, for a ranged GET). */
  readonly contentLength?: number;
  readonly etag?: string;
  readonly versionId?: string;
  /** The object's user metadata (`x-amz-meta-*`, names without the prefix). */
  readonly metadata?: UserMetadata;
}

/** Options of a read. */
export interface GetOptions {
  /** A version of the object. @default - the current version */
  readonly versionId?: string;
  /** An HTTP `Range` (`bytes=0-4095`). @default - the whole object */
  readonly range?: string;
  readonly signal?: AbortSignal;
}

/** Options of a write. */
export interface PutOptions {
  /** `If-None-Match: *` (lock files). */
  readonly ifNoneMatch?: boolean;
  /** @default 'application/json' (Terraform's, for state and lock objects) */
  readonly contentType?: string;
  /** User metadata (`x-amz-meta-*`): the writer's lock on state writes (`protocol/attribution.ts`). @default - none */
  readonly metadata?: UserMetadata;
  /**
   * `x-amz-tagging`, already encoded (`encodeTagging` of OpenTofu's `state_tags` / `lock_tags`).
   * @default - no tags
   */
  readonly tagging?: string;
  readonly signal?: AbortSignal;
}

/** One uploaded part, as CompleteMultipartUpload wants it. */
export interface UploadedPart {
  readonly PartNumber: number;
  readonly ETag?: string;
  readonly ChecksumSHA256?: string;
}

type Command = { middlewareStack: { add(m: unknown, o: unknown): void; identify(): string[] } };

/**
 * The one way to S3: every request of the client (state, lock file, streaming reads and multipart
 * writes, versions, workspace listing, backend checks) goes through here, so that Terraform's headers
 * are applied the same everywhere:
 *
 * | setting | reads | writes (PutObject, multipart) |
 * |---|---|---|
 * | `encrypt` + `kms_key_id` / AES256 | nothing | `x-amz-server-side-encryption(-aws-kms-key-id)` |
 * | `encrypt` + `sse_customer_key` | SSE-C headers | SSE-C headers (parts and completion too) |
 * | `acl` | nothing | canned ACL |
 * | `state_tags` / `lock_tags` (OpenTofu) | nothing | `x-amz-tagging`, as the caller passes it (state and lock writes) |
 * | checksums (default) | nothing | precomputed `x-amz-checksum-sha256` (a plain header) |
 * | `skip_s3_checksum = true` | SDK checksum headers stripped | `Content-MD5` only (see {@link writeChecksum}) |
 *
 * Every request is counted ({@link RequestCounter}) and takes the caller's `AbortSignal`.
 */
export class ObjectStore {
  constructor(
    private readonly s3: S3Client,
    private readonly counter: RequestCounter,
    public readonly settings: ObjectStoreSettings,
  ) {}

  public get bucket(): string {
    return this.settings.bucket;
  }

  /**
   * Sends through the request counter. With `skip_s3_checksum`, also strips the SDK's default
   * checksum headers from the request: the clients we build already have checksums turned off, but a
   * caller's client may not, and its configuration is not ours to change. The strip runs in the
   * `build` step after the SDK's checksum middleware and before signing.
   *
   * Also the path of bucket-level reads (`tfstate doctor`): no object header applies to them.
   */
  public request<T>(command: Command, signal?: AbortSignal): Promise<T> {
    if (this.settings.skipS3Checksum && !command.middlewareStack.identify().some((m) => m.startsWith(STRIP_NAME))) {
      command.middlewareStack.add((next: (a: unknown) => Promise<unknown>) => async (args: { request?: { headers?: Record<string, string> } }) => {
        const headers = args.request?.headers;
        if (headers) {
          for (const name of Object.keys(headers)) {
            const lower = name.toLowerCase();
            if (lower.startsWith('x-amz-checksum-') || lower === 'x-amz-sdk-checksum-algorithm') delete headers[name];
          }
        }
        return next(args);
      }, { step: 'build', priority: 'low', name: STRIP_NAME });
    }
    return this.counter.send<T>('s3', this.s3, command as never, signal);
  }

  /** SSE-C is the only encryption that must be repeated on reads; the SDK adds the key MD5. */
  private sseC(): { SSECustomerAlgorithm?: string; SSECustomerKey?: string } {
    const e = this.settings.encryption;
    return e.type === 'sse-c' ? { SSECustomerAlgorithm: 'AES256', SSECustomerKey: e.customerKey } : {};
  }

  private writeHeaders(): Partial<PutObjectCommandInput> {
    const e = this.settings.encryption;
    const acl = this.settings.acl ? { ACL: this.settings.acl as PutObjectCommandInput['ACL'] } : {};
    switch (e.type) {
      case 'none': return acl;
      case 'aws:kms': return { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: e.kmsKeyId, ...acl };
      case 'sse-c': return { ...this.sseC(), ...acl };
      case 'AES256': return { ServerSideEncryption: 'AES256', ...acl };
    }
  }

  /**
   * The integrity header of a write body. By default a precomputed SHA-256 (OpenTofu's way: a plain
   * header, no aws-chunked trailer, which S3 compatibles mishandle), as Terraform asks for with
   * `ChecksumAlgorithm: SHA256`. With `skip_s3_checksum` Terraform sends no checksum at all; we send
   * `Content-MD5` instead, which every S3 compatible accepts and which an S3 Object Lock bucket
   * requires on every write (Terraform's own writes fail there with `skip_s3_checksum`).
   */
  private writeChecksum(body: Buffer): { ContentMD5: string } | { ChecksumAlgorithm: 'SHA256'; ChecksumSHA256: string } {
    if (this.settings.skipS3Checksum) return { ContentMD5: createHash('md5').update(body).digest('base64') };
    return { ChecksumAlgorithm: 'SHA256', ChecksumSHA256: createHash('sha256').update(body).digest('base64') };
  }

  private readFailure(key: string, e: unknown): never {
    if (isNoSuchBucket(e)) throw new BucketNotFoundError(this.bucket, { cause: e });
    throw new StateBackendError(`Unable to access object "${key}" in S3 bucket "${this.bucket}": ${describeError(e)}`, { cause: e });
  }

  /** A streamed GET; `undefined` when the object (or version) does not exist. */
  public async open(key: string, options: GetOptions = {}): Promise<OpenedObject | undefined> {
    let out: GetObjectCommandOutput;
    try {
      out = await this.request<GetObjectCommandOutput>(new GetObjectCommand({
        Bucket: this.bucket,
        Key: key,
        ...(options.versionId ? { VersionId: options.versionId } : {}),
        ...(options.range ? { Range: options.range } : {}),
        ...this.sseC(),
      }), options.signal);
    } catch (e) {
      if (isAbort(e)) throw e;
      if (isNoSuchKey(e) && !isNoSuchBucket(e)) return undefined;
      return this.readFailure(key, e);
    }
    const body = (out.Body as Readable | undefined) ?? emptyBody();
    return { body, contentLength: out.ContentLength, etag: out.ETag, versionId: out.VersionId, metadata: out.Metadata };
  }

  /** HeadObject of a version: its user metadata; `undefined` when the object (or version) does not exist. */
  public async headMetadata(key: string, options: { versionId?: string; signal?: AbortSignal } = {}): Promise<UserMetadata | undefined> {
    try {
      const out = await this.request<HeadObjectCommandOutput>(new HeadObjectCommand({
        Bucket: this.bucket,
        Key: key,
        ...(options.versionId ? { VersionId: options.versionId } : {}),
        ...this.sseC(),
      }), options.signal);
      return out.Metadata ?? {};
    } catch (e) {
      if (isAbort(e)) throw e;
      if (isNoSuchKey(e) && !isNoSuchBucket(e)) return undefined;
      return this.readFailure(key, e);
    }
  }

  /**
   * GET of a whole object; `undefined` when it does not exist. A single GET replaces Terraform's
   * HEAD + GET: the outcomes are the same (404 → no object) with one request fewer. A body that
   * breaks after the headers (the SDK does not retry it) is read again, up to 3 times in all; a
   * partial body is never returned (it would parse as "no state" or a torn state).
   */
  public async get(key: string, options: GetOptions = {}): Promise<StoredObject | undefined> {
    for (let attempt = 1; ; attempt++) {
      const opened = await this.open(key, options);
      if (!opened) return undefined;
      try {
        const parts: Buffer[] = [];
        for await (const chunk of opened.body as AsyncIterable<Buffer>) parts.push(Buffer.from(chunk));
        const bytes = Buffer.concat(parts);
        if (opened.contentLength !== undefined && bytes.length !== opened.contentLength) {
          throw new Error(`received ${bytes.length} of ${opened.contentLength} bytes`);
        }
        return { body: bytes, etag: opened.etag, versionId: opened.versionId };
      } catch (e) {
        opened.body.destroy();
        if (isAbort(e) || options.signal?.aborted) throw e;
        if (attempt >= BODY_ATTEMPTS) {
          throw new StateBackendError(`reading object "${key}" in S3 bucket "${this.bucket}" was interrupted ${attempt} times: ${describeError(e)}`, { cause: e });
        }
      }
    }
  }

  /**
   * PutObject with Terraform's headers: `Content-Type: application/json`, the integrity header of
   * {@link writeChecksum}, SSE per `encrypt`, canned ACL.
   */
  public async put(key: string, body: Buffer, options: PutOptions = {}): Promise<{ etag?: string; versionId?: string }> {
    const out = await this.request<PutObjectCommandOutput>(new PutObjectCommand({
      Bucket: this.bucket,
      Key: key,
      Body: body,
      ContentLength: body.length,
      ContentType: options.contentType ?? STATE_CONTENT_TYPE,
      ...this.writeChecksum(body),
      ...this.writeHeaders(),
      ...(options.metadata ? { Metadata: { ...options.metadata } } : {}),
      ...(options.ifNoneMatch ? { IfNoneMatch: '*' } : {}),
      ...(options.tagging ? { Tagging: options.tagging } : {}),
    }), options.signal);
    return { etag: out.ETag, versionId: out.VersionId };
  }

  /**
   * CreateMultipartUpload with the same headers as {@link put} (user `metadata` and `tagging` too: S3 puts
   * them on the completed object); returns the upload ID.
   */
  public async createMultipartUpload(key: string, signal?: AbortSignal, metadata?: UserMetadata, tagging?: string): Promise<string> {
    const created = await this.request<CreateMultipartUploadCommandOutput>(new CreateMultipartUploadCommand({
      Bucket: this.bucket,
      Key: key,
      ContentType: STATE_CONTENT_TYPE,
      ...(this.settings.skipS3Checksum ? {} : { ChecksumAlgorithm: 'SHA256' as const }),
      ...this.writeHeaders(),
      ...(metadata ? { Metadata: { ...metadata } } : {}),
      ...(tagging ? { Tagging: tagging } : {}),
    }), signal);
    if (!created.UploadId) throw new StateBackendError('failed to upload state: CreateMultipartUpload returned no UploadId');
    return created.UploadId;
  }

  /** One part, with its integrity header (SHA-256, or Content-MD5 under `skip_s3_checksum`) and SSE-C. */
  public async uploadPart(key: string, uploadId: string, partNumber: number, body: Buffer, signal?: AbortSignal): Promise<UploadedPart> {
    const checksum = this.writeChecksum(body);
    const out = await this.request<UploadPartCommandOutput>(new UploadPartCommand({
      Bucket: this.bucket,
      Key: key,
      UploadId: uploadId,
      PartNumber: partNumber,
      Body: body,
      ContentLength: body.length,
      ...checksum,
      ...this.sseC(),
    }), signal);
    const sha = 'ChecksumSHA256' in checksum ? out.ChecksumSHA256 ?? checksum.ChecksumSHA256 : undefined;
    return { PartNumber: partNumber, ETag: out.ETag, ...(sha ? { ChecksumSHA256: sha } : {}) };
  }

  /** CompleteMultipartUpload of `parts` (sorted here). */
  public async completeMultipartUpload(key: string, uploadId: string, parts: readonly UploadedPart[], signal?: AbortSignal) {
    const sorted = [...parts].sort((a, b) => a.PartNumber - b.PartNumber);
    const done = await this.request<CompleteMultipartUploadCommandOutput>(new CompleteMultipartUploadCommand({
      Bucket: this.bucket,
      Key: key,
      UploadId: uploadId,
      MultipartUpload: { Parts: sorted },
      ...this.sseC(),
    }), signal);
    return { etag: done.ETag, versionId: done.VersionId };
  }

  /** AbortMultipartUpload; not abortable itself (it cleans up after an abort). */
  public async abortMultipartUpload(key: string, uploadId: string): Promise<void> {
    await this.request(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId }));
  }

  /**
   * DeleteObject. Without `versionId`, a delete marker on versioned buckets (as Terraform). `ifMatch`
   * sends `If-Match` (conditional delete, honoured by AWS S3 since September 2025).
   */
  public async delete(key: string, options: { ifMatch?: string; versionId?: string; signal?: AbortSignal } = {}) {
    const out = await this.request<DeleteObjectCommandOutput>(new DeleteObjectCommand({
      Bucket: this.bucket,
      Key: key,
      ...(options.ifMatch ? { IfMatch: options.ifMatch } : {}),
      ...(options.versionId ? { VersionId: options.versionId } : {}),
    }), options.signal);
    return { versionId: out.VersionId, deleteMarker: out.DeleteMarker === true };
  }

  /** One page of `ListObjectsV2`. */
  public async listPage(prefix: string, maxKeys: number, continuationToken: string | undefined, signal?: AbortSignal) {
    return this.request<ListObjectsV2CommandOutput>(new ListObjectsV2Command({
      Bucket: this.bucket,
      Prefix: prefix,
      MaxKeys: maxKeys,
      ...(continuationToken ? { ContinuationToken: continuationToken } : {}),
    }), signal);
  }

  /** One page of `ListObjectVersions`. */
  public async listVersionsPage(prefix: string, keyMarker: string | undefined, versionIdMarker: string | undefined, signal?: AbortSignal) {
    return this.request<ListObjectVersionsCommandOutput>(new ListObjectVersionsCommand({
      Bucket: this.bucket,
      Prefix: prefix,
      ...(keyMarker !== undefined ? { KeyMarker: keyMarker } : {}),
      ...(versionIdMarker !== undefined ? { VersionIdMarker: versionIdMarker } : {}),
    }), signal);
  }
}

const STRIP_NAME = 'cdkTfstateBackendSkipChecksums';
/** A broken response body is read again this many times in all. */
const BODY_ATTEMPTS = 3;

function emptyBody(): Readable {
  return Readable.from([]);
}
