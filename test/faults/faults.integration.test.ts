import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { FaultBackend, FaultMode, faultBackend } from './support';
import { writeSyntheticState } from '../../bench/synthetic-state';
import { isLockReleaseError, isStateBackendError, isStateLockedError } from '../../src/client';
import { RequestCounter } from '../../src/client/private/instrumentation';
import { ObjectStore } from '../../src/client/private/object-store';
import { StreamingState } from '../../src/client/private/streaming';
import { writeStateFile } from '../../src/client/private/streaming-write';
import { parseLockInfo } from '../../src/protocol/lock-info';
import { newEmptyState, parseState, serializeStateTerraform, type StateFile } from '../../src/protocol/state';
import { s3Config, testServers } from '../support/servers';

const STATE_PATH = /^\/[^/]+\/app\/terraform\.tfstate(\?.*)?$/;
const LOCK_PATH = /^\/[^/]+\/app\/terraform\.tfstate\.tflock(\?.*)?$/;

function stateWith(serial: number, outputs: Record<string, string> = {}): StateFile {
  const base = newEmptyState({ terraformVersion: '1.10.0' });
  return {
    ...base,
    lineage: '0e4b3a1c-1111-2222-3333-444455556666',
    serial,
    outputs: Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, { value: v, type: 'string' }])),
  };
}

describe.each<FaultMode>(['lockfile', 'dynamodb', 'both'])('%s: transient faults are retried', (mode) => {
  let b: FaultBackend;
  beforeAll(async () => {
    b = await faultBackend(mode);
  });
  afterAll(async () => b.close());
  afterEach(() => {
    b.s3Proxy.clear();
    b.dynamoProxy.clear();
  });

  const faults = [
    ['503 SlowDown twice', { action: 'status' as const, status: 503, times: 2 }],
    ['500 InternalError twice', { action: 'status' as const, status: 500, code: 'InternalError', times: 2 }],
    ['connection reset before the server sees it, twice', { action: 'reset-before' as const, times: 2 }],
    ['a 400 ms delay', { action: 'delay' as const, delayMs: 400, times: 1 }],
  ] as const;

  test.each(faults)('read, write, lock cycle, listing and outputs succeed with %s on every S3 request kind', async (_name, fault) => {
    const client = b.client();
    await client.writeState(stateWith(1, { url: 'https://one' }));
    const faultedBefore = b.s3Proxy.faulted.length + b.dynamoProxy.faulted.length;
    client.resetRequestCounts();
    for (const method of ['GET', 'PUT', 'DELETE']) b.s3Proxy.add({ match: { method }, ...fault });
    if (b.table) for (const op of ['GetItem', 'PutItem', 'DeleteItem']) b.dynamoProxy.add({ match: { dynamodbOp: op }, ...fault });
    await client.withLock(async () => {
      const current = await client.readState();
      expect(current?.state.serial).toBe(1);
      await client.writeState({ ...current!.state, serial: 2 });
    }, { operation: 'OperationTypeApply' });
    expect(await client.listWorkspaces()).toEqual(['default']);
    expect((await client.readOutputs()).url.value).toBe('https://one');
    expect(parseState((await b.rawGet(b.key))!)!.serial).toBe(2);
    expect(await b.rawGet(`${b.key}.tflock`)).toBeUndefined();
    expect(await b.rawLockItem()).toBeUndefined();
    // The faults really happened, and each was answered by a retry.
    const faulted = b.s3Proxy.faulted.length + b.dynamoProxy.faulted.length - faultedBefore;
    expect(faulted).toBeGreaterThanOrEqual(fault.times * 3);
    expect(client.requestCounts.total).toBeGreaterThan(faulted);
  });

  test('a state PUT that always fails gives a clear error and leaves the stored state whole', async () => {
    const client = b.client();
    await client.writeState(stateWith(5));
    const before = await b.rawGet(b.key);
    b.s3Proxy.add({ match: { method: 'PUT', url: STATE_PATH }, action: 'status', status: 500, code: 'InternalError', times: 100 });
    const err = await client.writeState(stateWith(6)).catch((e) => e);
    expect(isStateBackendError(err)).toBe(true);
    expect(err.message).toMatch(/^failed to upload state: .*InternalError/);
    // Terraform's max_retries = 5 is the SDK's maximum attempts (aws-sdk-go-base WithRetryMaxAttempts): 5 attempts.
    expect(client.requestCounts.s3.PutObject).toBe(1 + 5);
    expect((await b.rawGet(b.key))!.equals(before!)).toBe(true);
  });

  test('a lock write whose response is lost: the retry meets our own lock, and we hold it', async () => {
    const client = b.client();
    if (mode !== 'dynamodb') b.s3Proxy.add({ match: { method: 'PUT', url: LOCK_PATH }, action: 'reset-after', times: 1 });
    if (mode !== 'lockfile') b.dynamoProxy.add({ match: { dynamodbOp: 'PutItem' }, action: 'reset-after', times: 1 });
    const id = await client.lock({ operation: 'OperationTypeApply' });
    expect(b.s3Proxy.remaining().concat(b.dynamoProxy.remaining())).toEqual(mode === 'both' ? [0, 0] : [0]);
    expect((await client.getLockInfo())?.ID).toBe(id);
    if (mode !== 'dynamodb') expect(parseLockInfo((await b.rawGet(`${b.key}.tflock`))!).ID).toBe(id);
    if (mode !== 'lockfile') expect(parseLockInfo((await b.rawLockItem())!).ID).toBe(id);
    await client.unlock(id);
    expect(await client.getLockInfo()).toBeUndefined();
  });

  test('two writers racing while lock responses are lost: never two holders', async () => {
    const one = b.client({ who: 'one@host' });
    const two = b.client({ who: 'two@host' });
    if (mode !== 'dynamodb') b.s3Proxy.add({ match: { method: 'PUT', url: LOCK_PATH }, action: 'reset-after', times: 2 });
    if (mode !== 'lockfile') b.dynamoProxy.add({ match: { dynamodbOp: 'PutItem' }, action: 'reset-after', times: 2 });
    const results = await Promise.allSettled([one.lock(), two.lock()]);
    const won = results.filter((r): r is PromiseFulfilledResult<string> => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    const winner = won[0].value;
    expect(isStateLockedError(lost[0].reason)).toBe(true);
    expect(lost[0].reason.lockInfo?.ID).toBe(winner);
    if (mode !== 'dynamodb') expect(parseLockInfo((await b.rawGet(`${b.key}.tflock`))!).ID).toBe(winner);
    if (mode !== 'lockfile') expect(parseLockInfo((await b.rawLockItem())!).ID).toBe(winner);
    const holder = results[0].status === 'fulfilled' ? one : two;
    await holder.unlock(winner);
    expect(await holder.getLockInfo()).toBeUndefined();
  });

  test('a release that keeps failing: LockReleaseError names the lock ID, and the lock is really still held', async () => {
    const client = b.client();
    if (mode !== 'dynamodb') b.s3Proxy.add({ match: { method: 'DELETE', url: LOCK_PATH }, action: 'status', status: 500, code: 'InternalError', times: 100 });
    else b.dynamoProxy.add({ match: { dynamodbOp: 'DeleteItem' }, action: 'status', status: 500, times: 100 });
    let lockId = '';
    const err = await client.withLock(async (id) => {
      lockId = id;
    }).catch((e) => e);
    expect(isLockReleaseError(err)).toBe(true);
    expect(err.lockId).toBe(lockId);
    expect(err.message).toContain(`Lock ID: ${lockId}`);
    expect(err.message).toMatch(/force-unlock/);
    expect((await b.client().getLockInfo())?.ID).toBe(lockId);
    b.s3Proxy.clear();
    b.dynamoProxy.clear();
    if (mode === 'both') {
      // Both halves are always released: the lock item went, the lock file stayed. A force-unlock
      // removes the file and reports the missing item, as Terraform's does.
      expect(await b.rawLockItem()).toBeUndefined();
      await expect(client.unlock(lockId)).rejects.toThrow(/failed to unlock DynamoDB/);
    } else {
      await client.unlock(lockId);
    }
    expect(await client.getLockInfo()).toBeUndefined();
  });
});

describe('response bodies cut mid-way', () => {
  let b: FaultBackend;
  beforeAll(async () => {
    b = await faultBackend('lockfile');
  });
  afterAll(async () => b.close());

  test('a state read whose body breaks either succeeds or fails clearly, and a retry reads the whole state', async () => {
    const client = b.client();
    const state = stateWith(3, { big: 'y'.repeat(200_000) });
    await client.writeState(state);
    b.s3Proxy.add({ match: { method: 'GET', url: STATE_PATH }, action: 'reset-mid-body', times: 1 });
    const first = await client.readState().then((ok) => ({ ok, err: undefined }), (err) => ({ ok: undefined, err }));
    if (first.err !== undefined) {
      expect(isStateBackendError(first.err)).toBe(true);
      expect(first.err.message).toMatch(/terraform\.tfstate/);
    } else {
      expect(first.ok?.bytes.equals(serializeStateTerraform(state))).toBe(true);
    }
    expect((await client.readState())?.bytes.equals(serializeStateTerraform(state))).toBe(true);
  });
});

describe('streaming paths under faults', () => {
  let b: FaultBackend;
  let s3: S3Client;
  beforeAll(async () => {
    b = await faultBackend('lockfile');
    s3 = new S3Client({ ...s3Config(testServers()), endpoint: b.s3Proxy.url, maxAttempts: 6 });
  });
  afterAll(async () => {
    s3.destroy();
    await b.close();
  });
  afterEach(() => b.s3Proxy.clear());

  function target(counter = new RequestCounter()) {
    return {
      store: new ObjectStore(s3, counter, { bucket: b.bucket, encryption: { type: 'none' }, skipS3Checksum: false }),
      stateKey: b.key,
      digestLockId: `${b.bucket}/${b.key}-md5`,
    };
  }
  const streaming = (counter?: RequestCounter) => new StreamingState(target(counter));

  test('outputs from a prefix read survive a body cut mid-way', async () => {
    const state = stateWith(4, { a: 'x'.repeat(100_000), b: 'z' });
    await b.rawPut(b.key, serializeStateTerraform(state));
    // The proxy's log spans the describe's tests: count this test's faults only (any order).
    const faultedBefore = b.s3Proxy.faulted.length;
    b.s3Proxy.add({ match: { method: 'GET', url: STATE_PATH }, action: 'reset-mid-body', times: 1 });
    const outputs = await streaming().readOutputs();
    expect(outputs.b.value).toBe('z');
    expect(b.s3Proxy.faulted.slice(faultedBefore).map((r) => [r.method, r.fault])).toEqual([['GET', 'reset-mid-body']]);
  });

  test('a multipart upload with failing parts is retried part by part; one that keeps failing is aborted and the old state stays whole', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faults-'));
    try {
      const path = join(dir, 'big.tfstate');
      await writeSyntheticState(path, 20 * 1024 * 1024, { serial: 9 });
      b.s3Proxy.add({ match: { method: 'PUT', url: /partNumber=2/ }, action: 'status', status: 503, times: 2 });
      const counter = new RequestCounter();
      const ok = await writeStateFile(target(counter), path);
      expect(ok.parts).toBe(3);
      expect(counter.snapshot().s3.UploadPart).toBe(3 + 2);
      const stored = (await b.rawGet(b.key))!;
      expect(stored.length).toBeGreaterThan(20 * 1024 * 1024 - 1024);
      const before = stored;

      b.s3Proxy.add({ match: { method: 'PUT', url: /partNumber=3/ }, action: 'status', status: 500, code: 'InternalError', times: 100 });
      const err = await writeStateFile(target(), path, { replace: [] }).catch((e) => e);
      expect(isStateBackendError(err)).toBe(true);
      expect(err.message).toMatch(/^failed to upload state: .*multipart upload aborted; the stored state is unchanged/);
      expect((await b.rawGet(b.key))!.equals(before)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
