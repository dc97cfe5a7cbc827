import { CONSISTENCY_RETRY_POLL_INTERVAL_MS, CONSISTENCY_RETRY_TIMEOUT_MS } from '../../protocol/constants';
import { checksumMismatchMessage, md5Hex } from '../../protocol/digest';
import { UnsupportedEncryptionVersionError } from '../../protocol/encrypted-state';
import { StateFile, readStateOrEnvelope, serializeState, serializeStateTofu } from '../../protocol/state';
import { BucketNotFoundError, EncryptedStateError, InvalidStateError, StateBackendError, StateChecksumMismatchError } from '../errors';
import type { DigestRetryTiming, ReadStateResult, WriteStateResult } from '../types';
import { describeError, isNoSuchBucket } from './aws-errors';
import type { StoredObject, UserMetadata } from './object-store';
import { ClientEncryption, noKeyMessage } from './state-encryption';
import type { WriteTarget } from './streaming-write';
import { sleep } from './timing';

/** The in-memory path: whole-object reads with the digest check, writes, and the parse both use. */
export class WholeState {
  constructor(private readonly t: WriteTarget & {
    readonly digestRetry?: DigestRetryTiming;
    readonly terraformVersion: string;
    /** OpenTofu state encryption: reads decrypt, writes encrypt (the object, Content-MD5 and digest cover the envelope). */
    readonly encryption?: ClientEncryption;
  }) {}

  /** Whether encryption may be configured: then every read and write goes through this path, never the streamed one. */
  public get encryptionRequested(): boolean {
    return this.t.encryption?.requested === true;
  }

  /**
   * The state, or `undefined` when there is none (no object, or a zero-byte object). With a DynamoDB
   * table the object's MD5 must match the stored digest; a mismatch is re-checked every 2 s for 10 s
   * (Terraform's consistency wait) before failing. A `versionId` is read as stored (no digest check).
   */
  public async read(options: { versionId?: string; signal?: AbortSignal } = {}): Promise<ReadStateResult | undefined> {
    const { signal } = options;
    const obj = options.versionId || !this.t.digests
      ? await this.t.store.get(this.t.stateKey, { versionId: options.versionId, signal })
      : await this.readConsistent(signal);
    if (!obj || obj.body.length === 0) return undefined;
    const where = `s3://${this.t.store.bucket}/${this.t.stateKey}${options.versionId ? ` (version ${options.versionId})` : ''}`;
    // internal/states/remote/state.go refreshState: the payload is decrypted before statefile.Read.
    const decrypted = await this.t.encryption?.decrypt(obj.body, where);
    const bytes = decrypted ? decrypted.state : obj.body;
    if (bytes.length === 0) return undefined;
    const state = this.parse(bytes);
    if (!state) return undefined;
    const encryption = decrypted
      ? { encryption: { status: decrypted.status, wasEncrypted: decrypted.wasEncrypted, ...(decrypted.method ? { method: decrypted.method } : {}) } }
      : {};
    return { bytes, state, md5: md5Hex(obj.body), etag: obj.etag, versionId: obj.versionId, ...encryption };
  }

  private async readConsistent(signal?: AbortSignal): Promise<StoredObject | undefined> {
    const timing = this.t.digestRetry ?? {};
    const poll = timing.pollIntervalMs ?? CONSISTENCY_RETRY_POLL_INTERVAL_MS;
    const deadline = Date.now() + (timing.timeoutMs ?? CONSISTENCY_RETRY_TIMEOUT_MS);
    for (;;) {
      const obj = await this.t.store.get(this.t.stateKey, { signal });
      const calculated = obj && obj.body.length > 0 ? md5Hex(obj.body) : '';
      const stored = await this.t.digests!.get(this.t.digestLockId, signal);
      if (stored === undefined || stored === calculated) return obj;
      if (Date.now() >= deadline) {
        const key = { bucket: this.t.store.bucket, key: this.t.stateKey, calculated, stored };
        throw new StateChecksumMismatchError(checksumMismatchMessage(key), calculated, stored);
      }
      await sleep(Math.min(poll, Math.max(0, deadline - Date.now())), signal);
    }
  }

  /**
   * Parses stored bytes, or (`given`) bytes handed to a write, naming the one or the other in errors:
   * one JSON parse tells an OpenTofu envelope (refused: no key) from a state and reads the state.
   */
  public parse(bytes: Buffer, given = false): StateFile | undefined {
    const bucket = this.t.store.bucket;
    const where = given ? 'the given state' : `s3://${bucket}/${this.t.stateKey}`;
    const after = given ? ' Nothing was written.' : '';
    let read;
    try {
      read = readStateOrEnvelope(bytes, this.t.terraformVersion);
    } catch (e) {
      if (e instanceof UnsupportedEncryptionVersionError) throw new EncryptedStateError(`${where}: ${e.message}${after}`);
      throw new InvalidStateError(`${where} is not a usable state: ${e instanceof Error ? e.message : String(e)}${after}`, { cause: e });
    }
    if (read.envelope) throw new EncryptedStateError(noKeyMessage(read.envelope, where));
    return read.state;
  }

  /**
   * Writes the object, then the digest (a digest failure is only logged, as Terraform). `checked`:
   * bytes the caller owns and has already parsed with {@link parse} (`given`): neither copied nor parsed again.
   */
  public async write(state: Uint8Array | StateFile, signal?: AbortSignal, metadata?: UserMetadata, checked = false): Promise<WriteStateResult> {
    const enc = await this.t.encryption?.active();
    const tofu = ClientEncryption.encryptsState(enc);
    // With encryption, the bytes OpenTofu's remote state writes (statefile.Write, compact, trailing newline), then
    // encrypted; otherwise the flavour the state was read in (OpenTofu's stays compact, with its fields).
    const given = state instanceof Uint8Array ? (checked && Buffer.isBuffer(state) ? state : Buffer.from(state)) : undefined;
    const plain = given ?? (tofu ? serializeStateTofu(state as StateFile) : serializeState(state as StateFile));
    if (state instanceof Uint8Array) {
      if (plain.length === 0) throw new InvalidStateError('refusing to write an empty state object: Terraform reads it as "no state"; delete the workspace instead');
      if (!checked) this.parse(plain, true);
    }
    // remote.Client.Put receives the encrypted payload: the object, its Content-MD5 and the digest are the envelope's.
    const bytes = enc ? await this.t.encryption!.encrypt(enc, plain, `s3://${this.t.store.bucket}/${this.t.stateKey}`) : plain;
    let out;
    try {
      out = await this.t.store.put(this.t.stateKey, bytes, { signal, metadata, tagging: this.t.tagging });
    } catch (e) {
      signal?.throwIfAborted();
      if (isNoSuchBucket(e)) throw new BucketNotFoundError(this.t.store.bucket, { cause: e });
      throw new StateBackendError(`failed to upload state: ${describeError(e)}`, { cause: e });
    }
    const md5 = md5Hex(bytes);
    await this.t.digests?.put(this.t.digestLockId, md5, signal);
    return { md5, etag: out.etag, versionId: out.versionId };
  }
}
