import { defaultLockWho, newLockInfo, type LockInfo } from '../../protocol/lock-info';
import { LockReleaseError, isStateLockedError } from '../errors';
import type { Locker } from '../lockers/locker';
import type { LockOptions, LockRetryTiming } from '../types';
import { DoublingLockWait, HandOffLockWait, type LockWait } from './lock-wait';
import { countedWhileAcquiring, countedWhileHeld, LOCK_INTERRUPTED, locksInProcess } from './locks-in-process';
import { sleep } from './timing';

/** What a lock needs from the facade. */
export interface LockTarget {
  readonly locker: Locker;
  /** `Path` of the LockInfo (`<bucket>/<key>`). */
  readonly lockPath: string;
  readonly who?: string;
  readonly terraformVersion: string;
  readonly retry?: LockRetryTiming;
  /** Where a lock taken is recorded, so that state writes can name their writer. */
  readonly held?: { add(info: LockInfo): void };
}

/** Options of one lock (the facade's `LockOptions`). */
export type LockRequest = LockOptions;

/** Default first wait after a refused lock, before any hand-off was seen (Terraform: 1 s). */
export const DEFAULT_LOCK_RETRY_INITIAL_MS = 25;
/** Default longest wait between attempts (Terraform: 16 s). */
export const DEFAULT_LOCK_RETRY_MAX_MS = 2_000;

/**
 * Takes the lock and returns its ID (`''` when no locking is configured, as Terraform). With
 * `timeoutMs`, a lock held by someone known is retried until the timeout (Terraform's
 * `-lock-timeout`): on the {@link HandOffLockWait} schedule, or Terraform's own (`policy:
 * 'terraform'`, {@link DoublingLockWait}). Each attempt is the locker's conditional create, as in
 * Terraform's `statemgr.LockWithContext`; `timeoutMs` 0 makes exactly one. Any other failure is
 * final, as in Terraform.
 */
export async function acquireLock(t: LockTarget, options: LockRequest): Promise<string> {
  const { signal } = options;
  const fields = {
    operation: options.operation ?? 'OperationTypeInvalid',
    info: options.info,
    who: options.who ?? t.who ?? defaultLockWho(),
    version: options.version ?? t.terraformVersion,
    path: t.lockPath,
  };
  let info: LockInfo = newLockInfo({ ...fields, id: options.id });
  const terraform = t.retry?.policy === 'terraform';
  const timing = {
    initialDelayMs: t.retry?.initialDelayMs ?? DEFAULT_LOCK_RETRY_INITIAL_MS,
    maxDelayMs: t.retry?.maxDelayMs ?? DEFAULT_LOCK_RETRY_MAX_MS,
  };
  const wait: LockWait = terraform ? new DoublingLockWait(timing) : new HandOffLockWait(timing);
  const deadline = Date.now() + (options.timeoutMs ?? 0);
  for (;;) {
    const attemptStarted = performance.now();
    try {
      return await attempt(t, info, signal);
    } catch (e) {
      if (!isStateLockedError(e) || !e.lockInfo?.ID) throw e;
      const left = deadline - Date.now();
      if (left <= 0) throw e;
      const ms = wait.next(e.lockInfo, performance.now() - attemptStarted);
      if (terraform && ms >= left) {
        // Terraform returns the last lock error when the context ends during a wait.
        await sleep(left, signal);
        throw e;
      }
      // The client's schedule makes one last attempt at the deadline instead.
      await sleep(Math.min(ms, left), signal);
      // Same ID, `Created` of this attempt: a holder's `Created` then says when it took the lock,
      // which is what the waiters' schedule learns from (Terraform keeps the time it started
      // waiting; the field is only ever displayed).
      info = newLockInfo({ ...fields, id: info.ID });
    }
  }
}

/**
 * One conditional create, counted while in flight (locks-in-process.ts): a program stopping on a
 * signal waits for it rather than leave a lock that lands after its death, and a lock it takes then
 * is released at once. `signal` is the caller's, passed to the locker as before.
 */
async function attempt(t: LockTarget, info: LockInfo, signal: AbortSignal | undefined): Promise<string> {
  if (locksInProcess().stopping) throw new Error(LOCK_INTERRUPTED);
  return countedWhileAcquiring(async () => {
    await t.locker.lock(info, signal);
    if (t.locker.kind === 'none') return '';
    if (locksInProcess().stopping) {
      await releaseLock(t.locker, info.ID, undefined);
      throw new Error(LOCK_INTERRUPTED);
    }
    t.held?.add(info);
    return info.ID;
  });
}

/**
 * Releases `id` after an operation; never abortable (an aborted operation must still give its lock
 * back). A failure becomes a {@link LockReleaseError} with Terraform's `errStateUnlock` text, keeping
 * the operation's own error, if any, as its cause.
 */
export async function releaseLock(locker: Locker, id: string, operationError: unknown): Promise<void> {
  if (locker.kind === 'none') return;
  try {
    await locker.unlock(id);
  } catch (e) {
    const text = e instanceof Error ? e.message : String(e);
    throw new LockReleaseError(
      `Error unlocking S3 state. Lock ID: ${id}\n\nError: ${text}\n\nYou may have to force-unlock this state in order to use it again.`,
      id,
      { cause: operationError ?? e, unlockError: text },
    );
  }
}

/** Runs `fn` holding lock `id` and always releases it afterwards ({@link releaseLock}). */
export async function holdingLock<T>(locker: Locker, id: string, fn: (lockId: string) => Promise<T>): Promise<T> {
  // Counted until released, for a program's signal handler (locks-in-process.ts).
  return countedWhileHeld(async () => {
    let result: T;
    try {
      result = await fn(id);
    } catch (fnError) {
      await releaseLock(locker, id, fnError);
      throw fnError;
    }
    await releaseLock(locker, id, undefined);
    return result;
  });
}
