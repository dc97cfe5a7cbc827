import { mkdtempSync, readFileSync, rmSync, createReadStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { DeleteItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { FaultBackend, faultBackend } from './support';
import { writeSyntheticState } from '../../bench/synthetic-state';
import { isStateChecksumMismatchError, isStateConflictError } from '../../src/client';
import { parseState, readOutputs } from '../../src/protocol/state';

const MiB = 1024 * 1024;

async function collect(fn: (sink: PassThrough) => Promise<unknown>): Promise<{ result: unknown; bytes: Buffer }> {
  const sink = new PassThrough();
  const parts: Buffer[] = [];
  sink.on('data', (d: Buffer) => parts.push(d));
  const result = await fn(sink);
  return { result, bytes: Buffer.concat(parts) };
}

describe.each(['lockfile', 'dynamodb'] as const)('%s: streaming pull, push and outputs through StateClient', (mode) => {
  let b: FaultBackend;
  let dir: string;
  let file: string;
  let original: Buffer;
  beforeAll(async () => {
    b = await faultBackend(mode);
    dir = mkdtempSync(join(tmpdir(), 'streaming-client-'));
    file = join(dir, 'big.tfstate');
    await writeSyntheticState(file, 20 * MiB, { serial: 9 });
    original = readFileSync(file);
  });
  // Each test starts from an empty workspace (no object, no digest), so that it passes alone and in any order.
  beforeEach(async () => {
    await b.rawDelete(b.key);
    if (b.table) await b.rawDynamo.send(new DeleteItemCommand({ TableName: b.table, Key: { LockID: { S: `${b.bucket}/${b.key}-md5` } } }));
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await b.close();
  });

  test('a 20 MiB push into an empty workspace is multipart, gets a new lineage and serial 1; pull returns it byte for byte', async () => {
    const client = b.client();
    await client.pushStateFromFile(file);
    expect(client.requestCounts.s3.UploadPart).toBe(3);
    expect(await client.getLockInfo()).toBeUndefined();
    const { result, bytes } = await collect((sink) => client.pullStateToStream(sink));
    expect(bytes.equals((await b.rawGet(b.key))!)).toBe(true);
    const pulled = parseState(bytes)!;
    const source = parseState(original)!;
    expect(pulled.serial).toBe(1);
    expect(pulled.lineage).not.toBe(source.lineage);
    expect(pulled.resources).toEqual(source.resources);
    expect(result).toMatchObject({ bytes: bytes.length });
    expect(result).not.toHaveProperty('encrypted');
    expect(await client.readOutputs()).toEqual(readOutputs(source));
  });

  test('a destination that fails (its reader gone): the error names the destination, not the read, with the cause', async () => {
    await b.rawPut(b.key, original);
    const epipe = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
    const sink = new Writable({ write(_chunk, _enc, done) { done(epipe); } });
    const err = await b.client().pullStateToStream(sink).catch((e) => e);
    expect(err.message).toBe(`writing state object "${b.key}" to its destination failed: Error: write EPIPE; the output is incomplete`);
    expect(err.cause).toBe(epipe);
  });

  test('push rules on the scanned prefix: another lineage is refused, force overwrites with serial + 1', async () => {
    const client = b.client();
    await client.pushStateFromFile(file); // into the empty workspace: a new lineage
    const err = await client.pushStateFromFile(file).catch((e) => e);
    expect(isStateConflictError(err)).toBe(true);
    expect(err.message).toMatch(/^cannot import state with lineage "0e4b3a1c-1111-2222-3333-444455556666" over unrelated state with lineage "/);
    await client.pushStateFromStream(createReadStream(file), { force: true });
    const stored = parseState((await b.rawGet(b.key))!)!;
    expect(stored.serial).toBe(10);
    expect(stored.lineage).toBe('0e4b3a1c-1111-2222-3333-444455556666');
    // Same lineage, lower serial: refused.
    const older = join(dir, 'older.tfstate');
    await writeSyntheticState(older, 10 * MiB, { serial: 3 });
    await expect(client.pushStateFromFile(older)).rejects.toThrow('cannot import state with serial 3 over newer state with serial 10');
  });

  if (mode === 'dynamodb') {
    test('a digest that does not match: pull writes nothing and reports the checksum mismatch', async () => {
      const client = b.client();
      await client.pushStateFromFile(file);
      await b.rawDynamo.send(new PutItemCommand({
        TableName: b.table!,
        Item: { LockID: { S: `${b.bucket}/${b.key}-md5` }, Digest: { S: '0123456789abcdef0123456789abcdef' } },
      }));
      const sink = new PassThrough();
      let written = 0;
      sink.on('data', (d: Buffer) => (written += d.length));
      const err = await client.pullStateToStream(sink).catch((e) => e);
      expect(isStateChecksumMismatchError(err)).toBe(true);
      expect(err.message).toMatch(/^state data in S3 does not have the expected content/);
      expect(written).toBe(0);
      await expect(client.readOutputs()).rejects.toThrow(/Stored checksum: +0123456789abcdef0123456789abcdef/);
    });
  }
});
