import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { newBackend, ops, TestBackend } from './support';
import { isBucketNotFoundError, isLockReportError, listHeldLocks, staleLocks } from '../../src/client';
import { marshalLockInfo, newLockInfo } from '../../src/protocol/lock-info';

const HOUR = 3_600_000;

describe('lock report (bucket-wide held locks) on the local servers', () => {
  let be: TestBackend;
  beforeEach(async () => {
    be = await newBackend('both', { key: 'network/terraform.tfstate' });
  });
  afterEach(async () => {
    await be.destroy();
  });

  test('GIVEN locks taken by the client in two keys and workspaces THEN each is reported from the lock file and the lock item, with holder, operation, version and age', async () => {
    const network = be.client();
    const paymentsDev = be.client({ workspace: 'dev' }, { key: 'payments/terraform.tfstate' });
    const a = await network.lock({ operation: 'OperationTypeApply', who: 'ci@runner-1', version: '1.9.8' });
    const b = await paymentsDev.lock({ operation: 'OperationTypePlan', who: 'alice@laptop' });
    // A state object and a digest item exist too: neither is a lock.
    await network.writeState(Buffer.from('{"version":4,"terraform_version":"1.10.0","serial":1,"lineage":"l","outputs":{},"resources":[],"check_results":null}\n'));
    try {
      be.s3Log.length = 0;
      be.dynamoLog.length = 0;
      const now = new Date(Date.now() + 2 * HOUR);
      const report = await listHeldLocks({ s3: be.s3, dynamodb: be.dynamodb, bucket: be.bucket, lockTable: be.table, now });
      const summary = report.locks.map((l) => [l.source, l.key, l.workspace, l.lockInfo?.Who, l.lockInfo?.Operation, l.lockInfo?.ID]).sort();
      expect(summary).toEqual([
        ['dynamodb', 'network/terraform.tfstate', 'default', 'ci@runner-1', 'OperationTypeApply', a],
        ['dynamodb', 'payments/terraform.tfstate', 'dev', 'alice@laptop', 'OperationTypePlan', b],
        ['lockfile', 'network/terraform.tfstate', 'default', 'ci@runner-1', 'OperationTypeApply', a],
        ['lockfile', 'payments/terraform.tfstate', 'dev', 'alice@laptop', 'OperationTypePlan', b],
      ].sort());
      const fileLock = report.locks.find((l) => l.source === 'lockfile' && l.workspace === 'dev')!;
      expect(fileLock.stateKey).toBe('env:/dev/payments/terraform.tfstate');
      expect(fileLock.lockKey).toBe('env:/dev/payments/terraform.tfstate.tflock');
      const item = report.locks.find((l) => l.source === 'dynamodb' && l.workspace === 'default')!;
      expect(item.lockKey).toBe(`${be.bucket}/network/terraform.tfstate`);
      expect(item.lockInfo?.Version).toBe('1.9.8');
      for (const l of report.locks) {
        expect(l.ageMs).toBeGreaterThanOrEqual(2 * HOUR - 60_000);
        expect(l.ageMs).toBeLessThan(2 * HOUR + 60_000);
      }
      // Bounded cost: one list page, one GET per lock file, one scan page with a projection.
      expect(ops(be.s3Log)).toEqual(['ListObjectsV2', 'GetObject', 'GetObject']);
      expect(ops(be.dynamoLog)).toEqual(['Scan']);
      expect(be.dynamoLog[0].input.ProjectionExpression).toBe('#id, #info');
      expect(report.requests).toEqual({ listPages: 1, lockFileGets: 2, scanPages: 1 });
      expect(staleLocks(report, 3 * HOUR)).toEqual([]);
      expect(staleLocks(report, HOUR)).toHaveLength(4);
    } finally {
      await network.unlock(a);
      await paymentsDev.unlock(b);
      network.destroy();
    }
    const after = await listHeldLocks({ s3: be.s3, dynamodb: be.dynamodb, bucket: be.bucket, lockTable: be.table });
    expect(after.locks).toEqual([]);
  });

  test('a lock item of another bucket sharing the table is not reported; a broken lock file is reported with its problem and LastModified age', async () => {
    await be.dynamodb.send(new PutItemCommand({
      TableName: be.table,
      Item: { LockID: { S: 'some-other-bucket/x.tfstate' }, Info: { S: marshalLockInfo(newLockInfo({ operation: 'OperationTypeApply', who: 'x@y' })) } },
    }));
    await be.rawPut('broken/terraform.tfstate.tflock', 'not json');
    const report = await listHeldLocks({ s3: be.s3, dynamodb: be.dynamodb, bucket: be.bucket, lockTable: be.table });
    expect(report.locks).toHaveLength(1);
    expect(report.locks[0]).toMatchObject({ source: 'lockfile', key: 'broken/terraform.tfstate', workspace: 'default' });
    expect(report.locks[0].problem).toMatch(/not LockInfo JSON: invalid character/);
    expect(report.locks[0].lockInfo).toBeUndefined();
    expect(report.locks[0].ageMs).toBeLessThan(HOUR);
    await be.s3.send(new DeleteObjectCommand({ Bucket: be.bucket, Key: 'broken/terraform.tfstate.tflock' }));
    expect((await listHeldLocks({ s3: be.s3, dynamodb: be.dynamodb, bucket: be.bucket, lockTable: be.table })).locks).toEqual([]);
  });

  test('an old LockInfo Created decides the age, and keyPrefix limits the listing', async () => {
    const created = new Date(Date.now() - 26 * HOUR);
    await be.rawPut('teams/a/terraform.tfstate.tflock', marshalLockInfo(newLockInfo({ operation: 'OperationTypeApply', who: 'crashed@ci', now: created })));
    await be.rawPut('other/terraform.tfstate.tflock', marshalLockInfo(newLockInfo({ operation: 'OperationTypeApply', who: 'bob@host' })));
    const report = await listHeldLocks({ s3: be.s3, bucket: be.bucket, keyPrefix: 'teams/' });
    expect(report.locks.map((l) => l.lockInfo?.Who)).toEqual(['crashed@ci']);
    expect(report.locks[0].created?.toISOString()).toBe(created.toISOString());
    expect(report.locks[0].ageMs).toBeGreaterThanOrEqual(26 * HOUR);
    const all = await listHeldLocks({ s3: be.s3, bucket: be.bucket });
    // Oldest first.
    expect(all.locks.map((l) => l.lockInfo?.Who)).toEqual(['crashed@ci', 'bob@host']);
  });

  test('StateClient.listHeldLocks: the same report through the client\'s object store and DynamoDB client, every request counted', async () => {
    const network = be.client();
    const dev = be.client({ workspace: 'dev' }, { key: 'payments/terraform.tfstate' });
    const a = await network.lock({ operation: 'OperationTypeApply', who: 'ci@runner-1' });
    const b = await dev.lock({ operation: 'OperationTypePlan', who: 'alice@laptop' });
    try {
      const now = new Date(Date.now() + HOUR);
      const direct = await listHeldLocks({ s3: be.s3, dynamodb: be.dynamodb, bucket: be.bucket, lockTable: be.table, now });
      const own = be.client();
      try {
        const report = await own.listHeldLocks({ now });
        expect(report).toEqual(direct);
        expect(report.locks.map((l) => l.lockInfo?.ID).sort()).toEqual([a, a, b, b].sort());
        expect(own.requestCounts.s3).toEqual({ ListObjectsV2: 1, GetObject: 2 });
        expect(own.requestCounts.dynamodb).toEqual({ Scan: 1 });
        expect((await own.listHeldLocks({ keyPrefix: 'env:/' })).locks.map((l) => [l.source, l.lockInfo?.ID])).toEqual([['dynamodb', b], ['lockfile', b]]);
      } finally {
        own.destroy();
      }
    } finally {
      await network.unlock(a);
      await dev.unlock(b);
    }
  });

  test('StateClient.listHeldLocks reads SSE-C lock files with the configured key, and fails as listHeldLocks does', async () => {
    const key = '4Dm1n4rphuFgawxuzY/bEfvLf6rYK0gIjfaDSLlfXNk=';
    const sseC = be.client({}, { encrypt: true, sse_customer_key: key, dynamodb_table: undefined, use_lockfile: true });
    const id = await sseC.lock({ who: 'sse@c' });
    try {
      // Without the key the object cannot be read: the store applies it to every GET.
      await expect(listHeldLocks({ s3: be.s3, bucket: be.bucket })).rejects.toThrow(/Unable to read lock file "network\/terraform.tfstate.tflock"/);
      const report = await sseC.listHeldLocks();
      expect(report.locks.map((l) => [l.source, l.lockInfo?.ID, l.lockInfo?.Who])).toEqual([['lockfile', id, 'sse@c']]);
      expect(be.s3Log.filter((r) => r.op === 'GetObject').at(-1)?.headers['x-amz-server-side-encryption-customer-key']).toBe(key);
    } finally {
      await sseC.unlock(id);
    }
    expect(isBucketNotFoundError(await be.client({}, { bucket: `${be.bucket}-missing` }).listHeldLocks().catch((e: unknown) => e))).toBe(true);
    const noTable = await be.client({}, { dynamodb_table: `${be.table}-missing` }).listHeldLocks().catch((e: unknown) => e);
    expect(isLockReportError(noTable)).toBe(true);
    expect((noTable as Error).message).toMatch(/Unable to scan DynamoDB table .*table does not exist/);
  });

  test('fails with BucketNotFoundError for a missing bucket, LockReportError for a missing table, and stops on abort', async () => {
    const missing = await listHeldLocks({ s3: be.s3, bucket: `${be.bucket}-missing` }).catch((e: unknown) => e);
    expect(isBucketNotFoundError(missing)).toBe(true);
    const noTable = await listHeldLocks({ s3: be.s3, dynamodb: be.dynamodb, bucket: be.bucket, lockTable: `${be.table}-missing` }).catch((e: unknown) => e);
    expect(isLockReportError(noTable)).toBe(true);
    expect((noTable as Error).message).toMatch(/Unable to scan DynamoDB table .*table does not exist/);
    await expect(listHeldLocks({ s3: be.s3, bucket: be.bucket, lockTable: 't' })).rejects.toThrow(/without a DynamoDB client/);
    const controller = new AbortController();
    controller.abort();
    await expect(listHeldLocks({ s3: be.s3, bucket: be.bucket, signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' });
  });
});
