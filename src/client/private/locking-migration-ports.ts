/**
 * What `tfstate migrate-locking` needs of a backend beyond the locker of one workspace: the lock item
 * and lock file of any state key (the configured locking may be DynamoDB only, so the workspace's own
 * locker would not look at lock files), the doctor's If-None-Match probe, and the deletion of digest
 * items. `StateClient` exposes each as a method; the CLI never reaches the SDK itself.
 */
import { randomUUID } from 'node:crypto';
import { DeleteItemCommand, GetItemCommand, type DeleteItemCommandOutput, type GetItemCommandOutput } from '@aws-sdk/client-dynamodb';
import { describeError, isAbort } from './aws-errors';
import { probeIfNoneMatch } from './backend-checks';
import type { ObjectStore } from './object-store';
import type { Runtime } from './runtime';
import { DIGEST_ITEM_SUFFIX, LOCK_INFO_ATTRIBUTE, LOCK_TABLE_PARTITION_KEY } from '../../protocol/constants';
import { parseLockInfoLenient } from '../../protocol/lock-info';
import { StateBackendError } from '../errors';
import type { ConditionalWritesProbe, LockRecord } from '../types';

function tableOf(runtime: Runtime, what: string): { table: string; dynamodb: NonNullable<Runtime['dynamodb']> } {
  const table = runtime.config.dynamodb_table;
  if (!table || !runtime.dynamodb) {
    throw new StateBackendError(`${what}: no dynamodb_table is configured. Configure dynamodb_table (the lock table to read).`, {}, 'NO_LOCK_TABLE');
  }
  return { table, dynamodb: runtime.dynamodb };
}

function record(body: string): LockRecord {
  try {
    return { lockInfo: parseLockInfoLenient(body) };
  } catch (e) {
    // A lock whose body is not LockInfo is still a held lock: say why it cannot be attributed.
    return { problem: `the lock's body is not LockInfo JSON (${e instanceof Error ? e.message : String(e)})` };
  }
}

/** The DynamoDB lock item `lockId` (any state of the bucket), or `undefined` when there is none. */
export async function readLockItem(runtime: Runtime, lockId: string, signal?: AbortSignal): Promise<LockRecord | undefined> {
  const { table, dynamodb } = tableOf(runtime, 'reading a lock item');
  await runtime.ready(signal);
  let out: GetItemCommandOutput;
  try {
    out = await runtime.counter.send<GetItemCommandOutput>('dynamodb', dynamodb, new GetItemCommand({
      TableName: table,
      Key: { [LOCK_TABLE_PARTITION_KEY]: { S: lockId } },
      ProjectionExpression: `${LOCK_TABLE_PARTITION_KEY}, ${LOCK_INFO_ATTRIBUTE}`,
      ConsistentRead: true,
    }), signal);
  } catch (e) {
    if (isAbort(e)) throw e;
    throw new StateBackendError(`failed to read the DynamoDB lock item "${lockId}" from table ${table}: ${describeError(e)}`, { cause: e });
  }
  return out.Item ? record(out.Item[LOCK_INFO_ATTRIBUTE]?.S ?? '') : undefined;
}

/** The lock file `key` of the bucket (any state, whatever the configured locking), or `undefined` when there is none. */
export async function readLockFile(runtime: Runtime, store: ObjectStore, key: string, signal?: AbortSignal): Promise<LockRecord | undefined> {
  await runtime.ready(signal);
  let obj;
  try {
    obj = await store.get(key, { signal });
  } catch (e) {
    if (isAbort(e)) throw e;
    throw new StateBackendError(`failed to read the lock file "${key}" in bucket ${store.bucket}: ${describeError(e)}`, { cause: e });
  }
  return obj ? record(obj.body.toString('utf8')) : undefined;
}

/**
 * The doctor's If-None-Match probe (`probeIfNoneMatch`: concurrent conditional PUTs on a scratch key
 * beside `stateKey`, then one more; every version of the scratch key is deleted afterwards).
 */
export async function probeConditionalWrites(
  runtime: Runtime, store: ObjectStore, stateKey: string, signal?: AbortSignal,
): Promise<ConditionalWritesProbe> {
  await runtime.ready(signal);
  const r = await probeIfNoneMatch(store, `${stateKey}.tfstate-probe-${randomUUID()}`, signal);
  return { ok: r.status === 'pass', detail: r.detail };
}

/**
 * Deletes the digest item `digestLockId` (`<bucket>/<state key>-md5`); `false` when it did not exist.
 * Refuses any other LockID: a lock item must never be removed this way.
 */
export async function deleteDigestItem(runtime: Runtime, digestLockId: string, signal?: AbortSignal): Promise<boolean> {
  if (!digestLockId.endsWith(DIGEST_ITEM_SUFFIX)) {
    throw new StateBackendError(`"${digestLockId}" is not a digest item (its LockID must end with ${DIGEST_ITEM_SUFFIX}); nothing was deleted.`, {}, 'NOT_A_DIGEST_ITEM');
  }
  const { table, dynamodb } = tableOf(runtime, 'deleting a digest item');
  await runtime.ready(signal);
  try {
    const out = await runtime.counter.send<DeleteItemCommandOutput>('dynamodb', dynamodb, new DeleteItemCommand({
      TableName: table,
      Key: { [LOCK_TABLE_PARTITION_KEY]: { S: digestLockId } },
      ReturnValues: 'ALL_OLD',
    }), signal);
    return out.Attributes !== undefined;
  } catch (e) {
    if (isAbort(e)) throw e;
    throw new StateBackendError(`failed to delete the digest item "${digestLockId}" from table ${table}: ${describeError(e)}`, { cause: e });
  }
}
