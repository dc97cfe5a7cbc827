import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { backendArgs, cliBucket, cliTable, deleteCreated, requireCompiledCli, runCli } from './run-cli';
import { EXIT } from '../../src/cli/output';
import { marshalLockInfo, newLockInfo } from '../../src/protocol/lock-info';
import { dynamoClient, s3Client } from '../support/servers';

beforeAll(requireCompiledCli);
afterAll(deleteCreated);

const HOUR = 3_600_000;

describe('tfstate locks', () => {
  test('GIVEN no key in the configuration and an empty bucket THEN it says so and exits 0', async () => {
    const args = backendArgs({ bucket: await cliBucket(), use_lockfile: true });
    const r = await runCli(['locks', ...args]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^No lock is held in bucket tfstate-cli-/);
  });

  test('lists the locks of every key and workspace, lock file and lock item; -older-than filters; stale locks exit with the documented code', async () => {
    const bucket = await cliBucket();
    const table = await cliTable();
    const args = backendArgs({ bucket, key: 'any/terraform.tfstate', use_lockfile: true, dynamodb_table: table });
    // A fresh lock taken through the CLI, and a 5-hour-old lock item left by a crashed CI job.
    expect((await runCli(['lock', '-workspace', 'dev', ...args])).code).toBe(0);
    const old = newLockInfo({ operation: 'OperationTypeApply', who: 'runner@ci-9', now: new Date(Date.now() - 5 * HOUR), path: `${bucket}/team/a.tfstate` });
    const ddb = dynamoClient();
    const s3 = s3Client();
    try {
      await ddb.send(new PutItemCommand({ TableName: table, Item: { LockID: { S: `${bucket}/team/a.tfstate` }, Info: { S: marshalLockInfo(old) } } }));
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'team/a.tfstate', Body: '{}' }));
    } finally {
      ddb.destroy();
      s3.destroy();
    }

    const all = await runCli(['locks', '--json', ...args]);
    expect(all.code).toBe(EXIT.LOCKS_FOUND);
    const listed = JSON.parse(all.stdout);
    expect(listed.held).toBe(3);
    expect(listed.locks.map((l: any) => [l.source, l.key, l.workspace, l.operation])).toEqual([
      ['dynamodb', 'team/a.tfstate', 'default', 'OperationTypeApply'],
      ...[['dynamodb', 'any/terraform.tfstate', 'dev', 'tfstate-lock'], ['lockfile', 'any/terraform.tfstate', 'dev', 'tfstate-lock']],
    ]);
    expect(listed.locks[0]).toMatchObject({ who: 'runner@ci-9', id: old.ID, version: '1.10.0' });
    expect(listed.locks[0].ageSeconds).toBeGreaterThanOrEqual(5 * 3600);

    const stale = await runCli(['locks', '-older-than=2h', ...args]);
    expect(stale.code).toBe(EXIT.LOCKS_FOUND);
    const lines = stale.stdout.trim().split('\n');
    expect(lines[0].split('\t')).toEqual(['AGE', 'KEY', 'WORKSPACE', 'WHO', 'OPERATION', 'LOCK', 'ID']);
    expect(lines).toHaveLength(2);
    expect(lines[1].split('\t').slice(1)).toEqual(['team/a.tfstate', 'default', 'runner@ci-9', 'OperationTypeApply', 'dynamodb', old.ID]);

    const none = await runCli(['locks', '-older-than', '10h', ...args]);
    expect(none.code).toBe(0);
    expect(none.stdout).toBe(`3 lock(s) held in bucket ${bucket}, none older than 10h.\n`);
  });

  test('a bad -older-than is a usage error (exit 2) naming the problem, before any request', async () => {
    const r = await runCli(['locks', '-older-than=2days', ...backendArgs({ bucket: 'never-contacted', key: 'k' })], { noServers: true });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/-older-than: time: unknown unit "days" in duration "2days"\. Use Go duration syntax/);
  });
});
