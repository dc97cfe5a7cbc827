import { randomBytes } from 'node:crypto';
import { CreateTableCommand, DynamoDBClient, DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, PutBucketVersioningCommand, S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import { LOCK_TABLE_PARTITION_KEY } from '../../src/protocol/constants';
import type { LocalServers } from '../setup/local-servers';

export type { LocalServers } from '../setup/local-servers';

const SERVERS_ENV = 'TFSTATE_TEST_SERVERS';

/**
 * The local servers of this test run, from `TFSTATE_TEST_SERVERS` (set by the jest global setup).
 */
export function testServers(): LocalServers {
  const raw = process.env[SERVERS_ENV];
  if (!raw) {
    throw new Error(`${SERVERS_ENV} is not set: the local test servers are started by jest's globalSetup `
      + '(test/setup/global-setup.ts, wired in package.json). Run tests with `npx jest`, not a bare ts-node; '
      + 'to reuse running servers, start `npm run servers` and export the TFSTATE_TEST_SERVERS_FILE it prints.');
  }
  try {
    return JSON.parse(raw) as LocalServers;
  } catch (error) {
    throw new Error(`${SERVERS_ENV} is not valid JSON (${(error as Error).message}); unset it and let the jest global setup set it.`);
  }
}

/** Options of {@link s3Client} and {@link dynamoClient}. */
export interface TestClientOptions {
  /**
   * Sign as the second user, who has no access to the main user's buckets.
   * @default false
   */
  other?: boolean;
  /**
   * Extra SDK configuration, applied last.
   * @default - none
   */
  config?: Record<string, unknown>;
}

/**
 * SDK settings that make an S3 client work against the local Ceph RGW.
 *
 * Path-style because RGW has no wildcard DNS here. Request checksums `WHEN_REQUIRED` because the
 * SDK's default (`WHEN_SUPPORTED`) sends stream bodies as `aws-chunked` with a trailing checksum,
 * which RGW 16 rejects with 411 MissingContentLength; Buffer and string bodies work either way.
 * Response validation stays at the SDK default: RGW sends no checksums, and the SDK then skips
 * validation. See test/servers/s3-sdk-compat.test.ts.
 */
export function s3Config(servers: LocalServers = testServers(), opts: TestClientOptions = {}): S3ClientConfig {
  return {
    endpoint: servers.s3Endpoint,
    region: servers.region,
    forcePathStyle: true,
    credentials: opts.other
      ? { accessKeyId: servers.otherAccessKeyId, secretAccessKey: servers.otherSecretAccessKey }
      : { accessKeyId: servers.accessKeyId, secretAccessKey: servers.secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    ...opts.config,
  };
}

/** SDK settings for DynamoDB Local. */
export function dynamoConfig(servers: LocalServers = testServers(), opts: TestClientOptions = {}): DynamoDBClientConfig {
  return {
    endpoint: servers.dynamodbEndpoint,
    region: servers.region,
    credentials: opts.other
      ? { accessKeyId: servers.otherAccessKeyId, secretAccessKey: servers.otherSecretAccessKey }
      : { accessKeyId: servers.accessKeyId, secretAccessKey: servers.secretAccessKey },
    ...opts.config,
  };
}

/** A new S3 client for the local RGW; the caller destroys it. */
export function s3Client(opts: TestClientOptions = {}): S3Client {
  return new S3Client(s3Config(testServers(), opts));
}

/** A new DynamoDB client for DynamoDB Local; the caller destroys it. */
export function dynamoClient(opts: TestClientOptions = {}): DynamoDBClient {
  return new DynamoDBClient(dynamoConfig(testServers(), opts));
}

/**
 * A name unique across test files, workers and concurrent runs, valid as an S3 bucket name and a
 * DynamoDB table name: lowercase letters, digits and dashes, at most 63 characters.
 */
export function uniqueName(prefix: string): string {
  const clean = prefix.toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'test';
  return `${clean}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

/** Options of {@link createTestBucket}. */
export interface CreateTestBucketOptions {
  /**
   * Enable versioning (Terraform's recommended bucket setup).
   * @default false
   */
  versioned?: boolean;
  /**
   * Name prefix.
   * @default 'tfstate-test'
   */
  prefix?: string;
}

/** Creates a bucket owned by the main user and returns its unique name. */
export async function createTestBucket(opts: CreateTestBucketOptions = {}): Promise<string> {
  const bucket = uniqueName(opts.prefix ?? 'tfstate-test');
  const s3 = s3Client();
  try {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    if (opts.versioned) {
      await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
    }
  } finally {
    s3.destroy();
  }
  return bucket;
}

/**
 * Creates an on-demand DynamoDB table keyed like Terraform's lock table (`LockID`, string) and
 * returns its unique name. DynamoDB Local creates tables synchronously, so it is usable at once.
 */
export async function createLockTable(prefix = 'tfstate-locks'): Promise<string> {
  const table = uniqueName(prefix);
  const dynamodb = dynamoClient();
  try {
    await dynamodb.send(new CreateTableCommand({
      TableName: table,
      AttributeDefinitions: [{ AttributeName: LOCK_TABLE_PARTITION_KEY, AttributeType: 'S' }],
      KeySchema: [{ AttributeName: LOCK_TABLE_PARTITION_KEY, KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }));
  } finally {
    dynamodb.destroy();
  }
  return table;
}
