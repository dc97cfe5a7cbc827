import { DeleteItemCommand, GetItemCommand, PutItemCommand, type DynamoDBClient, type GetItemCommandOutput } from '@aws-sdk/client-dynamodb';
import { LOCK_INFO_ATTRIBUTE, LOCK_TABLE_PARTITION_KEY } from '../../protocol/constants';
import { LockInfo, lockIdMismatchMessage, lockInfoRetrieveMessage, marshalLockInfo, parseLockInfoLenient } from '../../protocol/lock-info';
import { LockIdMismatchError, StateBackendError } from '../errors';
import { type Locker, settleRefusedLock } from './locker';
import { describeError, isAbort, isConditionalCheckFailed } from '../private/aws-errors';
import type { RequestCounter } from '../private/instrumentation';

/**
 * `dynamodb_table`: the lock is the item `LockID = <bucket>/<statekey>` with the LockInfo JSON in
 * `Info`, created with `attribute_not_exists(LockID)`.
 *
 * Release compares the ID like Terraform, then deletes with `Info = :info` holding the bytes just
 * read (OpenTofu conditions on a re-serialisation, which fails for non-canonical writers): a lock
 * re-taken in between is never deleted.
 */
export class DynamoDbLocker implements Locker {
  public readonly kind = 'dynamodb';

  constructor(
    private readonly dynamodb: DynamoDBClient,
    private readonly counter: RequestCounter,
    private readonly table: string,
    private readonly lockId: string,
  ) {}

  public async lock(info: LockInfo, signal?: AbortSignal, attempt = 1): Promise<void> {
    try {
      await this.counter.send('dynamodb', this.dynamodb, new PutItemCommand({
        TableName: this.table,
        Item: { [LOCK_TABLE_PARTITION_KEY]: { S: this.lockId }, [LOCK_INFO_ATTRIBUTE]: { S: marshalLockInfo(info) } },
        ConditionExpression: `attribute_not_exists(${LOCK_TABLE_PARTITION_KEY})`,
      }), signal);
    } catch (e) {
      const contended = isConditionalCheckFailed(e);
      return settleRefusedLock({
        info,
        cause: e,
        contended,
        reason: contended
          ? `the DynamoDB lock item "${this.lockId}" already exists in table ${this.table}`
          : `failed to write the DynamoDB lock item "${this.lockId}": ${describeError(e)}`,
        readHolder: () => this.getLockInfo(signal),
        retry: () => this.lock(info, signal, attempt + 1),
        attempt,
      });
    }
  }

  public async getLockInfo(signal?: AbortSignal): Promise<LockInfo | undefined> {
    const raw = await this.readRaw(signal);
    return raw === undefined ? undefined : this.parse(raw, '');
  }

  public async unlock(id: string, signal?: AbortSignal): Promise<void> {
    const raw = await this.readRaw(signal);
    if (raw === undefined) {
      // Terraform parses the missing Info as "" and reports Go's JSON error; keep its wording.
      throw new StateBackendError(lockInfoRetrieveMessage(id));
    }
    const holder = this.parse(raw, id);
    if (holder.ID !== id) {
      throw new LockIdMismatchError(lockIdMismatchMessage('dynamodb', id, holder.ID), id, holder.ID);
    }
    try {
      await this.counter.send('dynamodb', this.dynamodb, new DeleteItemCommand({
        TableName: this.table,
        Key: { [LOCK_TABLE_PARTITION_KEY]: { S: this.lockId } },
        ConditionExpression: `${LOCK_INFO_ATTRIBUTE} = :info`,
        ExpressionAttributeValues: { ':info': { S: raw } },
      }), signal);
    } catch (e) {
      if (isAbort(e)) throw e;
      if (isConditionalCheckFailed(e)) {
        const now = await this.getLockInfo(signal);
        if (!now) return;
        if (now.ID !== id) throw new LockIdMismatchError(lockIdMismatchMessage('dynamodb', id, now.ID), id, now.ID);
        return this.unlock(id, signal);
      }
      throw new StateBackendError(`failed to delete the DynamoDB lock item "${this.lockId}": ${describeError(e)}`, { cause: e });
    }
  }

  private async readRaw(signal?: AbortSignal): Promise<string | undefined> {
    let out: GetItemCommandOutput;
    try {
      out = await this.counter.send<GetItemCommandOutput>('dynamodb', this.dynamodb, new GetItemCommand({
        TableName: this.table,
        Key: { [LOCK_TABLE_PARTITION_KEY]: { S: this.lockId } },
        ProjectionExpression: `${LOCK_TABLE_PARTITION_KEY}, ${LOCK_INFO_ATTRIBUTE}`,
        ConsistentRead: true,
      }), signal);
    } catch (e) {
      if (isAbort(e)) throw e;
      throw new StateBackendError(`failed to read the DynamoDB lock item "${this.lockId}": ${describeError(e)}`, { cause: e });
    }
    if (!out.Item) return undefined;
    return out.Item[LOCK_INFO_ATTRIBUTE]?.S ?? '';
  }

  private parse(raw: string, id: string): LockInfo {
    try {
      return parseLockInfoLenient(raw);
    } catch (e) {
      throw new StateBackendError(lockInfoRetrieveMessage(id, e instanceof Error ? e.message : String(e)), { cause: e });
    }
  }
}
