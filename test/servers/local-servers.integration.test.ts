import { DescribeTableCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, ListBucketsCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { createLockTable, createTestBucket, dynamoClient, s3Client, testServers, uniqueName } from '../support/servers';

describe('local test servers', () => {
  const s3 = s3Client();
  const other = s3Client({ other: true });
  const dynamodb = dynamoClient();
  afterAll(() => {
    s3.destroy();
    other.destroy();
    dynamodb.destroy();
  });

  test('listen on 127.0.0.1 only, in region us-east-1', () => {
    const servers = testServers();
    expect(new URL(servers.s3Endpoint).hostname).toBe('127.0.0.1');
    expect(new URL(servers.dynamodbEndpoint).hostname).toBe('127.0.0.1');
    expect(servers.region).toBe('us-east-1');
    expect(servers.accessKeyId).not.toBe(servers.otherAccessKeyId);
  });

  test('the main user creates buckets and round-trips objects with SigV4', async () => {
    const bucket = await createTestBucket();
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'a/b.tfstate', Body: Buffer.from('{"serial":1}') }));
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'a/b.tfstate' }));
    expect(await got.Body!.transformToString()).toBe('{"serial":1}');
    const listed = await s3.send(new ListBucketsCommand({}));
    expect(listed.Buckets?.map((b) => b.Name)).toContain(bucket);
  });

  test('the second user gets AccessDenied on the main user\'s bucket', async () => {
    const bucket = await createTestBucket();
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: Buffer.from('x') }));
    await expect(other.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' })))
      .rejects.toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
    await expect(other.send(new PutObjectCommand({ Bucket: bucket, Key: 'k2', Body: Buffer.from('x') })))
      .rejects.toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
  });

  test('a signature made with a wrong secret is rejected', async () => {
    const servers = testServers();
    const forged = s3Client({ config: { credentials: { accessKeyId: servers.accessKeyId, secretAccessKey: 'wrong' } } });
    try {
      await expect(forged.send(new ListBucketsCommand({}))).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });
    } finally {
      forged.destroy();
    }
  });

  test('createLockTable makes an on-demand table keyed by LockID', async () => {
    const table = await createLockTable();
    const described = await dynamodb.send(new DescribeTableCommand({ TableName: table }));
    expect(described.Table?.KeySchema).toEqual([{ AttributeName: 'LockID', KeyType: 'HASH' }]);
    expect(described.Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    expect(described.Table?.TableStatus).toBe('ACTIVE');
    await dynamodb.send(new PutItemCommand({ TableName: table, Item: { LockID: { S: 'b/k' } } }));
  });

  test('the second user sees the same DynamoDB tables (one shared database, like one account)', async () => {
    const table = await createLockTable();
    const otherDynamo = dynamoClient({ other: true });
    try {
      const described = await otherDynamo.send(new DescribeTableCommand({ TableName: table }));
      expect(described.Table?.TableName).toBe(table);
    } finally {
      otherDynamo.destroy();
    }
  });

  test('uniqueName gives distinct, bucket-safe names', () => {
    const names = new Set(Array.from({ length: 50 }, () => uniqueName('My_Prefix')));
    expect(names.size).toBe(50);
    for (const name of names) expect(name).toMatch(/^my-prefix-[a-z0-9]+-[0-9a-f]{8}$/);
    expect(uniqueName('x'.repeat(100)).length).toBeLessThanOrEqual(63);
  });
});
