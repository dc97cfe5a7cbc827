import { LockInfo, lockIdMismatchMessage, marshalLockInfo, parseLockInfoLenient } from '../../protocol/lock-info';
import { LockIdMismatchError, StateBackendError } from '../errors';
import { type Locker, settleRefusedLock } from './locker';
import { describeError, errorName, httpStatus, isAbort, isPreconditionFailed } from '../private/aws-errors';
import type { ConditionalDeleteProbe } from '../private/conditional-delete-probe';
import type { ObjectStore, StoredObject } from '../private/object-store';

/**
 * `use_lockfile = true`: the lock is the object `<statekey>.tflock`, created with `If-None-Match: *`
 * and the exact LockInfo bytes, with the same SSE, ACL and checksum as state writes, and OpenTofu's
 * `lock_tags` as `x-amz-tagging` (OpenTofu's `s3Lock` in `internal/backend/remote-state/s3/client.go`
 * tags the lock PUT only; the release is a DELETE and carries none).
 *
 * Release is Terraform's GET + compare ID + DELETE, with two improvements:
 * - the DELETE carries `If-Match: <etag of the GET>`, so a lock re-taken between the GET and the
 *   DELETE is not removed (a server that rejects the header gets a plain DELETE; one that ignores it
 *   gives exactly Terraform's behaviour, so the header is never less safe);
 * - releasing a lock this locker took itself, on a server that honours `If-Match` on DELETE (AWS S3
 *   since September 2025; asked once per client by the {@link ConditionalDeleteProbe}), skips the
 *   GET: the DELETE conditioned on the ETag of our own PUT can only remove our own lock file. A lock
 *   cycle is then 4 requests (PUT lock, GET state, PUT state, DELETE) instead of 5.
 */
export class LockFileLocker implements Locker {
  public readonly kind = 'lockfile';
  private ifMatchSupport: 'unknown' | 'honoured' | 'unsupported' = 'unknown';
  /** ETags of the lock files this locker wrote, by lock ID. */
  private readonly written = new Map<string, string>();

  /**
   * @param tagging `x-amz-tagging` of the lock file (`encodeTagging(lock_tags)`)
   */
  constructor(
    private readonly store: ObjectStore,
    private readonly key: string,
    private readonly probe?: ConditionalDeleteProbe,
    private readonly tagging?: string,
  ) {}

  public async lock(info: LockInfo, signal?: AbortSignal, attempt = 1): Promise<void> {
    try {
      // The probe (once per client) runs beside the PUT: it costs no latency and is settled by release.
      const [put] = await Promise.all([
        this.store.put(this.key, Buffer.from(marshalLockInfo(info), 'utf8'), { ifNoneMatch: true, tagging: this.tagging, signal }),
        this.probe?.honoured(),
      ]);
      if (put.etag) this.written.set(info.ID, put.etag);
      return;
    } catch (e) {
      const contended = isPreconditionFailed(e);
      return settleRefusedLock({
        info,
        cause: e,
        contended,
        reason: contended
          ? `the lock file s3://${this.store.bucket}/${this.key} already exists`
          : `failed to create the lock file s3://${this.store.bucket}/${this.key}: ${describeError(e)}`,
        readHolder: () => this.getLockInfo(signal),
        retry: () => this.lock(info, signal, attempt + 1),
        attempt,
      });
    }
  }

  public async getLockInfo(signal?: AbortSignal): Promise<LockInfo | undefined> {
    const obj = await this.read(signal);
    return obj ? this.parse(obj) : undefined;
  }

  public async unlock(id: string, signal?: AbortSignal): Promise<void> {
    const ours = this.written.get(id);
    if (ours !== undefined && this.ifMatchSupport !== 'unsupported' && await this.probe?.honoured() === true) {
      try {
        await this.store.delete(this.key, { ifMatch: ours, signal });
        this.written.delete(id);
        return;
      } catch (e) {
        if (isAbort(e)) throw e;
        // Not our object any more (412), gone (404), or another failure: Terraform's path decides.
      }
    }
    this.written.delete(id);
    const obj = await this.read(signal);
    if (!obj) {
      throw new StateBackendError(`unable to retrieve file from S3 bucket '${this.store.bucket}' with key '${this.key}': the lock file does not exist`);
    }
    const holder = this.parse(obj);
    if (holder.ID !== id) {
      throw new LockIdMismatchError(lockIdMismatchMessage('lockfile', id, holder.ID), id, holder.ID);
    }
    await this.deleteIfUnchanged(obj, id, signal);
  }

  private async deleteIfUnchanged(obj: StoredObject, id: string, signal?: AbortSignal): Promise<void> {
    const etag = this.ifMatchSupport !== 'unsupported' ? obj.etag : undefined;
    try {
      await this.store.delete(this.key, { ifMatch: etag, signal });
      if (etag) this.ifMatchSupport = 'honoured';
      return;
    } catch (e) {
      if (isAbort(e)) throw e;
      if (etag && isPreconditionFailed(e)) {
        // Either the lock changed since our GET, or the server mishandles If-Match: look again.
        const now = await this.read(signal);
        if (!now) return;
        const holder = this.parse(now);
        if (holder.ID !== id) {
          throw new LockIdMismatchError(lockIdMismatchMessage('lockfile', id, holder.ID), id, holder.ID);
        }
        if (now.etag !== obj.etag) {
          // Same ID, new object (our own lock re-written): delete that one, still conditionally.
          return this.deleteIfUnchanged(now, id, signal);
        }
        this.ifMatchSupport = 'unsupported';
        return this.deleteIfUnchanged(now, id, signal);
      }
      if (etag && isIfMatchUnsupported(e)) {
        this.ifMatchSupport = 'unsupported';
        return this.deleteIfUnchanged(obj, id, signal);
      }
      throw new StateBackendError(`failed to delete the lock file: ${describeError(e)}`, { cause: e });
    }
  }

  private async read(signal?: AbortSignal): Promise<StoredObject | undefined> {
    try {
      return await this.store.get(this.key, { signal });
    } catch (e) {
      if (isAbort(e)) throw e;
      throw new StateBackendError(`unable to retrieve file from S3 bucket '${this.store.bucket}' with key '${this.key}': ${describeError(e)}`, { cause: e });
    }
  }

  private parse(obj: StoredObject): LockInfo {
    try {
      return parseLockInfoLenient(obj.body);
    } catch (e) {
      throw new StateBackendError(`failed to unmarshal JSON data into LockInfo struct: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
  }
}

/** The server refused the `If-Match` header itself (not the condition). */
function isIfMatchUnsupported(e: unknown): boolean {
  const name = errorName(e);
  const status = httpStatus(e);
  return name === 'NotImplemented' || name === 'InvalidArgument' || name === 'InvalidRequest' || status === 501;
}
