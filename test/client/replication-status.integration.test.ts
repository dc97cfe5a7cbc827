import { newBackend, TestBackend } from './support';
import { replicationStatus } from '../../src/client/private/replication-status';

/** The replication probe (for `tfstate doctor`) against Ceph RGW, which has no S3 replication rule here. */
describe('replication status probe', () => {
  let be: TestBackend;
  beforeEach(async () => {
    be = await newBackend('lockfile', { versioned: true });
  });
  afterEach(async () => {
    await be.destroy();
  });

  test('GIVEN a bucket without a replication rule THEN it is not configured, and objects report no replication status', async () => {
    await be.rawPut('app/terraform.tfstate', '{}');
    be.s3Log.length = 0;
    const status = await replicationStatus({ s3: be.s3, bucket: be.bucket, keys: ['app/terraform.tfstate', 'missing.tfstate'] });
    expect(status.configured).toBe(false);
    expect(status.rules).toEqual([]);
    expect(status.objectStatus).toEqual({ NONE: 1 });
    expect(status.failedKeys).toEqual([]);
    // One GetBucketReplication, one HEAD per key (a missing key is skipped).
    expect(be.s3Log.map((r) => r.op)).toEqual(['GetBucketReplication', 'HeadObject', 'HeadObject']);
    // RGW answers a bucket without replication as S3 does (ReplicationConfigurationNotFoundError): no problem.
    expect(status.problem).toBeUndefined();
  });
});
