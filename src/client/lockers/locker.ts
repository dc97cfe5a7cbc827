import type { LockInfo } from '../../protocol/lock-info';

/**
 * One locking mechanism (Terraform's `statemgr.Locker` for one backend setting). Implementations:
 * lock file, DynamoDB, both (with compensation), none.
 */
export interface Locker {
  /** Short name for messages and tests: `lockfile`, `dynamodb`, `lockfile+dynamodb`, `none`. */
  readonly kind: string;
  /**
   * Acquires the lock with exactly these LockInfo bytes.
   * @throws StateLockedError carrying the holder's info when it is held (or could not be taken)
   */
  lock(info: LockInfo, signal?: AbortSignal): Promise<void>;
  /**
   * Releases the lock held with `id`.
   * @throws LockIdMismatchError when someone else holds it (nothing deleted)
   */
  unlock(id: string, signal?: AbortSignal): Promise<void>;
  /** The current holder, or `undefined` when not locked. */
  getLockInfo(signal?: AbortSignal): Promise<LockInfo | undefined>;
}
