import { createHash } from 'node:crypto';
import { DeleteItemCommand, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { LOCK_MODES, LockMode, TF_EMPTY_STATE, TestBackend, newBackend, ops, stateWith } from './support';
import {
  LockIdMismatchError,
  StateClient,
  isLockIdMismatchError,
  isLockReleaseError,
  isStateBackendError,
  isStateChecksumMismatchError,
  isStateConflictError,
  isStateLockedError,
  isWorkspaceError,
} from '../../src/client';

/**
 * One conformance suite, run against every locking mode (lock file, DynamoDB, both): the I/O
 * vectors of the protocol reference (§10), each asserting what Terraform does on the wire.
 */
describe.each(LOCK_MODES)('conformance with locking mode %s', (mode: LockMode) => {
  const usesFile = mode !== 'dynamodb';
  const usesTable = mode !== 'lockfile';
  let be: TestBackend;
  let client: StateClient;

  beforeEach(async () => {
    be = await newBackend(mode);
    client = be.client({ digestRetry: { pollIntervalMs: 50, timeoutMs: 300 }, lockRetry: { initialDelayMs: 20, maxDelayMs: 100 } });
    be.s3Log.length = 0;
    be.dynamoLog.length = 0;
  });
  afterEach(async () => {
    client.destroy();
    await be.destroy();
  });

  test('vectors 1-2: paths of the default and of a named workspace', () => {
    expect(client.lockingMode).toBe({ lockfile: 'lockfile', dynamodb: 'dynamodb', both: 'lockfile+dynamodb' }[mode]);
    expect(client.paths).toEqual({
      bucket: be.bucket,
      stateKey: 'path/to/terraform.tfstate',
      lockFileKey: 'path/to/terraform.tfstate.tflock',
      lockId: `${be.bucket}/path/to/terraform.tfstate`,
      digestLockId: `${be.bucket}/path/to/terraform.tfstate-md5`,
    });
    const dev = client.withWorkspace('dev');
    expect(dev.paths.stateKey).toBe('env:/dev/path/to/terraform.tfstate');
    expect(dev.paths.lockFileKey).toBe('env:/dev/path/to/terraform.tfstate.tflock');
    expect(dev.paths.digestLockId).toBe(`${be.bucket}/env:/dev/path/to/terraform.tfstate-md5`);
    expect(be.client({ workspace: 'dev' }, { workspace_key_prefix: '' }).paths.stateKey).toBe('dev/path/to/terraform.tfstate');
    expect(be.client({ workspace: 'dev' }, { workspace_key_prefix: 'project/env:' }).paths.stateKey).toBe('project/env:/dev/path/to/terraform.tfstate');
    expect(be.client({ workspace: 'env-1' }, { workspace_key_prefix: 'prefix', key: 'test/test-env.tfstate' }).paths.lockFileKey).toBe('prefix/env-1/test/test-env.tfstate.tflock');
  });

  test('vector 7: a missing state is "no state" after one GET (no HEAD), digest-less table or not', async () => {
    await expect(client.readState()).resolves.toBeUndefined();
    expect(ops(be.s3Log)).toEqual(['GetObject']);
    expect(ops(be.dynamoLog)).toEqual(usesTable ? ['GetItem'] : []);
    expect(client.requestCounts.s3).toEqual({ GetObject: 1 });
  });

  test('vector 8: a zero-byte object is "no state"', async () => {
    await be.rawPut('path/to/terraform.tfstate', '');
    await expect(client.readState()).resolves.toBeUndefined();
  });

  test('vectors 9-10: a write is one PUT with Terraform headers, then the digest item when a table exists', async () => {
    const out = await client.writeState(Buffer.from(TF_EMPTY_STATE));
    const puts = be.s3Log.filter((r) => r.op === 'PutObject');
    expect(puts).toHaveLength(1);
    const h = puts[0].headers;
    expect(h['content-type']).toBe('application/json');
    expect(h['x-amz-checksum-sha256']).toBe('OTrNAbd/NEs8CTPw67oiTGUbQOK6p9yfjxN7SLcRTaY=');
    expect(h['x-amz-sdk-checksum-algorithm']).toBe('SHA256');
    expect(Object.keys(h).filter((k) => k.startsWith('x-amz-server-side-encryption') || k === 'x-amz-acl' || k === 'if-none-match')).toEqual([]);
    expect(out.md5).toBe('076c63e990e99364261f1f739b724cc7');
    expect((await be.rawGet('path/to/terraform.tfstate'))?.body.toString()).toBe(TF_EMPTY_STATE);
    if (usesTable) {
      expect(ops(be.dynamoLog)).toEqual(['PutItem']);
      expect(be.dynamoLog[0].input).toEqual({
        TableName: be.table,
        Item: { LockID: { S: `${be.bucket}/path/to/terraform.tfstate-md5` }, Digest: { S: '076c63e990e99364261f1f739b724cc7' } },
      });
    } else {
      expect(be.dynamoLog).toEqual([]);
    }
  });

  test('reads back what it wrote, with the outputs and their sensitivity', async () => {
    const state = JSON.parse(stateWith('L', 3, 'x'));
    state.outputs.secret = { value: 's', type: 'string', sensitive: true };
    await client.writeState(Buffer.from(JSON.stringify(state)));
    const read = await client.readState();
    expect(read?.state.serial).toBe(3);
    expect(read?.state.lineage).toBe('L');
    await expect(client.readOutputs()).resolves.toEqual({
      out: { value: 'x', type: 'string', sensitive: false },
      secret: { value: 's', type: 'string', sensitive: true },
    });
  });

  test('lock: acquires, shows the holder, refuses a second locker with the holder\'s info, releases', async () => {
    const id = await client.lock({ operation: 'OperationTypeApply', who: 'alice@host1', version: '1.10.0' });
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const holder = await client.getLockInfo();
    expect(holder).toMatchObject({ ID: id, Operation: 'OperationTypeApply', Who: 'alice@host1', Version: '1.10.0', Path: client.paths.lockId });

    const other = be.client();
    const err = await other.lock({ operation: 'OperationTypePlan' }).catch((e) => e);
    expect(isStateLockedError(err)).toBe(true);
    expect(err.lockInfo).toEqual(holder);
    expect(err.message).toContain(`ID:        ${id}`);
    // Vector 17: the existing lock is untouched.
    expect(await client.getLockInfo()).toEqual(holder);

    await client.unlock(id);
    await expect(client.getLockInfo()).resolves.toBeUndefined();
    expect(await be.rawExists('path/to/terraform.tfstate.tflock')).toBe(false);
  });

  test('vectors 16/18: the lock is taken with the mode\'s requests only', async () => {
    const id = await client.lock({ operation: 'OperationTypeApply' });
    if (usesFile) {
      const put = be.s3Log.find((r) => r.op === 'PutObject')!;
      expect(put.input.Key).toBe('path/to/terraform.tfstate.tflock');
      expect(put.headers['if-none-match']).toBe('*');
      expect(put.headers['content-type']).toBe('application/json');
      const body = (await be.rawGet('path/to/terraform.tfstate.tflock'))!.body.toString();
      expect(JSON.parse(body).ID).toBe(id);
    } else {
      expect(be.s3Log).toEqual([]);
    }
    if (usesTable) {
      const put = be.dynamoLog.find((r) => r.op === 'PutItem')!;
      expect(put.input.ConditionExpression).toBe('attribute_not_exists(LockID)');
      expect(put.input.Item.LockID.S).toBe(client.paths.lockId);
      expect(JSON.parse(put.input.Item.Info.S).ID).toBe(id);
      if (usesFile) {
        // Same bytes in both places.
        expect(put.input.Item.Info.S).toBe((await be.rawGet('path/to/terraform.tfstate.tflock'))!.body.toString());
      }
    } else {
      expect(be.dynamoLog).toEqual([]);
    }
    await client.unlock(id);
  });

  test('vector 20: unlock with a wrong ID deletes nothing and names both IDs', async () => {
    const id = await client.lock();
    be.s3Log.length = 0;
    be.dynamoLog.length = 0;
    const err = await client.unlock('wrong-id').catch((e) => e);
    expect(isLockIdMismatchError(err)).toBe(true);
    expect((err as LockIdMismatchError).existingLockId).toBe(id);
    const fileText = `lock ID 'wrong-id' does not match the existing lock ID '${id}'`;
    const tableText = `lock ID "wrong-id" does not match existing lock ("${id}")`;
    // Both: Terraform's RemoteClient.Unlock wraps the two failures in one text.
    expect(err.message).toBe(mode === 'both'
      ? `failed to unlock both S3 and DynamoDB: S3 error: ${fileText}, DynamoDB error: ${tableText}`
      : usesFile ? fileText : tableText);
    expect(ops(be.s3Log)).not.toContain('DeleteObject');
    expect(ops(be.dynamoLog)).not.toContain('DeleteItem');
    expect((await client.getLockInfo())?.ID).toBe(id);
    await client.unlock(id);
  });

  test('vector 21: unlock with the right ID reads, then deletes conditionally on what it read', async () => {
    const id = await client.lock();
    be.s3Log.length = 0;
    be.dynamoLog.length = 0;
    await client.unlock(id);
    if (usesFile) {
      const del = be.s3Log.filter((r) => r.op === 'DeleteObject');
      expect(del.length).toBeGreaterThanOrEqual(1);
      expect(del[0].input.Key).toBe('path/to/terraform.tfstate.tflock');
      expect(del[0].input.VersionId).toBeUndefined();
      expect(ops(be.s3Log)[0]).toBe('GetObject');
    }
    if (usesTable) {
      const del = be.dynamoLog.find((r) => r.op === 'DeleteItem')!;
      expect(del.input.ConditionExpression).toBe('Info = :info');
      expect(JSON.parse(del.input.ExpressionAttributeValues[':info'].S).ID).toBe(id);
      const get = be.dynamoLog.find((r) => r.op === 'GetItem')!;
      expect(get.input).toMatchObject({ ProjectionExpression: 'LockID, Info', ConsistentRead: true });
    }
    expect(await client.getLockInfo()).toBeUndefined();
  });

  test('withLock releases after an error in the callback and rethrows that error', async () => {
    await expect(client.withLock(async () => {
      throw new Error('boom');
    })).rejects.toThrow('boom');
    await expect(client.getLockInfo()).resolves.toBeUndefined();
  });

  test('withLock: a failed release names the lock ID and the force-unlock remedy', async () => {
    let held = '';
    const err = await client.withLock(async (id) => {
      held = id;
      // The lock disappears out of band while held.
      if (usesFile) await be.s3.send(new DeleteObjectCommand({ Bucket: be.bucket, Key: client.paths.lockFileKey }));
      if (usesTable) await be.dynamodb.send(new DeleteItemCommand({ TableName: be.table, Key: { LockID: { S: client.paths.lockId } } }));
      return 'done';
    }).catch((e) => e);
    expect(isLockReleaseError(err)).toBe(true);
    expect(err.lockId).toBe(held);
    expect(err.message).toMatch(new RegExp(`^Error unlocking S3 state\\. Lock ID: ${held}\\n`));
    expect(err.message).toMatch(/You may have to force-unlock this state in order to use it again\.$/);
  });

  test('lock wait: retries a known holder until it releases, then gets the lock', async () => {
    const first = await client.lock({ operation: 'OperationTypeApply' });
    setTimeout(() => void client.unlock(first), 150);
    const second = be.client({ lockRetry: { initialDelayMs: 20, maxDelayMs: 40 } });
    const id = await second.lock({ timeoutMs: 5_000 });
    expect(id).not.toBe(first);
    expect((await second.getLockInfo())?.ID).toBe(id);
    await second.unlock(id);
  });

  test('lock wait: gives up after the timeout with the holder\'s info, and aborts at once on signal', async () => {
    const first = await client.lock();
    const second = be.client({ lockRetry: { initialDelayMs: 20, maxDelayMs: 40 } });
    const started = Date.now();
    const err = await second.lock({ timeoutMs: 200 }).catch((e) => e);
    expect(isStateLockedError(err)).toBe(true);
    expect(err.lockInfo.ID).toBe(first);
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);

    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const abortStart = Date.now();
    await expect(second.lock({ timeoutMs: 60_000, signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' });
    expect(Date.now() - abortStart).toBeLessThan(5_000);
    await client.unlock(first);
  });

  test('vectors 23-24: workspaces are created locked with an empty state, listed, and deleted', async () => {
    await client.createWorkspace('dev');
    await expect(client.listWorkspaces()).resolves.toEqual(['default', 'dev']);
    const dev = await client.withWorkspace('dev').readState();
    expect(dev?.state).toMatchObject({ version: 4, serial: 1, resources: [], outputs: {} });
    expect(dev?.state.lineage).toMatch(/^[0-9a-f-]{36}$/);
    if (usesFile) {
      const lockPut = be.s3Log.find((r) => r.op === 'PutObject' && r.input.Key.endsWith('.tflock'))!;
      expect(JSON.parse(lockPut.input.Body.toString()).Operation).toBe('init');
    } else {
      const lockPut = be.dynamoLog.find((r) => r.op === 'PutItem' && r.input.ConditionExpression)!;
      expect(JSON.parse(lockPut.input.Item.Info.S).Operation).toBe('init');
    }
    await expect(client.createWorkspace('dev')).rejects.toThrow('Workspace "dev" already exists');
    await expect(client.createWorkspace('a/b')).rejects.toThrow(/not allowed/);

    be.s3Log.length = 0;
    be.dynamoLog.length = 0;
    await client.deleteWorkspace('dev');
    const deletes = be.s3Log.filter((r) => r.op === 'DeleteObject').map((r) => r.input.Key);
    expect(deletes).toContain('env:/dev/path/to/terraform.tfstate');
    if (usesTable) {
      const del = be.dynamoLog.filter((r) => r.op === 'DeleteItem').map((r) => r.input.Key.LockID.S);
      expect(del).toContain(`${be.bucket}/env:/dev/path/to/terraform.tfstate-md5`);
      // The digest delete is unconditional and the lock item is released by unlock, not touched by delete.
      expect(be.dynamoLog.filter((r) => r.op === 'DeleteItem' && !r.input.ConditionExpression).map((r) => r.input.Key.LockID.S))
        .toEqual([`${be.bucket}/env:/dev/path/to/terraform.tfstate-md5`]);
    }
    await expect(client.listWorkspaces()).resolves.toEqual(['default']);

    be.s3Log.length = 0;
    const err = await client.deleteWorkspace('default').catch((e) => e);
    expect(isWorkspaceError(err) && err.message).toBe("can't delete default state");
    expect(be.s3Log).toEqual([]);
  });

  // Terraform's `workspace delete` (internal/command/workspace_delete.go): "not empty" means the
  // state tracks managed resource instance objects (State.HasManagedResourceInstanceObjects).
  test('workspace delete refuses a state tracking managed resource instances unless forced, with Terraform\'s diagnostic', async () => {
    const dev = client.withWorkspace('dev');
    await dev.writeState(Buffer.from(stateWith('L', 2)));
    const err = await client.deleteWorkspace('dev').catch((e) => e);
    expect(isWorkspaceError(err)).toBe(true);
    const [diag] = err.terraformDiagnostics;
    expect(diag.summary).toBe('Workspace is not empty');
    expect(diag.detail).toMatch(/^Workspace "dev" is currently tracking the following resource instances:\n {2}- null_resource\.a\n\nDeleting this workspace/);
    expect(diag.detail).toMatch(/use the -force option to disable this safety check\.$/);
    expect(await dev.readState()).toBeDefined();
    await expect(dev.getLockInfo()).resolves.toBeUndefined();
    await client.deleteWorkspace('dev', { force: true });
    expect(await dev.readState()).toBeUndefined();
  });

  test('workspace delete: outputs and data sources alone do not make a workspace "not empty"', async () => {
    const dev = client.withWorkspace('outs');
    const state = JSON.parse(stateWith('L', 2));
    state.resources[0].mode = 'data';
    await dev.writeState(Buffer.from(JSON.stringify(state)));
    await client.deleteWorkspace('outs');
    expect(await dev.readState()).toBeUndefined();
  });

  test('workspace names "." and ".." are refused (beyond Terraform, which maps them onto another state)', async () => {
    for (const name of ['.', '..']) {
      const err = await client.createWorkspace(name).catch((e) => e);
      expect(isWorkspaceError(err)).toBe(true);
      expect(err.message).toMatch(new RegExp(`^The workspace name "${name.replace(/\./g, '\\.')}" is not allowed: S3 key cleaning would map its state onto another`));
      expect(() => client.withWorkspace(name)).toThrow(/is not allowed/);
    }
    expect(await client.readState()).toBeUndefined();
  });

  test('lock: false runs a push without touching the lock (-lock=false), even while someone holds it', async () => {
    const held = await client.lock({ operation: 'OperationTypeApply' });
    be.s3Log.length = 0;
    be.dynamoLog.length = 0;
    await client.pushState(Buffer.from(stateWith('L', 1)), { lock: false });
    // Only the state object and its digest are written; no lock is taken or released.
    expect(be.s3Log.filter((r) => r.op === 'PutObject').map((r) => r.input.Key)).toEqual([client.paths.stateKey]);
    expect(ops(be.s3Log)).not.toContain('DeleteObject');
    expect(be.dynamoLog.filter((r) => r.op === 'PutItem').map((r) => r.input.Item.LockID.S)).toEqual(usesTable ? [client.paths.digestLockId] : []);
    expect(ops(be.dynamoLog)).not.toContain('DeleteItem');
    expect((await client.getLockInfo())?.ID).toBe(held);
    await client.unlock(held);
  });

  test('vector 26: push follows Terraform\'s lineage/serial rules under the lock, force overrides', async () => {
    await client.writeState(Buffer.from(stateWith('L', 5, 'a')));
    const push = (lineage: string, serial: number, value = 'b') => client.pushState(Buffer.from(stateWith(lineage, serial, value)));
    await expect(push('L', 4)).rejects.toThrow('cannot import state with serial 4 over newer state with serial 5');
    await expect(push('M', 9)).rejects.toThrow('cannot import state with lineage "M" over unrelated state with lineage "L"');
    const same = await push('L', 5).catch((e) => e);
    expect(isStateConflictError(same)).toBe(true);
    expect(same.message).toBe('cannot overwrite existing state with serial 5 with a different state that has the same serial');
    await push('L', 6);
    // PersistState increments the serial of what it writes.
    expect((await client.readState())?.state).toMatchObject({ lineage: 'L', serial: 7 });
    be.s3Log.length = 0;
    const current = (await client.readState())!;
    await client.pushState(current.bytes);
    expect(be.s3Log.filter((r) => r.op === 'PutObject' && r.input.Key === client.paths.stateKey)).toEqual([]);
    await client.pushState(Buffer.from(stateWith('M', 1)), { force: true });
    expect((await client.readState())?.state.lineage).toBe('M');
    await expect(client.getLockInfo()).resolves.toBeUndefined();
  });

  test('push refuses while someone else holds the lock, and accepts the holder\'s lock ID', async () => {
    const other = be.client();
    const id = await other.lock();
    expect(isStateLockedError(await client.pushState(Buffer.from(stateWith('L', 1))).catch((e) => e))).toBe(true);
    await client.pushState(Buffer.from(stateWith('L', 1, 'pushed')), { lockId: id });
    // Terraform's state manager: a push into a workspace without state keeps the content under a new lineage, serial 1.
    const stored = await client.readState();
    expect(stored?.state.outputs.out.value).toBe('pushed');
    expect(stored?.state.lineage).not.toBe('L');
    expect(stored?.state.serial).toBe(1);
    await other.unlock(id);
  });

  test('the digest is checked on read: match, mismatch with retries, missing object with a digest', async () => {
    if (!usesTable) {
      // Vector: with only use_lockfile, no DynamoDB call of any kind.
      await client.writeState(Buffer.from(TF_EMPTY_STATE));
      await client.readState();
      expect(be.dynamoLog).toEqual([]);
      return;
    }
    await client.writeState(Buffer.from(stateWith('L', 1)));
    await expect(client.readState()).resolves.toBeDefined();
    await be.rawPut('path/to/terraform.tfstate', stateWith('L', 2));
    be.s3Log.length = 0;
    const err = await client.readState().catch((e) => e);
    expect(isStateChecksumMismatchError(err)).toBe(true);
    expect(ops(be.s3Log).filter((o) => o === 'GetObject').length).toBeGreaterThanOrEqual(3);
    const calculated = createHash('md5').update(stateWith('L', 2)).digest('hex');
    expect(err.message).toMatch(/^state data in S3 does not have the expected content\./);
    expect(err.message).toContain(`Calculated checksum: ${calculated}\n`);
    expect(err.message).toContain(`update the Digest\nvalue stored in the DynamoDB table to the following value: ${calculated}`);
  });

  test('vector 19 and 22 (both only): double-lock rollback and out-of-band DynamoDB deletion', async () => {
    if (mode !== 'both') {
      expect(client.lockingMode).not.toBe('lockfile+dynamodb');
      return;
    }
    const foreign = '{"ID":"ffffffff-0000-1111-2222-333333333333","Operation":"OperationTypeApply","Info":"","Who":"bob@h","Version":"1.11.0","Created":"2025-01-02T03:04:05Z","Path":"x"}';
    await be.dynamodb.send(new PutItemCommand({ TableName: be.table, Item: { LockID: { S: client.paths.lockId }, Info: { S: foreign } } }));
    be.s3Log.length = 0;
    const err = await client.lock().catch((e) => e);
    expect(isStateLockedError(err)).toBe(true);
    expect(err.lockInfo.ID).toBe('ffffffff-0000-1111-2222-333333333333');
    expect(ops(be.s3Log)).toEqual(['PutObject', 'GetObject', 'DeleteObject']);
    expect(await be.rawExists('path/to/terraform.tfstate.tflock')).toBe(false);
    const item = await be.dynamodb.send(new GetItemCommand({ TableName: be.table, Key: { LockID: { S: client.paths.lockId } } }));
    expect(item.Item?.Info.S).toBe(foreign);
    await be.dynamodb.send(new DeleteItemCommand({ TableName: be.table, Key: { LockID: { S: client.paths.lockId } } }));

    const id = await client.lock();
    await be.dynamodb.send(new DeleteItemCommand({ TableName: be.table, Key: { LockID: { S: client.paths.lockId } } }));
    const unlockErr = await client.unlock(id).catch((e) => e);
    expect(isStateBackendError(unlockErr)).toBe(true);
    expect(unlockErr.message).toBe(`failed to unlock DynamoDB: failed to retrieve lock info for lock ID "${id}": unexpected end of JSON input`);
    expect(await be.rawExists('path/to/terraform.tfstate.tflock')).toBe(false);
  });
});
