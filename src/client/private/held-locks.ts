import { ScanCommand, type ScanCommandOutput } from '@aws-sdk/client-dynamodb';
import type { ObjectStore } from './object-store';
import type { Runtime } from './runtime';
import { LIST_MAX_KEYS } from '../../protocol/constants';
import { type HeldLocksOptions, type LockReport, collectHeldLocks } from '../lock-report';

/**
 * `StateClient.listHeldLocks` (`tfstate locks`): the report of {@link listHeldLocks} for the client's
 * backend, through its object store (SSE-C on the lock file GETs, the checksum policy, counting) and
 * its DynamoDB client (counted), with its credentials, endpoints and retries.
 */
export async function listBackendLocks(runtime: Runtime, store: ObjectStore, options: HeldLocksOptions = {}): Promise<LockReport> {
  const { signal } = options;
  await runtime.ready(signal);
  const { dynamodb } = runtime;
  const config = runtime.config;
  const lockTable = dynamodb && config.dynamodb_table ? config.dynamodb_table : undefined;
  const settings = { ...options, bucket: config.bucket, lockTable, workspaceKeyPrefix: config.workspace_key_prefix };
  return collectHeldLocks(settings, {
    list: (token) => store.listPage(options.keyPrefix ?? '', LIST_MAX_KEYS, token, signal),
    read: async (key) => {
      try {
        return (await store.get(key, { signal }))?.body.toString('utf8');
      } catch (e) {
        // The store names the object; the report does too: give it the SDK's error.
        const sdk = (e as { cause?: { $metadata?: unknown } }).cause;
        throw sdk?.$metadata !== undefined ? sdk : e;
      }
    },
    scan: (input) => runtime.counter.send<ScanCommandOutput>('dynamodb', dynamodb!, new ScanCommand(input), signal),
  });
}
