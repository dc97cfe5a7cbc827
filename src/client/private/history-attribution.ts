import { isAbort } from './aws-errors';
import { attributeHistory, type Attribution, type LockVersionRef, planAttribution, type StateVersionRef } from '../../protocol/attribution';
import { parseLockInfoLenient, type LockInfo } from '../../protocol/lock-info';
import { lockFileKey } from '../../protocol/paths';
import { DynamoDbLocker } from '../lockers/dynamodb-locker';
import type { StateHistoryEntry, StatePaths, StateWriter } from '../types';
import type { Runtime } from './runtime';
import type { WriteTarget } from './streaming-write';

/** Where `history` looks for writers besides each version's own metadata and the `.tflock` versions. */
export interface AttributionSources {
  /** Reads the DynamoDB lock held now (one GetItem); absent when no lock table is configured. */
  readonly readDynamoLock?: (signal?: AbortSignal) => Promise<LockInfo | undefined>;
}

/**
 * The sources of a client: the DynamoDB lock item of the state when a lock table is configured. The
 * item only adds writers: when it cannot be read (no table, no `dynamodb:GetItem`, throttling) the
 * versions it would have named stay `unknown` and the logger says why; the listing is not lost.
 */
export function historySources(runtime: Runtime, paths: StatePaths): AttributionSources {
  const table = runtime.config.dynamodb_table;
  if (!runtime.dynamodb || !table) return {};
  const locker = new DynamoDbLocker(runtime.dynamodb, runtime.counter, table, paths.lockId);
  return {
    readDynamoLock: (signal) => locker.getLockInfo(signal).catch((e: unknown) => {
      if (isAbort(e)) throw e;
      const why = e instanceof Error ? e.message.split('\n')[0] : String(e);
      runtime.options.logger?.warn(
        `history: could not read the DynamoDB lock of ${paths.lockId} in table ${table} (${why}); versions only it could attribute are shown as unknown.`,
      );
      return undefined;
    }),
  };
}

/**
 * Names the writer of every version in `entries` (delete markers excepted) with
 * `protocol/attribution.ts`: `metadata` holds the user metadata the head reads returned (`undefined`
 * for a version whose head was not read, which is then HEADed only if nothing else attributes it);
 * `lockVersions` is the `.tflock` key's listing ({@link orderLockEntries} order). Reads one small GET
 * per lock version that alone covers a write, and the DynamoDB lock (one GetItem) only when some
 * version is still unattributed. Never reads a state body.
 */
export async function attributeEntries(
  t: WriteTarget,
  entries: readonly StateHistoryEntry[],
  metadata: ReadonlyMap<string, Readonly<Record<string, string>> | undefined>,
  lockVersions: readonly LockVersionRef[],
  sources: AttributionSources,
  signal?: AbortSignal,
): Promise<StateHistoryEntry[]> {
  const refs: StateVersionRef[] = entries
    .filter((e) => !e.isDeleteMarker && e.lastModified !== undefined)
    .map((e) => ({ versionId: e.versionId, lastModified: e.lastModified!, metadata: metadata.get(e.versionId) }));
  let heldDynamoLock: LockInfo | undefined;
  if (sources.readDynamoLock) {
    const open = planAttribution(refs, lockVersions).entries.some((e) => 'attribution' in e && e.attribution.source === 'unknown');
    if (open) heldDynamoLock = await sources.readDynamoLock(signal);
  }
  const readLockVersion = async (versionId: string) => {
    const obj = await t.store.get(lockFileKey(t.stateKey), { versionId, signal });
    if (!obj) return undefined;
    try {
      return parseLockInfoLenient(obj.body);
    } catch {
      return undefined; // not a LockInfo: its writes stay unknown
    }
  };
  const attributed = await attributeHistory(refs, lockVersions, readLockVersion, {
    heldDynamoLock,
    readStateMetadata: (versionId) => t.store.headMetadata(t.stateKey, { versionId, signal }),
  });
  const writers = new Map(attributed.map((a) => [a.versionId, toWriter(a.attribution)]));
  return entries.map((e) => {
    const writer = writers.get(e.versionId);
    return writer ? { ...e, writer } : e;
  });
}

function toWriter(a: Attribution): StateWriter {
  switch (a.source) {
    case 'metadata':
    case 'dynamodb':
      return { source: a.source, who: a.lock.who, operation: a.lock.operation, lockId: a.lock.id };
    case 'lock-file':
      return { source: a.source, who: a.lock.who, operation: a.lock.operation, lockId: a.lock.id, lockVersionId: a.lockVersionId };
    case 'ambiguous':
      return { source: a.source, lockVersionIds: a.lockVersionIds };
    case 'unknown':
      return { source: a.source };
  }
}
