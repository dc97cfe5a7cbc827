import { createHash } from 'node:crypto';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { TestBackend, newBackend, stateWith } from './support';
import { isStateVersionNotFoundError } from '../../src/client';
import { parseState, serializeState } from '../../src/protocol/state';

/**
 * History, restore and digest repair as client methods, on a versioned bucket with a lock table.
 */
describe('history, restore and digest repair', () => {
  let be: TestBackend;
  // A bucket and table per test: history lists every version, which the others add.
  beforeEach(async () => {
    be = await newBackend('dynamodb', { versioned: true });
  });
  afterEach(async () => {
    await be.destroy();
  });

  test('history reads only the head of each version: one ranged GET per version, serial and lineage from the scanner', async () => {
    const client = be.client();
    for (let serial = 1; serial <= 3; serial++) await client.writeState(Buffer.from(stateWith('H', serial, 'x'.repeat(50_000))));
    be.s3Log.length = 0;
    const entries = await client.history();
    expect(entries.map((e) => [e.serial, e.lineage, e.isLatest])).toEqual([[3, 'H', true], [2, 'H', false], [1, 'H', false]]);
    const gets = be.s3Log.filter((r) => r.op === 'GetObject');
    expect(gets).toHaveLength(3);
    expect(gets.map((r) => r.headers.range)).toEqual(['bytes=0-16383', 'bytes=0-16383', 'bytes=0-16383']);
    expect(be.s3Log.filter((r) => r.op === 'ListObjectVersions')).toHaveLength(1);
  });

  // Issue 9 counts restore among the rewrites that must equal Terraform's statefile.Write output
  // (internal/states/statefile/version4.go writeStateV4: what `terraform state push` of the old
  // version would store): re-serialized (indentation, key order, fixed fields), raw values kept.
  test('restore writes the old version as statefile.Write does (the whole-state path\'s bytes), serial above the current, lineage kept, under the lock', async () => {
    const client = be.client();
    // Odd formatting and a number JSON.parse would round: the number text survives, the layout becomes Terraform's.
    const old = '{"version": 4,  "terraform_version":"1.10.0","serial":   7,"lineage":"R","outputs":{"n":{"value":12345678901234567890123,"type":"number"}},"resources":[],"check_results":null}\n';
    const written = await client.writeState(Buffer.from(old));
    await client.writeState(Buffer.from(stateWith('R', 9)));
    be.dynamoLog.length = 0;
    const r = await client.restoreVersion(written.versionId!);
    expect(r).toMatchObject({ serial: 10, lineage: 'R', restoredFrom: written.versionId });
    const now = await client.readState();
    const expected = serializeState({ ...parseState(Buffer.from(old))!, serial: 10 });
    expect(now!.bytes.toString()).toBe(expected.toString());
    expect(now!.bytes.toString()).toContain('12345678901234567890123');
    expect(now!.bytes.toString()).not.toBe(old.replace('"serial":   7', '"serial":   10'));
    expect(be.dynamoLog.filter((x) => x.op === 'PutItem').map((x) => x.input.Item.LockID.S)).toEqual([client.paths.lockId, client.paths.digestLockId]);
    const missing = await client.restoreVersion('no-such-version').catch((e) => e);
    expect(isStateVersionNotFoundError(missing)).toBe(true);
    expect(missing.message).toMatch(/does not exist or is empty/);
  });

  test('digest repair stores the MD5 of the current object (streamed), under the lock', async () => {
    const client = be.client({ digestRetry: { pollIntervalMs: 10, timeoutMs: 30 } });
    await client.writeState(Buffer.from(stateWith('D', 1)));
    await be.dynamodb.send(new PutItemCommand({ TableName: be.table, Item: { LockID: { S: client.paths.digestLockId }, Digest: { S: '0123456789abcdef0123456789abcdef' } } }));
    await expect(client.readState()).rejects.toThrow(/does not have the expected content/);
    const repaired = await client.repairDigest();
    const stored = (await be.rawGet(client.paths.stateKey))!.body;
    expect(repaired).toEqual({ digestLockId: client.paths.digestLockId, digest: createHash('md5').update(stored).digest('hex'), removed: false });
    await expect(client.readState()).resolves.toBeDefined();
  });
});
