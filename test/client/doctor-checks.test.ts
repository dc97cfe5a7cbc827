import { lockWritesCheck, replicationCheck, sseCCheck, type EncryptionRead, type PolicyRead } from '../../src/client/private/backend-checks';

/** How `tfstate doctor` grades the bucket-protection and replication probes (no server: the reads are given). */

const err = (name: string, status = 400) => Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
const noPolicy: PolicyRead = { ok: false, error: err('NoSuchBucketPolicy', 404) };
const lockDeny = (bucket: string): PolicyRead => ({
  ok: true,
  value: {
    Policy: JSON.stringify({
      Statement: [{ Effect: 'Deny', Principal: '*', Action: 's3:PutObject', Resource: `arn:aws:s3:::${bucket}/*.tflock`, Condition: { Null: { 's3:if-none-match': 'true' } } }],
    }),
  },
});
const encryption = (rule: Record<string, unknown>): EncryptionRead => ({
  ok: true,
  value: { ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' }, ...rule }] } },
});

describe('lock writes conditional-only', () => {
  test('the StateBackend deny passes; no policy is a WARN naming the statement to add', () => {
    expect(lockWritesCheck('b', lockDeny('b')).status).toBe('pass');
    const r = lockWritesCheck('b', noPolicy);
    expect(r.status).toBe('warn');
    expect(r.detail).toContain('Add a Deny of s3:PutObject on arn:aws:s3:::b/*.tflock');
  });

  test('a deny on another bucket does not count', () => {
    expect(lockWritesCheck('b', lockDeny('other')).status).toBe('warn');
  });

  test('a server without GetBucketPolicy, or no permission, is "unknown", not a FAIL', () => {
    expect(lockWritesCheck('b', { ok: false, error: err('NotImplemented', 501) })).toEqual({ status: 'warn', detail: expect.stringMatching(/^unknown: not reported by this server/) });
    expect(lockWritesCheck('b', { ok: false, error: err('AccessDenied', 403) })).toEqual({ status: 'warn', detail: expect.stringMatching(/^unknown: could not read the bucket policy.*AccessDenied/) });
  });
});

describe('SSE-C blocked', () => {
  test('BlockedEncryptionTypes = [SSE-C] passes', () => {
    expect(sseCCheck(encryption({ BlockedEncryptionTypes: { EncryptionType: ['SSE-C'] } }), noPolicy).status).toBe('pass');
  });

  test('BlockedEncryptionTypes = [NONE] is a WARN saying what to set', () => {
    const r = sseCCheck(encryption({ BlockedEncryptionTypes: { EncryptionType: ['NONE'] } }), noPolicy);
    expect(r.status).toBe('warn');
    expect(r.detail).toMatch(/^the bucket does not block SSE-C.*Set BlockedEncryptionTypes = \[SSE-C\]/);
  });

  test('a configuration without BlockedEncryptionTypes (an S3 compatible) is "unknown: not reported by this server"', () => {
    const r = sseCCheck(encryption({}), noPolicy);
    expect(r.status).toBe('warn');
    expect(r.detail).toMatch(/^unknown: BlockedEncryptionTypes is not reported by this server, so SSE-C may be accepted; the bucket does not block SSE-C .*PutBucketEncryption/);
  });

  test('no encryption configuration: SSE-C is not blocked (WARN); GetBucketEncryption not implemented: unknown', () => {
    expect(sseCCheck({ ok: false, error: err('ServerSideEncryptionConfigurationNotFoundError', 404) }, noPolicy))
      .toEqual({ status: 'warn', detail: expect.stringMatching(/^the bucket does not block SSE-C/) });
    expect(sseCCheck({ ok: false, error: err('NotImplemented', 501) }, noPolicy))
      .toEqual({ status: 'warn', detail: expect.stringMatching(/^unknown: not reported by this server \(the bucket encryption/) });
  });
});

describe('replication', () => {
  const base = { configured: false, rules: [], objectStatus: {}, failedKeys: [] };

  test('no rule passes, saying the state is not replicated', () => {
    expect(replicationCheck(base)).toEqual({ status: 'pass', detail: expect.stringMatching(/^no replication rule/) });
  });

  test('a rule passes with its destination, role and the state object\'s PENDING/COMPLETED counts', () => {
    const r = replicationCheck({
      ...base,
      configured: true,
      role: 'arn:aws:iam::1:role/rep',
      rules: [{ id: 'dr', destination: 'arn:aws:s3:::dr', deleteMarkers: true, timeControl: false }],
      objectStatus: { PENDING: 1 },
    });
    expect(r).toEqual({ status: 'pass', detail: 'dr -> arn:aws:s3:::dr, delete markers; role arn:aws:iam::1:role/rep; state object: 1 PENDING' });
  });

  test('a FAILED state object fails, naming the key, the role and what to do', () => {
    const r = replicationCheck({ ...base, configured: true, role: 'arn:aws:iam::1:role/rep', objectStatus: { FAILED: 1 }, failedKeys: ['env/terraform.tfstate'] });
    expect(r.status).toBe('fail');
    expect(r.detail).toMatch(/replication FAILED for env\/terraform.tfstate \(role arn:aws:iam::1:role\/rep\).*S3 Batch Replication/);
  });

  test('an unreadable configuration (not implemented, denied) is "unknown", not a crash or a FAIL', () => {
    expect(replicationCheck({ ...base, problem: 'GetBucketReplication: NotImplemented' }))
      .toEqual({ status: 'warn', detail: expect.stringMatching(/^unknown: not reported by this server or not allowed \(GetBucketReplication: NotImplemented\)/) });
  });
});
