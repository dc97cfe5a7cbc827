import { buildLockMetadata } from '../../protocol/attribution';
import type { LockInfo } from '../../protocol/lock-info';

/**
 * The locks this client holds now (taken by `lock()`/`withLock`, not yet released), so that every
 * state write can carry its writer in user metadata (`protocol/attribution.ts`): the lock's `ID`,
 * `Who` and `Operation`. A write made without a lock records an empty `ID` and the client's `who`.
 *
 * One client holds at most one lock of its state at a time in practice (the lock is exclusive); when
 * a caller takes several IDs by hand, the most recent one still held names the writer.
 */
export class HeldLocks {
  private readonly held = new Map<string, LockInfo>();

  /** Records a lock just taken. */
  public add(info: LockInfo): void {
    this.held.delete(info.ID);
    this.held.set(info.ID, info);
  }

  /** Forgets lock `id` (released, or its release was attempted). */
  public remove(id: string): void {
    this.held.delete(id);
  }

  /** The most recent lock still held, if any. */
  public current(): LockInfo | undefined {
    let last: LockInfo | undefined;
    for (const info of this.held.values()) last = info;
    return last;
  }

  /**
   * Runs `fn` as the holder of lock `id`, which the caller says it holds (`lockId` option). A lock
   * this client took keeps its own LockInfo; for one taken elsewhere only the ID is known, so the
   * writer is recorded with this client's `who` and `operation`.
   */
  public async claimed<T>(id: string, who: string, operation: string, fn: () => Promise<T>): Promise<T> {
    if (this.held.has(id)) return fn();
    const standIn = { ID: id, Who: who, Operation: operation } as LockInfo;
    this.add(standIn);
    try {
      return await fn();
    } finally {
      if (this.held.get(id) === standIn) this.remove(id);
    }
  }

  /** The `x-amz-meta-tfstate-lock-*` metadata of a state write made now by a client whose `Who` is `who`. */
  public writerMetadata(who: string): Record<string, string> {
    return buildLockMetadata(this.current() ?? { ID: '', Who: who, Operation: '' });
  }
}
