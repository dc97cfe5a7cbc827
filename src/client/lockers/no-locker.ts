import type { Locker } from './locker';
import type { LockInfo } from '../../protocol/lock-info';

/** Neither `use_lockfile` nor `dynamodb_table`: Terraform's Lock returns no ID and Unlock does nothing. */
export class NoLocker implements Locker {
  public readonly kind = 'none';
  public async lock(_info: LockInfo, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
  }
  public async unlock(_id: string, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
  }
  public async getLockInfo(signal?: AbortSignal): Promise<LockInfo | undefined> {
    signal?.throwIfAborted();
    return undefined;
  }
}
