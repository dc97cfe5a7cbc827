import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { backendArgs, cliBucket, cliTable, deleteCreated, requireCompiledCli, runCli } from './run-cli';
import { EXIT } from '../../src/cli/output';
import { marshalLockInfo, newLockInfo } from '../../src/protocol/lock-info';
import { dynamoClient, s3Client } from '../support/servers';

/**
 * `tfstate migrate-locking` through the compiled CLI on Ceph RGW and DynamoDB Local: the two phases of
 * OpenTofu's "Migrating from DynamoDB to S3 Locking" (website/docs/language/settings/backends/s3.mdx),
 * the refusals that leave everything as it was, and the digest items removed by the second phase.
 */

beforeAll(requireCompiledCli);
afterAll(deleteCreated);

const KEY = 'app/terraform.tfstate';
/** Terraform's warning for every configuration with dynamodb_table (what this command moves away from); nothing else goes to stderr. */
const DEPRECATION = 'Warning: Deprecated Parameter: The parameter "dynamodb_table" is deprecated. Use parameter "use_lockfile" instead.\n';
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A hand-formatted root module: comments, a blank line and aligned `=` the edit must keep. */
const mainTf = (bucket: string, table: string, extra = '') => `terraform {
  required_version = ">= 1.10"

  # State in S3, locked in DynamoDB (for now).
  backend "s3" {
    bucket         = "${bucket}"
    key            = "${KEY}"
    dynamodb_table = "${table}" // the lock table
${extra}    use_path_style              = true
    skip_credentials_validation = true
  }
}

resource "null_resource" "x" {}
`;

interface Fixture {
  readonly bucket: string;
  readonly table: string;
  readonly dir: string;
  readonly file: string;
  readonly text: string;
}

/** A backend with states in workspaces default and dev (objects and digest items, as Terraform leaves them) and a -chdir directory. */
async function fixture(opts: { versioned?: boolean; useLockfile?: boolean } = {}): Promise<Fixture> {
  const bucket = await cliBucket({ versioned: opts.versioned });
  const table = await cliTable();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tfstate-migrate-'));
  dirs.push(dir);
  const text = mainTf(bucket, table, opts.useLockfile ? '    use_lockfile   = true\n' : '');
  writeFileSync(path.join(dir, 'main.tf'), text);
  const s3 = s3Client();
  const ddb = dynamoClient();
  try {
    for (const stateKey of [KEY, `env:/dev/${KEY}`]) {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: stateKey, Body: '{"version":4,"serial":1,"lineage":"l","outputs":{},"resources":[]}\n' }));
      await ddb.send(new PutItemCommand({ TableName: table, Item: { LockID: { S: `${bucket}/${stateKey}-md5` }, Digest: { S: '0123456789abcdef0123456789abcdef' } } }));
    }
  } finally {
    s3.destroy();
    ddb.destroy();
  }
  return { bucket, table, dir, file: path.join(dir, 'main.tf'), text };
}

const migrate = (f: Fixture, ...args: string[]) => runCli(['migrate-locking', '-chdir', f.dir, ...args]);
const fileOf = (f: Fixture) => readFileSync(f.file, 'utf8');

async function digestExists(f: Fixture, stateKey: string): Promise<boolean> {
  const ddb = dynamoClient();
  try {
    return (await ddb.send(new GetItemCommand({ TableName: f.table, Key: { LockID: { S: `${f.bucket}/${stateKey}-md5` } }, ConsistentRead: true }))).Item !== undefined;
  } finally {
    ddb.destroy();
  }
}

async function objectKeys(bucket: string): Promise<string[]> {
  const s3 = s3Client();
  try {
    return ((await s3.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? []).map((o) => o.Key!).sort();
  } finally {
    s3.destroy();
  }
}

describe('tfstate migrate-locking (unversioned bucket: RGW honours If-None-Match there)', () => {
  test('phase 1 checks both workspaces, probes the bucket and adds use_lockfile after dynamodb_table, every other character kept', async () => {
    const f = await fixture();
    const r = await migrate(f);
    expect(r.stderr).toBe(DEPRECATION);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('✓ No lock is held (2 DynamoDB items, 2 lock files checked).');
    expect(r.stdout).toMatch(/✓ Conditional writes honoured \(1 of 5 concurrent If-None-Match PUTs won; a later one got 412\)/);
    expect(r.stdout).toContain('✓ main.tf: ');
    expect(fileOf(f)).toBe(f.text.replace(' // the lock table\n', ' // the lock table\n    use_lockfile   = true\n'));
    // The probe's scratch key is gone; the digests stay until phase 2.
    expect(await objectKeys(f.bucket)).toEqual([KEY, `env:/dev/${KEY}`].sort());
    expect(await digestExists(f, KEY)).toBe(true);
  });

  test('phase 2 (-lockfile-only) removes dynamodb_table and deletes the -md5 digest items of every workspace (-json)', async () => {
    const f = await fixture({ useLockfile: true });
    const r = await migrate(f, '-lockfile-only', '-json');
    expect(r.stderr).toBe(DEPRECATION);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result).toMatchObject({ phase: 'lockfile-only', dryRun: false, file: { name: 'main.tf', written: true }, probe: { ok: true } });
    expect(result.digests).toEqual({ deleted: [`${f.bucket}/${KEY}-md5`, `${f.bucket}/env:/dev/${KEY}-md5`], missing: [] });
    // The comment on the removed line goes with it; the lines above and below stay as they were.
    expect(fileOf(f)).toBe(f.text.replace(`    dynamodb_table = "${f.table}" // the lock table\n`, ''));
    expect(await digestExists(f, KEY)).toBe(false);
    expect(await digestExists(f, `env:/dev/${KEY}`)).toBe(false);
  });

  test('phase 2 before phase 1 is refused (usage error), nothing changed', async () => {
    const f = await fixture();
    const r = await migrate(f, '-lockfile-only');
    expect(r.code).toBe(EXIT.USAGE);
    expect(r.stderr).toMatch(/Run "migrate-locking" without -lockfile-only first/);
    expect(r.stdout).toBe('');
    expect(fileOf(f)).toBe(f.text);
    expect(await digestExists(f, KEY)).toBe(true);
  });

  test('a held DynamoDB lock item stops it with the holder named (exit 3), file unchanged', async () => {
    const f = await fixture();
    const holder = newLockInfo({ operation: 'OperationTypeApply', who: 'runner@ci-7', path: `${f.bucket}/env:/dev/${KEY}` });
    const ddb = dynamoClient();
    try {
      await ddb.send(new PutItemCommand({ TableName: f.table, Item: { LockID: { S: `${f.bucket}/env:/dev/${KEY}` }, Info: { S: marshalLockInfo(holder) } } }));
    } finally {
      ddb.destroy();
    }
    const r = await migrate(f);
    expect(r.code).toBe(EXIT.LOCKED);
    expect(r.stderr).toContain(`the DynamoDB lock ${f.bucket}/env:/dev/${KEY} is held by runner@ci-7 (OperationTypeApply, ID ${holder.ID}`);
    expect(r.stderr).toContain(`tfstate force-unlock ${holder.ID}`);
    expect(fileOf(f)).toBe(f.text);
  });

  test('a lock file left in the bucket stops it too (it would block every run once use_lockfile is on), file unchanged', async () => {
    const f = await fixture({ useLockfile: true });
    const holder = newLockInfo({ operation: 'OperationTypePlan', who: 'alice@laptop', path: `${f.bucket}/${KEY}` });
    const s3 = s3Client();
    try {
      await s3.send(new PutObjectCommand({ Bucket: f.bucket, Key: `${KEY}.tflock`, Body: marshalLockInfo(holder) }));
    } finally {
      s3.destroy();
    }
    const r = await migrate(f, '-lockfile-only');
    expect(r.code).toBe(EXIT.LOCKED);
    expect(r.stderr).toContain(`the lock file ${KEY}.tflock is held by alice@laptop (OperationTypePlan, ID ${holder.ID}`);
    expect(fileOf(f)).toBe(f.text);
    expect(await digestExists(f, KEY)).toBe(true);
  });

  test('a lock file whose body is not LockInfo is still a held lock: refused (exit 3) with the reason, file unchanged', async () => {
    const f = await fixture();
    const s3 = s3Client();
    try {
      await s3.send(new PutObjectCommand({ Bucket: f.bucket, Key: `env:/dev/${KEY}.tflock`, Body: 'not json' }));
    } finally {
      s3.destroy();
    }
    const r = await migrate(f);
    expect(r.code).toBe(EXIT.LOCKED);
    expect(r.stderr).toMatch(new RegExp(`the lock file env:/dev/${KEY.replace('.', '\\.')}\\.tflock is held, by an unknown holder: the lock's body is not LockInfo JSON`));
    expect(fileOf(f)).toBe(f.text);
  });

  test('-dry-run prints every step and the file change and writes nothing (file, digests, bucket)', async () => {
    const f = await fixture({ useLockfile: true });
    const r = await migrate(f, '-lockfile-only', '-dry-run');
    expect(r.stderr).toBe(DEPRECATION);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^migrate-locking -dry-run: nothing is changed\. The steps:\n1\. Check that no lock is held/);
    expect(r.stdout).toContain(`     - ${f.bucket}/env:/dev/${KEY}-md5`);
    expect(r.stdout).toMatch(/Changes to main\.tf:\n {2}removed dynamodb_table/);
    expect(fileOf(f)).toBe(f.text);
    expect(await digestExists(f, KEY)).toBe(true);
    expect(await objectKeys(f.bucket)).toEqual([KEY, `env:/dev/${KEY}`].sort());
  });

  test('without -chdir it prints the new backend block instead of editing a file', async () => {
    const f = await fixture();
    const r = await runCli(['migrate-locking', ...backendArgs({ bucket: f.bucket, key: KEY, dynamodb_table: f.table })]);
    expect(r.stderr).toBe(DEPRECATION);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`The backend block to use:\nterraform {\n  backend "s3" {\n    bucket         = "${f.bucket}"\n`);
    expect(r.stdout).toMatch(/ {4}use_lockfile {3}= true\n {4}dynamodb_table = "/);
    expect(fileOf(f)).toBe(f.text);
  });
});

describe('tfstate migrate-locking on a versioned bucket', () => {
  test('DEVIATION: RGW accepts every If-None-Match PUT on a versioned bucket (AWS: one wins), so the probe fails and the migration is refused before any write', async () => {
    const f = await fixture({ versioned: true });
    const r = await migrate(f);
    expect(r.code).toBe(EXIT.ERROR);
    expect(r.stderr).toMatch(/the bucket does not honour conditional writes \([2-5] of 5 concurrent If-None-Match PUTs succeeded \(expected exactly 1\); a PUT over an existing object was accepted/);
    expect(r.stderr).toContain('Nothing was changed.');
    expect(fileOf(f)).toBe(f.text);
    expect(await objectKeys(f.bucket)).toEqual([KEY, `env:/dev/${KEY}`].sort());
  });
});
