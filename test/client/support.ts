import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteBucketCommand, DeleteObjectsCommand, GetObjectCommand, HeadObjectCommand, ListObjectVersionsCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { S3BackendConfig, StateClient, StateClientOptions } from '../../src/client';
import { createLockTable, createTestBucket, dynamoClient, s3Client, testServers } from '../support/servers';

/** The three locking modes the conformance suite runs against. */
export type LockMode = 'lockfile' | 'dynamodb' | 'both';
export const LOCK_MODES: readonly LockMode[] = ['lockfile', 'dynamodb', 'both'];

/** One request as it left the SDK (after signing): operation, input and HTTP headers. */
export interface CapturedRequest {
  readonly op: string;
  readonly input: Record<string, any>;
  readonly headers: Record<string, string>;
  readonly method: string;
}

/**
 * Records every request a client sends, with its final headers, by a middleware on the real call
 * (no mock): the request still goes to the local server.
 */
export function capture(client: S3Client | DynamoDBClient): CapturedRequest[] {
  const log: CapturedRequest[] = [];
  (client.middlewareStack as { add(m: unknown, o: unknown): void }).add((next: any, context: any) => async (args: any) => {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(args.request?.headers ?? {})) headers[k.toLowerCase()] = String(v);
    log.push({ op: String(context.commandName).replace(/Command$/, ''), input: args.input, headers, method: args.request?.method });
    return next(args);
  }, { step: 'finalizeRequest', priority: 'low', name: 'testCapture' });
  return log;
}

/** A backend on fresh resources: bucket (unversioned unless asked) and, for DynamoDB modes, a table. */
export interface TestBackend {
  readonly bucket: string;
  readonly table?: string;
  readonly config: S3BackendConfig;
  readonly s3: S3Client;
  readonly dynamodb: DynamoDBClient;
  readonly s3Log: CapturedRequest[];
  readonly dynamoLog: CapturedRequest[];
  /** A client on the caller-provided (captured) SDK clients. */
  client(options?: StateClientOptions, config?: Partial<S3BackendConfig>): StateClient;
  /** Raw S3 GET: body bytes and headers, `undefined` when missing. */
  rawGet(key: string, extra?: Record<string, string>): Promise<{ body: Buffer; contentType?: string; etag?: string } | undefined>;
  rawPut(key: string, body: string | Buffer): Promise<void>;
  rawExists(key: string): Promise<boolean>;
  /** Deletes every object version, the bucket and the table, then destroys the SDK clients. */
  destroy(): Promise<void>;
}

export async function newBackend(mode: LockMode | 'none', opts: { versioned?: boolean; key?: string; config?: Partial<S3BackendConfig> } = {}): Promise<TestBackend> {
  const bucket = await createTestBucket({ versioned: opts.versioned ?? false, prefix: 'client' });
  const table = mode === 'dynamodb' || mode === 'both' ? await createLockTable('client-locks') : undefined;
  const s3 = s3Client();
  const dynamodb = dynamoClient();
  const s3Log = capture(s3);
  const dynamoLog = capture(dynamodb);
  const config: S3BackendConfig = {
    bucket,
    key: opts.key ?? 'path/to/terraform.tfstate',
    region: testServers().region,
    skip_credentials_validation: true,
    ...(mode === 'lockfile' || mode === 'both' ? { use_lockfile: true } : {}),
    ...(table ? { dynamodb_table: table } : {}),
    ...opts.config,
  };
  return {
    bucket,
    table,
    config,
    s3,
    dynamodb,
    s3Log,
    dynamoLog,
    client: (options = {}, extra = {}) => StateClient.fromConfig({ ...config, ...extra }, { s3, dynamodb, env: {}, ...options }),
    rawGet: async (key, extra = {}) => {
      try {
        const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, ...extra }));
        return { body: Buffer.from(await out.Body!.transformToByteArray()), contentType: out.ContentType, etag: out.ETag };
      } catch (e: any) {
        if (e.name === 'NoSuchKey') return undefined;
        throw e;
      }
    },
    rawPut: async (key, body) => {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: typeof body === 'string' ? Buffer.from(body) : body }));
    },
    rawExists: async (key) => {
      try {
        await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
        return true;
      } catch (e: any) {
        if (e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404) return false;
        throw e;
      }
    },
    destroy: async () => {
      try {
        await emptyAndDeleteBucket(s3, bucket);
        if (table) await dynamodb.send(new DeleteTableCommand({ TableName: table }));
      } finally {
        s3.destroy();
        dynamodb.destroy();
      }
    },
  };
}

/** Removes every version and delete marker, then the bucket (RGW limits buckets per user). */
async function emptyAndDeleteBucket(s3: S3Client, bucket: string): Promise<void> {
  for (;;) {
    const page = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
    const objects = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].map((v) => ({ Key: v.Key!, VersionId: v.VersionId }));
    if (objects.length === 0) break;
    await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects } }));
  }
  await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
}

/**
 * The once-per-client conditional-delete probe (a DeleteObject of a missing scratch key; its own
 * tests are in lock-cycle.integration.test.ts), left out of {@link ops} so that sequences read as
 * the operation under test.
 */
export function isProbe(r: CapturedRequest): boolean {
  return String(r.input?.Key ?? '').endsWith('.if-match-probe');
}

/** Operations in a captured log, in order, without the conditional-delete probe. */
export function ops(log: readonly CapturedRequest[]): string[] {
  return log.filter((r) => !isProbe(r)).map((r) => r.op);
}

/** Terraform's empty state (§6 of the reference), 181 bytes. */
export const TF_EMPTY_STATE = '{\n  "version": 4,\n  "terraform_version": "1.10.0",\n  "serial": 1,\n  "lineage": "0e4b3a1c-1111-2222-3333-444455556666",\n  "outputs": {},\n  "resources": [],\n  "check_results": null\n}\n';

/** LockInfo vector 16 (215 bytes). */
export const LOCK_VECTOR = '{"ID":"a1b2c3d4-e5f6-0718-293a-4b5c6d7e8f90","Operation":"OperationTypeApply","Info":"","Who":"alice@host1","Version":"1.10.0","Created":"2025-01-02T03:04:05.123456789Z","Path":"b/path/to/terraform.tfstate"}';

/** A state with one output and one resource, at `serial`, lineage `lineage`. */
export function stateWith(lineage: string, serial: number, value = 'v'): string {
  return JSON.stringify({
    version: 4,
    terraform_version: '1.10.0',
    serial,
    lineage,
    outputs: { out: { value, type: 'string' } },
    resources: [{ mode: 'managed', type: 'null_resource', name: 'a', provider: 'provider["registry.terraform.io/hashicorp/null"]', instances: [{ schema_version: 0, attributes: { id: value } }] }],
    check_results: null,
  }, null, 2) + '\n';
}
