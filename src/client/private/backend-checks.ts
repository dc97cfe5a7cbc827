import { randomUUID } from 'node:crypto';
import { DescribeTableCommand, type DescribeTableCommandOutput, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  GetBucketEncryptionCommand,
  GetBucketPolicyCommand,
  GetBucketVersioningCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
  type GetBucketEncryptionCommandOutput,
  type GetBucketPolicyCommandOutput,
  type GetBucketVersioningCommandOutput,
  type GetPublicAccessBlockCommandOutput,
} from '@aws-sdk/client-s3';
import { LOCK_TABLE_PARTITION_KEY } from '../../protocol/constants';
import type { BackendCheck } from '../types';
import { describeError, errorName, httpStatus, isAbort, isPreconditionFailed } from './aws-errors';
import { probeConditionalLockWrites, probeSseCBlocked, type BucketProbeResult } from './bucket-probes';
import type { RequestCounter } from './instrumentation';
import type { ObjectStore } from './object-store';
import type { RoleReader } from './replication-role';
import { replicationStatus, type ReplicationStatus } from './replication-status';

/** Concurrent conditional PUTs of the If-None-Match probe. */
export const PROBE_WRITERS = 5;

/** What the checks look at. */
export interface CheckTarget {
  readonly store: ObjectStore;
  readonly stateKey: string;
  readonly table?: { readonly name: string; readonly dynamodb: DynamoDBClient; readonly counter: RequestCounter };
  /** Reads the replication role (`iam:GetRole`); without it the role's usability is reported as "cannot tell". */
  readonly roles?: RoleReader;
}

function isNotImplemented(e: unknown): boolean {
  return errorName(e) === 'NotImplemented' || httpStatus(e) === 501;
}

/** True when a bucket policy denies requests with `aws:SecureTransport = false`. */
export function policyDeniesInsecureTransport(policyJson: string): boolean {
  const policy = JSON.parse(policyJson);
  const statements = Array.isArray(policy.Statement) ? policy.Statement : [policy.Statement];
  return statements.some((st: any) => {
    if (st?.Effect !== 'Deny') return false;
    const cond = st.Condition?.Bool?.['aws:SecureTransport'];
    const values = Array.isArray(cond) ? cond : [cond];
    return values.some((v: unknown) => String(v).toLowerCase() === 'false');
  });
}

/** One read of a bucket setting: the output, or the S3 error (rethrown by the check that needs it). */
export type Read<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown };

async function read<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<Read<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (e) {
    if (isAbort(e) || signal?.aborted) throw e;
    return { ok: false, error: e };
  }
}

/** A WARN for a setting the caller could not read: not implemented by the server, or not allowed. */
function unknown(what: string, e: unknown): Omit<BackendCheck, 'name'> {
  return isNotImplemented(e)
    ? { status: 'warn', detail: `unknown: not reported by this server (${what} is not implemented; not AWS S3?)` }
    : { status: 'warn', detail: `unknown: could not read ${what}: ${describeError(e)}` };
}

async function check(name: string, fn: () => Promise<Omit<BackendCheck, 'name'>>): Promise<BackendCheck> {
  try {
    return { name, ...(await fn()) };
  } catch (e) {
    return { name, status: 'fail', detail: describeError(e) };
  }
}

/**
 * Races {@link PROBE_WRITERS} conditional PUTs (`If-None-Match: *`, with the lock file's headers) on
 * one new scratch key, then one more PUT after they settle. A server that honours the condition
 * accepts exactly one. Every version of the scratch key is deleted afterwards.
 */
export async function probeIfNoneMatch(store: ObjectStore, scratchKey: string, signal?: AbortSignal): Promise<Omit<BackendCheck, 'name'>> {
  try {
    const attempts = await Promise.allSettled(Array.from({ length: PROBE_WRITERS }, (_, i) =>
      store.put(scratchKey, Buffer.from(`probe ${i}`), { ifNoneMatch: true, contentType: 'text/plain', signal })));
    const concurrentWins = attempts.filter((a) => a.status === 'fulfilled').length;
    const unexpected = attempts.find((a): a is PromiseRejectedResult => a.status === 'rejected' && !isPreconditionFailed(a.reason));
    if (unexpected) return { status: 'fail', detail: `conditional PUT failed unexpectedly: ${describeError(unexpected.reason)}` };
    let sequentialRefused = false;
    try {
      await store.put(scratchKey, Buffer.from('probe late'), { ifNoneMatch: true, contentType: 'text/plain', signal });
    } catch (e) {
      sequentialRefused = isPreconditionFailed(e);
      if (!sequentialRefused) throw e;
    }
    if (concurrentWins === 1 && sequentialRefused) {
      return { status: 'pass', detail: `1 of ${PROBE_WRITERS} concurrent If-None-Match PUTs won; a later one got 412` };
    }
    const parts = [];
    if (concurrentWins !== 1) parts.push(`${concurrentWins} of ${PROBE_WRITERS} concurrent If-None-Match PUTs succeeded (expected exactly 1)`);
    if (!sequentialRefused) parts.push('a PUT over an existing object was accepted');
    return { status: 'fail', detail: `${parts.join('; ')}: use_lockfile gives no mutual exclusion on this server; use dynamodb_table locking` };
  } finally {
    await removeAllVersions(store, scratchKey);
  }
}

async function removeAllVersions(store: ObjectStore, key: string): Promise<void> {
  try {
    const listed = await store.listVersionsPage(key, undefined, undefined);
    const versions = [...(listed.Versions ?? []), ...(listed.DeleteMarkers ?? [])].filter((v) => v.Key === key);
    for (const v of versions) await store.delete(key, { versionId: v.VersionId });
    if (versions.length === 0) await store.delete(key);
  } catch {
    // Without ListBucketVersions, fall back to a plain delete.
    await store.delete(key).catch(() => undefined);
  }
}

/**
 * A probe of a protection `StateBackend` deploys: a missing one is a WARN, not a FAIL, because a bucket
 * made otherwise may legitimately do without it; the detail says what to add.
 */
function probe(r: BucketProbeResult): Omit<BackendCheck, 'name'> {
  return { status: r.status === 'PASS' ? 'pass' : 'warn', detail: r.detail };
}

/**
 * The replication check: FAIL when the state object's replication FAILED (S3 retries it only on a new
 * write or with S3 Batch Replication) or the rule's role is broken (deleted, not trusting S3), WARN when
 * the rule could not be read or whether the role is usable cannot be told, PASS otherwise (a bucket
 * without a rule is a choice, reported as such).
 */
export function replicationCheck(r: ReplicationStatus): Omit<BackendCheck, 'name'> {
  const counts = Object.entries(r.objectStatus).map(([k, n]) => `${n} ${k}`).join(', ');
  const objects = counts ? `; state object: ${counts}` : '';
  if (r.failedKeys.length > 0) {
    return {
      status: 'fail',
      detail: `replication FAILED for ${r.failedKeys.join(', ')}${r.role ? ` (role ${r.role})` : ''}: check that the role may read the source ` +
        `and write (and encrypt) in the destination, then write the state again or run S3 Batch Replication${r.roleStatus?.verdict === 'broken' ? `; ${r.roleStatus.detail}` : ''}`,
    };
  }
  if (r.problem) return { status: 'warn', detail: `unknown: not reported by this server or not allowed (${r.problem})${objects}` };
  if (!r.configured) return { status: 'pass', detail: `no replication rule: the state is not replicated (add one for a disaster-recovery copy)${objects}` };
  const rules = r.rules.map((x) => `${x.id ?? 'rule'} -> ${x.destination ?? '?'}${x.deleteMarkers ? ', delete markers' : ''}${x.timeControl ? ', RTC' : ''}`).join('; ');
  const role = r.roleStatus;
  if (role?.verdict === 'broken') return { status: 'fail', detail: `${rules}; role: ${role.detail}${objects}` };
  if (role?.verdict === 'unknown') return { status: 'warn', detail: `${rules}; role: ${role.detail}${objects}` };
  return { status: 'pass', detail: `${rules}${role ? `; role: ${role.detail}` : (r.role ? `; role ${r.role}` : '')}${objects}` };
}

/** `GetBucketPolicy`'s answer: the policy, or the error (`NoSuchBucketPolicy`: none). */
export type PolicyRead = Read<{ readonly Policy?: string }>;
/** `GetBucketEncryption`'s answer: the configuration, or the error (`ServerSideEncryptionConfigurationNotFoundError`: none). */
export type EncryptionRead = Read<{ readonly ServerSideEncryptionConfiguration?: GetBucketEncryptionCommandOutput['ServerSideEncryptionConfiguration'] }>;

const missing = (r: Read<unknown>, code: string) => !r.ok && errorName(r.error) === code;

/** Does the bucket policy allow lock-file writes only with `If-None-Match`? WARN when not, or when unreadable. */
export function lockWritesCheck(bucket: string, policy: PolicyRead): Omit<BackendCheck, 'name'> {
  if (!policy.ok && !missing(policy, 'NoSuchBucketPolicy')) return unknown('the bucket policy (GetBucketPolicy)', policy.error);
  return probe(probeConditionalLockWrites(bucket, policy.ok ? policy.value.Policy : undefined));
}

/** Does the bucket block SSE-C (`BlockedEncryptionTypes`)? WARN when not, when unreadable, or when the server does not report it. */
export function sseCCheck(encryption: EncryptionRead, policy: PolicyRead): Omit<BackendCheck, 'name'> {
  if (!encryption.ok && !missing(encryption, 'ServerSideEncryptionConfigurationNotFoundError')) {
    return unknown('the bucket encryption (GetBucketEncryption)', encryption.error);
  }
  const config = encryption.ok ? encryption.value.ServerSideEncryptionConfiguration : undefined;
  const result = probeSseCBlocked(config, policy.ok ? policy.value.Policy : undefined);
  if (result.status === 'FAIL' && config && !(config.Rules ?? []).some((r) => r.BlockedEncryptionTypes !== undefined)) {
    // Without the element the answer cannot tell "not blocked" from "not implemented" (Ceph RGW has no SSE-C block).
    return { status: 'warn', detail: `unknown: BlockedEncryptionTypes is not reported by this server, so SSE-C may be accepted; ${result.detail}` };
  }
  return probe(result);
}

/** Every check of `tfstate doctor` against the live backend, through the client's own object store. */
export async function runBackendChecks(t: CheckTarget, signal?: AbortSignal): Promise<BackendCheck[]> {
  const { store } = t;
  const bucket = store.bucket;
  const results: BackendCheck[] = [];
  const exists = await check('bucket exists', async () => {
    await store.request(new HeadBucketCommand({ Bucket: bucket }), signal);
    return { status: 'pass', detail: bucket };
  });
  if (exists.status === 'fail') {
    return [{ ...exists, detail: `${exists.detail}. Create the bucket (deploy the StateBackend stack) or fix "bucket".` }];
  }
  results.push(exists);
  results.push(await check('versioning', async () => {
    const v = await store.request<GetBucketVersioningCommandOutput>(new GetBucketVersioningCommand({ Bucket: bucket }), signal);
    return v.Status === 'Enabled'
      ? { status: 'pass', detail: 'Enabled' }
      : { status: 'fail', detail: `${v.Status ?? 'never enabled'}: enable versioning so that history and restore work` };
  }));
  const encryption: EncryptionRead = await read(
    () => store.request<GetBucketEncryptionCommandOutput>(new GetBucketEncryptionCommand({ Bucket: bucket }), signal), signal);
  results.push(await check('default encryption', async () => {
    if (missing(encryption, 'ServerSideEncryptionConfigurationNotFoundError')) return { status: 'fail', detail: 'no default encryption configured' };
    if (!encryption.ok) throw encryption.error;
    const rule = encryption.value.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault;
    if (!rule) return { status: 'fail', detail: 'no default encryption rule' };
    return { status: 'pass', detail: `${rule.SSEAlgorithm}${rule.KMSMasterKeyID ? ` (${rule.KMSMasterKeyID})` : ''}` };
  }));
  results.push(await check('public access block', async () => {
    try {
      const pab = await store.request<GetPublicAccessBlockCommandOutput>(new GetPublicAccessBlockCommand({ Bucket: bucket }), signal);
      const c = pab.PublicAccessBlockConfiguration ?? {};
      const off = (['BlockPublicAcls', 'IgnorePublicAcls', 'BlockPublicPolicy', 'RestrictPublicBuckets'] as const).filter((k) => c[k] !== true);
      return off.length === 0 ? { status: 'pass', detail: 'all four settings on' } : { status: 'fail', detail: `off: ${off.join(', ')}` };
    } catch (e) {
      if (errorName(e) === 'NoSuchPublicAccessBlockConfiguration') return { status: 'fail', detail: 'no public access block configured' };
      if (isNotImplemented(e)) return { status: 'warn', detail: 'the server does not implement GetPublicAccessBlock (not AWS S3?)' };
      throw e;
    }
  }));
  const policy: PolicyRead = await read(
    () => store.request<GetBucketPolicyCommandOutput>(new GetBucketPolicyCommand({ Bucket: bucket }), signal), signal);
  results.push(await check('TLS-only policy', async () => {
    if (missing(policy, 'NoSuchBucketPolicy')) return { status: 'fail', detail: 'no bucket policy: requests over plain HTTP are allowed' };
    if (!policy.ok) throw policy.error;
    return policyDeniesInsecureTransport(policy.value.Policy ?? '{}')
      ? { status: 'pass', detail: 'a Deny statement on aws:SecureTransport=false' }
      : { status: 'fail', detail: 'the bucket policy does not deny aws:SecureTransport=false' };
  }));
  results.push(await check('lock writes conditional-only', async () => lockWritesCheck(bucket, policy)));
  results.push(await check('SSE-C blocked', async () => sseCCheck(encryption, policy)));
  const table = t.table;
  if (table) {
    results.push(await check('lock table key schema', async () => {
      const out = await table.counter.send<DescribeTableCommandOutput>('dynamodb', table.dynamodb, new DescribeTableCommand({ TableName: table.name }), signal);
      const keys = out.Table?.KeySchema ?? [];
      const type = out.Table?.AttributeDefinitions?.find((d) => d.AttributeName === LOCK_TABLE_PARTITION_KEY)?.AttributeType;
      const ok = keys.length === 1 && keys[0].AttributeName === LOCK_TABLE_PARTITION_KEY && keys[0].KeyType === 'HASH' && type === 'S';
      return ok
        ? { status: 'pass', detail: `${table.name}: LockID (S) partition key` }
        : { status: 'fail', detail: `${table.name}: key schema must be exactly LockID (String, HASH), got ${keys.map((k) => `${k.AttributeName} ${k.KeyType}`).join(', ')}` };
    }));
  }
  results.push(await check('If-None-Match honoured', () => probeIfNoneMatch(store, `${t.stateKey}.tfstate-doctor-${randomUUID()}`, signal)));
  results.push(await check('replication', async () => replicationCheck(await replicationStatus({ s3: store, bucket, keys: [t.stateKey], roles: t.roles, signal }))));
  return results;
}
