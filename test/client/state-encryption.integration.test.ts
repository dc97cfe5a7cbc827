import { createDecipheriv, createHash, pbkdf2Sync } from 'node:crypto';
import { Writable } from 'node:stream';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { TestBackend, newBackend, stateWith } from './support';
import { AwsKmsOperations, isEncryptedStateError, StateClient } from '../../src/client';
import { parseState, serializeStateTofu } from '../../src/protocol/state';
import { KMS_BLOB, KMS_DATA_KEY, KMS_ENVELOPE, PBKDF2_ENVELOPE, PBKDF2_TOFU_PASSPHRASE, STATE } from '../protocol/encryption/vectors';

/**
 * OpenTofu state encryption through the runtime client, on the local servers. OpenTofu's reads decrypt
 * the payload before statefile.Read (internal/states/remote/state.go refreshState) and its writes encrypt
 * the bytes statefile.Write produced before remote.Client.Put (PersistState), so the object, Content-MD5
 * and the DynamoDB digest are the envelope's.
 */

const pbkdf2 = (name: string, passphrase: string) =>
  `key_provider "pbkdf2" "${name}" {\n  passphrase = "${passphrase}"\n  iterations = 200000\n}\nmethod "aes_gcm" "${name}" {\n  keys = key_provider.pbkdf2.${name}\n}\n`;
const OLD = pbkdf2('old', 'the-old-passphrase-123');
const NEW = pbkdf2('new', 'the-new-passphrase-456');
const ONLY_OLD = `${OLD}state {\n  method = method.aes_gcm.old\n}\n`;
const ONLY_NEW = `${NEW}state {\n  method = method.aes_gcm.new\n}\n`;
const ROTATE = `${OLD}${NEW}state {\n  method = method.aes_gcm.new\n  fallback {\n    method = method.aes_gcm.old\n  }\n}\n`;
const FROM_PLAIN = `${NEW}method "unencrypted" "migrate" {}\nstate {\n  method = method.aes_gcm.new\n  fallback {\n    method = method.unencrypted.migrate\n  }\n}\n`;

/** Decrypts an envelope with node:crypto only, the way the known-answer vectors were derived (pbkdf2 then AES-GCM). */
function independentDecrypt(envelope: Buffer, passphrase: string): Buffer {
  const doc = JSON.parse(envelope.toString());
  const [address] = Object.keys(doc.meta);
  const meta = JSON.parse(Buffer.from(doc.meta[address], 'base64').toString());
  const key = pbkdf2Sync(passphrase, Buffer.from(meta.salt, 'base64'), meta.iterations, meta.key_length, meta.hash_function);
  const data = Buffer.from(doc.encrypted_data, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, 12));
  decipher.setAuthTag(data.subarray(data.length - 16));
  return Buffer.concat([decipher.update(data.subarray(12, data.length - 16)), decipher.final()]);
}

async function caught(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

describe('OpenTofu state encryption through the client', () => {
  let be: TestBackend;
  const clients: StateClient[] = [];
  const client = (encryption: string, extra: Parameters<TestBackend['client']>[0] = {}, key = 'enc/terraform.tfstate') => {
    const c = be.client({ encryption, ...extra }, { key });
    clients.push(c);
    return c;
  };
  beforeAll(async () => {
    be = await newBackend('both', { versioned: true });
  });
  afterAll(async () => {
    for (const c of clients) c.destroy();
    await be.destroy();
  });

  const versionsOf = async (key: string) => (await be.client({}, { key }).listStateVersions()).map((v) => v.versionId);

  test('push stores the envelope of OpenTofu\'s serialization; node:crypto alone decrypts it; object, Content-MD5 and digest are the envelope\'s', async () => {
    // skip_s3_checksum: the client then sends Content-MD5 on every write (see wire.integration.test.ts).
    const c = be.client({ encryption: ONLY_NEW }, { key: 'push/terraform.tfstate', skip_s3_checksum: true });
    clients.push(c);
    be.s3Log.length = 0;
    await c.writeState(Buffer.from(stateWith('L1', 4, 'old-value')));
    const written = await c.pushState(Buffer.from(stateWith('L1', 5, 'secret-value')));
    const stored = (await be.rawGet('push/terraform.tfstate'))!.body;
    const doc = JSON.parse(stored.toString());
    expect(Object.keys(doc)).toEqual(['serial', 'lineage', 'meta', 'encrypted_data', 'encryption_version']);
    expect([doc.serial, doc.lineage, doc.encryption_version]).toEqual([6, 'L1', 'v0']);
    expect(stored.toString()).not.toContain('secret-value');
    const plain = independentDecrypt(stored, 'the-new-passphrase-456');
    // The bytes OpenTofu's statefile.Write gives (compact, trailing newline), serial + 1 as the push wrote it.
    const pushed = parseState(Buffer.from(stateWith('L1', 6, 'secret-value')), '1.10.0');
    expect(plain.toString()).toBe(serializeStateTofu(pushed!).toString());
    const md5 = createHash('md5').update(stored).digest();
    expect(written.md5).toBe(md5.toString('hex'));
    const put = be.s3Log.filter((r) => r.op === 'PutObject' && r.input.Key === 'push/terraform.tfstate').pop()!;
    expect(put.headers['content-md5']).toBe(md5.toString('base64'));
    const digest = await be.dynamodb.send(new GetItemCommand({ TableName: be.table!, Key: { LockID: { S: `${be.bucket}/push/terraform.tfstate-md5` } } }));
    expect(digest.Item?.Digest?.S).toBe(md5.toString('hex'));
    const read = await c.readState();
    expect(read!.bytes.toString()).toBe(plain.toString());
    expect(read!.encryption).toEqual({ status: 'satisfied', wasEncrypted: true, method: 'method.aes_gcm.new' });
    expect(await c.readOutputs()).toEqual({ out: { value: 'secret-value', type: 'string', sensitive: false } });
  });

  test('a second write of the same client reuses the key (same salt), as OpenTofu\'s per-process encryptor does', async () => {
    const c = client(ONLY_NEW, {}, 'reuse/terraform.tfstate');
    await c.writeState(Buffer.from(stateWith('R', 1)));
    const first = JSON.parse((await be.rawGet('reuse/terraform.tfstate'))!.body.toString());
    await c.writeState(Buffer.from(stateWith('R', 2, 'w')));
    const second = JSON.parse((await be.rawGet('reuse/terraform.tfstate'))!.body.toString());
    expect(second.meta).toEqual(first.meta);
    expect(second.encrypted_data.slice(0, 16)).not.toBe(first.encrypted_data.slice(0, 16));
  });

  test('interop: an envelope OpenTofu wrote (known-answer vector) reads through readState, pull and outputs', async () => {
    await be.rawPut('interop/terraform.tfstate', PBKDF2_ENVELOPE);
    const c = client('key_provider "pbkdf2" "mykey" {\n  passphrase = var.passphrase\n}\nmethod "aes_gcm" "m" {\n  keys = key_provider.pbkdf2.mykey\n}\nstate {\n  method = method.aes_gcm.m\n}\n',
      { encryptionVariables: { passphrase: PBKDF2_TOFU_PASSPHRASE } }, 'interop/terraform.tfstate');
    const read = await c.readState();
    expect(read!.bytes.equals(STATE)).toBe(true);
    expect(read!.md5).toBe(createHash('md5').update(PBKDF2_ENVELOPE).digest('hex'));
    const chunks: Buffer[] = [];
    const sink = new Writable({ write(chunk, _e, cb) { chunks.push(chunk); cb(); } });
    const pulled = await c.pullStateToStream(sink);
    expect(Buffer.concat(chunks).equals(STATE)).toBe(true);
    expect(pulled!.bytes).toBe(STATE.length);
    expect(pulled!.encrypted).toBeUndefined();
    expect(await c.readOutputs()).toEqual({});
  });

  test('interop: an aws_kms envelope reads with an injected KMS that is given the stored context', async () => {
    await be.rawPut('kms/terraform.tfstate', KMS_ENVELOPE);
    const calls: unknown[] = [];
    const kms: AwsKmsOperations = {
      generateDataKey: async (r) => {
        calls.push(['generate', r.keyId, r.keySpec]);
        return { plaintext: KMS_DATA_KEY, ciphertextBlob: KMS_BLOB };
      },
      decrypt: async (r) => {
        calls.push(['decrypt', r.keyId, Buffer.from(r.ciphertextBlob).toString(), r.encryptionContext]);
        return { plaintext: KMS_DATA_KEY };
      },
    };
    const config = 'key_provider "aws_kms" "k" {\n  kms_key_id = "alias/tofu"\n  key_spec = "AES_256"\n  region = "eu-west-1"\n  encryption_context = { a = "1", "b.c" = "<2>" }\n}\n'
      + 'method "aes_gcm" "m" {\n  keys = key_provider.aws_kms.k\n}\nstate {\n  method = method.aes_gcm.m\n}\n';
    const c = client(config, { kms }, 'kms/terraform.tfstate');
    expect((await c.readState())!.bytes.equals(STATE)).toBe(true);
    expect(calls).toEqual([['decrypt', 'alias/tofu', 'wrapped-data-key-from-kms', { 'a': '1', 'b.c': '<2>' }]]);
    await c.pushState(Buffer.from(stateWith('3f1c2a9e-0000-4000-8000-000000000001', 8, 'changed')));
    // The push reads (Decrypt) then writes with a new data key (GenerateDataKey).
    expect(calls.slice(1).map((x) => (x as unknown[]).slice(0, 3))).toEqual([['decrypt', 'alias/tofu', 'wrapped-data-key-from-kms'], ['generate', 'alias/tofu', 'AES_256']]);
    const stored = JSON.parse((await be.rawGet('kms/terraform.tfstate'))!.body.toString());
    expect(Object.keys(stored.meta)).toEqual(['key_provider.aws_kms.k']);
    expect(JSON.parse(Buffer.from(stored.meta['key_provider.aws_kms.k'], 'base64').toString()).ciphertext_blob).toBe(KMS_BLOB.toString('base64'));
    expect((await c.readOutputs()).out.value).toBe('changed');
  });

  test('a wrong key or no key: an error naming the key provider and what to set, and no write', async () => {
    const key = 'wrong/terraform.tfstate';
    await client(ONLY_OLD, {}, key).writeState(Buffer.from(stateWith('W', 1)));
    const before = await versionsOf(key);
    const wrong = client(pbkdf2('old', 'not-the-right-passphrase') + 'state {\n  method = method.aes_gcm.old\n}\n', {}, key);
    const e1 = await caught(wrong.readState());
    expect(isEncryptedStateError(e1)).toBe(true);
    expect(e1.message).toContain('decryption failed for all provided methods');
    expect(e1.message).toContain('set the key provider that encrypted it');
    expect(isEncryptedStateError(await caught(wrong.pushState(Buffer.from(stateWith('W', 1, 'x')))))).toBe(true);
    expect(isEncryptedStateError(await caught(wrong.history()))).toBe(true);
    const none = be.client({}, { key });
    const e2 = await caught(none.readState());
    expect(e2.message).toContain('key provider: pbkdf2 "old" (key_provider.pbkdf2.old)) but no state encryption is configured');
    expect(e2.message).toContain('TF_ENCRYPTION');
    // Without a key, pull copies the stored object as it is (the envelope: a backup, nothing decrypted), and says so.
    const chunks: Buffer[] = [];
    const pulled = await none.pullStateToStream(new Writable({ write(chunk, _e, cb) { chunks.push(chunk); cb(); } }));
    expect(Buffer.concat(chunks).equals((await be.rawGet(key))!.body)).toBe(true);
    expect(pulled).toMatchObject({ encrypted: true, bytes: Buffer.concat(chunks).length });
    expect((await caught(none.readOutputs())).message).toContain('key_provider "pbkdf2" "old" { ... }');
    expect(isEncryptedStateError(await caught(none.pushState(Buffer.from(stateWith('W', 1, 'y')))))).toBe(true);
    expect(await versionsOf(key)).toEqual(before);
  });

  test('history, restore and workspace new on encrypted states', async () => {
    const key = 'hist/terraform.tfstate';
    const c = client(ONLY_NEW, {}, key);
    for (let serial = 1; serial <= 3; serial++) await c.writeState(Buffer.from(stateWith('H', serial, `v${serial}`)));
    const entries = await c.history();
    expect(entries.map((e) => [e.serial, e.lineage])).toEqual([[3, 'H'], [2, 'H'], [1, 'H']]);
    const restored = await c.restoreVersion(entries[2].versionId);
    expect(restored).toMatchObject({ serial: 4, lineage: 'H' });
    const now = await c.readState();
    expect([now!.state.serial, now!.encryption?.wasEncrypted]).toEqual([4, true]);
    expect((await c.readOutputs()).out.value).toBe('v1');
    expect(JSON.parse((await be.rawGet(key))!.body.toString()).encryption_version).toBe('v0');

    await c.createWorkspace('dev');
    const dev = (await be.rawGet(`env:/dev/${key}`))!.body;
    expect(JSON.parse(dev.toString()).serial).toBe(1);
    const devState = await c.withWorkspace('dev').readState();
    expect([devState!.state.serial, devState!.encryption?.status]).toEqual([1, 'satisfied']);
  });

  test('key rotation: a fallback reads, the status is migration, rekey writes under the primary (serial + 1); a dry run writes nothing', async () => {
    const key = 'rotate/terraform.tfstate';
    await client(ONLY_OLD, {}, key).writeState(Buffer.from(stateWith('K', 2)));
    const rotating = client(ROTATE, {}, key);
    expect((await rotating.readState())!.encryption).toEqual({ status: 'migration', wasEncrypted: true, method: 'method.aes_gcm.old' });
    const before = await versionsOf(key);
    expect(await rotating.rekeyState({ dryRun: true })).toMatchObject({ action: 'would-rekey', serial: 2, newSerial: 3, from: 'method.aes_gcm.old' });
    expect(await versionsOf(key)).toEqual(before);
    expect(await rotating.rekeyState()).toMatchObject({ action: 'rekeyed', serial: 2, newSerial: 3 });
    expect(await rotating.rekeyState()).toMatchObject({ action: 'up-to-date', serial: 3 });
    // The rekeyed version names its writer (the rekey's lock) like every other write of this client:
    // from its metadata, or from the lock-file version that covers it (history reads encrypted versions
    // whole, so the metadata comes from a HeadObject only when the lock file does not tell).
    const [newest] = await rotating.history();
    expect(newest.writer).toMatchObject({ operation: 'tfstate-rekey' });
    expect(['metadata', 'lock-file']).toContain(newest.writer!.source);
    const fresh = client(ONLY_NEW, {}, key);
    expect((await fresh.readState())!.state.serial).toBe(3);
    expect(Object.keys(JSON.parse((await be.rawGet(key))!.body.toString()).meta)).toEqual(['key_provider.pbkdf2.new']);
  });

  test('migration from a plain state: the unencrypted fallback reads it; pushing the same state writes it encrypted', async () => {
    const key = 'plain/terraform.tfstate';
    const plain = stateWith('P', 3);
    await be.rawPut(key, plain);
    const refused = await caught(client(ONLY_NEW, {}, key).readState());
    expect(refused.message).toContain('encountered unencrypted payload without unencrypted method configured');
    const c = client(FROM_PLAIN, {}, key);
    expect((await c.readState())!.encryption).toEqual({ status: 'migration', wasEncrypted: false, method: 'method.unencrypted.migrate' });
    await c.pushState(Buffer.from(plain));
    const stored = JSON.parse((await be.rawGet(key))!.body.toString());
    expect([stored.serial, stored.encryption_version]).toEqual([4, 'v0']);
    expect((await c.readState())!.encryption?.status).toBe('satisfied');
  });

  test('TF_ENCRYPTION of the client\'s env configures it, and the encryption option merges over it', async () => {
    const key = 'env/terraform.tfstate';
    const fromEnv = be.client({ env: { TF_ENCRYPTION: OLD + NEW + 'state {\n  method = method.aes_gcm.old\n}\n' } }, { key });
    clients.push(fromEnv);
    await fromEnv.writeState(Buffer.from(stateWith('E', 1)));
    expect(Object.keys(JSON.parse((await be.rawGet(key))!.body.toString()).meta)).toEqual(['key_provider.pbkdf2.old']);
    expect(independentDecrypt((await be.rawGet(key))!.body, 'the-old-passphrase-123').toString()).toContain('"lineage": "E"');
    // config_merge.go: the option's state block replaces the environment's; key providers and methods stay.
    const merged = be.client({ env: { TF_ENCRYPTION: OLD + NEW + 'state {\n  method = method.aes_gcm.old\n}\n' }, encryption: 'state {\n  method = method.aes_gcm.new\n}\n' }, { key });
    clients.push(merged);
    await merged.writeState(Buffer.from(stateWith('E', 2)));
    expect(Object.keys(JSON.parse((await be.rawGet(key))!.body.toString()).meta)).toEqual(['key_provider.pbkdf2.new']);
  });
});
