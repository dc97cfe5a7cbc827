import { defaultLockWho, newLockInfo, type LockInfo } from '../../protocol/lock-info';
import { LockReleaseError, isStateLockedError } from '../errors';
import type { Locker } from '../lockers/locker';
import type { LockRetryTiming } from '../types';
import { sleep } from './timing';

/** What a lock needs from the facade. */
export interface LockTarget {
  readonly locker: Locker;
  /** `Path` of the LockInfo (`<bucket>/<key>`). */
  readonly lockPath: string;
  readonly who?: string;
  readonly terraformVersion: string;
  readonly retry?: LockRetryTiming;
}

/** Options of one lock. */
export interface LockRequest {
  readonly operation?: string;
  readonly info?: string;
  readonly who?: string;
  readonly version?: string;
  readonly id?: string;
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

/** Default first wait after a refused lock (Terraform: 1 s). */
export const DEFAULT_LOCK_RETRY_INITIAL_MS = 100;
/** Default longest wait between attempts (Terraform: 16 s). */
export const DEFAULT_LOCK_RETRY_MAX_MS = 2_000;

/**
 * The wait before the next attempt. Terraform (`statemgr.LockWithContext`) doubles from 1 s to 16 s
 * whatever happens, which leaves a lock that turns over every few hundred milliseconds idle most of
 * the time. Here the holder seen on each refusal steers the wait:
 *
 * | refusal | next wait |
 * |---|---|
 * | same holder as at the previous refusal (a long hold) | doubled, up to `maxDelayMs` |
 * | another holder (the lock changes hands quickly; we lost a race) | halved, down to `initialDelayMs` |
 *
 * with ±25 % jitter so that waiters spread out. The wait stays bounded by `maxDelayMs` and by the
 * caller's timeout.
 */
export function nextLockDelay(delay: number, holderChanged: boolean, timing: Required<LockRetryTiming>): number {
  return holderChanged
    ? Math.max(timing.initialDelayMs, delay / 2)
    : Math.min(delay * 2, timing.maxDelayMs);
}

/**
 * Takes the lock and returns its ID (`''` when no locking is configured, as Terraform). With
 * `timeoutMs`, a lock held by someone known is retried (see {@link nextLockDelay}) until the timeout
 * (Terraform's `-lock-timeout`); any other failure is final, as in Terraform.
 */
export async function acquireLock(t: LockTarget, options: LockRequest): Promise<string> {
  const { signal } = options;
  const info: LockInfo = newLockInfo({
    operation: options.operation ?? 'OperationTypeInvalid',
    info: options.info,
    who: options.who ?? t.who ?? defaultLockWho(),
    version: options.version ?? t.terraformVersion,
    id: options.id,
    path: t.lockPath,
  });
  const timing = {
    initialDelayMs: t.retry?.initialDelayMs ?? DEFAULT_LOCK_RETRY_INITIAL_MS,
    maxDelayMs: t.retry?.maxDelayMs ?? DEFAULT_LOCK_RETRY_MAX_MS,
    policy: t.retry?.policy ?? 'adaptive',
  };
  let delay = timing.initialDelayMs;
  let lastHolder: string | undefined;
  const deadline = Date.now() + (options.timeoutMs ?? 0);
  for (let attempt = 1; ; attempt++) {
    try {
      await t.locker.lock(info, signal);
      return t.locker.kind === 'none' ? '' : info.ID;
    } catch (e) {
      if (!isStateLockedError(e) || !e.lockInfo?.ID) throw e;
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw e;
      if (attempt > 1) {
        delay = timing.policy === 'terraform'
          ? Math.min(delay * 2, timing.maxDelayMs)
          : nextLockDelay(delay, e.lockInfo.ID !== lastHolder, timing);
      }
      lastHolder = e.lockInfo.ID;
      const wait = timing.policy === 'terraform' ? delay : delay * (0.75 + Math.random() * 0.5);
      await sleep(Math.min(wait, remaining), signal);
    }
  }
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
