import {
  GetBucketReplicationCommand,
  HeadObjectCommand,
  type GetBucketReplicationCommandOutput,
  type HeadObjectCommandOutput,
  type S3Client,
} from '@aws-sdk/client-s3';
import { describeError, errorName, httpStatus, isAbort } from './aws-errors';
import { inspectReplicationRole, type ReplicationRoleStatus, type RoleReader } from './replication-role';

/** What S3 reports about a bucket's replication (for `tfstate doctor`). */
export interface ReplicationStatus {
  /** Whether the bucket has a replication configuration with an enabled rule. */
  readonly configured: boolean;
  /** The role S3 replicates with, when configured. */
  readonly role?: string;
  /** Whether that role is usable, as far as can be told without simulating its permissions (with an enabled rule only). */
  readonly roleStatus?: ReplicationRoleStatus;
  /** Enabled rules: ID, destination bucket ARN, whether delete markers and RTC are on. */
  readonly rules: { readonly id?: string; readonly destination?: string; readonly deleteMarkers: boolean; readonly timeControl: boolean }[];
  /** `x-amz-replication-status` of the checked objects: counts per status (`COMPLETED`, `PENDING`, `FAILED`, `REPLICA`, `NONE`). */
  readonly objectStatus: Readonly<Record<string, number>>;
  /** Keys whose replication FAILED (S3 retries them only after a new write or S3 Batch Replication). */
  readonly failedKeys: string[];
  /** Why the configuration could not be read (access denied, not implemented by an S3 compatible). */
  readonly problem?: string;
}

/** Anything that sends an S3 command the way the client's object store does. */
export interface S3Requester {
  request<T>(command: any, signal?: AbortSignal): Promise<T>;
}

/** Options of {@link replicationStatus}. */
export interface ReplicationStatusOptions {
  /** An SDK client, or the client's object store (so that the requests are counted and carry its headers). */
  readonly s3: S3Client | S3Requester;
  readonly bucket: string;
  /** Objects whose replication status to read with one HEAD each (e.g. the state objects of a lock report). */
  readonly keys?: readonly string[];
  /**
   * Reads the replication role (`iam:GetRole`) to check that it exists and trusts S3.
   *
   * @default - none: the role's verdict is "cannot tell", naming the permission needed
   */
  readonly roles?: RoleReader;
  readonly signal?: AbortSignal;
}

/**
 * The probe behind `tfstate doctor`'s replication check: the bucket's replication rule (one
 * `GetBucketReplication`) and the replication status of the given objects (one HEAD each; S3 reports
 * PENDING/FAILED per object only). With an enabled rule, the role is looked at through `roles`
 * (`iam:GetRole`: exists, trusts s3.amazonaws.com); its permissions are not simulated, so a FAILED
 * object remains the evidence that they lack something.
 */
export async function replicationStatus(options: ReplicationStatusOptions): Promise<ReplicationStatus> {
  let configured = false;
  let role: string | undefined;
  let rules: ReplicationStatus['rules'] = [];
  let problem: string | undefined;
  const s3 = options.s3;
  const send = <T>(command: any): Promise<T> =>
    ('request' in s3 ? s3.request<T>(command, options.signal) : s3.send(command, { abortSignal: options.signal }) as Promise<T>);
  try {
    const out = await send<GetBucketReplicationCommandOutput>(new GetBucketReplicationCommand({ Bucket: options.bucket }));
    role = out.ReplicationConfiguration?.Role;
    rules = (out.ReplicationConfiguration?.Rules ?? []).filter((r) => r.Status === 'Enabled').map((r) => ({
      id: r.ID,
      destination: r.Destination?.Bucket,
      deleteMarkers: r.DeleteMarkerReplication?.Status === 'Enabled',
      timeControl: r.Destination?.ReplicationTime?.Status === 'Enabled',
    }));
    configured = rules.length > 0;
  } catch (e) {
    if (isAbort(e) || options.signal?.aborted) throw e;
    if (errorName(e) !== 'ReplicationConfigurationNotFoundError') problem = `GetBucketReplication: ${describeError(e)}`;
  }
  const roleStatus = configured ? await inspectReplicationRole(role, options.roles, options.signal) : undefined;
  const objectStatus: Record<string, number> = {};
  const failedKeys: string[] = [];
  for (const key of options.keys ?? []) {
    let status = 'NONE';
    try {
      const head = await send<HeadObjectCommandOutput>(new HeadObjectCommand({ Bucket: options.bucket, Key: key }));
      status = head.ReplicationStatus ?? 'NONE';
    } catch (e) {
      if (isAbort(e) || options.signal?.aborted) throw e;
      if (httpStatus(e) === 404) continue;
      status = 'UNREADABLE';
    }
    objectStatus[status] = (objectStatus[status] ?? 0) + 1;
    if (status === 'FAILED') failedKeys.push(key);
  }
  return {
    configured,
    ...(role ? { role } : {}),
    ...(roleStatus ? { roleStatus } : {}),
    rules,
    objectStatus,
    failedKeys,
    ...(problem ? { problem } : {}),
  };
}
