import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { LOCK_VECTOR, TF_EMPTY_STATE, TestBackend, capture, isProbe, newBackend, ops, stateWith } from './support';
import {
  StateClient,
  isBucketNotFoundError,
  isEncryptedStateError,
  isInvalidStateError,
  isLockIdMismatchError,
  isStateBackendError,
  isStateChecksumMismatchError,
  isStateLockedError,
} from '../../src/client';
import { DynamoDbLocker } from '../../src/client/lockers/dynamodb-locker';
import { LockFileLocker } from '../../src/client/lockers/lock-file-locker';
import { RequestCounter } from '../../src/client/private/instrumentation';
import { ObjectStore } from '../../src/client/private/object-store';
import { parseLockInfo } from '../../src/protocol/lock-info';
import { s3Client, s3Config, testServers } from '../support/servers';

const FIXTURES = join(__dirname, '..', 'fixtures', 'states');
const SSE_C_KEY = '4Dm1n4rphuFgawxuzY/bEfvLf6rYK0gIjfaDSLlfXNk=';
const STATE_KEY = 'path/to/terraform.tfstate';

let backends: TestBackend[] = [];
async function backend(...args: Parameters<typeof newBackend>): Promise<TestBackend> {
  const be = await newBackend(...args);
  backends.push(be);
  return be;
}
afterEach(async () => {
  for (const be of backends) await be.destroy();
  backends = [];
});

const sseHeaders = (h: Record<string, string>) => Object.fromEntries(Object.entries(h).filter(([k]) => k.startsWith('x-amz-server-side-encryption')));

describe('wire: encryption, ACL and checksums on every object request', () => {
  test('vector 11: encrypt=true sends AES256 on the state PUT and nothing on the GET', async () => {
    const be = await backend('lockfile', { config: { encrypt: true } });
    const client = be.client();
    await client.writeState(Buffer.from(TF_EMPTY_STATE));
    await client.readState();
    const [put, get] = [be.s3Log.find((r) => r.op === 'PutObject')!, be.s3Log.find((r) => r.op === 'GetObject')!];
    expect(sseHeaders(put.headers)).toEqual({ 'x-amz-server-side-encryption': 'AES256' });
    expect(sseHeaders(get.headers)).toEqual({});
  });

  test('vector 11: encrypt=true with kms_key_id sends aws:kms and the key on state and lock PUTs', async () => {
    const kms = testServers().kmsKeyId;
    const be = await backend('lockfile', { config: { encrypt: true, kms_key_id: kms } });
    const client = be.client();
    await client.withLock(() => client.writeState(Buffer.from(TF_EMPTY_STATE)));
    const puts = be.s3Log.filter((r) => r.op === 'PutObject');
    expect(puts.map((p) => p.input.Key)).toEqual([`${STATE_KEY}.tflock`, STATE_KEY]);
    for (const p of puts) {
      expect(sseHeaders(p.headers)).toEqual({ 'x-amz-server-side-encryption': 'aws:kms', 'x-amz-server-side-encryption-aws-kms-key-id': kms });
    }
    expect((await client.readState())?.bytes.toString()).toBe(TF_EMPTY_STATE);
  });

  test('vector 11: SSE-C sends the key trio on state PUT/GET and lock PUT/GET; the lock holder is readable', async () => {
    const be = await backend('lockfile', { config: { encrypt: true, sse_customer_key: SSE_C_KEY } });
    const client = be.client();
    const id = await client.lock();
    await client.writeState(Buffer.from(TF_EMPTY_STATE));
    expect((await client.readState())?.bytes.toString()).toBe(TF_EMPTY_STATE);
    const err = await be.client().lock().catch((e) => e);
    expect(isStateLockedError(err) && err.lockInfo?.ID).toBe(id);
    await client.unlock(id);
    const trio = {
      'x-amz-server-side-encryption-customer-algorithm': 'AES256',
      'x-amz-server-side-encryption-customer-key': SSE_C_KEY,
      'x-amz-server-side-encryption-customer-key-md5': 'kMCssl5T9ZkzvRauhmVxAw==',
    };
    const objectRequests = be.s3Log.filter((r) => r.op === 'PutObject' || r.op === 'GetObject');
    expect(objectRequests.length).toBeGreaterThanOrEqual(5);
    for (const r of objectRequests) expect(sseHeaders(r.headers)).toEqual(trio);
  });

  test('vector 11: encrypt=false ignores sse_customer_key and AWS_SSE_CUSTOMER_KEY', async () => {
    const be = await backend('lockfile', { config: { sse_customer_key: SSE_C_KEY } });
    const client = be.client({ env: { AWS_SSE_CUSTOMER_KEY: SSE_C_KEY } });
    await client.withLock(() => client.writeState(Buffer.from(TF_EMPTY_STATE)));
    await client.readState();
    for (const r of be.s3Log) expect(sseHeaders(r.headers)).toEqual({});
    expect((await be.rawGet(STATE_KEY))?.body.toString()).toBe(TF_EMPTY_STATE);
  });

  test('vector 12: acl goes on the state PUT and the lock-file PUT', async () => {
    const be = await backend('lockfile', { config: { acl: 'bucket-owner-full-control' } });
    const client = be.client();
    await client.withLock(() => client.writeState(Buffer.from(TF_EMPTY_STATE)));
    const puts = be.s3Log.filter((r) => r.op === 'PutObject');
    expect(puts).toHaveLength(2);
    for (const p of puts) expect(p.headers['x-amz-acl']).toBe('bucket-owner-full-control');
  });

  test('vector 13: skip_s3_checksum sends no checksum header and no checksum mode on any request, and Content-MD5 on writes (own SDK client)', async () => {
    const be = await backend('lockfile', { config: { skip_s3_checksum: true } });
    const servers = testServers();
    const client = StateClient.fromConfig({
      ...be.config,
      endpoints: { s3: servers.s3Endpoint },
      use_path_style: true,
      access_key: servers.accessKeyId,
      secret_key: servers.secretAccessKey,
    }, { env: {} });
    const log = capture((client as any).runtime.s3 as S3Client);
    await client.withLock(() => client.writeState(Buffer.from(TF_EMPTY_STATE)));
    expect((await client.readState())?.bytes.toString()).toBe(TF_EMPTY_STATE);
    expect(ops(log)).toEqual(['PutObject', 'PutObject', 'GetObject', 'DeleteObject', 'GetObject']);
    for (const r of log) {
      expect(Object.keys(r.headers).filter((k) => k.startsWith('x-amz-checksum') || k === 'x-amz-sdk-checksum-algorithm')).toEqual([]);
    }
    // Beyond Terraform (which sends no checksum at all here): Content-MD5, which an S3 Object Lock
    // bucket requires on every write, on the lock file and on the state.
    const puts = log.filter((r) => r.op === 'PutObject');
    expect(puts.map((r) => r.headers['content-md5'])).toEqual(puts.map((r) => createHash('md5').update(r.input.Body).digest('base64')));
    client.destroy();
  });

  test('vector 13: skip_s3_checksum also holds on a caller client left at the SDK default (WHEN_SUPPORTED), which is not modified', async () => {
    const be = await backend('lockfile', { config: { skip_s3_checksum: true } });
    const { requestChecksumCalculation: _req, responseChecksumValidation: _res, ...defaults } = s3Config();
    const callers = new S3Client(defaults);
    try {
      const log = capture(callers);
      const client = StateClient.fromConfig(be.config, { s3: callers, env: {} });
      await client.withLock(() => client.writeState(Buffer.from(TF_EMPTY_STATE)));
      expect((await client.readState())?.bytes.toString()).toBe(TF_EMPTY_STATE);
      expect(ops(log)).toHaveLength(5);
      for (const r of log) {
        expect(Object.keys(r.headers).filter((k) => k.startsWith('x-amz-checksum') || k === 'x-amz-sdk-checksum-algorithm')).toEqual([]);
      }
      // The same caller client, used directly, still sends its default checksums.
      log.length = 0;
      await callers.send(new PutObjectCommand({ Bucket: be.bucket, Key: 'direct', Body: Buffer.from('x') }));
      expect(Object.keys(log[0].headers).some((k) => k.startsWith('x-amz-checksum-'))).toBe(true);
    } finally {
      callers.destroy();
    }
  });

  test('without skip_s3_checksum the lock file carries the SHA-256 of its body, as the state does', async () => {
    const be = await backend('lockfile');
    const client = be.client();
    const id = await client.lock();
    const put = be.s3Log.find((r) => r.op === 'PutObject')!;
    const body = (await be.rawGet(`${STATE_KEY}.tflock`))!.body;
    expect(put.headers['x-amz-checksum-sha256']).toBe(createHash('sha256').update(body).digest('base64'));
    await client.unlock(id);
  });
});

describe('wire: exact lock bytes (vectors 16 and 18)', () => {
  const vector = parseLockInfo(LOCK_VECTOR);

  test('vector 16: the lock file is exactly the 215 LockInfo bytes, If-None-Match: *', async () => {
    const be = await backend('lockfile');
    const counter = new RequestCounter();
    const store = new ObjectStore(be.s3, counter, { bucket: be.bucket, encryption: { type: 'none' }, skipS3Checksum: false });
    const locker = new LockFileLocker(store, `${STATE_KEY}.tflock`);
    await locker.lock(vector);
    const body = (await be.rawGet(`${STATE_KEY}.tflock`))!;
    expect(body.body.toString()).toBe(LOCK_VECTOR);
    // The reference prints 215 bytes / MD5 5950ee14...; its own JSON string is 207 bytes (see test/protocol/lock-info.test.ts).
    expect(body.body.length).toBe(207);
    expect(createHash('md5').update(body.body).digest('hex')).toBe('571317eb90cc3b7964eb932548ff6903');
    const put = be.s3Log.find((r) => r.op === 'PutObject')!;
    expect(put.headers['if-none-match']).toBe('*');
    expect(put.input.Key).toBe(`${STATE_KEY}.tflock`);
    expect(body.contentType).toBe('application/json');
    expect(counter.snapshot()).toMatchObject({ s3: { PutObject: 1 }, dynamodb: {}, total: 1 });
    await locker.unlock(vector.ID);
  });

  test('vector 18: the DynamoDB lock is one conditional PutItem with the exact Info bytes; a refusal reads with ConsistentRead', async () => {
    const be = await backend('dynamodb');
    const counter = new RequestCounter();
    const locker = new DynamoDbLocker(be.dynamodb, counter, be.table!, `b/${STATE_KEY}`);
    await locker.lock(vector);
    expect(be.dynamoLog[0].input).toEqual({
      TableName: be.table,
      Item: { LockID: { S: `b/${STATE_KEY}` }, Info: { S: LOCK_VECTOR } },
      ConditionExpression: 'attribute_not_exists(LockID)',
    });
    const err = await locker.lock({ ...vector, ID: 'other' }).catch((e) => e);
    expect(isStateLockedError(err) && err.lockInfo).toEqual(vector);
    expect(be.dynamoLog[2].input).toEqual({
      TableName: be.table,
      Key: { LockID: { S: `b/${STATE_KEY}` } },
      ProjectionExpression: 'LockID, Info',
      ConsistentRead: true,
    });
    await locker.unlock(vector.ID);
    expect(be.dynamoLog.at(-1)!.input.ExpressionAttributeValues).toEqual({ ':info': { S: LOCK_VECTOR } });
  });
});

describe('listing workspaces (vectors 3-6)', () => {
  test('vector 3: ListObjectsV2 with Prefix env:/ and MaxKeys 1000; every page is read', async () => {
    const be = await backend('none', { key: 'test/state/tfstate' });
    for (const ws of ['w1', 'w2', 'w3', 'w4', 'w5']) await be.rawPut(`env:/${ws}/test/state/tfstate`, '{}');
    be.s3Log.length = 0;
    const client = be.client();
    await client.listWorkspaces();
    expect(be.s3Log[0].input).toEqual({ Bucket: be.bucket, Prefix: 'env:/', MaxKeys: 1000 });

    // Force small pages on the real server to exercise continuation tokens.
    be.s3.middlewareStack.add((next: any) => async (args: any) => next({ ...args, input: { ...args.input, MaxKeys: 2 } }), { step: 'initialize', name: 'smallPages' });
    be.s3Log.length = 0;
    await expect(client.listWorkspaces()).resolves.toEqual(['default', 'w1', 'w2', 'w3', 'w4', 'w5']);
    expect(ops(be.s3Log)).toEqual(['ListObjectsV2', 'ListObjectsV2', 'ListObjectsV2']);
    expect(be.s3Log[1].input.ContinuationToken).toBeDefined();
  });

  test('vector 4: only state objects of the configured key name a workspace; default first, then byte order', async () => {
    const be = await backend('none', { key: 'test/state/tfstate' });
    for (const k of ['env:/s2/test/state/tfstate', 'env:/s1/test/state/tfstate', 'env:/error', 'env:/s2/notTestState', 'env:/s2/test/state/tfstate.tflock', 'env:/s2/', 'env:/B/test/state/tfstate', 'env:/a/b/test/state/tfstate']) {
      await be.rawPut(k, '{}');
    }
    await expect(be.client().listWorkspaces()).resolves.toEqual(['default', 'B', 's1', 's2']);

    const be2 = await backend('none', { key: 'test-env.tfstate', config: { workspace_key_prefix: 'env' } });
    await be2.rawPut('env/env-1/test-env.tfstate', '{}');
    await expect(be2.client().listWorkspaces()).resolves.toEqual(['default', 'env-1']);
  });

  test('vector 5: empty prefix lists the whole bucket; nested prefixes work', async () => {
    const be = await backend('none', { key: 'some/paths/tfstate', config: { workspace_key_prefix: '' } });
    await be.rawPut('ws1/some/paths/tfstate', '{}');
    await be.rawPut('some/paths/tfstate', '{}');
    be.s3Log.length = 0;
    await expect(be.client().listWorkspaces()).resolves.toEqual(['default', 'ws1']);
    expect(be.s3Log[0].input.Prefix).toBe('');

    const be2 = await backend('none', { key: 'some/paths/tfstate', config: { workspace_key_prefix: 'project/env:' } });
    await be2.rawPut('project/env:/ws1/some/paths/tfstate', '{}');
    await expect(be2.client().listWorkspaces()).resolves.toEqual(['default', 'ws1']);
  });

  // Terraform's Workspaces() (internal/backend/remote-state/s3/backend_state.go) tolerates
  // AccessDenied only when workspace_key_prefix is the default "env:".
  test('vector 6: AccessDenied on the listing gives ["default"] with the env: prefix only; with another prefix it is Terraform\'s error', async () => {
    const be = await backend('none');
    const other = s3Client({ other: true });
    try {
      const warnings: string[] = [];
      const logger = { warn: (m: string) => warnings.push(m) };
      const tolerant = StateClient.fromConfig({ ...be.config, workspace_key_prefix: 'env:' }, { s3: other, env: {}, logger });
      await expect(tolerant.listWorkspaces()).resolves.toEqual(['default']);
      expect(warnings.join('\n')).toMatch(/Unable to list non-default workspaces: AccessDenied/);
      const strict = StateClient.fromConfig({ ...be.config, workspace_key_prefix: 'prefix' }, { s3: other, env: {}, logger });
      const err = await strict.listWorkspaces().catch((e) => e);
      expect(isStateBackendError(err)).toBe(true);
      expect(err.message).toMatch(new RegExp(`^Unable to list objects in S3 bucket "${be.bucket}" with prefix "prefix/": AccessDenied`));
    } finally {
      other.destroy();
    }
  });

  test('an empty workspace name (env://key, and /key with an empty prefix) is never listed, as Terraform', async () => {
    const be = await backend('none');
    await be.rawPut(`env://${be.config.key}`, TF_EMPTY_STATE);
    await be.rawPut(`env:/ws1/${be.config.key}`, TF_EMPTY_STATE);
    await expect(be.client().listWorkspaces()).resolves.toEqual(['default', 'ws1']);
    await be.rawPut(`/${be.config.key}`, TF_EMPTY_STATE);
    // With no prefix only `<ws>/<key>` counts: `/<key>` would be the empty name, the others are not `<ws>/<key>`.
    await expect(be.client({}, { workspace_key_prefix: '' }).listWorkspaces()).resolves.toEqual(['default']);
  });

  test('a missing bucket is Terraform\'s "does not exist" error on listing and on reads', async () => {
    const be = await backend('none');
    const client = be.client({}, { bucket: `${be.bucket}-missing` });
    const err = await client.listWorkspaces().catch((e) => e);
    expect(isBucketNotFoundError(err)).toBe(true);
    expect(err.message).toMatch(new RegExp(`^S3 bucket "${be.bucket}-missing" does not exist\\.\\n\\nThe referenced S3 bucket must have been previously created\\.`));
    // The SDK error closes the text: its code, and its message when the server sent one.
    expect(err.message).toMatch(/\n\nError: NoSuchBucket(: .+)?$/);
    expect(isBucketNotFoundError(await client.readState().catch((e) => e))).toBe(true);
  });
});

describe('digest consistency (vectors 14-15)', () => {
  test('vector 14: a matching digest is read once, with LockID/Digest projection and ConsistentRead', async () => {
    const be = await backend('dynamodb');
    const client = be.client();
    await be.rawPut(STATE_KEY, 'test');
    await be.dynamodb.send(new PutItemCommand({ TableName: be.table, Item: { LockID: { S: client.paths.digestLockId }, Digest: { S: '098f6bcd4621d373cade4e832627b4f6' } } }));
    be.s3Log.length = 0;
    be.dynamoLog.length = 0;
    // The digest matches, so the failure is the state reader's, not the consistency check's.
    const err = await client.readState().catch((e) => e);
    expect(isInvalidStateError(err)).toBe(true);
    expect(ops(be.s3Log)).toEqual(['GetObject']);
    expect(be.dynamoLog.map((r) => r.input)).toEqual([{
      TableName: be.table,
      Key: { LockID: { S: client.paths.digestLockId } },
      ProjectionExpression: 'LockID, Digest',
      ConsistentRead: true,
    }]);
  });

  test('vector 15: a mismatch is retried every poll interval until the timeout, then fails with Terraform\'s text', async () => {
    const be = await backend('dynamodb');
    const client = be.client({ digestRetry: { pollIntervalMs: 100, timeoutMs: 450 } });
    await be.rawPut(STATE_KEY, TF_EMPTY_STATE);
    await be.dynamodb.send(new PutItemCommand({ TableName: be.table, Item: { LockID: { S: client.paths.digestLockId }, Digest: { S: '00000000000000000000000000000000' } } }));
    const started = Date.now();
    const err = await client.readState().catch((e) => e);
    const elapsed = Date.now() - started;
    expect(isStateChecksumMismatchError(err)).toBe(true);
    expect(elapsed).toBeGreaterThanOrEqual(450);
    const gets = ops(be.s3Log).filter((o) => o === 'GetObject').length;
    // Attempts are bounded by the deadline, not counted: a loaded machine fits fewer of them in 450 ms. At least
    // one retry proves the poll; at most timeout/poll + 2 proves it stops.
    expect(gets).toBeGreaterThanOrEqual(2);
    expect(gets).toBeLessThanOrEqual(7);
    expect(err.calculatedChecksum).toBe('076c63e990e99364261f1f739b724cc7');
    expect(err.message).toBe([
      'state data in S3 does not have the expected content.',
      '',
      'The checksum calculated for the state stored in S3 does not match the checksum',
      'stored in DynamoDB.',
      '',
      `Bucket: ${be.bucket}`,
      `Key:    ${STATE_KEY}`,
      'Calculated checksum: 076c63e990e99364261f1f739b724cc7',
      'Stored checksum:     00000000000000000000000000000000',
      '',
      'This may be caused by unusually long delays in S3 processing a previous state',
      'update. Please wait for a minute or two and try again.',
      '',
      'If this problem persists, and neither S3 nor DynamoDB are experiencing an',
      'outage, you may need to manually verify the remote state and update the Digest',
      'value stored in the DynamoDB table to the following value: 076c63e990e99364261f1f739b724cc7',
    ].join('\n'));
  });

  test('vector 15: a mismatch that heals within the timeout succeeds', async () => {
    const be = await backend('dynamodb');
    const client = be.client({ digestRetry: { pollIntervalMs: 50, timeoutMs: 5_000 } });
    await be.rawPut(STATE_KEY, TF_EMPTY_STATE);
    await be.dynamodb.send(new PutItemCommand({ TableName: be.table, Item: { LockID: { S: client.paths.digestLockId }, Digest: { S: '00000000000000000000000000000000' } } }));
    setTimeout(() => void be.dynamodb.send(new PutItemCommand({ TableName: be.table, Item: { LockID: { S: client.paths.digestLockId }, Digest: { S: '076c63e990e99364261f1f739b724cc7' } } })), 200);
    expect((await client.readState())?.md5).toBe('076c63e990e99364261f1f739b724cc7');
  });

  test('vector 15: a digest for a missing object asks to remove the Digest; "zz" is ignored', async () => {
    const be = await backend('dynamodb');
    const client = be.client({ digestRetry: { pollIntervalMs: 20, timeoutMs: 60 } });
    await be.dynamodb.send(new PutItemCommand({ TableName: be.table, Item: { LockID: { S: client.paths.digestLockId }, Digest: { S: '076c63e990e99364261f1f739b724cc7' } } }));
    const err = await client.readState().catch((e) => e);
    expect(isStateChecksumMismatchError(err)).toBe(true);
    expect(err.message).toContain('Calculated checksum: \n');
    expect(err.message).toMatch(/remove the Digest\nvalue stored in the DynamoDB table$/);

    const warnings: string[] = [];
    const lenient = be.client({ logger: { warn: (m) => warnings.push(m) } });
    await be.dynamodb.send(new PutItemCommand({ TableName: be.table, Item: { LockID: { S: client.paths.digestLockId }, Digest: { S: 'zz' } } }));
    await expect(lenient.readState()).resolves.toBeUndefined();
    expect(warnings.join('\n')).toMatch(/invalid md5/);
  });

  test('a failed digest write is logged and the state write still succeeds (as Terraform)', async () => {
    const be = await backend('dynamodb');
    const warnings: string[] = [];
    const client = be.client({ logger: { warn: (m) => warnings.push(m) } }, { dynamodb_table: 'no-such-table' });
    await expect(client.writeState(Buffer.from(TF_EMPTY_STATE))).resolves.toMatchObject({ md5: '076c63e990e99364261f1f739b724cc7' });
    expect(warnings.join('\n')).toMatch(/failed to record state serial in dynamodb: ResourceNotFoundException/);
    expect((await be.rawGet(STATE_KEY))?.body.toString()).toBe(TF_EMPTY_STATE);
  });
});

describe('state formats (vector 27, invalid states)', () => {
  test('vector 27: an OpenTofu envelope is refused as encrypted, after the digest check over its bytes', async () => {
    const be = await backend('dynamodb');
    const client = be.client();
    const envelope = '{"serial":3,"lineage":"L","meta":{"key_provider.pbkdf2.k":"eyJzYWx0IjoiIn0="},"encrypted_data":"AAAA","encryption_version":"v0"}';
    await be.rawPut(STATE_KEY, envelope);
    await be.dynamodb.send(new PutItemCommand({ TableName: be.table, Item: { LockID: { S: client.paths.digestLockId }, Digest: { S: createHash('md5').update(envelope).digest('hex') } } }));
    const err = await client.readState().catch((e) => e);
    expect(isEncryptedStateError(err)).toBe(true);
    expect(err.message).toContain('pbkdf2 "k"');
    expect(isEncryptedStateError(await client.pushState(Buffer.from(envelope)).catch((e) => e))).toBe(true);
  });

  test('invalid JSON and a state without "version" are InvalidStateError with Terraform\'s reader text', async () => {
    const be = await backend('none');
    const client = be.client();
    await be.rawPut(STATE_KEY, '{not json');
    expect(isInvalidStateError(await client.readState().catch((e) => e))).toBe(true);
    await be.rawPut(STATE_KEY, '{"serial":1}');
    const err = await client.readState().catch((e) => e);
    expect(isInvalidStateError(err)).toBe(true);
    expect(err.message).toContain('The state file does not have a "version" attribute');
    expect(isInvalidStateError(await client.writeState(Buffer.from('{"serial":1}')).catch((e) => e))).toBe(true);
    expect(isInvalidStateError(await client.writeState(Buffer.alloc(0)).catch((e) => e))).toBe(true);
  });

  test('writeState stores the bytes it checked: a caller changing its buffer meanwhile changes nothing', async () => {
    const be = await backend('none');
    const client = be.client();
    const bytes = readFileSync(join(FIXTURES, 'states_statefile__roundtrip_v4-simple.tfstate'));
    const given = Buffer.from(bytes);
    // The check runs when writeState is called; the PUT is sent after an await (the SDK, credentials).
    const written = client.writeState(given);
    given.fill(0x20);
    await written;
    expect((await be.rawGet(STATE_KEY))?.body.equals(bytes)).toBe(true);
    // Invalid bytes are refused before anything is sent, as before.
    given.write('{"serial":1}');
    expect(isInvalidStateError(await client.writeState(given).catch((e) => e))).toBe(true);
    expect((await be.rawGet(STATE_KEY))?.body.equals(bytes)).toBe(true);
  });
});

describe('Terraform\'s side: objects written as Terraform writes them are honoured, and the reverse', () => {
  test('real Terraform states with a Terraform digest are read byte for byte with their outputs', async () => {
    const be = await backend('both');
    const client = be.client();
    for (const file of ['builtin_providers_terraform__complex_outputs.tfstate', 'states_statefile__roundtrip_v4-modules.tfstate', 'builtin_providers_terraform__null_outputs.tfstate']) {
      const bytes = readFileSync(join(FIXTURES, file));
      await be.s3.send(new PutObjectCommand({ Bucket: be.bucket, Key: STATE_KEY, Body: bytes, ContentType: 'application/json' }));
      await be.dynamodb.send(new PutItemCommand({ TableName: be.table, Item: { LockID: { S: client.paths.digestLockId }, Digest: { S: createHash('md5').update(bytes).digest('hex') } } }));
      const read = await client.readState();
      expect(read?.bytes.equals(bytes)).toBe(true);
      const doc = JSON.parse(bytes.toString());
      const outputs = await client.readOutputs();
      expect(Object.keys(outputs).sort()).toEqual(Object.keys(doc.outputs ?? {}).sort());
      for (const [name, o] of Object.entries<any>(doc.outputs ?? {})) {
        expect(outputs[name]).toEqual({ value: o.value, type: o.type, sensitive: o.sensitive === true });
      }
    }
  });

  test('a Terraform-written lock file and DynamoDB item are honoured: refused lock carries it, its ID releases it', async () => {
    const be = await backend('both');
    const client = be.client();
    const info = LOCK_VECTOR.replace('b/path/to/terraform.tfstate', client.paths.lockId);
    await be.s3.send(new PutObjectCommand({ Bucket: be.bucket, Key: `${STATE_KEY}.tflock`, Body: info, ContentType: 'application/json' }));
    await be.dynamodb.send(new PutItemCommand({ TableName: be.table, Item: { LockID: { S: client.paths.lockId }, Info: { S: info } } }));
    const err = await client.lock().catch((e) => e);
    expect(isStateLockedError(err)).toBe(true);
    expect(err.lockInfo).toMatchObject({ ID: 'a1b2c3d4-e5f6-0718-293a-4b5c6d7e8f90', Who: 'alice@host1', Operation: 'OperationTypeApply' });
    expect((await be.rawGet(`${STATE_KEY}.tflock`))?.body.toString()).toBe(info);
    expect(isLockIdMismatchError(await client.unlock('someone-else').catch((e) => e))).toBe(true);
    await client.unlock('a1b2c3d4-e5f6-0718-293a-4b5c6d7e8f90');
    expect(await be.rawExists(`${STATE_KEY}.tflock`)).toBe(false);
    const item = await be.dynamodb.send(new GetItemCommand({ TableName: be.table, Key: { LockID: { S: client.paths.lockId } } }));
    expect(item.Item).toBeUndefined();
  });

  test('what the client writes is what Terraform reads: raw bytes, content type, digest item, lock bytes', async () => {
    const be = await backend('both');
    const client = be.client();
    const id = await client.lock({ operation: 'OperationTypeApply' });
    const raw = (await be.rawGet(`${STATE_KEY}.tflock`))!;
    const lockInfo = parseLockInfo(raw.body);
    expect(lockInfo.ID).toBe(id);
    expect(lockInfo.Path).toBe(client.paths.lockId);
    expect(Object.keys(JSON.parse(raw.body.toString()))).toEqual(['ID', 'Operation', 'Info', 'Who', 'Version', 'Created', 'Path']);
    const item = await be.dynamodb.send(new GetItemCommand({ TableName: be.table, Key: { LockID: { S: client.paths.lockId } } }));
    expect(item.Item?.Info.S).toBe(raw.body.toString());

    const bytes = readFileSync(join(FIXTURES, 'states_statefile__roundtrip_v4-foreach.tfstate'));
    await client.writeState(bytes);
    const stored = (await be.rawGet(STATE_KEY))!;
    expect(stored.body.equals(bytes)).toBe(true);
    expect(stored.contentType).toBe('application/json');
    const digest = await be.dynamodb.send(new GetItemCommand({ TableName: be.table, Key: { LockID: { S: client.paths.digestLockId } } }));
    expect(digest.Item?.Digest.S).toBe(createHash('md5').update(bytes).digest('hex'));
    await client.unlock(id);
  });

  test('a StateFile is written in Terraform\'s indented format (the §6 empty state, 181 bytes)', async () => {
    const be = await backend('none');
    const client = be.client();
    await client.writeState({ version: 4, terraform_version: '1.10.0', serial: 1, lineage: '0e4b3a1c-1111-2222-3333-444455556666', outputs: {}, resources: [], check_results: null });
    expect((await be.rawGet(STATE_KEY))?.body.toString()).toBe(TF_EMPTY_STATE);
  });
});

describe('versions and request counts', () => {
  test('listStateVersions lists only the exact key, newest first, delete markers flagged', async () => {
    const be = await backend('none', { versioned: true });
    const client = be.client();
    await client.writeState(Buffer.from(stateWith('L', 1)));
    await client.writeState(Buffer.from(stateWith('L', 2)));
    await be.rawPut(`${STATE_KEY}.backup`, 'x');
    await client.withWorkspace('dev').writeState(Buffer.from(stateWith('D', 1)));
    await client.createWorkspace('qa');
    await client.deleteWorkspace('qa');
    await be.s3.send(new PutObjectCommand({ Bucket: be.bucket, Key: STATE_KEY, Body: stateWith('L', 3) }));
    const versions = await client.listStateVersions();
    expect(versions).toHaveLength(3);
    expect(versions[0].isLatest).toBe(true);
    expect(versions.every((v) => !v.isDeleteMarker)).toBe(true);
    const old = await client.readState({ versionId: versions[2].versionId });
    expect(old?.state.serial).toBe(1);

    const qa = await client.withWorkspace('qa').listStateVersions();
    expect(qa.map((v) => v.isDeleteMarker)).toEqual([true, false]);
    expect(qa[0].isLatest).toBe(true);
  });

  test('requestCounts counts every request per service and operation, also on caller clients, without touching their stacks', async () => {
    const be = await backend('both');
    const before = be.s3.middlewareStack.identify().length;
    const client = be.client();
    await client.withLock(async () => {
      await client.readState();
      await client.writeState(Buffer.from(TF_EMPTY_STATE));
    });
    // DeleteObject: the unlock, and once per client the conditional-delete probe of a missing scratch key.
    expect(client.requestCounts).toEqual({
      s3: { PutObject: 2, GetObject: 2, DeleteObject: 2 },
      dynamodb: { PutItem: 2, GetItem: 2, DeleteItem: 1 },
      sts: {},
      iam: {},
      total: 11,
    });
    expect(be.s3.middlewareStack.identify().length).toBe(before);
    client.resetRequestCounts();
    expect(client.requestCounts.total).toBe(0);
  });
});

describe('lock-file release when the lock changes between read and delete', () => {
  test('a 412 on the conditional delete (AWS behaviour; RGW ignores If-Match) re-reads and never deletes another holder\'s lock', async () => {
    const be = await backend('lockfile');
    const client = be.client();
    const id = await client.lock();
    const foreign = LOCK_VECTOR;
    // SDK fault injection for what no local server does: RGW ignores If-Match on DELETE.
    be.s3.middlewareStack.add((next: any, context: any) => async (args: any) => {
      if (context.commandName === 'DeleteObjectCommand' && args.input.IfMatch) {
        await be.rawPut(`${STATE_KEY}.tflock`, foreign);
        throw Object.assign(new Error('At least one of the pre-conditions you specified did not hold'), { name: 'PreconditionFailed', $metadata: { httpStatusCode: 412 } });
      }
      return next(args);
    }, { step: 'initialize', name: 'takeOverBeforeDelete' });
    const err = await client.unlock(id).catch((e) => e);
    expect(isLockIdMismatchError(err)).toBe(true);
    expect(err.existingLockId).toBe('a1b2c3d4-e5f6-0718-293a-4b5c6d7e8f90');
    expect((await be.rawGet(`${STATE_KEY}.tflock`))?.body.toString()).toBe(foreign);
  });

  test('a server that rejects If-Match on DELETE gets plain deletes from then on (detected, not assumed)', async () => {
    const be = await backend('lockfile');
    const client = be.client();
    let conditionalAttempts = 0;
    // SDK fault injection: no local server rejects the header (RGW ignores it). The probe's own
    // conditional delete is left alone (it is answered 204 by RGW: not honoured).
    be.s3.middlewareStack.add((next: any, context: any) => async (args: any) => {
      if (context.commandName === 'DeleteObjectCommand' && args.input.IfMatch && !String(args.input.Key).endsWith('.if-match-probe')) {
        conditionalAttempts++;
        throw Object.assign(new Error('If-Match not implemented'), { name: 'NotImplemented', $metadata: { httpStatusCode: 501 } });
      }
      return next(args);
    }, { step: 'initialize', name: 'rejectIfMatch' });
    for (let round = 0; round < 2; round++) {
      be.s3Log.length = 0;
      const id = await client.lock();
      await client.unlock(id);
      expect(await be.rawExists(`${STATE_KEY}.tflock`)).toBe(false);
      const deletes = be.s3Log.filter((r) => r.op === 'DeleteObject' && !isProbe(r));
      // The rejected attempt never reaches the wire; what does is a plain DELETE.
      expect(deletes.map((d) => d.headers['if-match'])).toEqual([undefined]);
    }
    expect(conditionalAttempts).toBe(1);
  });
});
