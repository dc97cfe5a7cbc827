import { KMS_BLOB, KMS_DATA_KEY, KMS_ENVELOPE, NONCE, PBKDF2_ENVELOPE, PBKDF2_TOFU_PASSPHRASE, PBKDF2_TOFU_SALT, STATE } from './vectors';
import { AwsKmsOperations, decryptState, encryptState, parseEncryptionConfig, parseEnvelope } from '../../../src/protocol/encryption';

const PBKDF2_CONFIG = `
key_provider "pbkdf2" "mykey" {
  passphrase = "${PBKDF2_TOFU_PASSPHRASE}"
}
method "aes_gcm" "m" {
  keys = key_provider.pbkdf2.mykey
}
state {
  method = method.aes_gcm.m
}
`;

/** The same shape with OpenTofu's minimum iterations and sha256, for tests that are not known-answer tests. */
const FAST_CONFIG = PBKDF2_CONFIG.replace('\n}\nmethod', '\n  iterations = 200000\n  hash_function = "sha256"\n}\nmethod');

const KMS_CONFIG = `
key_provider "aws_kms" "k" {
  kms_key_id = "alias/tofu"
  key_spec = "AES_256"
  region = "eu-west-1"
  encryption_context = { "b.c" = "<2>", a = "1" }
}
method "aes_gcm" "m" { keys = key_provider.aws_kms.k }
state { method = method.aes_gcm.m }
`;

/** Stands in for KMS: hands out the vector's data key and records each call. */
function vectorKms(): AwsKmsOperations & { calls: unknown[] } {
  const calls: unknown[] = [];
  return {
    calls,
    async generateDataKey(req) {
      calls.push({ op: 'GenerateDataKey', keyId: req.keyId, keySpec: req.keySpec, encryptionContext: req.encryptionContext, region: req.clientConfig.region });
      return { plaintext: KMS_DATA_KEY, ciphertextBlob: KMS_BLOB };
    },
    async decrypt(req) {
      calls.push({ op: 'Decrypt', keyId: req.keyId, blob: Buffer.from(req.ciphertextBlob).toString(), encryptionContext: req.encryptionContext });
      if (!Buffer.from(req.ciphertextBlob).equals(KMS_BLOB)) throw Object.assign(new Error('InvalidCiphertextException'), { name: 'InvalidCiphertextException' });
      return { plaintext: KMS_DATA_KEY };
    },
  };
}

describe('the v0 envelope, byte for byte (encryption/state.go, base.go)', () => {
  test('pbkdf2 + aes_gcm: encryptState writes the independently derived envelope', async () => {
    const config = await parseEncryptionConfig({ env: { TF_ENCRYPTION: PBKDF2_CONFIG } });
    const out = await encryptState(STATE, config, { saltSource: () => PBKDF2_TOFU_SALT, nonceSource: () => NONCE });
    expect(out.toString()).toBe(PBKDF2_ENVELOPE);
  });

  test('pbkdf2 + aes_gcm: decryptState reads the envelope back to the exact state bytes', async () => {
    const config = await parseEncryptionConfig({ env: { TF_ENCRYPTION: PBKDF2_CONFIG } });
    const result = await decryptState(Buffer.from(PBKDF2_ENVELOPE), config);
    expect(result).toEqual({ state: STATE, status: 'satisfied', wasEncrypted: true, method: 'method.aes_gcm.m' });
  });

  test('aws_kms + aes_gcm: GenerateDataKey with the configured context, the wrapped key stored in meta', async () => {
    const config = await parseEncryptionConfig({ env: { TF_ENCRYPTION: KMS_CONFIG } });
    const kms = vectorKms();
    const out = await encryptState(STATE, config, { kms, nonceSource: () => NONCE });
    expect(out.toString()).toBe(KMS_ENVELOPE);
    expect(kms.calls).toEqual([{ op: 'GenerateDataKey', keyId: 'alias/tofu', keySpec: 'AES_256', encryptionContext: { 'b.c': '<2>', 'a': '1' }, region: 'eu-west-1' }]);
  });

  test('aws_kms + aes_gcm: Decrypt with the STORED context, whatever the configuration says now', async () => {
    const changed = KMS_CONFIG.replace('encryption_context = { "b.c" = "<2>", a = "1" }', 'encryption_context = { a = "changed" }');
    const config = await parseEncryptionConfig({ env: { TF_ENCRYPTION: changed } });
    const kms = vectorKms();
    const result = await decryptState(Buffer.from(KMS_ENVELOPE), config, { kms });
    expect(result.state).toEqual(STATE);
    expect(kms.calls).toEqual([{ op: 'Decrypt', keyId: 'alias/tofu', blob: KMS_BLOB.toString(), encryptionContext: { 'a': '1', 'b.c': '<2>' } }]);
  });

  test('a fresh encryption differs each time (new salt and nonce) and still decrypts', async () => {
    const config = await parseEncryptionConfig({ env: { TF_ENCRYPTION: FAST_CONFIG } });
    const a = await encryptState(STATE, config);
    const b = await encryptState(STATE, config);
    expect(a.equals(b)).toBe(false);
    expect((await decryptState(b, config)).state).toEqual(STATE);
    const parsed = parseEnvelope(a);
    expect('envelope' in parsed && [...parsed.envelope.meta.keys()]).toEqual(['key_provider.pbkdf2.mykey']);
  });

  test('serial and lineage are copied in clear and checked after decryption', async () => {
    const config = await parseEncryptionConfig({ env: { TF_ENCRYPTION: PBKDF2_CONFIG } });
    const tampered = PBKDF2_ENVELOPE.replace('"serial":7', '"serial":8');
    await expect(decryptState(Buffer.from(tampered), config)).rejects.toThrow('invalid state metadata, serial field mismatch 8 vs 7');
    const otherLineage = PBKDF2_ENVELOPE.replace('"lineage":"3f1c2a9e-0000-4000-8000-000000000001"', '"lineage":"other"');
    await expect(decryptState(Buffer.from(otherLineage), config)).rejects.toThrow('invalid state metadata, linage field mismatch other vs 3f1c2a9e-0000-4000-8000-000000000001');
  });

  test('an envelope of another version is refused with OpenTofu\'s text', async () => {
    const config = await parseEncryptionConfig({ env: { TF_ENCRYPTION: PBKDF2_CONFIG } });
    await expect(decryptState(Buffer.from(PBKDF2_ENVELOPE.replace('"v0"', '"v1"')), config)).rejects.toThrow('invalid encrypted payload version: v1 != v0');
  });

  test('a state without serial is written with "serial":null, and its lineage as ""', async () => {
    const config = await parseEncryptionConfig({ env: { TF_ENCRYPTION: FAST_CONFIG } });
    const plain = Buffer.from('{"version":4,"terraform_version":"1.8.0"}');
    const out = (await encryptState(plain, config)).toString();
    expect(out).toMatch(/^\{"serial":null,"lineage":"","meta":\{"key_provider\.pbkdf2\.mykey":"[A-Za-z0-9+/=]+"\},"encrypted_data":"[A-Za-z0-9+/=]+","encryption_version":"v0"\}$/);
    expect((await decryptState(Buffer.from(out), config)).state).toEqual(plain);
  });
});

describe('parseEnvelope (base.go json.Unmarshal into basedata)', () => {
  test('field names match case-insensitively and meta values are base64', () => {
    const r = parseEnvelope(Buffer.from('{"Encryption_Version":"v0","META":{"key_provider.pbkdf2.k":"e30="},"encrypted_data":"AQID"}'));
    expect(r).toEqual({ envelope: { version: 'v0', meta: new Map([['key_provider.pbkdf2.k', Buffer.from('{}')]]), data: Buffer.from([1, 2, 3]) } });
  });

  test('a type error or bad base64 makes it "not an envelope", as a failed Unmarshal does', () => {
    expect(parseEnvelope(Buffer.from('{"encryption_version":"v0","meta":5}'))).toMatchObject({ notEnvelope: 'not an envelope' });
    expect(parseEnvelope(Buffer.from('{"encryption_version":"v0","encrypted_data":"%%"}'))).toMatchObject({ notEnvelope: 'not an envelope' });
    expect(parseEnvelope(Buffer.from('{"encryption_version":""}'))).toEqual({ notEnvelope: 'no encryption_version' });
    expect(parseEnvelope(Buffer.from('[]'))).toMatchObject({ notEnvelope: 'not a JSON object' });
  });

  test('such input is then judged as a plain state, and refused when it is none', async () => {
    const config = await parseEncryptionConfig({ env: { TF_ENCRYPTION: PBKDF2_CONFIG } });
    await expect(decryptState(Buffer.from('{"encryption_version":"v0","meta":5}'), config))
      .rejects.toThrow('invalid data format for decryption: json: cannot unmarshal meta: object required, Given payload is not a state file');
  });
});
