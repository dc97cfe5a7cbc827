import { PutBucketEncryptionCommand, PutBucketPolicyCommand, type S3Client } from '@aws-sdk/client-s3';
import { backendArgs, cliBucket, deleteCreated, requireCompiledCli, runCli } from './run-cli';
import { s3Client } from '../support/servers';

/**
 * `tfstate doctor`'s bucket-protection checks (lock writes only by conditional write, SSE-C blocked)
 * and its replication check, against Ceph RGW.
 */
beforeAll(requireCompiledCli);
afterAll(deleteCreated);

let s3: S3Client;
beforeAll(() => {
  s3 = s3Client();
});
afterAll(() => s3.destroy());

async function doctor(bucket: string): Promise<{ code: number | null; checks: Record<string, { status: string; detail: string }> }> {
  const r = await runCli(['doctor', '-json', ...backendArgs({ bucket, key: 'doc/terraform.tfstate', use_lockfile: true })]);
  const report = JSON.parse(r.stdout);
  return { code: r.code, checks: Object.fromEntries(report.checks.map((c: any) => [c.name, { status: c.status, detail: c.detail }])) };
}

/** The lock-file deny `StateBackend` deploys (`DenyUnconditionalLockWrites`). */
function lockDenyPolicy(bucket: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [{
      Sid: 'DenyUnconditionalLockWrites',
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:PutObject',
      Resource: `arn:aws:s3:::${bucket}/*.tflock`,
      Condition: { Null: { 's3:if-none-match': 'true' } },
    }],
  });
}

test('a bare bucket: no lock-write policy and no SSE-C block are WARN (a bucket not made by StateBackend may lack them), with what to add; no replication rule passes', async () => {
  const bucket = await cliBucket({ versioned: true });
  const { checks } = await doctor(bucket);
  expect(checks['lock writes conditional-only'].status).toBe('warn');
  expect(checks['lock writes conditional-only'].detail).toContain(`Add a Deny of s3:PutObject on arn:aws:s3:::${bucket}/*.tflock`);
  expect(checks['SSE-C blocked'].status).toBe('warn');
  expect(checks['SSE-C blocked'].detail).toMatch(/does not block SSE-C.*BlockedEncryptionTypes = \[SSE-C\]/);
  // RGW answers GetBucketReplication on a bucket without a rule as S3 does (ReplicationConfigurationNotFoundError).
  expect(checks.replication.status).toBe('pass');
  expect(checks.replication.detail).toMatch(/^no replication rule/);
});

test('the deployed lock-write deny passes', async () => {
  const bucket = await cliBucket({ versioned: true });
  await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: lockDenyPolicy(bucket) }));
  const { checks } = await doctor(bucket);
  expect(checks['lock writes conditional-only']).toEqual({ status: 'pass', detail: expect.stringMatching(/denies lock-file writes without If-None-Match/) });
});

test('DEVIATION: RGW refuses PutBucketEncryption (InvalidArgument), with or without BlockedEncryptionTypes, then answers GetBucketEncryption with an empty rule; doctor says SSE-C blocking is "unknown: not reported by this server", without crashing', async () => {
  const bucket = await cliBucket({ versioned: true });
  const rule = { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' as const } };
  // AWS S3 accepts both (BlockedEncryptionTypes: NONE | SSE-C); this RGW has no SSE-S3 and no SSE-C block.
  for (const r of [rule, { ...rule, BlockedEncryptionTypes: { EncryptionType: ['SSE-C' as const] } }]) {
    await expect(s3.send(new PutBucketEncryptionCommand({ Bucket: bucket, ServerSideEncryptionConfiguration: { Rules: [r] } })))
      .rejects.toMatchObject({ name: 'InvalidArgument' });
  }
  const { checks } = await doctor(bucket);
  expect(checks['default encryption']).toEqual({ status: 'fail', detail: 'no default encryption rule' });
  expect(checks['SSE-C blocked'].status).toBe('warn');
  expect(checks['SSE-C blocked'].detail).toMatch(/^unknown: BlockedEncryptionTypes is not reported by this server, so SSE-C may be accepted; the bucket does not block SSE-C .*Set BlockedEncryptionTypes = \[SSE-C\]/);
});
