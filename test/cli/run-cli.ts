import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { DeleteBucketCommand, DeleteObjectsCommand, ListObjectVersionsCommand } from '@aws-sdk/client-s3';
import { createLockTable, createTestBucket, dynamoClient, s3Client, testServers } from '../support/servers';

/** The compiled CLI, as the package's `bin` runs it. */
export const CLI = path.join(__dirname, '..', '..', 'lib', 'cli', 'main.js');

/** Fails the suite with a clear message when the CLI has not been compiled. */
export function requireCompiledCli(): void {
  if (!existsSync(CLI)) {
    throw new Error(`${CLI} does not exist: the CLI tests run the compiled binary. Run \`npx projen compile\` first.`);
  }
}

/** What a CLI run produced. */
export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options of `runCli`. */
export interface RunCliOptions {
  readonly env?: Record<string, string | undefined>;
  readonly input?: string | Buffer;
  readonly cwd?: string;
  /** Leave the local servers out of the environment (for runs that must not reach a backend). */
  readonly noServers?: boolean;
}

/** The environment pointing the AWS SDK at the local servers. */
export function serverEnv(): Record<string, string> {
  const s = testServers();
  return {
    AWS_ENDPOINT_URL_S3: s.s3Endpoint,
    AWS_ENDPOINT_URL_DYNAMODB: s.dynamodbEndpoint,
    AWS_ACCESS_KEY_ID: s.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s.secretAccessKey,
    AWS_REGION: s.region,
  };
}

/**
 * The environment of a CLI run: the tests decide the workspace and AWS settings (nothing leaks in from
 * the developer's shell), the local servers unless `noServers`, then `extra`.
 */
export function cliEnv(extra: Record<string, string | undefined> = {}, noServers = false): NodeJS.ProcessEnv {
  const base: Record<string, string | undefined> = { ...process.env };
  for (const k of Object.keys(base)) {
    if (k.startsWith('AWS_') || k === 'TF_WORKSPACE') delete base[k];
  }
  return { ...base, ...(noServers ? {} : serverEnv()), ...extra, AWS_EC2_METADATA_DISABLED: 'true' } as NodeJS.ProcessEnv;
}

/** Runs `node lib/cli/main.js ...args` as a subprocess. */
export function runCli(args: readonly string[], opts: RunCliOptions = {}): Promise<CliResult> {
  const env = cliEnv(opts.env, opts.noServers);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env, cwd: opts.cwd });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c) => out.push(c));
    child.stderr.on('data', (c) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
    child.stdin.end(opts.input ?? '');
  });
}

/**
 * Runs the CLI on a pseudo-terminal (util-linux `script`, Debian's bsdutils) whose input ends at
 * once: what a user at a terminal sees, stdout and stderr together, as `output`.
 */
export function runCliOnTerminal(args: readonly string[], opts: Pick<RunCliOptions, 'noServers'> = {}): Promise<{ code: number | null; output: string }> {
  const quote = (a: string) => `'${a.replace(/'/g, "'\\''")}'`;
  const command = [process.execPath, CLI, ...args].map(quote).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', command, '/dev/null'], { env: cliEnv({}, opts.noServers), stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    // script(1) writes what the terminal shows on stdout; its own stderr (a failure of script itself) is kept too.
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => out.push(c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output: Buffer.concat(out).toString('utf8') }));
  });
}

/** `-backend-config` arguments for a bucket on the local servers (no STS there). */
export function backendArgs(attrs: Record<string, string | boolean>): string[] {
  const all: Record<string, string | boolean> = { use_path_style: true, skip_credentials_validation: true, ...attrs };
  return Object.entries(all).flatMap(([k, v]) => ['-backend-config', `${k}=${v}`]);
}

const createdBuckets: string[] = [];
const createdTables: string[] = [];

/** A bucket on the local servers, deleted (with every version) by `deleteCreated()`. */
export async function cliBucket(opts: { versioned?: boolean } = {}): Promise<string> {
  const bucket = await createTestBucket({ prefix: 'tfstate-cli', ...opts });
  createdBuckets.push(bucket);
  return bucket;
}

/** A lock table on the local servers, deleted by `deleteCreated()`. */
export async function cliTable(): Promise<string> {
  const table = await createLockTable('tfstate-cli-locks');
  createdTables.push(table);
  return table;
}

/** Deletes what `cliBucket` and `cliTable` created: RGW caps the number of buckets per user. */
export async function deleteCreated(): Promise<void> {
  const s3 = s3Client();
  const ddb = dynamoClient();
  try {
    for (const bucket of createdBuckets.splice(0)) {
      let listed;
      do {
        listed = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
        const objects = [...(listed.Versions ?? []), ...(listed.DeleteMarkers ?? [])].map((v) => ({ Key: v.Key!, VersionId: v.VersionId }));
        if (objects.length > 0) await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects } }));
      } while (listed.IsTruncated);
      await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
    }
    for (const table of createdTables.splice(0)) await ddb.send(new DeleteTableCommand({ TableName: table }));
  } finally {
    s3.destroy();
    ddb.destroy();
  }
}
