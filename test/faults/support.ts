import { GetItemCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { backendConfig, deleteBucket, deleteTable } from '../../bench/common';
import { S3BackendConfig, StateClient, StateClientOptions } from '../../src/client';
import { FaultProxy } from '../support/fault-proxy';
import { createLockTable, createTestBucket, dynamoClient, s3Client, testServers } from '../support/servers';

export type FaultMode = 'lockfile' | 'dynamodb' | 'both';

/** A backend on fresh resources whose clients talk through fault proxies; raw clients go direct. */
export interface FaultBackend {
  readonly bucket: string;
  readonly table?: string;
  readonly key: string;
  readonly s3Proxy: FaultProxy;
  readonly dynamoProxy: FaultProxy;
  /** Direct (unproxied) SDK clients for checking what really happened. */
  readonly rawS3: S3Client;
  readonly rawDynamo: DynamoDBClient;
  /** A client that builds its own SDK clients (Terraform's retry settings) behind the proxies. */
  client(options?: StateClientOptions, config?: Partial<S3BackendConfig>): StateClient;
  rawGet(key: string): Promise<Buffer | undefined>;
  rawPut(key: string, body: string | Buffer): Promise<void>;
  rawDelete(key: string): Promise<void>;
  rawLockItem(): Promise<string | undefined>;
  close(): Promise<void>;
}

export async function faultBackend(mode: FaultMode): Promise<FaultBackend> {
  const servers = testServers();
  const bucket = await createTestBucket({ prefix: 'faults' });
  const table = mode === 'lockfile' ? undefined : await createLockTable('faults-locks');
  const s3Proxy = await FaultProxy.start(servers.s3Endpoint);
  const dynamoProxy = await FaultProxy.start(servers.dynamodbEndpoint);
  const rawS3 = s3Client();
  const rawDynamo = dynamoClient();
  const key = 'app/terraform.tfstate';
  const clients: StateClient[] = [];
  const config = backendConfig(servers, bucket, mode, table, key, { s3: s3Proxy.url, dynamodb: dynamoProxy.url });
  return {
    bucket,
    table,
    key,
    s3Proxy,
    dynamoProxy,
    rawS3,
    rawDynamo,
    client: (options = {}, extra = {}) => {
      const c = StateClient.fromConfig({ ...config, ...extra }, {
        env: {},
        digestRetry: { pollIntervalMs: 50, timeoutMs: 200 },
        lockRetry: { initialDelayMs: 20, maxDelayMs: 100 },
        ...options,
      });
      clients.push(c);
      return c;
    },
    rawGet: async (k) => {
      try {
        const out = await rawS3.send(new GetObjectCommand({ Bucket: bucket, Key: k }));
        return Buffer.from(await out.Body!.transformToByteArray());
      } catch (e: any) {
        if (e?.name === 'NoSuchKey') return undefined;
        throw e;
      }
    },
    rawPut: async (k, body) => {
      await rawS3.send(new PutObjectCommand({ Bucket: bucket, Key: k, Body: body }));
    },
    rawDelete: async (k) => {
      await rawS3.send(new DeleteObjectCommand({ Bucket: bucket, Key: k }));
    },
    rawLockItem: async () => {
      if (!table) return undefined;
      const out = await rawDynamo.send(new GetItemCommand({ TableName: table, Key: { LockID: { S: `${bucket}/${key}` } }, ConsistentRead: true }));
      return out.Item?.Info?.S;
    },
    close: async () => {
      for (const c of clients) c.destroy();
      await deleteBucket(rawS3, bucket);
      if (table) await deleteTable(rawDynamo, table);
      rawS3.destroy();
      rawDynamo.destroy();
      await s3Proxy.close();
      await dynamoProxy.close();
    },
  };
}
