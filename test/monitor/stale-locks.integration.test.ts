import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { checkStaleLocks, metricRecord, staleLockMessage } from '../../src/monitor/stale-locks';
import { runStaleLockCheck } from '../../src/monitor/stale-locks-handler';
import { marshalLockInfo, newLockInfo } from '../../src/protocol/lock-info';
import { newBackend, TestBackend } from '../client/support';

const MIN = 60_000;
const HOUR = 60 * MIN;

/** The stale-lock monitor's logic (the Lambda of StateBackendMonitoring) against the local servers. */
describe('stale-lock monitor on the local servers', () => {
  let be: TestBackend;
  beforeEach(async () => {
    be = await newBackend('both', { key: 'network/terraform.tfstate' });
  });
  afterEach(async () => {
    await be.destroy();
  });

  test('GIVEN a fresh lock and a lock held by a crashed CI job THEN only the old one is stale, and it is announced once', async () => {
    const fresh = be.client();
    const id = await fresh.lock({ operation: 'OperationTypePlan', who: 'alice@laptop' });
    const crashedAt = new Date(Date.now() - 3 * HOUR);
    await be.rawPut('env:/prod/payments/terraform.tfstate.tflock',
      marshalLockInfo(newLockInfo({ operation: 'OperationTypeApply', who: 'runner@ci-42', now: crashedAt, id: '11111111-2222-3333-4444-555555555555' })));
    try {
      const backend = { bucket: be.bucket, lockTable: be.table };
      const base = { s3: be.s3, dynamodb: be.dynamodb, backend, thresholdMs: 2 * HOUR, intervalMs: 15 * MIN };
      const now = new Date(crashedAt.getTime() + 2 * HOUR + 5 * MIN);
      const first = await checkStaleLocks({ ...base, now });
      expect(first.heldCount).toBe(3);
      expect(first.stale.map((l) => [l.key, l.workspace, l.lockInfo?.Who])).toEqual([['payments/terraform.tfstate', 'prod', 'runner@ci-42']]);
      expect(first.newlyStale).toEqual(first.stale);
      const message = staleLockMessage(first)!;
      expect(message.subject).toBe(`Terraform state: 1 lock older than 2h0m in ${be.bucket}`);
      expect(message.message).toContain('key=payments/terraform.tfstate workspace=prod holder=runner@ci-42 operation=OperationTypeApply age=2h5m id=11111111-2222-3333-4444-555555555555 lockfile=env:/prod/payments/terraform.tfstate.tflock');

      // One schedule period later the lock is still stale (metric, alarm) but not announced again.
      const later = await checkStaleLocks({ ...base, now: new Date(now.getTime() + 15 * MIN) });
      expect(later.stale).toHaveLength(1);
      expect(later.newlyStale).toEqual([]);
      expect(staleLockMessage(later)).toBeUndefined();
      const record = metricRecord(later) as any;
      expect(record.StaleLocks).toBe(1);
      expect(record.HeldLocks).toBe(3);
      expect(record.OldestLockAgeSeconds).toBe(2 * 3600 + 20 * 60);
      expect(record._aws.CloudWatchMetrics[0]).toEqual({
        Namespace: 'TerraformState',
        Dimensions: [['Bucket']],
        Metrics: [
          { Name: 'StaleLocks', Unit: 'Count' },
          { Name: 'HeldLocks', Unit: 'Count' },
          { Name: 'OldestLockAgeSeconds', Unit: 'Seconds' },
        ],
      });
    } finally {
      await fresh.unlock(id);
      fresh.destroy();
    }
  });

  test('the handler run logs one EMF record and publishes the message to the configured topic only when a lock became stale', async () => {
    const crashedAt = new Date(Date.now() - 90 * MIN);
    await be.rawPut('app/terraform.tfstate.tflock', marshalLockInfo(newLockInfo({ operation: 'OperationTypeApply', who: 'runner@ci-7', now: crashedAt })));
    const env = {
      TFSTATE_BUCKET: be.bucket,
      TFSTATE_LOCK_TABLE: be.table,
      TFSTATE_STALE_AFTER_SECONDS: '3600',
      TFSTATE_INTERVAL_SECONDS: '900',
      TFSTATE_TOPIC_ARN: 'arn:aws:sns:us-east-1:111111111111:alerts',
    };
    const published: string[][] = [];
    const logged: string[] = [];
    const deps = {
      env,
      s3: be.s3,
      dynamodb: be.dynamodb,
      publish: async (topic: string, subject: string, message: string) => { published.push([topic, subject, message]); },
      log: (line: string) => logged.push(line),
    };
    // 65 minutes old at this run: crossed the one-hour threshold within the last period.
    await runStaleLockCheck({ ...deps, now: new Date(crashedAt.getTime() + 65 * MIN) });
    expect(published).toHaveLength(1);
    expect(published[0][0]).toBe(env.TFSTATE_TOPIC_ARN);
    expect(published[0][2]).toMatch(/key=app\/terraform.tfstate workspace=default holder=runner@ci-7 operation=OperationTypeApply age=1h5m/);
    expect(JSON.parse(logged[0])).toMatchObject({ Bucket: be.bucket, StaleLocks: 1, HeldLocks: 1 });

    await runStaleLockCheck({ ...deps, now: new Date(crashedAt.getTime() + 85 * MIN) });
    expect(published).toHaveLength(1);
    expect(JSON.parse(logged[1])).toMatchObject({ StaleLocks: 1 });

    await be.s3.send(new DeleteObjectCommand({ Bucket: be.bucket, Key: 'app/terraform.tfstate.tflock' }));
    await runStaleLockCheck({ ...deps });
    expect(JSON.parse(logged[2])).toMatchObject({ StaleLocks: 0, HeldLocks: 0, OldestLockAgeSeconds: 0 });
  });

  test('the handler refuses a missing or non-positive threshold before any request', async () => {
    const deps = { s3: be.s3, publish: async () => undefined, log: () => undefined };
    await expect(runStaleLockCheck({ ...deps, env: { TFSTATE_STALE_AFTER_SECONDS: '3600', TFSTATE_INTERVAL_SECONDS: '900' } })).rejects.toThrow(/TFSTATE_BUCKET is not set/);
    await expect(runStaleLockCheck({ ...deps, env: { TFSTATE_BUCKET: be.bucket, TFSTATE_STALE_AFTER_SECONDS: '0', TFSTATE_INTERVAL_SECONDS: '900' } }))
      .rejects.toThrow(/TFSTATE_STALE_AFTER_SECONDS must be a positive number of seconds, got "0"/);
    be.s3Log.length = 0;
    await expect(runStaleLockCheck({ ...deps, env: { TFSTATE_BUCKET: be.bucket, TFSTATE_STALE_AFTER_SECONDS: '60' } })).rejects.toThrow(/TFSTATE_INTERVAL_SECONDS/);
    expect(be.s3Log).toEqual([]);
  });
});
