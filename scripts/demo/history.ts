/**
 * The attributed-history step of `npm run demo` (scripts/demo.ts calls it right after "History, diff
 * and restore"): a `terraform apply` by someone else is simulated with the requests Terraform's S3
 * backend makes (lock file PUT with its LockInfo, state PUT without metadata, lock file DELETE), then
 * `tfstate history` names the writer of every version: tfstate's own writes from their metadata, the
 * Terraform apply from the `.tflock` version it held.
 */
import { createHash } from 'node:crypto';
import { type DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';

/** What the demo gives this step. */
export interface HistoryDemoContext {
  /** Runs `tfstate ARGS` (with the demo's -chdir and local overrides) and prints the command and its output. */
  readonly tfstate: (args: string[], input?: string) => { code: number | null; stdout: string };
  /** Prints a numbered heading. */
  readonly heading: (title: string) => void;
  /** The demo's S3 client and bucket (versioned). */
  readonly s3: S3Client;
  readonly bucket: string;
  /** The state key of the workspace shown (`env:/dev/...`). */
  readonly stateKey: string;
  /** The demo's DynamoDB client and lock table: Terraform stores the state's digest there after its write. */
  readonly dynamodb: DynamoDBClient;
  readonly table: string;
}

export async function historyDemo(ctx: HistoryDemoContext): Promise<void> {
  const { tfstate, heading, s3, bucket, stateKey } = ctx;
  heading('Attributed history: who wrote each version');
  // S3 LastModified has one-second resolution: the apply starts in a second of its own, after the
  // restore's unlock, so that exactly one lock version covers its write.
  await new Promise((r) => setTimeout(r, 1100));
  const current = JSON.parse(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: stateKey }))).Body!.transformToString());
  const lockKey = `${stateKey}.tflock`;
  const lockInfo = {
    ID: '3b5e2c1a-9d8f-4e7a-b6c5-d4e3f2a1b0c9',
    Operation: 'OperationTypeApply',
    Info: '',
    Who: 'jenkins@ci-runner-7',
    Version: '1.10.5',
    Created: new Date().toISOString(),
    Path: `${bucket}/${stateKey}`,
  };
  process.stdout.write('Terraform (as jenkins@ci-runner-7) applies: lock file PUT, state PUT without metadata, digest PutItem, lock file DELETE.\n');
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: lockKey, Body: JSON.stringify(lockInfo), IfNoneMatch: '*', ContentType: 'application/json' }));
  const next = { ...current, serial: current.serial + 1, outputs: { ...current.outputs, release: { value: 'v3', type: 'string' } } };
  const body = JSON.stringify(next, undefined, 2) + '\n';
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: stateKey, Body: body, ContentType: 'application/json' }));
  // With dynamodb_table, Terraform's Put stores the MD5 of what it wrote as the `-md5` item's Digest.
  const digest = createHash('md5').update(body).digest('hex');
  await ctx.dynamodb.send(new PutItemCommand({ TableName: ctx.table, Item: { LockID: { S: `${bucket}/${stateKey}-md5` }, Digest: { S: digest } } }));
  await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: lockKey }));

  process.stdout.write('tfstate\'s own writes carry the lock holder in metadata; Terraform\'s are named from the .tflock version it held:\n');
  tfstate(['history', '-workspace', 'dev']);
  const rows = JSON.parse(tfstate(['history', '-json', '-workspace', 'dev']).stdout) as Array<{ writer?: unknown }>;
  process.stdout.write(`${rows.length} versions; the newest one's writer: ${JSON.stringify(rows[0]?.writer)}\n`);
}
