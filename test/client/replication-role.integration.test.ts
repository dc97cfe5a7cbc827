import { PutBucketReplicationCommand } from '@aws-sdk/client-s3';
import { newBackend, TestBackend } from './support';
import { runBackendChecks } from '../../src/client/private/backend-checks';
import type { RoleReader } from '../../src/client/private/replication-role';
import { replicationStatus } from '../../src/client/private/replication-status';

/*
 * The S3 side of the doctor's replication-role check against Ceph RGW. The IAM side (iam:GetRole) has
 * no local server: its branches are unit-tested with a fake RoleReader (replication-role.test.ts).
 */

const ROLE = 'arn:aws:iam::111111111111:role/tfstate-replication';

/** A RoleReader that records whether it was asked. */
function recordingReader(): RoleReader & { asked: string[] } {
  const asked: string[] = [];
  return { asked, getTrustPolicy: async (name) => { asked.push(name); return undefined; } };
}

describe('replication role probe against RGW', () => {
  let be: TestBackend;
  let dest: TestBackend;
  beforeEach(async () => {
    be = await newBackend('lockfile', { versioned: true });
    dest = await newBackend('none', { versioned: true });
  });
  afterEach(async () => {
    await be.destroy();
    await dest.destroy();
  });

  test('DEVIATION: RGW (single zone) refuses PutBucketReplication with 405 MethodNotAllowed, so a rule naming a role cannot be set up here', async () => {
    // AWS S3 accepts this configuration (the one StateBackend synthesizes); RGW implements replication
    // only as multisite sync policies. If this starts passing, move the role checks below onto RGW.
    const put = be.s3.send(new PutBucketReplicationCommand({
      Bucket: be.bucket,
      ReplicationConfiguration: {
        Role: ROLE,
        Rules: [{
          ID: 'ReplicateEveryVersion',
          Status: 'Enabled',
          Priority: 0,
          Filter: { Prefix: '' },
          DeleteMarkerReplication: { Status: 'Enabled' },
          Destination: { Bucket: `arn:aws:s3:::${dest.bucket}` },
        }],
      },
    }));
    await expect(put).rejects.toMatchObject({ name: 'MethodNotAllowed', $metadata: { httpStatusCode: 405 } });
    // The bucket is left without a rule, which GetBucketReplication reports as S3 does.
    const status = await replicationStatus({ s3: be.s3, bucket: be.bucket });
    expect(status).toMatchObject({ configured: false, rules: [] });
    expect(status.problem).toBeUndefined();
  });

  test('GIVEN a bucket without a replication rule THEN no role is looked at: no iam:GetRole, no role verdict', async () => {
    const roles = recordingReader();
    const status = await replicationStatus({ s3: be.s3, bucket: be.bucket, keys: [], roles });
    expect(status.roleStatus).toBeUndefined();
    expect(roles.asked).toEqual([]);
  });

  test('tfstate doctor\'s replication check passes the RoleReader through and reports "no replication rule" without asking IAM', async () => {
    const roles = recordingReader();
    const client = be.client();
    // The checks' target as StateClient.checkBackend builds it, plus the reader.
    const store = (client as any).store;
    const results = await runBackendChecks({ store, stateKey: 'path/to/terraform.tfstate', roles });
    const replication = results.find((r) => r.name === 'replication');
    expect(replication).toMatchObject({ status: 'pass', detail: expect.stringMatching(/^no replication rule/) });
    expect(roles.asked).toEqual([]);
  });
});
