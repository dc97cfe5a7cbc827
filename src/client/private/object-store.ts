import { createHash } from 'node:crypto';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectVersionsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type PutObjectCommandInput,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { ResolvedEncryption } from '../../protocol/config';
import { STATE_CONTENT_TYPE } from '../../protocol/constants';
import { BucketNotFoundError, StateBackendError } from '../errors';
import { describeError, isAbort, isNoSuchBucket, isNoSuchKey } from './aws-errors';
import type { RequestCounter } from './instrumentation';

/** Settings of every object write. */
export interface ObjectStoreSettings {
  readonly bucket: string;
  /** Terraform's SSE decision (everything gated on `encrypt`), from `protocol/config.ts`. */
  readonly encryption: ResolvedEncryption;
  readonly acl?: string;
  readonly skipS3Checksum: boolean;
}

/** An object read. */
export interface StoredObject {
  readonly body: Buffer;
  readonly etag?: string;
  readonly versionId?: string;
}

/** Options of a write. */
export interface PutOptions {
  /** `If-None-Match: *` (lock files). */
  readonly ifNoneMatch?: boolean;
  readonly signal?: AbortSignal;
}

/** S3 object I/O with Terraform's headers applied; shared by state storage and the lock-file locker. */
export class ObjectStore {
  constructor(
    private readonly s3: S3Client,
    private readonly counter: RequestCounter,
    public readonly settings: ObjectStoreSettings,
  ) {}

  /**
   * Sends through the request counter. With `skip_s3_checksum`, also strips the SDK's default
   * checksum headers from the request: the clients we build already have checksums turned off, but a
   * caller's client may not, and its configuration is not ours to change. The strip runs in the
   * `build` step after the SDK's checksum middleware and before signing.
   */
  private send<T>(command: { middlewareStack: { add(m: unknown, o: unknown): void; identify(): string[] } }, signal?: AbortSignal): Promise<T> {
    if (this.settings.skipS3Checksum) {
      command.middlewareStack.add((next: (a: unknown) => Promise<unknown>) => async (args: { request?: { headers?: Record<string, string> } }) => {
        const headers = args.request?.headers;
        if (headers) {
          for (const name of Object.keys(headers)) {
            const lower = name.toLowerCase();
            if (lower.startsWith('x-amz-checksum-') || lower === 'x-amz-sdk-checksum-algorithm') delete headers[name];
          }
        }
        return next(args);
      }, { step: 'build', priority: 'low', name: 'cdkTfstateBackendSkipChecksums' });
    }
    return this.counter.send<T>('s3', this.s3, command as never, signal);
  }

  public get bucket(): string {
    return this.settings.bucket;
  }

  private readHeaders(): { SSECustomerAlgorithm?: string; SSECustomerKey?: string } {
    const e = this.settings.encryption;
    // SSE-C is the only encryption that must be repeated on reads; the SDK adds the key MD5.
    return e.type === 'sse-c' ? { SSECustomerAlgorithm: 'AES256', SSECustomerKey: e.customerKey } : {};
  }

  private writeHeaders(): Partial<PutObjectCommandInput> {
    const e = this.settings.encryption;
    switch (e.type) {
      case 'none': return {};
      case 'aws:kms': return { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: e.kmsKeyId };
      case 'sse-c': return this.readHeaders();
      case 'AES256': return { ServerSideEncryption: 'AES256' };
    }
  }

  /**
   * GET of a whole object; `undefined` when it does not exist. A single GET replaces Terraform's
   * HEAD + GET: the outcomes are the same (404 → no object) with one request fewer.
   */
  public async get(key: string, options: { versionId?: string; signal?: AbortSignal; bodyAttempt?: number } = {}): Promise<StoredObject | undefined> {
    let out;
    try {
      out = await this.send<import('@aws-sdk/client-s3').GetObjectCommandOutput>(new GetObjectCommand({
        Bucket: this.bucket,
        Key: key,
        ...(options.versionId ? { VersionId: options.versionId } : {}),
        ...this.readHeaders(),
      }), options.signal);
    } catch (e) {
      if (isAbort(e)) throw e;
      if (isNoSuchBucket(e)) throw new BucketNotFoundError(this.bucket, { cause: e });
      if (isNoSuchKey(e)) return undefined;
      throw new StateBackendError(`Unable to access object "${key}" in S3 bucket "${this.bucket}": ${describeError(e)}`, { cause: e });
    }
    let bytes: Buffer;
    try {
      bytes = out.Body ? Buffer.from(await out.Body.transformToByteArray()) : Buffer.alloc(0);
      if (out.ContentLength !== undefined && bytes.length !== out.ContentLength) {
        throw new Error(`received ${bytes.length} of ${out.ContentLength} bytes`);
      }
    } catch (e) {
      // The SDK does not retry a body that breaks after the headers: read the object again, a few
      // times, and never hand back a partial body (it would parse as "no state" or a torn state).
      if (isAbort(e) || options.signal?.aborted) throw e;
      const attempt = (options.bodyAttempt ?? 1);
      if (attempt < 3) return this.get(key, { ...options, bodyAttempt: attempt + 1 });
      throw new StateBackendError(`reading object "${key}" in S3 bucket "${this.bucket}" was interrupted ${attempt} times: ${describeError(e)}`, { cause: e });
    }
    return { body: bytes, etag: out.ETag, versionId: out.VersionId };
  }

  /**
   * PUT with Terraform's headers: `Content-Type: application/json`, a precomputed SHA-256 checksum
   * (OpenTofu's way: a plain header, no aws-chunked trailer, which S3 compatibles mishandle) unless
   * `skip_s3_checksum`, SSE per {@link EncryptionSettings}, canned ACL.
   */
  public async put(key: string, body: Buffer, options: PutOptions = {}): Promise<{ etag?: string; versionId?: string }> {
    const checksum = this.settings.skipS3Checksum
      ? {}
      : { ChecksumAlgorithm: 'SHA256' as const, ChecksumSHA256: createHash('sha256').update(body).digest('base64') };
    const out = await this.send<import('@aws-sdk/client-s3').PutObjectCommandOutput>(new PutObjectCommand({
      Bucket: this.bucket,
      Key: key,
      Body: body,
      ContentLength: body.length,
      ContentType: STATE_CONTENT_TYPE,
      ...checksum,
      ...this.writeHeaders(),
      ...(this.settings.acl ? { ACL: this.settings.acl as PutObjectCommandInput['ACL'] } : {}),
      ...(options.ifNoneMatch ? { IfNoneMatch: '*' } : {}),
    }), options.signal);
    return { etag: out.ETag, versionId: out.VersionId };
  }

  /** DELETE (no VersionId: a delete marker on versioned buckets, as Terraform). */
  public async delete(key: string, options: { ifMatch?: string; signal?: AbortSignal } = {}): Promise<void> {
    await this.send(new DeleteObjectCommand({
      Bucket: this.bucket,
      Key: key,
      ...(options.ifMatch ? { IfMatch: options.ifMatch } : {}),
    }), options.signal);
  }

  /** One page of `ListObjectsV2`. */
  public async listPage(prefix: string, maxKeys: number, continuationToken: string | undefined, signal?: AbortSignal) {
    return this.send<import('@aws-sdk/client-s3').ListObjectsV2CommandOutput>(new ListObjectsV2Command({
      Bucket: this.bucket,
      Prefix: prefix,
      MaxKeys: maxKeys,
      ...(continuationToken ? { ContinuationToken: continuationToken } : {}),
    }), signal);
  }

  /** One page of `ListObjectVersions`. */
  public async listVersionsPage(prefix: string, keyMarker: string | undefined, versionIdMarker: string | undefined, signal?: AbortSignal) {
    return this.send<import('@aws-sdk/client-s3').ListObjectVersionsCommandOutput>(new ListObjectVersionsCommand({
      Bucket: this.bucket,
      Prefix: prefix,
      ...(keyMarker !== undefined ? { KeyMarker: keyMarker } : {}),
      ...(versionIdMarker !== undefined ? { VersionIdMarker: versionIdMarker } : {}),
    }), signal);
  }
}
