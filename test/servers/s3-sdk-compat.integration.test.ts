import { Readable } from 'node:stream';
import {
  DeleteObjectsCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client,
} from '@aws-sdk/client-s3';
import { createTestBucket, s3Client, s3Config, testServers } from '../support/servers';

/**
 * Which AWS SDK v3 defaults work against Ceph RGW 16, and why `s3Config()` sets what it sets.
 * The runtime client should behave the same with the SDK defaults and with these settings.
 */
describe('AWS SDK v3 defaults against Ceph RGW', () => {
  const tuned = s3Client();
  // The SDK warns on console when a streaming request fails; collected here instead of printed.
  const warnings: string[] = [];
  const ignore = () => undefined;
  // Only the connection settings: checksum behaviour left at the SDK's defaults.
  const defaults = new S3Client({
    endpoint: testServers().s3Endpoint,
    region: testServers().region,
    forcePathStyle: true,
    credentials: s3Config().credentials,
    logger: { debug: ignore, info: ignore, warn: (msg: unknown) => warnings.push(String(msg)), error: ignore },
  });
  afterAll(() => {
    tuned.destroy();
    defaults.destroy();
  });

  test('test clients use path-style, the local endpoint and request checksums only when required', () => {
    const config = s3Config();
    expect(config).toMatchObject({
      forcePathStyle: true,
      endpoint: testServers().s3Endpoint,
      region: 'us-east-1',
      requestChecksumCalculation: 'WHEN_REQUIRED',
    });
    expect(config.responseChecksumValidation).toBeUndefined();
  });

  test('default checksums: Buffer and string bodies are accepted, and GET validates nothing RGW did not send', async () => {
    const bucket = await createTestBucket();
    await defaults.send(new PutObjectCommand({ Bucket: bucket, Key: 'buffer', Body: Buffer.from('{"serial":1}') }));
    await defaults.send(new PutObjectCommand({ Bucket: bucket, Key: 'string', Body: '{"serial":2}' }));
    const got = await defaults.send(new GetObjectCommand({ Bucket: bucket, Key: 'buffer' }));
    expect(await got.Body!.transformToString()).toBe('{"serial":1}');
  });

  test('DEVIATION: default checksums make stream bodies fail with 411 MissingContentLength (AWS accepts aws-chunked trailers)', async () => {
    const bucket = await createTestBucket();
    await expect(defaults.send(new PutObjectCommand({
      Bucket: bucket, Key: 'stream', Body: Readable.from([Buffer.from('abc')]), ContentLength: 3,
    }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 411 } });
    expect(warnings).toEqual(['An error was encountered in a non-retryable streaming request.']);
  });

  test('requestChecksumCalculation WHEN_REQUIRED makes stream bodies work', async () => {
    const bucket = await createTestBucket();
    await tuned.send(new PutObjectCommand({ Bucket: bucket, Key: 'stream', Body: Readable.from([Buffer.from('abc')]), ContentLength: 3 }));
    const got = await tuned.send(new GetObjectCommand({ Bucket: bucket, Key: 'stream' }));
    expect(await got.Body!.transformToString()).toBe('abc');
  });

  test('DeleteObjects (which needs a body checksum) works with both settings', async () => {
    const bucket = await createTestBucket();
    for (const client of [defaults, tuned]) {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'a', Body: Buffer.from('a') }));
      const res = await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: [{ Key: 'a' }] } }));
      expect(res.Errors ?? []).toEqual([]);
      const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
      expect(listed.KeyCount).toBe(0);
    }
  });

  test('a wrong Content-MD5 is rejected with 400 BadDigest', async () => {
    const bucket = await createTestBucket();
    await expect(tuned.send(new PutObjectCommand({
      Bucket: bucket, Key: 'k', Body: Buffer.from('abc'), ContentMD5: Buffer.alloc(16).toString('base64'),
    }))).rejects.toMatchObject({ name: 'BadDigest', $metadata: { httpStatusCode: 400 } });
  });

  test('DEVIATION: a wrong x-amz-checksum-sha256 is accepted (AWS: 400 BadDigest); integrity tests must use Content-MD5', async () => {
    const bucket = await createTestBucket();
    await tuned.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: Buffer.from('abc'), ChecksumSHA256: Buffer.alloc(32).toString('base64') }));
    const got = await tuned.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' }));
    expect(await got.Body!.transformToString()).toBe('abc');
  });
});
