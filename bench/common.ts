import { createReadStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  AbortMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListMultipartUploadsCommand,
  ListObjectVersionsCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { S3BackendConfig, StateClient, StateClientOptions } from '../src/client';
import type { LocalServers } from '../test/setup/local-servers';

export type Mode = 'lockfile' | 'dynamodb' | 'both';
export const MODES: readonly Mode[] = ['lockfile', 'dynamodb', 'both'];

/** Backend attributes for the local servers, as a user would write them. */
export function backendConfig(
  servers: LocalServers,
  bucket: string,
  mode: Mode,
  table: string | undefined,
  key = 'bench/terraform.tfstate',
  endpoints: { s3: string; dynamodb: string } = { s3: servers.s3Endpoint, dynamodb: servers.dynamodbEndpoint },
): S3BackendConfig {
  return {
    bucket,
    key,
    region: servers.region,
    access_key: servers.accessKeyId,
    secret_key: servers.secretAccessKey,
    // STS is not part of the local servers; Terraform's per-run STS call is listed separately.
    skip_credentials_validation: true,
    use_path_style: true,
    endpoints,
    ...(mode !== 'dynamodb' ? { use_lockfile: true } : {}),
    ...(mode !== 'lockfile' ? { dynamodb_table: table } : {}),
  };
}

export function newClient(
  servers: LocalServers, bucket: string, mode: Mode, table: string | undefined, options: StateClientOptions = {},
): StateClient {
  return StateClient.fromConfig(backendConfig(servers, bucket, mode, table), { env: {}, ...options });
}

/** SDK clients configured exactly as the StateClient builds them, for the hand-written baseline. */
export function rawClients(servers: LocalServers): { s3: S3Client; dynamodb: DynamoDBClient } {
  const credentials = { accessKeyId: servers.accessKeyId, secretAccessKey: servers.secretAccessKey };
  return {
    s3: new S3Client({ region: servers.region, endpoint: servers.s3Endpoint, forcePathStyle: true, credentials, maxAttempts: 5 }),
    dynamodb: new DynamoDBClient({ region: servers.region, endpoint: servers.dynamodbEndpoint, credentials, maxAttempts: 5 }),
  };
}

/** The streaming API of the client, as exposed by `StateClient`. */
export interface StreamingApi {
  pushStateFromFile(path: string, options?: { force?: boolean }): Promise<unknown>;
  pullStateToStream(destination: Writable): Promise<unknown>;
  readOutputs(): Promise<unknown>;
}

export function streamingApi(client: StateClient): StreamingApi {
  const c = client as unknown as Partial<StreamingApi>;
  if (typeof c.pushStateFromFile !== 'function' || typeof c.pullStateToStream !== 'function') {
    throw new Error('StateClient has no pushStateFromFile/pullStateToStream: the streaming API is not wired into the facade');
  }
  return c as StreamingApi;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function fileStream(path: string) {
  return createReadStream(path);
}

/** Deletes every object version, open multipart upload and then the bucket (RGW caps buckets per user). */
export async function deleteBucket(s3: S3Client, bucket: string): Promise<void> {
  for (;;) {
    const page = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
    const objects = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].map((v) => ({ Key: v.Key!, VersionId: v.VersionId }));
    if (objects.length === 0) break;
    await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects, Quiet: true } }));
  }
  const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
  for (const u of uploads.Uploads ?? []) {
    await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: u.Key!, UploadId: u.UploadId! }));
  }
  await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
}

/** Deletes a DynamoDB table. */
export async function deleteTable(dynamodb: DynamoDBClient, table: string): Promise<void> {
  await dynamodb.send(new DeleteTableCommand({ TableName: table }));
}
