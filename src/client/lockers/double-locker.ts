import type { LockInfo } from '../../protocol/lock-info';
import { LockIdMismatchError, StateBackendError, StateLockedError, isLockIdMismatchError, isStateLockedError } from '../errors';
import type { Locker } from './locker';

/**
 * `use_lockfile` and `dynamodb_table` together (the migration "bake period"): lock file first, then
 * DynamoDB; if DynamoDB refuses, the lock file just taken is released so nothing is left behind.
 * Unlock always attempts both, file first, and reports every failure (Terraform's texts).
 */
export class DoubleLocker implements Locker {
  public readonly kind = 'lockfile+dynamodb';

  constructor(private readonly file: Locker, private readonly table: Locker) {}

  public async lock(info: LockInfo, signal?: AbortSignal): Promise<void> {
    await this.file.lock(info, signal);
    try {
      await this.table.lock(info, signal);
    } catch (tableError) {
      try {
        // Not abortable: leaving our lock file behind would block everyone.
        await this.file.unlock(info.ID);
      } catch (cleanupError) {
        const msg = cleanupError instanceof Error ? cleanupError.message : String(cleanupError);
        const orig = tableError instanceof Error ? tableError.message : String(tableError);
        const holder = isStateLockedError(tableError) ? tableError.lockInfo : undefined;
        throw new StateLockedError(`failed to clean up file lock after DynamoDB lock error: ${msg}; original error: ${orig}`, holder, { cause: tableError });
      }
      throw tableError;
    }
  }

  public async unlock(id: string, signal?: AbortSignal): Promise<void> {
    let fileError: unknown;
    let tableError: unknown;
    try {
      await this.file.unlock(id, signal);
    } catch (e) {
      fileError = e;
    }
    try {
      await this.table.unlock(id, signal);
    } catch (e) {
      tableError = e;
    }
    if (!fileError && !tableError) return;
    // Terraform's wrapping (`RemoteClient.Unlock`), whichever side failed.
    const text = (e: unknown) => (e instanceof Error ? e.message : String(e));
    const message = fileError && tableError
      ? `failed to unlock both S3 and DynamoDB: S3 error: ${text(fileError)}, DynamoDB error: ${text(tableError)}`
      : fileError ? `failed to unlock S3: ${text(fileError)}` : `failed to unlock DynamoDB: ${text(tableError)}`;
    // Someone else holds the lock: keep the error's type (and the holder's ID) under Terraform's text.
    const mismatch = isLockIdMismatchError(fileError) ? fileError : isLockIdMismatchError(tableError) ? tableError : undefined;
    if (mismatch) throw new LockIdMismatchError(message, mismatch.lockId, mismatch.existingLockId);
    throw new StateBackendError(message, { cause: fileError ?? tableError });
  }

  public async getLockInfo(signal?: AbortSignal): Promise<LockInfo | undefined> {
    return (await this.file.getLockInfo(signal)) ?? this.table.getLockInfo(signal);
  }
}
