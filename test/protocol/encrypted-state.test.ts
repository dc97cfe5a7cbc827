import {
  UnsupportedEncryptionVersionError,
  detectEncryptedState,
  encryptedStateRefusalMessage,
  md5Hex,
  newEmptyState,
  serializeStateTofu,
} from '../../src/protocol';

const pbkdf2Meta = Buffer.from('{"salt":"c2FsdA==","iterations":600000,"hash_function":"sha512","key_length":32}').toString('base64');
// §10 vector 27, with real base64 in the placeholders.
const VECTOR_27 = `{"serial":3,"lineage":"L","meta":{"key_provider.pbkdf2.k":"${pbkdf2Meta}"},"encrypted_data":"AAECAw==","encryption_version":"v0"}`;

describe('detectEncryptedState', () => {
  test('vector 27 is an envelope with its serial, lineage and key provider', () => {
    const result = detectEncryptedState(VECTOR_27);
    expect(result).toEqual({
      encrypted: true,
      envelope: {
        serial: 3,
        lineage: 'L',
        encryptedData: 'AAECAw==',
        encryptionVersion: 'v0',
        keyProviders: [{
          metaKey: 'key_provider.pbkdf2.k',
          type: 'pbkdf2',
          name: 'k',
          metadata: { salt: 'c2FsdA==', iterations: 600000, hash_function: 'sha512', key_length: 32 },
        }],
      },
    });
    // The digest covers the envelope bytes as stored.
    expect(md5Hex(Buffer.from(VECTOR_27))).toHaveLength(32);
  });

  test('an alias meta key and undecodable metadata are kept as they are', () => {
    const r = detectEncryptedState('{"serial":null,"lineage":"L","meta":{"my-alias":"%%"},"encrypted_data":"","encryption_version":"v0"}');
    expect(r.encrypted && r.envelope.keyProviders).toEqual([{ metaKey: 'my-alias' }]);
    expect(r.encrypted && r.envelope.serial).toBeNull();
  });

  test('plain states, empty input and garbage are not envelopes', () => {
    expect(detectEncryptedState(serializeStateTofu(newEmptyState()))).toEqual({ encrypted: false });
    expect(detectEncryptedState('')).toEqual({ encrypted: false });
    expect(detectEncryptedState('not json')).toEqual({ encrypted: false });
    expect(detectEncryptedState('{"encryption_version":""}')).toEqual({ encrypted: false });
    expect(detectEncryptedState('[1]')).toEqual({ encrypted: false });
  });

  test('another envelope version gets OpenTofu\'s error', () => {
    expect(() => detectEncryptedState('{"encryption_version":"v1"}')).toThrow(UnsupportedEncryptionVersionError);
    expect(() => detectEncryptedState('{"encryption_version":"v1"}')).toThrow('invalid encrypted payload version: v1 != v0');
  });
});

describe('encryptedStateRefusalMessage', () => {
  test('names the object, the key provider and the OpenTofu command to decrypt', () => {
    const r = detectEncryptedState(VECTOR_27);
    if (!r.encrypted) throw new Error('expected an envelope');
    const text = encryptedStateRefusalMessage(r.envelope, { bucket: 'b', key: 'path/to/terraform.tfstate' });
    expect(text).toContain('s3://b/path/to/terraform.tfstate is encrypted with OpenTofu state encryption');
    expect(text).toContain('serial 3, lineage "L", key provider: pbkdf2 "k"');
    expect(text).toContain('"tofu state pull"');
    expect(text).toContain('TF_ENCRYPTION');
    expect(text).toContain('left unchanged');
  });
});
