/**
 * `tfstate history` attribution: who wrote each version of a state, with which operation and lock ID.
 *
 * Pure matching, no I/O. The client lists the state's versions and the `.tflock` file's versions
 * (ListObjectVersions, one request per 1000), then calls {@link attributeHistory} with a function that
 * reads one lock version's LockInfo (a GetObject of a few hundred bytes) and, optionally, one that
 * HEADs a state version for its metadata (ListObjectVersions does not return user metadata); state
 * bodies are never read.
 *
 * Sources, in order of trust:
 * 1. `metadata`: versions this library writes carry the holder's LockInfo in S3 user metadata
 *    ({@link buildLockMetadata}); exact, costs nothing.
 * 2. `lock-file`: versions written by Terraform or OpenTofu with `use_lockfile` on a versioned bucket.
 *    Each lock PUT leaves a version of `<key>.tflock` holding the LockInfo; the unlock (a DeleteObject
 *    without a version ID, client.go `unlockWithFile` in both tools) leaves a delete marker. A lock
 *    version's lifetime runs from its LastModified to the LastModified of the next newer entry of the
 *    lock key (delete marker or version), or is open while it is the newest entry (still held).
 * 3. `dynamodb`: the DynamoDB lock item exists only while held, so it can name the writer of versions
 *    written since its `Created`, and only while it is still held.
 * 4. `ambiguous` (several lock lifetimes fit) or `unknown` (none fits: written with `-lock=false`,
 *    with DynamoDB-only locking after the lock was released, on an unversioned bucket, or the lock
 *    versions were expired by a lifecycle rule).
 *
 * Clock rules. S3 LastModified has one-second resolution and every time here is truncated to the
 * second. One writer's sequence is lock PUT ≤ state PUT ≤ unlock DELETE in real time, so a state
 * version at second `t` fits lock version `L` when `floor(L.start) ≤ t ≤ floor(L.end)`. When one lock
 * ends and the next starts in the same second as a state write, both fit and the result is
 * `ambiguous` (never a guess). Versions of one key are ordered exactly by the listing (newest first)
 * even within a second; that order is kept. A DynamoDB lock's `Created` is the holder's clock, so it
 * is compared at second resolution too and a state version before it stays `unknown` rather than
 * risk naming the wrong writer.
 */
import { LockInfo } from './lock-info';

/** S3 user-metadata keys (without `x-amz-meta-`) that carry the writer's lock in a state version. */
export const LOCK_METADATA_KEYS = {
  id: 'tfstate-lock-id',
  who: 'tfstate-lock-who',
  operation: 'tfstate-lock-operation',
} as const;

/** Longest encoded value written per key; S3 allows 2 KB of user metadata in all. */
export const LOCK_METADATA_MAX_VALUE_LENGTH = 512;

/** The part of a LockInfo that history shows. */
export interface WriterLock {
  /** LockInfo `ID`; empty when the writer held no lock (`-lock=false`). */
  readonly id: string;
  /** LockInfo `Who`, `user@host`. */
  readonly who: string;
  /** LockInfo `Operation`, e.g. `OperationTypeApply`. */
  readonly operation: string;
}

/**
 * Percent-encodes a metadata value: every UTF-8 byte outside printable ASCII, plus `%` and space, as
 * `%XX`. S3 user metadata travels in HTTP headers and must be US-ASCII; percent-encoding is exact and
 * reversible and no server rewrites it. (RFC 2047 was rejected: S3 decodes encoded-words on PUT and
 * re-encodes them on GET in its own form, S3-compatible servers do not, and a `Who` that happens to
 * look like an encoded-word would be changed.)
 */
export function encodeMetadataValue(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    out += byte > 0x20 && byte < 0x7f && byte !== 0x25 ? String.fromCharCode(byte) : '%' + byte.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/** Reverses {@link encodeMetadataValue}; `undefined` when `value` is not a valid encoding. */
export function decodeMetadataValue(value: string): string | undefined {
  if (!/^(?:[\x21-\x24\x26-\x7e]|%[0-9A-Fa-f]{2})*$/.test(value)) return undefined;
  const bytes = Buffer.from(value.replace(/%([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1');
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  return Buffer.from(text, 'utf8').equals(bytes) ? text : undefined;
}

/** `value` encoded, shortened at a character boundary (with a trailing `…`) to fit the limit. */
function encodeBounded(value: string): string {
  const encoded = encodeMetadataValue(value);
  if (encoded.length <= LOCK_METADATA_MAX_VALUE_LENGTH) return encoded;
  const budget = LOCK_METADATA_MAX_VALUE_LENGTH - encodeMetadataValue('…').length;
  let out = '';
  for (const ch of value) {
    const e = encodeMetadataValue(ch);
    if (out.length + e.length > budget) break;
    out += e;
  }
  return out + encodeMetadataValue('…');
}

/**
 * The S3 `Metadata` to send with a state PUT made under `lock` (or without a lock: `id` empty). Write
 * it on every state PUT, including a restore by CopyObject (`MetadataDirective: 'REPLACE'`), or the
 * copy inherits the old writer's metadata.
 */
export function buildLockMetadata(lock: Pick<LockInfo, 'ID' | 'Who' | 'Operation'> | WriterLock): Record<string, string> {
  const w = 'ID' in lock ? { id: lock.ID, who: lock.Who, operation: lock.Operation } : lock;
  return {
    [LOCK_METADATA_KEYS.id]: encodeBounded(w.id),
    [LOCK_METADATA_KEYS.who]: encodeBounded(w.who),
    [LOCK_METADATA_KEYS.operation]: encodeBounded(w.operation),
  };
}

/**
 * The writer recorded by {@link buildLockMetadata}, from a HeadObject/GetObject `Metadata` map (keys
 * compared case-insensitively, with or without the `x-amz-meta-` prefix). `undefined` when the
 * version carries none or the values are not valid encodings.
 */
export function parseLockMetadata(metadata: Readonly<Record<string, string | undefined>> | undefined): WriterLock | undefined {
  if (!metadata) return undefined;
  const get = (key: string): string | undefined => {
    for (const [k, v] of Object.entries(metadata)) {
      const name = k.toLowerCase().replace(/^x-amz-meta-/, '');
      if (name === key && v !== undefined) return v;
    }
    return undefined;
  };
  const raw = { id: get(LOCK_METADATA_KEYS.id), who: get(LOCK_METADATA_KEYS.who), operation: get(LOCK_METADATA_KEYS.operation) };
  if (raw.id === undefined) return undefined;
  const id = decodeMetadataValue(raw.id);
  const who = decodeMetadataValue(raw.who ?? '');
  const operation = decodeMetadataValue(raw.operation ?? '');
  if (id === undefined || who === undefined || operation === undefined) return undefined;
  return { id, who, operation };
}

/** One version of the state object, as listed (metadata from the listing or a HeadObject). */
export interface StateVersionRef {
  readonly versionId: string;
  readonly lastModified: Date;
  readonly metadata?: Readonly<Record<string, string | undefined>>;
}

/** One entry of the lock file's version listing. */
export interface LockVersionRef {
  readonly versionId: string;
  readonly lastModified: Date;
  readonly isDeleteMarker: boolean;
}

/** Who wrote one state version, and how we know. */
export type Attribution =
  | { readonly source: 'metadata'; readonly lock: WriterLock }
  | { readonly source: 'lock-file'; readonly lock: WriterLock; readonly lockVersionId: string }
  | { readonly source: 'dynamodb'; readonly lock: WriterLock }
  | { readonly source: 'ambiguous'; readonly lockVersionIds: readonly string[] }
  | { readonly source: 'unknown' };

/** A state version with its attribution, in the order of the input. */
export interface AttributedVersion {
  readonly versionId: string;
  readonly lastModified: Date;
  readonly attribution: Attribution;
}

/** What {@link planAttribution} decided before any lock version is read. */
export interface AttributionPlan {
  /** Per state version: decided, or waiting for the LockInfo of one lock version. */
  readonly entries: readonly (AttributedVersion | { readonly versionId: string; readonly lastModified: Date; readonly needsLockVersion: string })[];
  /** The lock versions whose LockInfo must be read, each once, newest first. */
  readonly lockReads: readonly string[];
}

const second = (d: Date): number => Math.floor(d.getTime() / 1000);

interface Lifetime { readonly versionId: string; readonly start: number; readonly end: number }

/**
 * The lifetime of every lock version (delete markers only end lifetimes). Listing order (newest first)
 * breaks ties of equal LastModified.
 */
export function lockLifetimes(lockVersions: readonly LockVersionRef[]): Lifetime[] {
  const ordered = lockVersions
    .map((v, i) => ({ v, i }))
    .sort((a, b) => b.v.lastModified.getTime() - a.v.lastModified.getTime() || a.i - b.i)
    .map((x) => x.v);
  const out: Lifetime[] = [];
  for (let i = 0; i < ordered.length; i++) {
    const v = ordered[i];
    if (v.isDeleteMarker) continue;
    const newer = i > 0 ? ordered[i - 1] : undefined;
    out.push({ versionId: v.versionId, start: second(v.lastModified), end: newer ? second(newer.lastModified) : Number.POSITIVE_INFINITY });
  }
  return out;
}

/**
 * The lock key's versions and delete markers as one list, newest first. `ListObjectVersions` returns
 * them interleaved in the XML, but the SDK splits them into `Versions` and `DeleteMarkers`, each
 * newest first: only the interleaving is lost, and at one-second resolution a lock PUT and its
 * unlock DELETE often share a LastModified. Ties are settled by how the lock file is written: every
 * lock PUT is conditional (`If-None-Match: *`, client.go `lockWithFile` in Terraform and OpenTofu),
 * so it only succeeds when the key is absent; two versions are therefore never adjacent, and a
 * version is followed (in time) by a delete marker before the next version. Merging oldest first,
 * on a tie the entry that keeps that alternation is taken (a marker after a version, a version
 * after a marker or at the start).
 *
 * @param versions the lock key's `Versions` entries, newest first (listing order)
 * @param markers the lock key's `DeleteMarkers` entries, newest first (listing order)
 */
export function orderLockEntries(versions: readonly LockVersionRef[], markers: readonly LockVersionRef[]): LockVersionRef[] {
  const v = [...versions].reverse();
  const m = [...markers].reverse();
  const out: LockVersionRef[] = [];
  let i = 0;
  let j = 0;
  while (i < v.length || j < m.length) {
    let takeVersion: boolean;
    if (i >= v.length) {takeVersion = false;} else if (j >= m.length) {takeVersion = true;} else {
      const dv = v[i].lastModified.getTime();
      const dm = m[j].lastModified.getTime();
      takeVersion = dv !== dm ? dv < dm : !(out.length > 0 && !out[out.length - 1].isDeleteMarker);
    }
    out.push(takeVersion ? v[i++] : m[j++]);
  }
  return out.reverse();
}

/**
 * Decides what metadata alone decides, matches the rest against lock lifetimes, and lists the lock
 * versions to read: only those that are the single fit of a state version without metadata.
 *
 * @param heldDynamoLock the DynamoDB lock's LockInfo when the lock is held now (one GetItem); omit otherwise
 */
export function planAttribution(
  stateVersions: readonly StateVersionRef[],
  lockVersions: readonly LockVersionRef[],
  heldDynamoLock?: Pick<LockInfo, 'ID' | 'Who' | 'Operation' | 'Created'>,
): AttributionPlan {
  const lifetimes = lockLifetimes(lockVersions);
  const dynamoSince = heldDynamoLock ? Date.parse(heldDynamoLock.Created) : Number.NaN;
  const reads = new Set<string>();
  const entries = stateVersions.map((sv) => {
    const base = { versionId: sv.versionId, lastModified: sv.lastModified };
    const own = parseLockMetadata(sv.metadata);
    if (own) return { ...base, attribution: { source: 'metadata', lock: own } as Attribution };
    const t = second(sv.lastModified);
    const fits = lifetimes.filter((l) => l.start <= t && t <= l.end);
    if (fits.length === 1) {
      reads.add(fits[0].versionId);
      return { ...base, needsLockVersion: fits[0].versionId };
    }
    if (fits.length > 1) return { ...base, attribution: { source: 'ambiguous', lockVersionIds: fits.map((l) => l.versionId) } as Attribution };
    if (heldDynamoLock && !Number.isNaN(dynamoSince) && t >= Math.floor(dynamoSince / 1000)) {
      const lock = { id: heldDynamoLock.ID, who: heldDynamoLock.Who, operation: heldDynamoLock.Operation };
      return { ...base, attribution: { source: 'dynamodb', lock } as Attribution };
    }
    return { ...base, attribution: { source: 'unknown' } as Attribution };
  });
  const order = new Map(lifetimes.map((l, i) => [l.versionId, i]));
  return { entries, lockReads: [...reads].sort((a, b) => order.get(a)! - order.get(b)!) };
}

/**
 * Completes a plan with the LockInfos read (`undefined` for a version that could not be read or
 * parsed, which leaves its state versions `unknown`).
 */
export function resolveAttribution(plan: AttributionPlan, lockInfos: ReadonlyMap<string, Pick<LockInfo, 'ID' | 'Who' | 'Operation'> | undefined>): AttributedVersion[] {
  return plan.entries.map((e) => {
    if (!('needsLockVersion' in e)) return e;
    const info = lockInfos.get(e.needsLockVersion);
    const attribution: Attribution = info
      ? { source: 'lock-file', lockVersionId: e.needsLockVersion, lock: { id: info.ID, who: info.Who, operation: info.Operation } }
      : { source: 'unknown' };
    return { versionId: e.versionId, lastModified: e.lastModified, attribution };
  });
}

/** Options of {@link attributeHistory}. */
export interface AttributeHistoryOptions {
  /** The DynamoDB lock's LockInfo when it is held now. @default - none */
  readonly heldDynamoLock?: Pick<LockInfo, 'ID' | 'Who' | 'Operation' | 'Created'>;
  /** Lock versions read at once. @default 4 */
  readonly concurrency?: number;
  /**
   * Reads one state version's user metadata (a HeadObject: ListObjectVersions does not return
   * metadata). Called only for versions given without `metadata` that the lock file cannot attribute
   * (ambiguous or unknown), so a history costs HEADs only where the listing is not enough.
   * @default - no metadata reads
   */
  readonly readStateMetadata?: (versionId: string) => Promise<Readonly<Record<string, string | undefined>> | undefined>;
}

/**
 * Plans, reads each needed lock version once through `readLockVersion`, resolves, then (with
 * `readStateMetadata`) looks for this library's metadata on the versions still open. A read that
 * throws fails the whole call (the caller decides whether to retry); return `undefined` for a version
 * that is gone or unreadable instead.
 */
export async function attributeHistory(
  stateVersions: readonly StateVersionRef[],
  lockVersions: readonly LockVersionRef[],
  readLockVersion: (versionId: string) => Promise<Pick<LockInfo, 'ID' | 'Who' | 'Operation'> | undefined>,
  options: AttributeHistoryOptions = {},
): Promise<AttributedVersion[]> {
  const plan = planAttribution(stateVersions, lockVersions, options.heldDynamoLock);
  const infos = new Map<string, Pick<LockInfo, 'ID' | 'Who' | 'Operation'> | undefined>();
  const queue = [...plan.lockReads];
  const worker = async () => {
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) infos.set(id, await readLockVersion(id));
  };
  const concurrency = options.concurrency ?? 4;
  await pool(queue.length, concurrency, worker);
  const resolved = resolveAttribution(plan, infos);
  const readMeta = options.readStateMetadata;
  if (!readMeta) return resolved;
  const given = new Map(stateVersions.map((v) => [v.versionId, v.metadata]));
  const heads = resolved
    .map((r, i) => ({ r, i }))
    .filter(({ r }) => (r.attribution.source === 'ambiguous' || r.attribution.source === 'unknown') && given.get(r.versionId) === undefined);
  const headWorker = async () => {
    for (let h = heads.shift(); h !== undefined; h = heads.shift()) {
      const own = parseLockMetadata(await readMeta(h.r.versionId));
      if (own) resolved[h.i] = { ...h.r, attribution: { source: 'metadata', lock: own } };
    }
  };
  await pool(heads.length, concurrency, headWorker);
  return resolved;
}

async function pool(items: number, concurrency: number, worker: () => Promise<void>): Promise<void> {
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items)) }, worker));
}
