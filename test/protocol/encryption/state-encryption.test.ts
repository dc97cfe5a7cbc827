import { NONCE, PBKDF2_SEALED_AAD_B64, PBKDF2_TOFU_PASSPHRASE, PBKDF2_TOFU_SALT, STATE } from './vectors';
import { AwsKmsOperations, StateEncryption, StateEncryptionConfig, decryptState, encryptState, isStateEncryptionError, parseEncryptionConfig, parseEnvelope } from '../../../src/protocol/encryption';

/** Fast pbkdf2 settings for tests that are not known-answer tests (OpenTofu's minimum iterations). */
const fastPbkdf2 = (name: string, passphrase: string, extra = ''): string =>
  `key_provider "pbkdf2" "${name}" {\n passphrase = "${passphrase}"\n iterations = 200000\n hash_function = "sha256"\n${extra}}\n`;

const config = async (text: string, env: Record<string, string> = {}): Promise<StateEncryptionConfig> => {
  const c = await parseEncryptionConfig({ env: { ...env, TF_ENCRYPTION: text } });
  if (c === undefined) throw new Error('expected a configuration');
  return c;
};

const OLD = fastPbkdf2('old', 'the-old-passphrase-123') + 'method "aes_gcm" "old" {\n keys = key_provider.pbkdf2.old\n}\n';
const NEW = fastPbkdf2('new', 'the-new-passphrase-456') + 'method "aes_gcm" "new" {\n keys = key_provider.pbkdf2.new\n}\n';

async function caught(p: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

describe('key rotation with fallback (base.go decrypt)', () => {
  test('the fallback decrypts the old envelope (status migration); the next write uses only the primary', async () => {
    const oldOnly = await config(OLD + 'state {\n method = method.aes_gcm.old\n}\n');
    const envelope = await encryptState(STATE, oldOnly);
    const rotated = await config(OLD + NEW + 'state {\n method = method.aes_gcm.new\n fallback {\n method = method.aes_gcm.old\n }\n}\n');
    expect(await decryptState(envelope, rotated)).toEqual({ state: STATE, status: 'migration', wasEncrypted: true, method: 'method.aes_gcm.old' });
    const rewritten = await encryptState(STATE, rotated);
    const parsed = parseEnvelope(rewritten);
    expect('envelope' in parsed && [...parsed.envelope.meta.keys()]).toEqual(['key_provider.pbkdf2.new']);
    expect(await decryptState(rewritten, rotated)).toMatchObject({ status: 'satisfied', method: 'method.aes_gcm.new' });
  });

  test('a renamed key provider finds no metadata: the error lists the envelope\'s key providers', async () => {
    const envelope = await encryptState(STATE, await config(OLD + 'state {\n method = method.aes_gcm.old\n}\n'));
    const renamed = await config(fastPbkdf2('renamed', 'the-old-passphrase-123') + 'method "aes_gcm" "m" {\n keys = key_provider.pbkdf2.renamed\n}\nstate {\n method = method.aes_gcm.m\n}\n');
    const err = await caught(decryptState(envelope, renamed));
    expect(err.code).toBe('ENCRYPTION_DECRYPT_FAILED');
    expect(err.message).toContain('decryption failed for all provided methods\nattempted decryption failed for state (method.aes_gcm.m): no decryption key available');
    expect(err.message).toContain('The envelope holds keys for key_provider.pbkdf2.old');
  });

  test('encrypted_metadata_alias keeps the meta key when the key provider is renamed (TestChangingKeyProviderAddr)', async () => {
    const alias = 'encrypted_metadata_alias = "foo"\n';
    const a = await config(fastPbkdf2('basic', 'Hello world! 123', alias) + 'method "aes_gcm" "e" {\n keys = key_provider.pbkdf2.basic\n}\nstate {\n method = method.aes_gcm.e\n}\n');
    const b = await config(fastPbkdf2('simple', 'Hello world! 123', alias) + 'method "aes_gcm" "e" {\n keys = key_provider.pbkdf2.simple\n}\nstate {\n method = method.aes_gcm.e\n}\n');
    const envelope = await encryptState(STATE, a);
    expect(envelope.toString()).toContain('"meta":{"foo":');
    expect((await decryptState(envelope, b)).state).toEqual(STATE);
  });

  test('a wrong passphrase fails every method and says what to set', async () => {
    const envelope = await encryptState(STATE, await config(OLD + 'state {\n method = method.aes_gcm.old\n}\n'));
    const wrong = await config(OLD.replace('the-old-passphrase-123', 'not-the-passphrase-000') + 'state {\n method = method.aes_gcm.old\n}\n');
    const err = await caught(decryptState(envelope, wrong));
    expect(err.code).toBe('ENCRYPTION_DECRYPT_FAILED');
    expect(err.message).toContain('attempted decryption failed for state (method.aes_gcm.old): decryption failed: cipher: message authentication failed');
    expect(err.message).toContain('The passphrase or key differs');
  });
});

describe('migrating to and from encryption (the unencrypted method)', () => {
  const PLAIN = Buffer.from('{"version":4,"terraform_version":"1.8.0","serial":1,"lineage":"l","outputs":{},"resources":[],"check_results":null}\n');
  const TO_ENCRYPTED = NEW + 'method "unencrypted" "migrate" {}\nstate {\n method = method.aes_gcm.new\n fallback {\n method = method.unencrypted.migrate\n }\n}\n';

  test('a plain state is accepted when an unencrypted fallback is configured (status migration) and the next write is encrypted', async () => {
    const c = await config(TO_ENCRYPTED);
    expect(await decryptState(PLAIN, c)).toEqual({ state: PLAIN, status: 'migration', wasEncrypted: false, method: 'method.unencrypted.migrate' });
    const written = await encryptState(PLAIN, c);
    expect(written.toString()).toMatch(/^\{"serial":1,"lineage":"l","meta":\{"key_provider\.pbkdf2\.new":/);
  });

  test('a plain state without an unencrypted method is refused with OpenTofu\'s text and the fix', async () => {
    const err = await caught(decryptState(PLAIN, await config(NEW + 'state {\n method = method.aes_gcm.new\n}\n')));
    expect(err.code).toBe('ENCRYPTION_UNENCRYPTED_STATE');
    expect(err.message).toContain('encountered unencrypted payload without unencrypted method configured');
    expect(err.message).toContain('fallback { method = method.unencrypted.migrate }');
  });

  test('back to plain: unencrypted primary writes the state unchanged and the aes_gcm fallback still reads envelopes', async () => {
    const envelope = await encryptState(PLAIN, await config(NEW + 'state {\n method = method.aes_gcm.new\n}\n'));
    const back = await config(NEW + 'method "unencrypted" "u" {}\nstate {\n method = method.unencrypted.u\n fallback {\n method = method.aes_gcm.new\n }\n}\n');
    expect(await decryptState(envelope, back)).toMatchObject({ state: PLAIN, status: 'migration', method: 'method.aes_gcm.new' });
    expect(await encryptState(PLAIN, back)).toEqual(PLAIN);
    expect(await decryptState(PLAIN, back)).toMatchObject({ status: 'satisfied', wasEncrypted: false });
  });

  test('input that is neither a state nor an envelope gets OpenTofu\'s texts; empty input is no state', async () => {
    const c = await config(TO_ENCRYPTED);
    expect(await decryptState(Buffer.alloc(0), c)).toEqual({ state: Buffer.alloc(0), status: 'satisfied', wasEncrypted: false });
    await expect(decryptState(Buffer.from('{"foo":1}'), c)).rejects.toThrow('unable to determine data structure during decryption: Given payload is not a state file');
    await expect(decryptState(Buffer.from('not json'), c)).rejects.toThrow(/^invalid data format for decryption: invalid character 'o' in literal null/);
    await expect(encryptState(Buffer.from('[1]'), c)).rejects.toThrow('Cannot encrypt: the input is not a state');
  });

  test('without any state encryption configured, plain states pass and envelopes are refused naming the key provider', async () => {
    expect(await decryptState(PLAIN, undefined)).toEqual({ state: PLAIN, status: 'satisfied', wasEncrypted: false });
    expect(await encryptState(PLAIN, undefined)).toEqual(PLAIN);
    const envelope = await encryptState(PLAIN, await config(NEW + 'state {\n method = method.aes_gcm.new\n}\n'));
    const err = await caught(decryptState(envelope, undefined));
    expect(err.code).toBe('ENCRYPTION_KEY_UNAVAILABLE');
    expect(err.message).toContain('(key provider: key_provider.pbkdf2.new) but no state encryption is configured');
    expect(err.message).toContain('TF_ENCRYPTION');
    // A plan-only configuration leaves the state target disabled, as in encryption.go New.
    const planOnly = await config(NEW + 'plan {\n method = method.aes_gcm.new\n}\n');
    expect(await encryptState(PLAIN, planOnly)).toEqual(PLAIN);
  });
});

describe('what to set when no key can be made', () => {
  const M = 'method "aes_gcm" "m" {\n keys = key_provider.pbkdf2.mykey\n}\nstate {\n method = method.aes_gcm.m\n}\n';

  test('a missing passphrase names the key provider, the attribute and the variable to set', async () => {
    const c = await config('key_provider "pbkdf2" "mykey" {\n passphrase = var.passphrase\n}\n' + M);
    const err = await caught(encryptState(STATE, c));
    expect(err.code).toBe('ENCRYPTION_KEY_UNAVAILABLE');
    expect(err.message).toBe('method.aes_gcm.m.keys refers to var.passphrase, which has no value. Set TF_VAR_passphrase in the environment, give variable "passphrase" a default, or pass the variable to the client.'
      .replace('method.aes_gcm.m.keys', 'key_provider.pbkdf2.mykey.passphrase'));
    const empty = await parseEncryptionConfig({ env: { TF_ENCRYPTION: 'key_provider "pbkdf2" "mykey" {\n passphrase = var.passphrase\n}\n' + M, TF_VAR_passphrase: '' } });
    const err2 = await caught(decryptState(STATE, empty));
    expect(err2.message).toBe('Unable to build encryption key data: key_provider.pbkdf2.mykey failed with error: no passphrase provided and no chained provider defined. '
      + 'Set "passphrase" (at least 16 characters) or "chain" in key_provider "pbkdf2" "mykey" (it is set from var.passphrase: set TF_VAR_passphrase in the environment or pass the variable to the client).');
  });

  test('variables from TF_VAR_ feed the passphrase', async () => {
    const text = 'key_provider "pbkdf2" "mykey" {\n passphrase = "${var.a}-${var.b}"\n iterations = 200000\n}\n' + M;
    const c = await parseEncryptionConfig({ env: { TF_ENCRYPTION: text, TF_VAR_a: 'first-half', TF_VAR_b: 'second-half' } });
    const same = await config(fastPbkdf2('mykey', 'first-half-second-half').replace('hash_function = "sha256"\n', '') + M);
    expect((await decryptState(await encryptState(STATE, c), same)).state).toEqual(STATE);
  });

  test('expressions beyond literals and var/key_provider references are refused, naming the attribute', async () => {
    const err = await caught(encryptState(STATE, await config('key_provider "pbkdf2" "mykey" {\n passphrase = upper(local.p)\n}\n' + M)));
    expect(err.code).toBe('ENCRYPTION_UNSUPPORTED');
    expect(err.message).toMatch(/^TF_ENCRYPTION: key_provider\.pbkdf2\.mykey\.passphrase: the expression \$\{upper\(local\.p\)\} is not supported here/);
  });

  test('key providers and methods OpenTofu has but this client lacks are refused by name', async () => {
    const gcp = await config('key_provider "gcp_kms" "g" {\n kms_encryption_key = "k"\n key_length = 32\n}\nmethod "aes_gcm" "m" {\n keys = key_provider.gcp_kms.g\n}\nstate {\n method = method.aes_gcm.m\n}\n');
    const err = await caught(encryptState(STATE, gcp));
    expect(err.code).toBe('ENCRYPTION_UNSUPPORTED');
    expect(err.message).toContain('key_provider.gcp_kms.g: the "gcp_kms" key provider is not supported by this client (supported: pbkdf2, aws_kms)');
    const ext = await config('method "external" "x" {\n encrypt_command = ["a"]\n}\nstate {\n method = method.external.x\n}\n');
    expect((await caught(decryptState(STATE, ext))).message).toContain('method.external.x: the "external" method is not supported by this client');
    const unknown = await config('key_provider "nope" "n" {}\nmethod "aes_gcm" "m" {\n keys = key_provider.nope.n\n}\nstate {\n method = method.aes_gcm.m\n}\n');
    expect((await caught(encryptState(STATE, unknown))).message).toBe('key_provider.nope.n: Unknown key_provider type: Can not find "nope"');
  });

  test('a broken primary method fails even when the stored state needs no key (newBaseEncryption sets it up first)', async () => {
    const c = await config('key_provider "pbkdf2" "mykey" {\n passphrase = "short"\n}\nmethod "unencrypted" "u" {}\n'
      + 'method "aes_gcm" "m" {\n keys = key_provider.pbkdf2.mykey\n}\nstate {\n method = method.aes_gcm.m\n fallback {\n method = method.unencrypted.u\n }\n}\n');
    const err = await caught(decryptState(Buffer.from('{"terraform_version":"1.8.0"}'), c));
    expect(err.message).toContain('key_provider.pbkdf2.mykey failed with error: passphrase is too short (minimum 16 characters)');
  });

  test('a key length aes_gcm cannot use is an invalid method configuration', async () => {
    const c = await config(fastPbkdf2('mykey', 'p'.repeat(16), 'key_length = 20\n') + M);
    const err = await caught(encryptState(STATE, c));
    expect(err.message).toContain('method.aes_gcm.m: Invalid method configuration: invalid method configuration: AES-GCM requires the key length to be one of: 16, 24, 32, received 20 bytes in the encryption key');
  });

  test('a non-integer number is refused rather than ignored', async () => {
    const err = await caught(encryptState(STATE, await config(fastPbkdf2('mykey', 'p'.repeat(16)).replace('200000', '200000.5') + M)));
    expect(err.message).toBe('key_provider.pbkdf2.mykey.iterations: a whole number is required, got 200000.5.');
  });
});

describe('chains, aliases and AAD', () => {
  test('aad = [1, 2, 3] from the configuration seals to the independently derived bytes', async () => {
    const c = await config(`key_provider "pbkdf2" "k" {\n passphrase = "${PBKDF2_TOFU_PASSPHRASE}"\n}\nmethod "aes_gcm" "m" {\n keys = key_provider.pbkdf2.k\n aad = [1, 2, 3]\n}\nstate {\n method = method.aes_gcm.m\n}\n`);
    const out = await encryptState(STATE, c, { saltSource: () => PBKDF2_TOFU_SALT, nonceSource: () => NONCE });
    expect(JSON.parse(out.toString()).encrypted_data).toBe(PBKDF2_SEALED_AAD_B64);
    const noAad = await config(`key_provider "pbkdf2" "k" {\n passphrase = "${PBKDF2_TOFU_PASSPHRASE}"\n}\nmethod "aes_gcm" "m" {\n keys = key_provider.pbkdf2.k\n}\nstate {\n method = method.aes_gcm.m\n}\n`);
    await expect(decryptState(out, noAad)).rejects.toThrow('cipher: message authentication failed');
  });

  test('a pbkdf2 chain stores both key providers\' metadata and decrypts through the chain', async () => {
    const text = fastPbkdf2('base', 'the-base-passphrase-1') + 'key_provider "pbkdf2" "derived" {\n chain = key_provider.pbkdf2.base\n iterations = 200000\n}\n'
      + 'method "aes_gcm" "m" {\n keys = key_provider.pbkdf2.derived\n}\nstate {\n method = method.aes_gcm.m\n}\n';
    const c = await config(text);
    const envelope = await encryptState(STATE, c);
    const parsed = parseEnvelope(envelope);
    expect('envelope' in parsed && [...parsed.envelope.meta.keys()].sort()).toEqual(['key_provider.pbkdf2.base', 'key_provider.pbkdf2.derived']);
    expect((await decryptState(envelope, c)).state).toEqual(STATE);
  });

  test('two key providers with one alias in a method are a duplicate metadata key; a cycle is refused', async () => {
    const alias = 'encrypted_metadata_alias = "foo"\n';
    const dup = await config(fastPbkdf2('base', 'the-base-passphrase-1', alias) + `key_provider "pbkdf2" "derived" {\n chain = key_provider.pbkdf2.base\n ${alias}}\n`
      + 'method "aes_gcm" "m" {\n keys = key_provider.pbkdf2.derived\n}\nstate {\n method = method.aes_gcm.m\n}\n');
    expect((await caught(encryptState(STATE, dup))).message).toContain('Duplicate metadata key: The metadata key foo is duplicated across multiple key providers for the same method');
    const cycle = await config('key_provider "pbkdf2" "a" {\n chain = key_provider.pbkdf2.b\n}\nkey_provider "pbkdf2" "b" {\n chain = key_provider.pbkdf2.a\n}\n'
      + 'method "aes_gcm" "m" {\n keys = key_provider.pbkdf2.a\n}\nstate {\n method = method.aes_gcm.m\n}\n');
    expect((await caught(encryptState(STATE, cycle))).message).toBe('Circular reference detected: Cannot load key_provider.pbkdf2.a due to circular reference between key providers. '
      + 'Stack trace key_provider.pbkdf2.a -> key_provider.pbkdf2.b -> key_provider.pbkdf2.a');
  });

  test('JSON configuration: "keys" as a plain key_provider string is read as a reference (methods.go)', async () => {
    const json = JSON.stringify({
      key_provider: { pbkdf2: { k: { passphrase: 'a-json-passphrase-16', iterations: 200000 } } },
      method: { aes_gcm: { m: { keys: 'key_provider.pbkdf2.k' } } },
      state: { method: 'method.aes_gcm.m' },
    });
    const c = await config(json);
    expect((await decryptState(await encryptState(STATE, c), c)).state).toEqual(STATE);
  });

  test('literal keys need no key provider and store an empty meta', async () => {
    const key = `[${Array.from({ length: 16 }, (_, i) => i).join(', ')}]`;
    const c = await config(`method "aes_gcm" "m" {\n keys = { encryption_key = ${key}, decryption_key = ${key} }\n}\nstate {\n method = method.aes_gcm.m\n}\n`);
    const out = await encryptState(STATE, c);
    expect(out.toString()).toContain('"meta":{},');
    expect((await decryptState(out, c)).state).toEqual(STATE);
  });
});

describe('aws_kms key provider (injected KMS)', () => {
  const KMS = 'key_provider "aws_kms" "k" {\n kms_key_id = "alias/tofu"\n key_spec = "AES_128"\n}\nmethod "aes_gcm" "m" {\n keys = key_provider.aws_kms.k\n}\nstate {\n method = method.aes_gcm.m\n}\n';
  const kms: AwsKmsOperations = {
    generateDataKey: async () => ({ plaintext: Buffer.alloc(16, 9), ciphertextBlob: Buffer.from('blob') }),
    decrypt: async () => {
      throw Object.assign(new Error('User is not authorized to perform: kms:Decrypt'), { name: 'AccessDeniedException' });
    },
  };

  test('the region comes from the block or AWS_REGION / AWS_DEFAULT_REGION, as asAWSBase requires', async () => {
    const err = await caught(encryptState(STATE, await config(KMS), { kms }));
    expect(err.message).toContain('key_provider.aws_kms.k failed with error: the "region" attribute or the "AWS_REGION" or "AWS_DEFAULT_REGION" environment variables must be set.');
    const out = await encryptState(STATE, await config(KMS, { AWS_DEFAULT_REGION: 'eu-west-1' }), { kms });
    expect(out.toString()).toContain('"meta":{"key_provider.aws_kms.k":"eyJjaXBoZXJ0ZXh0X2Jsb2IiOiJZbXh2WWc9PSJ9"}');
  });

  test('a KMS refusal names the key provider and keeps the SDK error as cause', async () => {
    const c = await config(KMS, { AWS_REGION: 'eu-west-1' });
    const envelope = await encryptState(STATE, c, { kms });
    const err = await caught(decryptState(envelope, c, { kms }));
    expect(isStateEncryptionError(err, 'ENCRYPTION_KEY_UNAVAILABLE')).toBe(true);
    expect(err.message).toBe('Unable to fetch encryption key data: key_provider.aws_kms.k failed with error: failed to decrypt the stored data key with KMS key "alias/tofu": User is not authorized to perform: kms:Decrypt');
    expect((err.cause as Error).name).toBe('AccessDeniedException');
  });

  test('without KMS operations, missing required arguments or a bad key_spec, the error says what to set', async () => {
    const c = await config(KMS, { AWS_REGION: 'eu-west-1' });
    expect((await caught(encryptState(STATE, c))).message).toBe('key_provider.aws_kms.k needs AWS KMS, but no KMS client was given: pass the kms operations to the state encryption.');
    const noSpec = await config(KMS.replace(' key_spec = "AES_128"\n', ''), { AWS_REGION: 'eu-west-1' });
    expect((await caught(encryptState(STATE, noSpec, { kms }))).message).toContain('Missing required argument: The argument "key_spec" is required, but no definition was found.');
    const badSpec = await config(KMS.replace('AES_128', 'RSA_2048'), { AWS_REGION: 'eu-west-1' });
    expect((await caught(encryptState(STATE, badSpec, { kms }))).message).toContain('invalid key_spec RSA_2048, expected one of [AES_256 AES_128]');
    const unknownAttr = await config(KMS.replace('key_spec', 'kms_region = "x"\n key_spec'), { AWS_REGION: 'eu-west-1' });
    expect((await caught(encryptState(STATE, unknownAttr, { kms }))).message).toContain('Unsupported argument: An argument named "kms_region" is not expected here.');
  });
});

describe('StateEncryption: one key per process, as base.go newBaseEncryption', () => {
  const KMS = 'key_provider "aws_kms" "k" {\n kms_key_id = "alias/tofu"\n key_spec = "AES_256"\n region = "eu-west-1"\n}\n'
    + 'method "aes_gcm" "m" {\n keys = key_provider.aws_kms.k\n}\nstate {\n method = method.aes_gcm.m\n}\n';

  test('the data key is generated once; every write has a fresh nonce and the same meta; all decrypt', async () => {
    let generated = 0;
    let failNext = true;
    const kms: AwsKmsOperations = {
      generateDataKey: async () => {
        if (failNext) {
          failNext = false;
          throw new Error('throttled');
        }
        generated++;
        return { plaintext: Buffer.alloc(32, generated), ciphertextBlob: Buffer.from(`blob-${generated}`) };
      },
      decrypt: async (req) => ({ plaintext: Buffer.alloc(32, Number(Buffer.from(req.ciphertextBlob).toString().slice(5))) }),
    };
    const enc = new StateEncryption(await config(KMS), { kms });
    // A failed first setup is not kept.
    await expect(enc.encrypt(STATE)).rejects.toThrow('failed to generate key: throttled');
    const a = await enc.encrypt(STATE);
    const b = await enc.encrypt(STATE);
    expect(generated).toBe(1);
    expect(a.equals(b)).toBe(false);
    expect(JSON.parse(a.toString()).meta).toEqual(JSON.parse(b.toString()).meta);
    expect((await enc.decrypt(a)).state).toEqual(STATE);
    expect((await enc.decrypt(b)).state).toEqual(STATE);
  });

  test('without a state target it passes states through', async () => {
    const enc = new StateEncryption(undefined);
    expect(await enc.encrypt(STATE)).toEqual(STATE);
    expect((await enc.decrypt(STATE)).wasEncrypted).toBe(false);
  });
});
