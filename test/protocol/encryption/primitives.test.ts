import { createCipheriv, pbkdf2Sync } from 'node:crypto';
import {
  GCM_TC13_TAG_HEX, GCM_TC14_CIPHERTEXT_TAG_HEX, KMS_BLOB, KMS_META_JSON, NONCE, PBKDF2_SEALED_AAD_B64, PBKDF2_SHA256_KEY_HEX,
  PBKDF2_TOFU_KEY_HEX, PBKDF2_TOFU_PASSPHRASE, PBKDF2_TOFU_SALT, STATE,
} from './vectors';
import { aesGcmOpen, aesGcmSeal, validateAesGcmKeys } from '../../../src/protocol/encryption/aes-gcm';
import { decodeAwsKmsMetadata, encodeAwsKmsMetadata } from '../../../src/protocol/encryption/aws-kms';
import { decodePbkdf2Metadata, encodePbkdf2Metadata, pbkdf2DecryptionKey, pbkdf2EncryptionKey, pbkdf2SettingsProblem, PBKDF2_DEFAULTS } from '../../../src/protocol/encryption/pbkdf2';

describe('pbkdf2 key provider (keyprovider/pbkdf2)', () => {
  test('derives OpenTofu\'s Example_decrypt key from the stored metadata (provider.go Provide)', () => {
    const key = pbkdf2DecryptionKey({ ...PBKDF2_DEFAULTS, passphrase: PBKDF2_TOFU_PASSPHRASE },
      { salt: PBKDF2_TOFU_SALT, iterations: 600000, hashFunction: 'sha512', keyLength: 32 });
    expect(key.toString('hex')).toBe(PBKDF2_TOFU_KEY_HEX);
  });

  test('derives with the stored parameters, not the configured ones: sha256, 200000 iterations, 16 bytes, UTF-8 passphrase', () => {
    const key = pbkdf2DecryptionKey({ ...PBKDF2_DEFAULTS, passphrase: 'pässphrase-über-16' },
      { salt: Buffer.from(Array.from({ length: 16 }, (_, i) => i)), iterations: 200000, hashFunction: 'sha256', keyLength: 16 });
    expect(key.toString('hex')).toBe(PBKDF2_SHA256_KEY_HEX);
  });

  test('a new encryption draws a salt of salt_length and records every parameter', () => {
    const { key, metadata } = pbkdf2EncryptionKey({ passphrase: 'sixteen-chars-ok', keyLength: 24, iterations: 200000, hashFunction: 'sha256', saltLength: 12 });
    expect(metadata.salt).toHaveLength(12);
    expect(metadata).toMatchObject({ iterations: 200000, hashFunction: 'sha256', keyLength: 24 });
    // Step by step with node:crypto: HMAC-SHA256 PBKDF2 of the passphrase bytes over the drawn salt.
    expect(key).toEqual(pbkdf2Sync(Buffer.from('sixteen-chars-ok'), metadata.salt, 200000, 24, 'sha256'));
  });

  test('metadata is json.Marshal of Metadata: field order, base64 salt', () => {
    const bytes = encodePbkdf2Metadata({ salt: PBKDF2_TOFU_SALT, iterations: 600000, hashFunction: 'sha512', keyLength: 32 });
    expect(bytes.toString()).toBe('{"salt":"EOw9P+Aq0r7m8fVUD45rvjuLKURc9QLSfUetVUqolx8=","iterations":600000,"hash_function":"sha512","key_length":32}');
    expect(decodePbkdf2Metadata(bytes)).toEqual({ salt: PBKDF2_TOFU_SALT, iterations: 600000, hashFunction: 'sha512', keyLength: 32 });
  });

  test('incomplete metadata gives no decryption key; invalid metadata is an error (metadata.go isPresent, validate)', () => {
    expect(decodePbkdf2Metadata(Buffer.from('{"salt":"","iterations":600000,"hash_function":"sha512","key_length":32}'))).toBeUndefined();
    expect(decodePbkdf2Metadata(Buffer.from('{}'))).toBeUndefined();
    expect(() => decodePbkdf2Metadata(Buffer.from('{"salt":"AA==","iterations":-1,"hash_function":"sha512","key_length":32}'))).toThrow('invalid number of iterations (-1)');
    expect(() => decodePbkdf2Metadata(Buffer.from('{"salt":"AA==","iterations":1,"hash_function":"md5","key_length":32}'))).toThrow('invalid hash function name: md5');
    expect(() => decodePbkdf2Metadata(Buffer.from('{"salt":5}'))).toThrow(/cannot unmarshal/);
  });

  test.each([
    ['an empty passphrase', { passphrase: '' }, 'no passphrase provided and no chained provider defined'],
    ['a short passphrase', { passphrase: 'short' }, 'passphrase is too short (minimum 16 characters)'],
    ['passphrase and chain', { passphrase: 'x'.repeat(16), chain: { encryptionKey: Buffer.alloc(32) } }, 'passphrase and chain are mutually exclusive'],
    ['a short chained key', { chain: { encryptionKey: Buffer.alloc(8) } }, 'upstream key provider supplied an encryption key that is too short (minimum 16 characters)'],
    ['key_length 0', { passphrase: 'x'.repeat(16), keyLength: 0 }, 'the key length must be larger than zero'],
    ['iterations 0', { passphrase: 'x'.repeat(16), iterations: 0 }, 'the number of iterations must be larger than zero'],
    ['iterations 199999', { passphrase: 'x'.repeat(16), iterations: 199999 }, 'the number of iterations is dangerously low (<200000), refusing to generate key'],
    ['salt_length 0', { passphrase: 'x'.repeat(16), saltLength: 0 }, 'the salt length must be larger than zero'],
    ['hash sha1', { passphrase: 'x'.repeat(16), hashFunction: 'sha1' }, 'invalid key provider configuration: invalid hash function name: sha1'],
    ['an empty hash name', { passphrase: 'x'.repeat(16), hashFunction: '' }, 'invalid key provider configuration: please specify a hash function'],
  ])('config.go Build refuses %s with OpenTofu\'s text', (_label, over, text) => {
    expect(pbkdf2SettingsProblem({ ...PBKDF2_DEFAULTS, ...over })).toBe(text);
  });

  test('the defaults are OpenTofu\'s (descriptor.go): sha512, 600000 iterations, 32-byte salt and key', () => {
    expect(PBKDF2_DEFAULTS).toEqual({ keyLength: 32, iterations: 600000, hashFunction: 'sha512', saltLength: 32 });
    expect(pbkdf2SettingsProblem({ ...PBKDF2_DEFAULTS, passphrase: 'x'.repeat(16) })).toBeUndefined();
  });
});

describe('aes_gcm method (method/aesgcm)', () => {
  test('matches GCM test cases 13 and 14 and puts the nonce first', () => {
    const zeroKey = Buffer.alloc(32);
    const zeroIv = Buffer.alloc(12);
    expect(aesGcmSeal(zeroKey, Buffer.alloc(0), undefined, zeroIv).toString('hex')).toBe('00'.repeat(12) + GCM_TC13_TAG_HEX);
    expect(aesGcmSeal(zeroKey, Buffer.alloc(16), undefined, zeroIv).toString('hex')).toBe('00'.repeat(12) + GCM_TC14_CIPHERTEXT_TAG_HEX);
  });

  test('authenticates the aad without storing it', () => {
    const key = Buffer.from('225872367198760137e0a18580433447bbf578fbe2b87ff36aef3c175fe5709c', 'hex');
    const sealed = aesGcmSeal(key, STATE, Buffer.from([1, 2, 3]), NONCE);
    expect(sealed.toString('base64')).toBe(PBKDF2_SEALED_AAD_B64);
    expect(sealed).toHaveLength(12 + STATE.length + 16);
    expect(aesGcmOpen(key, sealed, Buffer.from([1, 2, 3]))).toEqual(STATE);
    expect(() => aesGcmOpen(key, sealed)).toThrow('decryption failed: cipher: message authentication failed');
  });

  test('seal is node:crypto AES-GCM step by step: nonce ‖ ciphertext ‖ tag', () => {
    const key = Buffer.alloc(16, 7);
    const c = createCipheriv('aes-128-gcm', key, NONCE);
    const expected = Buffer.concat([NONCE, c.update(STATE), c.final(), c.getAuthTag()]);
    expect(aesGcmSeal(key, STATE, undefined, NONCE)).toEqual(expected);
  });

  test('decrypt errors follow aesgcm.go Decrypt in order', () => {
    const key = Buffer.alloc(32, 1);
    expect(() => aesGcmOpen(undefined, Buffer.from('x'))).toThrow('no decryption key available');
    expect(() => aesGcmOpen(key, Buffer.alloc(0))).toThrow('decryption failed: cannot decrypt empty data');
    expect(() => aesGcmOpen(key, Buffer.from('1'))).toThrow('decryption failed: cannot decrypt data because it is too small (likely data corruption)');
    const sealed = aesGcmSeal(key, Buffer.from('Hello world!'));
    expect(() => aesGcmOpen(key, sealed.subarray(0, sealed.length - 1))).toThrow('decryption failed: cipher: message authentication failed');
    expect(() => aesGcmOpen(Buffer.alloc(32, 2), sealed)).toThrow('decryption failed: cipher: message authentication failed');
  });

  test('keys must be 16, 24 or 32 bytes (config.go Build)', () => {
    expect(() => validateAesGcmKeys({ encryptionKey: Buffer.alloc(20) }))
      .toThrow('invalid method configuration: AES-GCM requires the key length to be one of: 16, 24, 32, received 20 bytes in the encryption key');
    expect(() => validateAesGcmKeys({ encryptionKey: Buffer.alloc(32), decryptionKey: Buffer.alloc(10) })).toThrow('received 10 bytes in the decryption key');
    expect(() => validateAesGcmKeys({ encryptionKey: Buffer.alloc(24), decryptionKey: Buffer.alloc(16) })).not.toThrow();
  });
});

describe('aws_kms key provider metadata (keyprovider/aws_kms provider.go keyMeta)', () => {
  test('json.Marshal: ciphertext_blob base64, context keys sorted and HTML-escaped', () => {
    const bytes = encodeAwsKmsMetadata({ ciphertextBlob: KMS_BLOB, encryptionContext: { 'b.c': '<2>', 'a': '1' } });
    expect(bytes.toString()).toBe(KMS_META_JSON);
    expect(decodeAwsKmsMetadata(bytes)).toEqual({ ciphertextBlob: KMS_BLOB, encryptionContext: { 'a': '1', 'b.c': '<2>' } });
  });

  test('an empty context is omitted (omitempty); a missing blob means no stored key', () => {
    expect(encodeAwsKmsMetadata({ ciphertextBlob: KMS_BLOB, encryptionContext: {} }).toString()).toBe('{"ciphertext_blob":"d3JhcHBlZC1kYXRhLWtleS1mcm9tLWttcw=="}');
    expect(decodeAwsKmsMetadata(Buffer.from('{"ciphertext_blob":null}'))).toBeUndefined();
    expect(() => decodeAwsKmsMetadata(Buffer.from('{"ciphertext_blob":"%%%"}'))).toThrow(/illegal base64/);
  });
});
