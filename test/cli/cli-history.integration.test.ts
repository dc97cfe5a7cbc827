import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { backendArgs, cliBucket, deleteCreated, requireCompiledCli, runCli } from './run-cli';
import { s3Client } from '../support/servers';

beforeAll(requireCompiledCli);
afterAll(deleteCreated);

const KEY = 'attr/terraform.tfstate';
const state = (serial: number) => JSON.stringify({ version: 4, terraform_version: '1.10.0', serial, lineage: 'cli-attr', outputs: {}, resources: [] }, null, 2) + '\n';

/**
 * `tfstate history` names the writer of each version: this CLI's pushes from their metadata, a
 * Terraform apply (simulated with the requests of client.go lockWithFile / Put / unlockWithFile:
 * lock file PUT, state PUT without metadata, lock file DELETE without a version ID) from the
 * `.tflock` version it held.
 */
describe('tfstate history with writers', () => {
  let args: string[];
  let bucket: string;
  beforeAll(async () => {
    bucket = await cliBucket({ versioned: true });
    args = backendArgs({ bucket, key: KEY, use_lockfile: true });
    expect((await runCli(['push', '-', ...args], { input: state(1) })).code).toBe(0);
    // The apply starts in a second of its own (S3 LastModified has one-second resolution).
    await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 30));
    const s3 = s3Client();
    try {
      const info = { ID: '11111111-2222-3333-4444-555555555555', Operation: 'OperationTypeApply', Info: '', Who: 'tf@ci', Version: '1.10.0', Created: new Date().toISOString(), Path: `${bucket}/${KEY}` };
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${KEY}.tflock`, Body: JSON.stringify(info), IfNoneMatch: '*' }));
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: KEY, Body: state(2) }));
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: `${KEY}.tflock` }));
    } finally {
      s3.destroy();
    }
  });

  test('-json gives each version a writer: who, operation, lock ID and source', async () => {
    const r = await runCli(['history', '-json', ...args]);
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout);
    expect(rows.map((x: any) => x.serial)).toEqual([2, 1]);
    expect(rows[0].writer).toEqual({
      source: 'lock-file', who: 'tf@ci', operation: 'OperationTypeApply', lockId: '11111111-2222-3333-4444-555555555555', lockVersionId: expect.any(String),
    });
    expect(rows[1].writer).toEqual({ source: 'metadata', who: expect.stringMatching(/@/), operation: 'state-push', lockId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
  });

  test('the table has WRITTEN BY, OPERATION, LOCK ID and SOURCE columns', async () => {
    const r = await runCli(['history', ...args]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => l.split('\t'));
    expect(lines[0]).toEqual(['VERSION ID', 'SERIAL', 'LINEAGE', 'SIZE', 'LAST MODIFIED', 'WRITTEN BY', 'OPERATION', 'LOCK ID', 'SOURCE', '']);
    expect(lines[1].slice(5)).toEqual(['tf@ci', 'OperationTypeApply', '11111111-2222-3333-4444-555555555555', 'lock-file', 'current']);
    expect(lines[2].slice(6, 9)).toEqual(['state-push', expect.stringMatching(/^[0-9a-f-]{36}$/), 'metadata']);
  });

  test('-writers=false leaves the writer out: no writer in -json, no writer columns', async () => {
    const json = await runCli(['history', '-writers=false', '-json', ...args]);
    expect(json.code).toBe(0);
    const rows = JSON.parse(json.stdout);
    expect(rows.map((x: any) => x.serial)).toEqual([2, 1]);
    for (const row of rows) expect(row).not.toHaveProperty('writer');
    const table = await runCli(['history', '-writers=false', ...args]);
    expect(table.code).toBe(0);
    const lines = table.stdout.trim().split('\n').map((l) => l.split('\t'));
    expect(lines[0]).toEqual(['VERSION ID', 'SERIAL', 'LINEAGE', 'SIZE', 'LAST MODIFIED', '']);
    expect(lines[1]).toHaveLength(6);
    expect(lines[1][5]).toBe('current');
  });
});
