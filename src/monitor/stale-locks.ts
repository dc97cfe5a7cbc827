/**
 * The stale-lock check of the `StateBackend` monitoring: list the held locks of one backend with the
 * runtime client's lock report, count the stale ones, and describe them for people (SNS) and for
 * CloudWatch (an Embedded Metric Format log line: no PutMetricData call, no SDK client).
 *
 * Compiled by `src/tsconfig.monitor.json` into `lib/monitor-handler/` together with the client files it
 * imports; the construct ships that folder as the Lambda asset.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import { HeldLock, listHeldLocks } from '../client/lock-report';
import { formatAge } from '../protocol/format-age';

/** The backend the check watches. */
export interface MonitoredBackend {
  readonly bucket: string;
  /** @default - no lock table */
  readonly lockTable?: string;
  /** @default "env:" */
  readonly workspaceKeyPrefix?: string;
}

/** Options of {@link checkStaleLocks}. */
export interface StaleLockCheckOptions {
  readonly s3: S3Client;
  readonly dynamodb?: DynamoDBClient;
  readonly backend: MonitoredBackend;
  /** A lock at least this old is stale. */
  readonly thresholdMs: number;
  /**
   * How often the check runs: a lock is *newly* stale (worth a message) when its age is below
   * `thresholdMs + intervalMs`, so that each stale lock is announced once.
   */
  readonly intervalMs: number;
  /** @default - now */
  readonly now?: Date;
  readonly signal?: AbortSignal;
}

/** The result of one check. */
export interface StaleLockCheck {
  readonly bucket: string;
  readonly checkedAt: Date;
  readonly thresholdMs: number;
  readonly heldCount: number;
  /** Held locks at least `thresholdMs` old (or of unknown age), oldest first. */
  readonly stale: HeldLock[];
  /** The stale locks that crossed the threshold since the previous run (announced by message). */
  readonly newlyStale: HeldLock[];
  /** Age of the oldest held lock in milliseconds, 0 when none is held. */
  readonly oldestAgeMs: number;
}

/** Lists the backend's held locks and classifies them. */
export async function checkStaleLocks(options: StaleLockCheckOptions): Promise<StaleLockCheck> {
  if (!(options.thresholdMs > 0)) throw new RangeError(`thresholdMs must be a positive number of milliseconds, got ${options.thresholdMs}`);
  if (!(options.intervalMs > 0)) throw new RangeError(`intervalMs must be a positive number of milliseconds, got ${options.intervalMs}`);
  const now = options.now ?? new Date();
  const report = await listHeldLocks({
    s3: options.s3,
    dynamodb: options.dynamodb,
    bucket: options.backend.bucket,
    lockTable: options.backend.lockTable,
    workspaceKeyPrefix: options.backend.workspaceKeyPrefix,
    now,
    signal: options.signal,
  });
  const stale = report.locks.filter((l) => l.ageMs === undefined || l.ageMs >= options.thresholdMs);
  const newlyStale = stale.filter((l) => l.ageMs !== undefined && l.ageMs < options.thresholdMs + options.intervalMs);
  return {
    bucket: options.backend.bucket,
    checkedAt: now,
    thresholdMs: options.thresholdMs,
    heldCount: report.locks.length,
    stale,
    newlyStale,
    oldestAgeMs: report.locks.reduce((max, l) => Math.max(max, l.ageMs ?? 0), 0),
  };
}

/** One line per lock: key, workspace, holder, operation, age, lock ID and where it is. */
export function describeLock(lock: HeldLock): string {
  const info = lock.lockInfo;
  return [
    `key=${lock.key}`,
    `workspace=${lock.workspace ?? '(ambiguous: workspace_key_prefix is "")'}`,
    `holder=${info?.Who || '(unknown)'}`,
    `operation=${info?.Operation || '(unknown)'}`,
    `age=${lock.ageMs === undefined ? '(unknown)' : formatAge(lock.ageMs)}`,
    `id=${info?.ID || '(unknown)'}`,
    `${lock.source === 'lockfile' ? 'lockfile' : 'dynamodb item'}=${lock.lockKey}`,
    ...(lock.problem ? [`problem=${lock.problem}`] : []),
  ].join(' ');
}

/** The SNS message announcing newly stale locks, or `undefined` when there is nothing new. */
export function staleLockMessage(check: StaleLockCheck): { subject: string; message: string } | undefined {
  if (check.newlyStale.length === 0) return undefined;
  const n = check.newlyStale.length;
  const subject = `Terraform state: ${n} lock${n === 1 ? '' : 's'} older than ${formatAge(check.thresholdMs)} in ${check.bucket}`.slice(0, 99);
  const lines = [
    `${n} Terraform state lock${n === 1 ? ' has' : 's have'} been held for more than ${formatAge(check.thresholdMs)} in bucket ${check.bucket} ` +
      `(checked ${check.checkedAt.toISOString()}; ${check.stale.length} stale, ${check.heldCount} held in total):`,
    '',
    ...check.newlyStale.map((l) => `- ${describeLock(l)}`),
    '',
    'If the holder is gone (a crashed CI job), release the lock with the ID above:',
    '  terraform force-unlock <id>   (in the configuration of that key and workspace)',
    'or list every lock of the backend with:',
    '  tfstate locks -older-than=1h',
  ];
  return { subject, message: lines.join('\n') };
}

/** Metric names of the check, in namespace {@link METRIC_NAMESPACE} with dimension `Bucket`. */
export const METRIC_NAMESPACE = 'TerraformState';
export const STALE_LOCKS_METRIC = 'StaleLocks';
export const HELD_LOCKS_METRIC = 'HeldLocks';
export const OLDEST_LOCK_AGE_METRIC = 'OldestLockAgeSeconds';

/**
 * The check as one CloudWatch Embedded Metric Format record: printed on stdout by the function, it
 * becomes the metrics `StaleLocks`, `HeldLocks` and `OldestLockAgeSeconds` (dimension `Bucket`).
 */
export function metricRecord(check: StaleLockCheck, namespace = METRIC_NAMESPACE): Record<string, unknown> {
  return {
    _aws: {
      Timestamp: check.checkedAt.getTime(),
      CloudWatchMetrics: [{
        Namespace: namespace,
        Dimensions: [['Bucket']],
        Metrics: [
          { Name: STALE_LOCKS_METRIC, Unit: 'Count' },
          { Name: HELD_LOCKS_METRIC, Unit: 'Count' },
          { Name: OLDEST_LOCK_AGE_METRIC, Unit: 'Seconds' },
        ],
      }],
    },
    Bucket: check.bucket,
    [STALE_LOCKS_METRIC]: check.stale.length,
    [HELD_LOCKS_METRIC]: check.heldCount,
    [OLDEST_LOCK_AGE_METRIC]: Math.floor(check.oldestAgeMs / 1000),
    staleLocks: check.stale.map(describeLock),
  };
}
