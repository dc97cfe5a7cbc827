import { ScanCommand, type DynamoDBClient, type ScanCommandInput, type ScanCommandOutput } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, ListObjectsV2Command, type ListObjectsV2CommandOutput, type S3Client } from '@aws-sdk/client-s3';
import { BucketNotFoundError, StateBackendError, isStateBackendError } from './errors';
import { describeError, errorName, isAbort, isNoSuchBucket, isNoSuchKey } from './private/aws-errors';
import {
  DEFAULT_WORKSPACE,
  DEFAULT_WORKSPACE_KEY_PREFIX,
  LIST_MAX_KEYS,
  LOCK_FILE_SUFFIX,
  LOCK_INFO_ATTRIBUTE,
  LOCK_TABLE_PARTITION_KEY,
} from '../protocol/constants';
import { parseRfc3339 } from '../protocol/go-time';
import { LockInfo, parseLockInfo } from '../protocol/lock-info';
import { lockId as lockIdOf, workspaceFromObjectKey } from '../protocol/paths';

/** Where a held lock was found. */
export type HeldLockSource = 'lockfile' | 'dynamodb';

/** One held lock of a backend. */
export interface HeldLock {
  /** `lockfile` (`<state key>.tflock` object) or `dynamodb` (lock item). */
  readonly source: HeldLockSource;
  /** The S3 key of the state object the lock protects. */
  readonly stateKey: string;
  /** The S3 key of the lock file (`lockfile`) or the DynamoDB `LockID` (`dynamodb`). */
  readonly lockKey: string;
  /**
   * The Terraform `key` of the configuration, derived from the state key and `workspace_key_prefix`.
   * With `workspace_key_prefix = ""` a nested key cannot be told from a workspace: see `workspace`.
   */
  readonly key: string;
  /**
   * The workspace, or `undefined` when `workspace_key_prefix` is `""` and the state key has a `/`
   * (the first element may be a workspace or a folder of the default workspace's key).
   */
  readonly workspace?: string;
  /** The holder's LockInfo; `undefined` when the lock's body is not LockInfo JSON (see `problem`). */
  readonly lockInfo?: LockInfo;
  /** When the lock was taken: LockInfo `Created`, else the lock file's `LastModified`. */
  readonly created?: Date;
  /** Age at `now`, in milliseconds; `undefined` when no creation time is known. */
  readonly ageMs?: number;
  /** Why the lock could not be read as LockInfo (a broken lock is still a held lock). */
  readonly problem?: string;
}

/** The held locks of a backend, oldest first (then by state key, DynamoDB item before lock file), and what the listing cost. */
export interface LockReport {
  readonly locks: HeldLock[];
  /** Keys seen in the bucket listing. */
  readonly objectsListed: number;
  /** Requests sent: list pages, lock file GETs, scan pages. */
  readonly requests: { readonly listPages: number; readonly lockFileGets: number; readonly scanPages: number };
}

/** Options of {@link listHeldLocks}. */
export interface LockReportOptions {
  /** The S3 client (the caller's: never destroyed here). */
  readonly s3: S3Client;
  /** The state bucket. */
  readonly bucket: string;
  /**
   * The DynamoDB client; required with `lockTable`.
   * @default - no DynamoDB lock items are listed
   */
  readonly dynamodb?: DynamoDBClient;
  /**
   * The lock table (`dynamodb_table`).
   * @default - no DynamoDB lock items are listed
   */
  readonly lockTable?: string;
  /** @default "env:" */
  readonly workspaceKeyPrefix?: string;
  /**
   * Only list keys under this S3 prefix (e.g. one team's folder).
   * @default - the whole bucket
   */
  readonly keyPrefix?: string;
  /**
   * The SSE-C key (`sse_customer_key`, base64), needed to read lock files written with it.
   * @default - no SSE-C
   */
  readonly sseCustomerKey?: string;
  /** @default - now */
  readonly now?: Date;
  readonly signal?: AbortSignal;
}

const LOCK_REPORT_FAILED = 'LOCK_REPORT_FAILED';

/** Listing the locks failed (listing denied, table missing...). The SDK error is the `cause`. */
export class LockReportError extends StateBackendError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options, LOCK_REPORT_FAILED);
    this.name = 'LockReportError';
  }
}

/** Whether `x` is a {@link LockReportError}, also across duplicate copies of this package. */
export function isLockReportError(x: unknown): x is LockReportError {
  return isStateBackendError(x) && x.code === LOCK_REPORT_FAILED;
}

/**
 * Terraform `key` and workspace of a state object key: the inverse of `stateObjectKey`, checked with
 * Terraform's own `keyEnv` rule (`workspaceFromObjectKey`).
 */
export function splitStateObjectKey(
  stateKey: string,
  workspaceKeyPrefix: string = DEFAULT_WORKSPACE_KEY_PREFIX,
): { key: string; workspace?: string } {
  if (workspaceKeyPrefix === '') {
    return stateKey.includes('/') ? { key: stateKey } : { key: stateKey, workspace: DEFAULT_WORKSPACE };
  }
  const head = workspaceKeyPrefix + '/';
  if (stateKey.startsWith(head)) {
    const rest = stateKey.slice(head.length);
    const slash = rest.indexOf('/');
    if (slash > 0) {
      const workspace = rest.slice(0, slash);
      const key = rest.slice(slash + 1);
      if (workspaceFromObjectKey(stateKey, key, workspaceKeyPrefix) === workspace) return { key, workspace };
    }
  }
  return { key: stateKey, workspace: DEFAULT_WORKSPACE };
}

/**
 * Every held lock of a backend: the `*.tflock` objects of the bucket and the lock items of the table
 * (digest items `-md5` are skipped, and so are items of other buckets sharing the table).
 *
 * Cost, bounded by the size of the bucket and table: one `ListObjectsV2` page per 1,000 keys, one GET
 * per lock file (a few hundred bytes), one `Scan` (one page per MB) projecting `LockID` and `Info`.
 * A lock file released between the listing and its GET is not reported.
 *
 * @throws BucketNotFoundError when the bucket does not exist
 * @throws LockReportError when the listing, a GET or the scan fails (access denied, missing table)
 */
export async function listHeldLocks(options: LockReportOptions): Promise<LockReport> {
  if (options.lockTable && !options.dynamodb) {
    throw new LockReportError(`lockTable "${options.lockTable}" was given without a DynamoDB client: pass dynamodb as well.`);
  }
  const { s3, dynamodb, bucket, sseCustomerKey, signal } = options;
  return collectHeldLocks(options, {
    list: (token) => s3.send(new ListObjectsV2Command({
      Bucket: bucket,
      MaxKeys: LIST_MAX_KEYS,
      ...(options.keyPrefix ? { Prefix: options.keyPrefix } : {}),
      ...(token ? { ContinuationToken: token } : {}),
    }), { abortSignal: signal }),
    read: async (key) => {
      try {
        const out = await s3.send(new GetObjectCommand({
          Bucket: bucket,
          Key: key,
          ...(sseCustomerKey ? { SSECustomerAlgorithm: 'AES256', SSECustomerKey: sseCustomerKey } : {}),
        }), { abortSignal: signal });
        return out.Body ? await out.Body.transformToString('utf8') : '';
      } catch (e) {
        if (isNoSuchKey(e)) return undefined;
        throw e;
      }
    },
    scan: (input) => dynamodb!.send(new ScanCommand(input), { abortSignal: signal }),
  });
}

/** Options of `StateClient.listHeldLocks`; the bucket, table, prefix and encryption are the client's. */
export interface HeldLocksOptions {
  /**
   * Only list keys under this S3 prefix (e.g. one team's folder).
   * @default - the whole bucket
   */
  readonly keyPrefix?: string;
  /** @default - now */
  readonly now?: Date;
  readonly signal?: AbortSignal;
}

/**
 * Where the report's requests go: a caller's SDK clients ({@link listHeldLocks}), or a `StateClient`'s
 * object store (`private/held-locks.ts`; not here, so that the stale-lock monitor, compiled with this
 * file, does not carry the client's runtime).
 */
export interface LockReportTransport {
  /** One `ListObjectsV2` page (the SDK's error when it fails). */
  list(token: string | undefined): Promise<ListObjectsV2CommandOutput>;
  /** The body of lock file `key`; `undefined` when it does not exist (released since the listing). */
  read(key: string): Promise<string | undefined>;
  /** One `Scan` page of the lock table. */
  scan(input: ScanCommandInput): Promise<ScanCommandOutput>;
}

/** The backend the report covers. */
export interface ReportSettings {
  readonly bucket: string;
  readonly lockTable?: string;
  readonly workspaceKeyPrefix?: string;
  readonly keyPrefix?: string;
  readonly now?: Date;
  readonly signal?: AbortSignal;
}

/** The report of {@link listHeldLocks}, with its requests sent through `transport`. */
export async function collectHeldLocks(options: ReportSettings, transport: LockReportTransport): Promise<LockReport> {
  const prefix = options.workspaceKeyPrefix ?? DEFAULT_WORKSPACE_KEY_PREFIX;
  const now = options.now ?? new Date();
  const requests = { listPages: 0, lockFileGets: 0, scanPages: 0 };
  const locks: HeldLock[] = [];

  const listed = await listLockFiles(options, transport, requests);
  for (const file of listed.lockFiles) {
    const read = await readLockFile(options, transport, file.key, requests);
    if (read === undefined) continue;
    const stateKey = file.key.slice(0, -LOCK_FILE_SUFFIX.length);
    locks.push(held('lockfile', stateKey, file.key, prefix, read, file.lastModified, now));
  }

  if (options.lockTable) {
    for (const item of await scanLockItems(transport, options.lockTable, options.bucket, requests, options.signal)) {
      const stateKey = item.lockId.slice(options.bucket.length + 1);
      if (options.keyPrefix && !stateKey.startsWith(options.keyPrefix)) continue;
      locks.push(held('dynamodb', stateKey, item.lockId, prefix, item.info, undefined, now));
    }
  }

  const byText = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  locks.sort((a, b) => (b.ageMs ?? -1) - (a.ageMs ?? -1) || byText(a.stateKey, b.stateKey) || byText(a.source, b.source));
  return { locks, objectsListed: listed.objectsListed, requests };
}

/** The held locks older than `olderThanMs` (a lock of unknown age counts as stale: nobody can tell). */
export function staleLocks(report: LockReport, olderThanMs: number): HeldLock[] {
  return report.locks.filter((l) => l.ageMs === undefined || l.ageMs >= olderThanMs);
}

function held(
  source: HeldLockSource, stateKey: string, lockKey: string, prefix: string, body: string, lastModified: Date | undefined, now: Date,
): HeldLock {
  const { key, workspace } = splitStateObjectKey(stateKey, prefix);
  let lockInfo: LockInfo | undefined;
  let problem: string | undefined;
  let created: Date | undefined;
  try {
    lockInfo = parseLockInfo(body);
    const t = parseRfc3339(lockInfo.Created);
    // Go's zero time means "no Created field": fall back to the object's time.
    if (t.epochSeconds > 0) created = new Date(t.epochSeconds * 1000 + Math.floor(t.nanos / 1e6));
  } catch (e) {
    problem = `the lock body is not LockInfo JSON: ${(e as Error).message}`;
  }
  created ??= lastModified;
  return {
    source,
    stateKey,
    lockKey,
    key,
    ...(workspace !== undefined ? { workspace } : {}),
    ...(lockInfo ? { lockInfo } : {}),
    ...(created ? { created, ageMs: Math.max(0, now.getTime() - created.getTime()) } : {}),
    ...(problem ? { problem } : {}),
  };
}

async function listLockFiles(options: ReportSettings, transport: LockReportTransport, requests: { listPages: number }) {
  const lockFiles: { key: string; lastModified?: Date }[] = [];
  let objectsListed = 0;
  let token: string | undefined;
  do {
    let page;
    try {
      requests.listPages++;
      page = await transport.list(token);
    } catch (e) {
      rethrowAbort(e, options.signal);
      if (isNoSuchBucket(e)) throw new BucketNotFoundError(options.bucket, { cause: e });
      throw new LockReportError(`Unable to list objects in S3 bucket "${options.bucket}": ${describeError(e)}. ` +
        'Listing locks needs s3:ListBucket on the whole bucket (or on keyPrefix).', { cause: e });
    }
    for (const obj of page.Contents ?? []) {
      objectsListed++;
      if (obj.Key?.endsWith(LOCK_FILE_SUFFIX)) lockFiles.push({ key: obj.Key, lastModified: obj.LastModified });
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return { lockFiles, objectsListed };
}

async function readLockFile(
  options: ReportSettings, transport: LockReportTransport, key: string, requests: { lockFileGets: number },
): Promise<string | undefined> {
  try {
    requests.lockFileGets++;
    // Released between the listing and the GET: not held any more.
    return await transport.read(key);
  } catch (e) {
    rethrowAbort(e, options.signal);
    throw new LockReportError(`Unable to read lock file "${key}" in S3 bucket "${options.bucket}": ${describeError(e)}`, { cause: e });
  }
}

async function scanLockItems(transport: LockReportTransport, table: string, bucket: string, requests: { scanPages: number }, signal?: AbortSignal) {
  const items: { lockId: string; info: string }[] = [];
  const own = lockIdOf(bucket, '');
  let start: ScanCommandOutput['LastEvaluatedKey'];
  do {
    let page: ScanCommandOutput;
    try {
      requests.scanPages++;
      page = await transport.scan({
        TableName: table,
        // Digest items (`-md5`) have no Info: the filter drops them server-side (read capacity is the same,
        // the transfer is smaller). Other buckets' items sharing the table are dropped too.
        ProjectionExpression: '#id, #info',
        FilterExpression: 'attribute_exists(#info) AND begins_with(#id, :bucket)',
        ExpressionAttributeNames: { '#id': LOCK_TABLE_PARTITION_KEY, '#info': LOCK_INFO_ATTRIBUTE },
        ExpressionAttributeValues: { ':bucket': { S: own } },
        ...(start ? { ExclusiveStartKey: start } : {}),
      });
    } catch (e) {
      rethrowAbort(e, signal);
      const hint = errorName(e) === 'ResourceNotFoundException' ? ' The table does not exist: check dynamodb_table and the region.' : '';
      throw new LockReportError(`Unable to scan DynamoDB table "${table}": ${describeError(e)}.${hint}`, { cause: e });
    }
    for (const item of page.Items ?? []) {
      const id = item[LOCK_TABLE_PARTITION_KEY]?.S;
      const info = item[LOCK_INFO_ATTRIBUTE]?.S;
      if (id === undefined || info === undefined) continue;
      items.push({ lockId: id, info });
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

function rethrowAbort(e: unknown, signal?: AbortSignal): void {
  if (signal?.aborted) throw signal.reason ?? e;
  if (isAbort(e)) throw e;
}
