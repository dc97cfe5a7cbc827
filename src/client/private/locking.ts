import { defaultLockWho, newLockInfo, type LockInfo } from '../../protocol/lock-info';
import { LockReleaseError, isStateLockedError } from '../errors';
import type { Locker } from '../lockers/locker';
import type { LockOptions, LockRetryTiming } from '../types';
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

/** Default first wait after a refused lock (Terraform: 1 s). */
export const DEFAULT_LOCK_RETRY_INITIAL_MS = 100;
/** Default longest wait between attempts (Terraform: 16 s). */
export const DEFAULT_LOCK_RETRY_MAX_MS = 2_000;

/** Milliseconds since the epoch of a LockInfo `Created` (RFC 3339, up to 9 fraction digits); NaN when unreadable. */
function createdMs(created: string): number {
  return Date.parse(created.replace(/(\.\d{3})\d+/, '$1'));
}

/**
 * The adaptive wait between lock attempts. Terraform (`statemgr.LockWithContext`) doubles from 1 s to
 * 16 s whatever happens, which leaves a lock that turns over every few hundred milliseconds idle
 * most of the time. Here each waiter learns how long the lock is held: when the holder changed
 * between two refusals, the difference of the two holders' `Created` times is one hold (plus the
 * gap, or several holds), averaged into an estimate. The next look comes after about one estimated
 * hold, ±50 % jitter so that waiters spread out, within `[initialDelayMs, maxDelayMs]`.
 *
 * A look is first a read of the holder (one GET or GetItem): while the same holder is there, no
 * conditional write is attempted, which keeps a crowd of waiters from loading the server that the
 * holder needs.
 */
export class AdaptiveLockWait {
  private estimate: number | undefined;
  private last: LockInfo | undefined;

  constructor(private readonly timing: { readonly initialDelayMs: number; readonly maxDelayMs: number }) {}

  /** Records the holder seen now; returns the wait before the next look. */
  public next(holder: LockInfo): number {
    const previous = this.last;
    this.last = holder;
    if (previous && previous.ID !== holder.ID) {
      const sample = createdMs(holder.Created) - createdMs(previous.Created);
      if (sample > 0 && sample < 60_000) this.estimate = this.estimate === undefined ? sample : 0.7 * this.estimate + 0.3 * sample;
    }
    const base = Math.min(Math.max(this.estimate ?? this.timing.initialDelayMs, this.timing.initialDelayMs), this.timing.maxDelayMs);
    return base * (0.5 + Math.random());
  }

  /** The holder seen at the last look. */
  public get lastHolder(): LockInfo | undefined {
    return this.last;
  }
}

/**
 * Takes the lock and returns its ID (`''` when no locking is configured, as Terraform). With
 * `timeoutMs`, a lock held by someone known is retried until the timeout (Terraform's
 * `-lock-timeout`): on the {@link AdaptiveLockWait} schedule, or Terraform's own (`policy:
 * 'terraform'`). Any other failure is final, as in Terraform.
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
  const terraform = t.retry?.policy === 'terraform';
  const timing = {
    initialDelayMs: t.retry?.initialDelayMs ?? DEFAULT_LOCK_RETRY_INITIAL_MS,
    maxDelayMs: t.retry?.maxDelayMs ?? DEFAULT_LOCK_RETRY_MAX_MS,
  };
  const adaptive = new AdaptiveLockWait(timing);
  let delay = timing.initialDelayMs;
  const deadline = Date.now() + (options.timeoutMs ?? 0);
  for (;;) {
    try {
      await t.locker.lock(info, signal);
      if (t.locker.kind === 'none') return '';
      t.held?.add(info);
      return info.ID;
    } catch (e) {
      if (!isStateLockedError(e) || !e.lockInfo?.ID) throw e;
      if (Date.now() >= deadline) throw e;
      if (terraform) {
        await sleep(Math.min(delay, deadline - Date.now()), signal);
        delay = Math.min(delay * 2, timing.maxDelayMs);
        continue;
      }
      // Look again (a read) until the holder is gone or another one has it, then try the write.
      let holder: LockInfo | undefined = e.lockInfo;
      while (holder && Date.now() < deadline) {
        const wait = adaptive.next(holder);
        await sleep(Math.min(wait, Math.max(0, deadline - Date.now())), signal);
        const seen: LockInfo | undefined = await t.locker.getLockInfo(signal).catch(() => undefined);
        if (!seen) break;
        holder = seen;
      }
      if (holder && Date.now() >= deadline) throw e;
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

/** Runs `fn` holding lock `id` and always releases it afterwards ({@link releaseLock}). */
export async function holdingLock<T>(locker: Locker, id: string, fn: (lockId: string) => Promise<T>): Promise<T> {
  let result: T;
  try {
    result = await fn(id);
  } catch (fnError) {
    await releaseLock(locker, id, fnError);
    throw fnError;
  }
  await releaseLock(locker, id, undefined);
  return result;
}
