import { createHash } from 'node:crypto';
import { orderLockEntries, type LockVersionRef } from '../../protocol/attribution';
import { lockFileKey } from '../../protocol/paths';
import { BucketNotFoundError, StateBackendError, StateVersionNotFoundError } from '../errors';
import type { RepairDigestResult, RestoreResult, StateHistoryEntry, StateVersion } from '../types';
import { describeError, isNoSuchBucket } from './aws-errors';
import { type AttributionSources, attributeEntries } from './history-attribution';
import type { StreamingState } from './streaming';
import { identityReplacements, scanStateFile } from './streaming-push';
import { rewriteStateFile } from './streaming-rewrite';
import { writeStateFile, type WriteTarget } from './streaming-write';
import { spoolTo, withTempFile } from './temp-files';

/** Versions whose heads are read at once by {@link stateHistory}: bounded, so memory stays constant. */
const HISTORY_CONCURRENCY = 4;

/** The state key's versions and the `.tflock` key's entries, from one listing. */
interface KeyVersions {
  readonly state: StateVersion[];
  /** The lock key's versions and delete markers, newest first ({@link orderLockEntries}). */
  readonly lock: LockVersionRef[];
}

/**
 * Every version of the state object (`ListObjectVersions`, exact key only), newest first, delete
 * markers flagged.
 */
export async function listStateVersions(t: WriteTarget, signal?: AbortSignal): Promise<StateVersion[]> {
  return (await listKeyVersions(t, signal)).state;
}

/**
 * The state's versions and, from the same pages (`Prefix` = the state key, which the `.tflock` key
 * extends), the lock file's versions and delete markers.
 */
async function listKeyVersions(t: WriteTarget, signal?: AbortSignal): Promise<KeyVersions> {
  const { store, stateKey } = t;
  const lockKey = lockFileKey(stateKey);
  const out: StateVersion[] = [];
  const lockVersions: LockVersionRef[] = [];
  const lockMarkers: LockVersionRef[] = [];
  let keyMarker: string | undefined;
  let versionMarker: string | undefined;
  try {
    do {
      const page = await store.listVersionsPage(stateKey, keyMarker, versionMarker, signal);
      for (const v of page.Versions ?? []) {
        if (v.Key === lockKey && v.LastModified) lockVersions.push({ versionId: v.VersionId ?? 'null', lastModified: v.LastModified, isDeleteMarker: false });
        if (v.Key !== stateKey) continue;
        out.push({ versionId: v.VersionId ?? 'null', isLatest: v.IsLatest === true, isDeleteMarker: false, lastModified: v.LastModified, size: v.Size, etag: v.ETag });
      }
      for (const m of page.DeleteMarkers ?? []) {
        if (m.Key === lockKey && m.LastModified) lockMarkers.push({ versionId: m.VersionId ?? 'null', lastModified: m.LastModified, isDeleteMarker: true });
        if (m.Key !== stateKey) continue;
        out.push({ versionId: m.VersionId ?? 'null', isLatest: m.IsLatest === true, isDeleteMarker: true, lastModified: m.LastModified });
      }
      const more = page.IsTruncated === true;
      keyMarker = more ? page.NextKeyMarker : undefined;
      versionMarker = more ? page.NextVersionIdMarker : undefined;
    } while (keyMarker !== undefined);
  } catch (e) {
    signal?.throwIfAborted();
    if (isNoSuchBucket(e)) throw new BucketNotFoundError(store.bucket, { cause: e });
    throw new StateBackendError(`failed to list versions of s3://${store.bucket}/${stateKey}: ${describeError(e)}`, { cause: e });
  }
  const state = out.sort((a, b) => Number(b.isLatest) - Number(a.isLatest) || (b.lastModified?.getTime() ?? 0) - (a.lastModified?.getTime() ?? 0));
  return { state, lock: orderLockEntries(lockVersions, lockMarkers) };
}

/**
 * {@link listStateVersions} with each version's `serial` and `lineage`, read from a bounded ranged GET
 * of its head (`StreamingState.readIdentity`): one request per version and constant memory, whatever
 * the state's size. A version whose head cannot be read (encrypted, not a state, gone) is listed
 * without them. With `attribution`, each version also names its writer (`history-attribution.ts`):
 * the head reads bring this library's metadata for free; lock-file versions come with the listing.
 */
export async function stateHistory(
  t: WriteTarget, reader: Pick<StreamingState, 'readIdentity'>, signal?: AbortSignal, attribution?: AttributionSources,
): Promise<StateHistoryEntry[]> {
  const { state: versions, lock } = await listKeyVersions(t, signal);
  const entries: StateHistoryEntry[] = versions.map((v) => ({ ...v }));
  const metadata = new Map<string, Readonly<Record<string, string>> | undefined>();
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < versions.length; i = next++) {
      const v = versions[i];
      if (v.isDeleteMarker || v.size === 0) continue;
      try {
        const id = await reader.readIdentity(v.versionId, signal);
        if (id?.metadata) metadata.set(v.versionId, id.metadata);
        entries[i] = {
          ...v,
          ...(id?.serial !== undefined ? { serial: id.serial } : {}),
          ...(id?.lineage !== undefined ? { lineage: id.lineage } : {}),
        };
      } catch (e) {
        signal?.throwIfAborted();
        if (e instanceof BucketNotFoundError) throw e;
        // An unreadable version is still listed, without serial and lineage.
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(HISTORY_CONCURRENCY, versions.length) }, worker));
  return attribution ? attributeEntries(t, entries, metadata, lock, attribution, signal) : entries;
}

/**
 * Writes version `versionId` as the newest state, for states of any size: the version is copied to a
 * private temporary file, its head scanned, and it is uploaded with only `serial` rewritten (through
 * the scanner's byte span: nothing else changes, big numbers and formatting included) to one above
 * both the current serial and its own; its lineage is kept. Run it under the lock.
 *
 * @throws StateVersionNotFoundError when the version does not exist or is empty
 */
export async function restoreStateVersion(
  t: WriteTarget, reader: StreamingState, versionId: string,
  options: { signal?: AbortSignal; terraformVersion?: string; metadata?: Readonly<Record<string, string>> } = {},
): Promise<RestoreResult> {
  const { signal } = options;
  const missing = () => new StateVersionNotFoundError(
    `Version "${versionId}" of s3://${t.store.bucket}/${t.stateKey} does not exist or is empty. List the versions with "tfstate history".`,
    versionId,
  );
  return withTempFile('restore', async (file) => {
    const opened = await t.store.open(t.stateKey, { versionId, signal });
    if (!opened || opened.contentLength === 0) {
      opened?.body.destroy();
      throw missing();
    }
    await spoolTo(file.path, opened.body);
    await scanStateFile(file.path, options.terraformVersion); // refuses envelopes and non-states first, with their texts
    // Written as Terraform's statefile.Write writes the old version (what `terraform state push` of it
    // stores: issue 9 counts restore among the rewrites), one resource at a time, then the serial set.
    return withTempFile('restore-rewrite', async (out) => {
      const rewritten = await rewriteStateFile(file.path, out.path, { terraformVersion: options.terraformVersion, signal });
      const current = await reader.readHead({ signal });
      const serial = Math.max(current?.head.serial ?? 0, rewritten.head.serial) + 1;
      const written = await writeStateFile(t, out.path, { signal, replace: identityReplacements(rewritten, serial), metadata: options.metadata });
      return { md5: written.md5, etag: written.etag, versionId: written.versionId, restoredFrom: versionId, serial, lineage: rewritten.head.lineage };
    });
  });
}

/**
 * Stores the MD5 of the current state object as the DynamoDB digest (streamed: any size), or deletes
 * the digest item when there is no object. Failures are errors here (Terraform only logs them on a
 * state write). Run it under the lock.
 */
export async function repairStateDigest(t: WriteTarget, signal?: AbortSignal): Promise<RepairDigestResult> {
  const digestLockId = t.digestLockId;
  if (!t.digests) throw new StateBackendError('digest repair: no dynamodb_table is configured, so there is no digest to repair');
  const opened = await t.store.open(t.stateKey, { signal });
  let md5: string | undefined;
  if (opened) {
    const hash = createHash('md5');
    let size = 0;
    for await (const chunk of opened.body as AsyncIterable<Buffer>) {
      hash.update(chunk);
      size += chunk.length;
    }
    if (opened.contentLength !== undefined && size !== opened.contentLength) {
      throw new StateBackendError(`digest repair: read ${size} of ${opened.contentLength} bytes of s3://${t.store.bucket}/${t.stateKey}; nothing was stored`);
    }
    md5 = size > 0 ? hash.digest('hex') : undefined;
  }
  if (md5 === undefined) {
    await t.digests.delete(digestLockId, signal, true);
    return { digestLockId, removed: true };
  }
  await t.digests.put(digestLockId, md5, signal, true);
  return { digestLockId, digest: md5, removed: false };
}
