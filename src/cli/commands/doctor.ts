import { randomUUID } from 'node:crypto';
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteObjectCommand,
  GetBucketEncryptionCommand,
  GetBucketPolicyCommand,
  GetBucketVersioningCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { EXIT, out, paint, printJson, printTable } from '../output';
import { GlobalOptions, openSession } from '../session';

/** Result of one check. */
export interface CheckResult {
  readonly name: string;
  readonly status: 'pass' | 'warn' | 'fail';
  readonly detail: string;
}

/** Concurrent conditional PUTs of the If-None-Match probe. */
export const PROBE_WRITERS = 5;

function errName(e: unknown): string {
  return (e as { name?: string })?.name ?? String(e);
}

function httpStatus(e: unknown): number | undefined {
  return (e as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}

function isNotImplemented(e: unknown): boolean {
  return errName(e) === 'NotImplemented' || httpStatus(e) === 501;
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

async function check(name: string, fn: () => Promise<Omit<CheckResult, 'name'>>): Promise<CheckResult> {
  try {
    return { name, ...(await fn()) };
  } catch (e) {
    return { name, status: 'fail', detail: `${errName(e)}: ${(e as Error).message}` };
  }
}

/**
 * Races `PROBE_WRITERS` conditional PUTs (`If-None-Match: *`) on one new scratch key, then one more
 * PUT after they settle. A server that honours the condition accepts exactly one. All versions of the
 * scratch key are deleted afterwards.
 */
export async function probeIfNoneMatch(s3: S3Client, bucket: string, scratchKey: string): Promise<Omit<CheckResult, 'name'>> {
  try {
    const attempts = await Promise.allSettled(
      Array.from({ length: PROBE_WRITERS }, (_, i) => s3.send(new PutObjectCommand({
        Bucket: bucket, Key: scratchKey, Body: Buffer.from(`probe ${i}`), IfNoneMatch: '*', ContentType: 'text/plain',
      }))),
    );
    const concurrentWins = attempts.filter((a) => a.status === 'fulfilled').length;
    const unexpected = attempts.filter((a) => a.status === 'rejected' && ![412, 409].includes(httpStatus(a.reason) ?? 0));
    if (unexpected.length > 0) {
      const e = (unexpected[0] as PromiseRejectedResult).reason;
      return { status: 'fail', detail: `conditional PUT failed unexpectedly: ${errName(e)}: ${e.message}` };
    }
    let sequentialRefused = false;
    try {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: scratchKey, Body: Buffer.from('probe late'), IfNoneMatch: '*' }));
    } catch (e) {
      sequentialRefused = httpStatus(e) === 412 || httpStatus(e) === 409;
      if (!sequentialRefused) throw e;
    }
    if (concurrentWins === 1 && sequentialRefused) {
      return { status: 'pass', detail: `1 of ${PROBE_WRITERS} concurrent If-None-Match PUTs won; a later one got 412` };
    }
    const parts = [];
    if (concurrentWins !== 1) parts.push(`${concurrentWins} of ${PROBE_WRITERS} concurrent If-None-Match PUTs succeeded (expected exactly 1)`);
    if (!sequentialRefused) parts.push('a PUT over an existing object was accepted');
    return {
      status: 'fail',
      detail: `${parts.join('; ')}: use_lockfile gives no mutual exclusion on this server; use dynamodb_table locking`,
    };
  } finally {
    await cleanupScratch(s3, bucket, scratchKey);
  }
}

async function cleanupScratch(s3: S3Client, bucket: string, key: string): Promise<void> {
  try {
    const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: key }));
    const versions = [...(listed.Versions ?? []), ...(listed.DeleteMarkers ?? [])].filter((v) => v.Key === key);
    for (const v of versions) {
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key, VersionId: v.VersionId }));
    }
    if (versions.length === 0) await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
  } catch {
    // Without ListBucketVersions, fall back to a plain delete.
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })).catch(() => undefined);
  }
}

/** Runs every check against the live backend; the lock table check needs `dynamodb` and `table`. */
export async function runChecks(
  s3: S3Client, dynamodb: DynamoDBClient | undefined, bucket: string, stateKey: string, table: string | undefined,
): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const exists = await check('bucket exists', async () => {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
    return { status: 'pass', detail: bucket };
  });
  results.push(exists);
  if (exists.status === 'fail') {
    return [{ ...exists, detail: `${exists.detail}. Create the bucket (deploy the StateBackend stack) or fix "bucket".` }];
  }
  results.push(await check('versioning', async () => {
    const v = await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }));
    return v.Status === 'Enabled'
      ? { status: 'pass', detail: 'Enabled' }
      : { status: 'fail', detail: `${v.Status ?? 'never enabled'}: enable versioning so that history and restore work` };
  }));
  results.push(await check('default encryption', async () => {
    try {
      const enc = await s3.send(new GetBucketEncryptionCommand({ Bucket: bucket }));
      const rule = enc.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault;
      if (!rule) return { status: 'fail', detail: 'no default encryption rule' };
      return { status: 'pass', detail: `${rule.SSEAlgorithm}${rule.KMSMasterKeyID ? ` (${rule.KMSMasterKeyID})` : ''}` };
    } catch (e) {
      if (errName(e) === 'ServerSideEncryptionConfigurationNotFoundError') return { status: 'fail', detail: 'no default encryption configured' };
      throw e;
    }
  }));
  results.push(await check('public access block', async () => {
    try {
      const pab = await s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket }));
      const c = pab.PublicAccessBlockConfiguration ?? {};
      const off = (['BlockPublicAcls', 'IgnorePublicAcls', 'BlockPublicPolicy', 'RestrictPublicBuckets'] as const).filter((k) => c[k] !== true);
      return off.length === 0 ? { status: 'pass', detail: 'all four settings on' } : { status: 'fail', detail: `off: ${off.join(', ')}` };
    } catch (e) {
      if (errName(e) === 'NoSuchPublicAccessBlockConfiguration') return { status: 'fail', detail: 'no public access block configured' };
      if (isNotImplemented(e)) return { status: 'warn', detail: 'the server does not implement GetPublicAccessBlock (not AWS S3?)' };
      throw e;
    }
  }));
  results.push(await check('TLS-only policy', async () => {
    try {
      const pol = await s3.send(new GetBucketPolicyCommand({ Bucket: bucket }));
      return policyDeniesInsecureTransport(pol.Policy ?? '{}')
        ? { status: 'pass', detail: 'a Deny statement on aws:SecureTransport=false' }
        : { status: 'fail', detail: 'the bucket policy does not deny aws:SecureTransport=false' };
    } catch (e) {
      if (errName(e) === 'NoSuchBucketPolicy') return { status: 'fail', detail: 'no bucket policy: requests over plain HTTP are allowed' };
      throw e;
    }
  }));
  if (table && dynamodb) {
    results.push(await check('lock table key schema', async () => {
      const t = await dynamodb.send(new DescribeTableCommand({ TableName: table }));
      const keys = t.Table?.KeySchema ?? [];
      const type = t.Table?.AttributeDefinitions?.find((d) => d.AttributeName === 'LockID')?.AttributeType;
      const ok = keys.length === 1 && keys[0].AttributeName === 'LockID' && keys[0].KeyType === 'HASH' && type === 'S';
      return ok
        ? { status: 'pass', detail: `${table}: LockID (S) partition key` }
        : { status: 'fail', detail: `${table}: key schema must be exactly LockID (String, HASH), got ${keys.map((k) => `${k.AttributeName} ${k.KeyType}`).join(', ')}` };
    }));
  }
  results.push(await check('If-None-Match honoured', () => probeIfNoneMatch(s3, bucket, `${stateKey}.tfstate-doctor-${randomUUID()}`)));
  return results;
}

/** `doctor`: pass/fail per check, exit 1 when any check fails. */
export async function doctorCommand(opts: GlobalOptions): Promise<number> {
  const s = await openSession(opts);
  try {
    // The client's own SDK clients: the checks see the bucket with the credentials Terraform would use.
    const { s3, dynamodb } = s.client.sdkClients();
    const results = await runChecks(s3, dynamodb, s.client.paths.bucket, s.client.paths.stateKey, s.config.dynamodb_table);
    const failed = results.some((r) => r.status === 'fail');
    if (opts.json) {
      printJson({ ok: !failed, checks: results });
    } else {
      const label = (st: CheckResult['status']): string =>
        st === 'pass' ? paint('green', 'PASS') : st === 'warn' ? paint('yellow', 'WARN') : paint('red', 'FAIL');
      printTable(['CHECK', 'RESULT', 'DETAIL'], results.map((r) => [r.name, label(r.status), r.detail]));
      out(failed ? 'Some checks failed.' : 'All checks passed.');
    }
    return failed ? EXIT.ERROR : EXIT.OK;
  } finally {
    s.close();
  }
}
