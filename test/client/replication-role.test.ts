import { replicationCheck } from '../../src/client/private/backend-checks';
import { inspectReplicationRole, type RoleReader } from '../../src/client/private/replication-role';
import { replicationStatus, type ReplicationStatus } from '../../src/client/private/replication-status';

/*
 * `tfstate doctor`: is the replication role usable? No local server implements IAM, so iam:GetRole is a
 * fake RoleReader here (fault-path style); the S3 side (GetBucketReplication) runs against RGW in
 * replication-status.integration.test.ts.
 */

const ROLE = 'arn:aws:iam::111111111111:role/tfstate-replication';
const err = (name: string, status: number) => Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });

/** A reader answering with this trust policy, URL-encoded as IAM's GetRole returns it; records the names asked for. */
function reader(trust: unknown): RoleReader & { asked: string[] } {
  const asked: string[] = [];
  return { asked, getTrustPolicy: async (name) => { asked.push(name); return encodeURIComponent(JSON.stringify(trust)); } };
}
const failing = (e: Error): RoleReader => ({ getTrustPolicy: async () => { throw e; } });

const s3Trust = (condition?: unknown) => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 's3.amazonaws.com' }, Action: 'sts:AssumeRole', ...(condition ? { Condition: condition } : {}) }],
});

describe('inspectReplicationRole', () => {
  test('a role that exists and trusts s3.amazonaws.com (as StateBackend creates it) is usable; GetRole is asked for the role name', async () => {
    const r = reader(s3Trust({ StringEquals: { 'aws:SourceAccount': '111111111111' } }));
    expect(await inspectReplicationRole(ROLE, r)).toEqual({ verdict: 'usable', detail: `${ROLE} exists and trusts s3.amazonaws.com` });
    expect(r.asked).toEqual(['tfstate-replication']);
  });

  test('a role under a path is read by its name', async () => {
    const r = reader(s3Trust());
    expect((await inspectReplicationRole('arn:aws:iam::111111111111:role/service-role/dr/rep', r)).verdict).toBe('usable');
    expect(r.asked).toEqual(['rep']);
  });

  test('without a RoleReader it cannot tell, and names the permission needed', async () => {
    expect(await inspectReplicationRole(ROLE, undefined)).toEqual({
      verdict: 'unknown',
      detail: `cannot tell whether ${ROLE} is usable: allow iam:GetRole on ${ROLE} to check that it exists and trusts s3.amazonaws.com`,
    });
  });

  test('access denied on iam:GetRole is "cannot tell", naming the permission', async () => {
    const r = await inspectReplicationRole(ROLE, failing(err('AccessDenied', 403)));
    expect(r.verdict).toBe('unknown');
    expect(r.detail).toMatch(/not allowed iam:GetRole .*AccessDenied.*allow iam:GetRole on arn:aws:iam::111111111111:role\/tfstate-replication/);
  });

  test('a deleted role is broken', async () => {
    expect(await inspectReplicationRole(ROLE, failing(err('NoSuchEntity', 404))))
      .toEqual({ verdict: 'broken', detail: `the replication role ${ROLE} does not exist: recreate it or point the rule at an existing role` });
  });

  test('another IAM failure is "cannot tell", with the error', async () => {
    expect(await inspectReplicationRole(ROLE, failing(err('ServiceFailure', 500))))
      .toEqual({ verdict: 'unknown', detail: expect.stringMatching(/iam:GetRole failed \(.*ServiceFailure/) });
  });

  test.each([
    ['trusts another service', { Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] }, /does not let s3\.amazonaws\.com assume it/],
    ['allows S3 another action only', { Statement: [{ Effect: 'Allow', Principal: { Service: ['s3.amazonaws.com'] }, Action: 'sts:TagSession' }] }, /does not let s3\.amazonaws\.com assume it/],
    ['denies S3', { Statement: [...s3Trust().Statement, { Effect: 'Deny', Principal: { Service: 's3.amazonaws.com' }, Action: 'sts:AssumeRole' }] }, /denies sts:AssumeRole to s3\.amazonaws\.com/],
    ['admits S3 for another source account only', s3Trust({ StringEquals: { 'aws:SourceAccount': '222222222222' } }), /only for another aws:SourceAccount than 111111111111/],
  ])('a role whose trust policy %s is broken', async (_name, trust, detail) => {
    const r = await inspectReplicationRole(ROLE, reader(trust));
    expect(r.verdict).toBe('broken');
    expect(r.detail).toMatch(detail);
  });

  test('a StringLike source-account pattern that matches the owner is usable', async () => {
    expect((await inspectReplicationRole(ROLE, reader(s3Trust({ StringLike: { 'aws:SourceAccount': '1111*' } })))).verdict).toBe('usable');
  });

  test('a rule without a role, or with something that is not a role ARN, is broken without asking IAM', async () => {
    const r = reader(s3Trust());
    expect((await inspectReplicationRole(undefined, r)).verdict).toBe('broken');
    expect(await inspectReplicationRole('arn:aws:iam::111111111111:user/bob', r))
      .toEqual({ verdict: 'broken', detail: expect.stringMatching(/is not an IAM role ARN/) });
    expect(r.asked).toEqual([]);
  });

  test('an unreadable trust policy is "cannot tell"', async () => {
    const r = await inspectReplicationRole(ROLE, { getTrustPolicy: async () => '%7Bnot json' });
    expect(r.verdict).toBe('unknown');
  });
});

describe('the doctor\'s replication check with the role verdict', () => {
  const configured: ReplicationStatus = {
    configured: true,
    role: ROLE,
    rules: [{ id: 'ReplicateEveryVersion', destination: 'arn:aws:s3:::dr', deleteMarkers: true, timeControl: true }],
    objectStatus: { COMPLETED: 1 },
    failedKeys: [],
  };

  test('a usable role passes, saying so', () => {
    expect(replicationCheck({ ...configured, roleStatus: { verdict: 'usable', detail: `${ROLE} exists and trusts s3.amazonaws.com` } })).toEqual({
      status: 'pass',
      detail: `ReplicateEveryVersion -> arn:aws:s3:::dr, delete markers, RTC; role: ${ROLE} exists and trusts s3.amazonaws.com; state object: 1 COMPLETED`,
    });
  });

  test('a broken role fails even while no object has failed yet', () => {
    const r = replicationCheck({ ...configured, objectStatus: {}, roleStatus: { verdict: 'broken', detail: 'the replication role x does not exist' } });
    expect(r).toEqual({ status: 'fail', detail: 'ReplicateEveryVersion -> arn:aws:s3:::dr, delete markers, RTC; role: the replication role x does not exist' });
  });

  test('"cannot tell" is a WARN naming the permission, not a PASS', () => {
    const r = replicationCheck({ ...configured, roleStatus: { verdict: 'unknown', detail: 'cannot tell whether x is usable: allow iam:GetRole on x' } });
    expect(r.status).toBe('warn');
    expect(r.detail).toContain('role: cannot tell whether x is usable: allow iam:GetRole on x');
  });

  test('a FAILED object with a broken role names both', () => {
    const r = replicationCheck({ ...configured, objectStatus: { FAILED: 1 }, failedKeys: ['app.tfstate'], roleStatus: { verdict: 'broken', detail: 'the replication role x does not exist' } });
    expect(r.status).toBe('fail');
    expect(r.detail).toMatch(/replication FAILED for app\.tfstate .*; the replication role x does not exist$/);
  });
});

describe('replicationStatus with a rule (S3 answers faked: RGW refuses PutBucketReplication, see the integration test)', () => {
  /** An S3Requester answering GetBucketReplication with the configuration StateBackend synthesizes. */
  const s3 = {
    request: async <T>(command: any): Promise<T> => {
      if (command.constructor.name !== 'GetBucketReplicationCommand') throw new Error(`unexpected ${command.constructor.name}`);
      return {
        ReplicationConfiguration: {
          Role: ROLE,
          Rules: [{ ID: 'ReplicateEveryVersion', Status: 'Enabled', DeleteMarkerReplication: { Status: 'Enabled' }, Destination: { Bucket: 'arn:aws:s3:::dr' } }],
        },
      } as T;
    },
  };

  test('the role of the rule is read through the RoleReader and its verdict reported', async () => {
    const roles = reader(s3Trust({ StringEquals: { 'aws:SourceAccount': '111111111111' } }));
    const status = await replicationStatus({ s3, bucket: 'state', roles });
    expect(status.roleStatus).toEqual({ verdict: 'usable', detail: `${ROLE} exists and trusts s3.amazonaws.com` });
    expect(roles.asked).toEqual(['tfstate-replication']);
    expect(replicationCheck(status).status).toBe('pass');
  });

  test('without a RoleReader the doctor warns that it cannot tell, naming iam:GetRole', async () => {
    const status = await replicationStatus({ s3, bucket: 'state' });
    expect(replicationCheck(status)).toEqual({ status: 'warn', detail: expect.stringContaining(`role: cannot tell whether ${ROLE} is usable: allow iam:GetRole on ${ROLE}`) });
  });
});
