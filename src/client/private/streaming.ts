import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CONSISTENCY_RETRY_POLL_INTERVAL_MS, CONSISTENCY_RETRY_TIMEOUT_MS } from '../../protocol/constants';
import { checksumMismatchMessage } from '../../protocol/digest';
import type { OutputValue, StateFile } from '../../protocol/state';
import { StatePrefixScanner, outputsFromPrefix, stateHeadFromPrefix, type StatePrefix } from '../../protocol/streaming-scan';
import { EncryptedStateError, InvalidStateError, StateBackendError, StateChecksumMismatchError } from '../errors';
import { describeError, isAbort } from './aws-errors';
import type { DigestStore } from './digest-store';
import type { ObjectStore, UserMetadata } from './object-store';
import { createPrivateWriteStream, withTempFile } from './temp-files';
import { sleep } from './timing';

/** A broken response body is read again this many times in all (outputs and heads only). */
const BODY_ATTEMPTS = 3;

/** Everything the streaming paths need from the facade. */
export interface StreamingTarget {
  readonly store: ObjectStore;
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
  /**
   * The bytes written are an OpenTofu state encryption envelope, copied as stored because no
   * encryption is configured (OpenTofu's `state pull` refuses it: it reads the envelope as a state).
   * Absent when the state was decrypted or is not encrypted.
   */
  readonly encrypted?: true;
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
    return this.t.store.bucket;
  }

  /** Terraform's consistency wait: 2 s polls for 10 s (tests shorten it). */
  private consistencyWait(): { deadline: number; wait: (signal?: AbortSignal) => Promise<void> } {
    const timing = this.t.digestRetry ?? {};
    const poll = timing.pollIntervalMs ?? CONSISTENCY_RETRY_POLL_INTERVAL_MS;
    const deadline = Date.now() + (timing.timeoutMs ?? CONSISTENCY_RETRY_TIMEOUT_MS);
    return { deadline, wait: (signal) => sleep(Math.min(poll, Math.max(0, deadline - Date.now())), signal) };
  }

  private mismatch(calculated: string, stored: string): StateChecksumMismatchError {
    const message = checksumMismatchMessage({ bucket: this.bucket, key: this.t.stateKey, calculated, stored });
    return new StateChecksumMismatchError(message, calculated, stored);
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
    const consistency = this.consistencyWait();
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
      if (Date.now() >= consistency.deadline) throw this.mismatch(calculated, stored);
      await consistency.wait(signal);
    }
  }

  private async scanOnce(wantMd5: boolean, signal?: AbortSignal): Promise<
    | { ok: false; result: StateHead | undefined }
    | { ok: true; result: StateHead | undefined; calculated: string; stored: string | undefined }
  > {
    const storedPromise = this.t.digests?.get(this.t.digestLockId, signal);
    // Settle now so a rejection is not reported as unhandled while the GET runs.
    storedPromise?.catch(() => undefined);
    const out = await this.t.store.open(this.t.stateKey, { signal });
    const stored = storedPromise ? await storedPromise : undefined;
    if (!out || out.contentLength === 0) {
      out?.body.destroy();
      return { ok: true, result: undefined, calculated: '', stored };
    }
    const body = out.body;
    const scanner = new StatePrefixScanner();
    const hashNeeded = wantMd5 || (stored !== undefined && etagMd5(out.etag) !== stored);
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
    const calculated = md5 ? md5.digest('hex') : (etagMd5(out.etag) ?? '');
    if (size === 0) return { ok: true, result: undefined, calculated: '', stored };
    const head = this.headOf(prefix);
    const result: StateHead = {
      head,
      prefix,
      etag: out.etag,
      versionId: out.versionId,
      size: out.contentLength,
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
   * otherwise by spooling to a private temporary file (bounded memory, see `temp-files.ts`) and
   * re-reading on mismatch for Terraform's 10 s consistency window. `undefined` (nothing written)
   * when there is no state. A `versionId` is copied as stored (no digest check, as `readState`).
   */
  public async pullTo(
    destination: Writable, options: { signal?: AbortSignal; end?: boolean; versionId?: string } = {},
  ): Promise<PullResult | undefined> {
    const { signal, versionId } = options;
    const end = options.end !== false;
    const consistency = this.consistencyWait();
    for (;;) {
      const storedPromise = versionId ? undefined : this.t.digests?.get(this.t.digestLockId, signal);
      storedPromise?.catch(() => undefined);
      const out = await this.t.store.open(this.t.stateKey, { signal, versionId });
      const stored = storedPromise ? await storedPromise : undefined;
      if (!out || out.contentLength === 0) {
        out?.body.destroy();
        if (stored !== undefined && stored !== '') {
          if (Date.now() >= consistency.deadline) throw this.mismatch('', stored);
          await consistency.wait(signal);
          continue;
        }
        return undefined;
      }
      if (stored === undefined || etagMd5(out.etag) === stored) {
        return pullResult(await copyHashed(out.body, destination, end, this.t.stateKey, true), out);
      }
      const pulled = await withTempFile('pull', async (spool) => {
        const { md5 } = await copyHashed(out.body, createPrivateWriteStream(spool.path), true, this.t.stateKey);
        if (md5 !== stored) return md5;
        return pullResult(await copyHashed(createReadStream(spool.path), destination, end, this.t.stateKey, true), out);
      });
      if (typeof pulled !== 'string') return pulled;
      if (Date.now() >= consistency.deadline) throw this.mismatch(pulled, stored);
      await consistency.wait(signal);
    }
  }

  /**
   * `serial` and `lineage` of one version from a bounded ranged GET (the head of the object, where
   * Terraform and OpenTofu write them): one request and constant memory whatever the state's size.
   * `undefined` values when the head does not hold them (encrypted, not a state, unusual layout).
   * Also the version's user metadata (the writer's lock, for attributed history), free with the GET.
   */
  public async readIdentity(
    versionId: string, signal?: AbortSignal,
  ): Promise<{ serial?: number; lineage?: string; metadata?: UserMetadata } | undefined> {
    const out = await this.t.store.open(this.t.stateKey, { versionId, range: `bytes=0-${IDENTITY_RANGE_BYTES - 1}`, signal });
    if (!out) return undefined;
    const scanner = new StatePrefixScanner({ keys: ['serial', 'lineage'] });
    try {
      for await (const chunk of out.body as AsyncIterable<Buffer>) {
        if (scanner.push(chunk)) break;
      }
    } finally {
      out.body.destroy();
    }
    const raw = scanner.finish().raw;
    return { serial: parseJsonAs(raw.serial, 'number'), lineage: parseJsonAs(raw.lineage, 'string'), metadata: out.metadata };
  }
}

/** How much of a version `readIdentity` reads: Terraform writes `serial` and `lineage` in the first ~150 bytes. */
export const IDENTITY_RANGE_BYTES = 16 * 1024;

function parseJsonAs<T extends 'number' | 'string'>(raw: string | undefined, type: T): (T extends 'number' ? number : string) | undefined {
  if (raw === undefined) return undefined;
  try {
    const v = JSON.parse(raw);
    return typeof v === type ? v : undefined;
  } catch {
    return undefined;
  }
}

/** A response body that broke while being read (retryable for reads that wrote nothing yet). */
class BodyError extends Error {
  constructor(public readonly cause: unknown) {
    super(describeError(cause));
  }
}

/** What a pull returns, from the copy to the destination and the object's response. */
function pullResult(copied: Copied, out: { etag?: string; versionId?: string }): PullResult {
  return { md5: copied.md5, bytes: copied.bytes, etag: out.etag, versionId: out.versionId, ...(copied.encrypted ? { encrypted: true } : {}) };
}

interface Copied {
  readonly md5: string;
  readonly bytes: number;
  readonly encrypted?: true;
}

/**
 * Copies `body` to `destination` with backpressure, hashing as it goes; with `scanHead`, also tells
 * an OpenTofu envelope from a state by the first top-level keys (the scan stops at `version`, a
 * state's first key, or at the envelope's `meta`, both in the first few hundred bytes; never past
 * the head that `readIdentity` reads).
 */
async function copyHashed(
  body: Readable, destination: Writable, end: boolean, key: string, scanHead = false,
): Promise<Copied> {
  const md5 = createHash('md5');
  let bytes = 0;
  const head = scanHead ? new StatePrefixScanner({ keys: ['version'] }) : undefined;
  // Which side failed: the object's body (an interrupted read) or the destination (e.g. EPIPE, its reader gone).
  let destinationError: unknown;
  const onDestinationError = (e: unknown) => { destinationError ??= e; };
  destination.on('error', onDestinationError);
  try {
    await pipeline(body, async function* (src: AsyncIterable<Buffer>) {
      for await (const chunk of src) {
        md5.update(chunk);
        bytes += chunk.length;
        if (head && !head.done && bytes - chunk.length < IDENTITY_RANGE_BYTES) head.push(chunk);
        yield chunk;
      }
    }, destination, { end });
  } catch (e) {
    if (isAbort(e)) throw e;
    if (destinationError !== undefined && e === destinationError) {
      throw new StateBackendError(`writing state object "${key}" to its destination failed: ${describeError(e)}; the output is incomplete`, { cause: e });
    }
    throw new StateBackendError(`reading state object "${key}" was interrupted after ${bytes} bytes: ${describeError(e)}; the output is incomplete`, { cause: e });
  } finally {
    destination.off('error', onDestinationError);
  }
  return { md5: md5.digest('hex'), bytes, ...(head?.finish().encrypted ? { encrypted: true as const } : {}) };
}
