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
import { describeError, errorName, httpStatus, isPreconditionFailed } from './aws-errors';
import type { RequestCounter } from './instrumentation';
import type { ObjectStore } from './object-store';

/** Concurrent conditional PUTs of the If-None-Match probe. */
export const PROBE_WRITERS = 5;

/** What the checks look at. */
export interface CheckTarget {
  readonly store: ObjectStore;
  readonly stateKey: string;
  readonly table?: { readonly name: string; readonly dynamodb: DynamoDBClient; readonly counter: RequestCounter };
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
  results.push(await check('default encryption', async () => {
    try {
      const enc = await store.request<GetBucketEncryptionCommandOutput>(new GetBucketEncryptionCommand({ Bucket: bucket }), signal);
      const rule = enc.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault;
      if (!rule) return { status: 'fail', detail: 'no default encryption rule' };
      return { status: 'pass', detail: `${rule.SSEAlgorithm}${rule.KMSMasterKeyID ? ` (${rule.KMSMasterKeyID})` : ''}` };
    } catch (e) {
      if (errorName(e) === 'ServerSideEncryptionConfigurationNotFoundError') return { status: 'fail', detail: 'no default encryption configured' };
      throw e;
    }
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
  results.push(await check('TLS-only policy', async () => {
    try {
      const pol = await store.request<GetBucketPolicyCommandOutput>(new GetBucketPolicyCommand({ Bucket: bucket }), signal);
      return policyDeniesInsecureTransport(pol.Policy ?? '{}')
        ? { status: 'pass', detail: 'a Deny statement on aws:SecureTransport=false' }
        : { status: 'fail', detail: 'the bucket policy does not deny aws:SecureTransport=false' };
    } catch (e) {
      if (errorName(e) === 'NoSuchBucketPolicy') return { status: 'fail', detail: 'no bucket policy: requests over plain HTTP are allowed' };
      throw e;
    }
  }));
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
  return results;
}
