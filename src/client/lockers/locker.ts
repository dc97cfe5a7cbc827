import { type LockInfo, marshalLockInfo } from '../../protocol/lock-info';
import { StateLockedError } from '../errors';
import { isAbort } from '../private/aws-errors';

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

/** How a locker's conditional create was refused, for {@link settleRefusedLock}. */
export interface RefusedLock {
  /** The LockInfo we tried to write. */
  readonly info: LockInfo;
  /** The error of the conditional create. */
  readonly cause: unknown;
  /** True when the refusal was the condition (the lock exists), not another failure. */
  readonly contended: boolean;
  /** The message naming the refused object: "the lock file s3://… already exists" or the write failure. */
  readonly reason: string;
  /** Reads the current holder. */
  readonly readHolder: () => Promise<LockInfo | undefined>;
  /** Tries the conditional create again. */
  readonly retry: () => Promise<void>;
  /** Attempts made so far, counting the refused one. */
  readonly attempt: number;
}

/** Retries of a create whose holder vanished before it could be read. */
const MAX_VANISHED_HOLDER_ATTEMPTS = 3;

/**
 * What every locker does when its conditional create is refused: read the holder, then
 * - our own LockInfo: our write landed and only its response was lost (the SDK's retry met our lock) —
 *   we hold the lock; reporting it as someone else's would strand it;
 * - no holder although the condition failed: it was released in between — the lock is free, try again;
 * - otherwise: a `StateLockedError` carrying the holder, as Terraform's `LockError`.
 */
export async function settleRefusedLock(refused: RefusedLock): Promise<void> {
  if (isAbort(refused.cause)) throw refused.cause;
  let holder: LockInfo | undefined;
  let readError = '';
  try {
    holder = await refused.readHolder();
  } catch (readErr) {
    if (isAbort(readErr)) throw readErr;
    readError = `\n${readErr instanceof Error ? readErr.message : String(readErr)}`;
  }
  if (holder && marshalLockInfo(holder) === marshalLockInfo(refused.info)) return;
  if (!holder && !readError && refused.contended && refused.attempt < MAX_VANISHED_HOLDER_ATTEMPTS) {
    return refused.retry();
  }
  throw new StateLockedError(`${refused.reason}${readError}`, holder, { cause: refused.cause });
}
