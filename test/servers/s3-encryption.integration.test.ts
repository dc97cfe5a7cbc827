import { createHash, randomBytes } from 'node:crypto';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { createTestBucket, s3Client, testServers } from '../support/servers';

/**
 * Server-side encryption as Terraform's `sse_customer_key` (SSE-C) and `kms_key_id` (SSE-KMS) use
 * it, over plain http (RGW runs with `rgw crypt require ssl = false`).
 */
describe('S3 server-side encryption on Ceph RGW', () => {
  const s3 = s3Client();
  afterAll(() => s3.destroy());

  function customerKey() {
    const key = randomBytes(32);
    return {
      SSECustomerAlgorithm: 'AES256',
      SSECustomerKey: key.toString('base64'),
      SSECustomerKeyMD5: createHash('md5').update(key).digest('base64'),
    };
  }

  describe('SSE-C (customer key)', () => {
    test('round-trips an object with the same key and reports AES256', async () => {
      const bucket = await createTestBucket();
      const key = customerKey();
      const body = '{"version":4,"serial":7}';
      const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'state', Body: Buffer.from(body), ...key }));
      expect(put.SSECustomerAlgorithm).toBe('AES256');
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'state', ...key }));
      expect(got.SSECustomerAlgorithm).toBe('AES256');
      expect(got.SSECustomerKeyMD5).toBe(key.SSECustomerKeyMD5);
      expect(await got.Body!.transformToString()).toBe(body);
    });

    test('the SDK computes the key MD5 when only the key is given', async () => {
      const bucket = await createTestBucket();
      const { SSECustomerAlgorithm, SSECustomerKey } = customerKey();
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'state', Body: Buffer.from('x'), SSECustomerAlgorithm, SSECustomerKey }));
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'state', SSECustomerAlgorithm, SSECustomerKey }));
      expect(await got.Body!.transformToString()).toBe('x');
    });

    test('reading without the key fails with 400 (as on AWS)', async () => {
      const bucket = await createTestBucket();
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'state', Body: Buffer.from('x'), ...customerKey() }));
      await expect(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'state' })))
        .rejects.toMatchObject({ $metadata: { httpStatusCode: 400 } });
    });

    test('DEVIATION: reading with another key fails with 400 InvalidArgument (AWS: 403 AccessDenied); treat both as "wrong key"', async () => {
      const bucket = await createTestBucket();
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'state', Body: Buffer.from('x'), ...customerKey() }));
      await expect(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'state', ...customerKey() })))
        .rejects.toMatchObject({ name: 'InvalidArgument', $metadata: { httpStatusCode: 400 } });
    });
  });

  describe('SSE-KMS (testing KMS backend)', () => {
    test('round-trips an object under the configured ARN-shaped key and reports it', async () => {
      const { kmsKeyId } = testServers();
      expect(kmsKeyId).toMatch(/^arn:aws:kms:us-east-1:\d{12}:key\//);
      const bucket = await createTestBucket();
      const put = await s3.send(new PutObjectCommand({
        Bucket: bucket, Key: 'state', Body: Buffer.from('{"serial":1}'), ServerSideEncryption: 'aws:kms', SSEKMSKeyId: kmsKeyId,
      }));
      expect(put.ServerSideEncryption).toBe('aws:kms');
      expect(put.SSEKMSKeyId).toBe(kmsKeyId);
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'state' }));
      expect(got.ServerSideEncryption).toBe('aws:kms');
      expect(got.SSEKMSKeyId).toBe(kmsKeyId);
      expect(await got.Body!.transformToString()).toBe('{"serial":1}');
    });

    test('DEVIATION: aws:kms without a key ID fails with 400 (AWS: uses the aws/s3 managed key); always pass kmsKeyId', async () => {
      const bucket = await createTestBucket();
      await expect(s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'state', Body: Buffer.from('x'), ServerSideEncryption: 'aws:kms' })))
        .rejects.toMatchObject({ $metadata: { httpStatusCode: 400 } });
    });

    test('DEVIATION: an unknown key ID fails with 403 InvalidAccessKeyId (AWS: 400 KMS.NotFoundException)', async () => {
      const bucket = await createTestBucket();
      await expect(s3.send(new PutObjectCommand({
        Bucket: bucket, Key: 'state', Body: Buffer.from('x'), ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'no-such-key',
      }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });
    });
  });

  test('DEVIATION: SSE-S3 (AES256, Terraform\'s `encrypt = true` without a KMS key) is accepted but not echoed back (AWS: ServerSideEncryption AES256)', async () => {
    const bucket = await createTestBucket();
    const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'state', Body: Buffer.from('x'), ServerSideEncryption: 'AES256' }));
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'state' }));
    expect(head.ContentLength).toBe(1);
    expect(put.ServerSideEncryption).toBeUndefined();
    expect(head.ServerSideEncryption).toBeUndefined();
  });
});
