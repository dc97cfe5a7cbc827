import { isConfigValidationError } from '../../src/client';
import { kmsClientConfig, kmsClientSettings, requireKmsSdk } from '../../src/client/private/kms';

/**
 * The aws_kms key provider's KMS client (OpenTofu internal/encryption/keyprovider/aws_kms/config.go
 * `asAWSBase`: the block's AWS attributes are the S3 backend's, applied with the same rules).
 */
describe('aws_kms key provider: the KMS client from the block\'s attributes', () => {
  const KP = 'key_provider.aws_kms.k';

  test('region from the block, else AWS_REGION; endpoints.kms wins over AWS_ENDPOINT_URL_KMS, a bare host gets https://', async () => {
    const a = kmsClientSettings(KP, { region: 'eu-west-1', endpoints: { kms: 'kms.internal:8443' } }, { AWS_ENDPOINT_URL_KMS: 'http://ignored' });
    expect(a.settings.region).toBe('eu-west-1');
    expect(a.endpoint).toBe('https://kms.internal:8443');
    const b = kmsClientSettings(KP, {}, { AWS_REGION: 'us-east-2', AWS_ENDPOINT_URL_KMS: 'http://127.0.0.1:4566' });
    expect([b.settings.region, b.endpoint]).toEqual(['us-east-2', 'http://127.0.0.1:4566']);
    const c = kmsClientSettings(KP, { region: 'eu-west-1' }, {});
    expect(c.endpoint).toBeUndefined();
    const config = kmsClientConfig(a);
    expect(config.region).toBe('eu-west-1');
    expect(config.endpoint).toBe('https://kms.internal:8443');
  });

  test('static keys and max_retries are applied as for the S3 backend', async () => {
    const s = kmsClientSettings(KP, { region: 'eu-west-1', access_key: 'AKIDEXAMPLE', secret_key: 'secret', token: 'tok', max_retries: 7 }, {});
    expect(s.settings.credentials).toEqual({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret', sessionToken: 'tok' });
    expect(kmsClientConfig(s).maxAttempts).toBe(7);
  });

  test('assume_role is honoured (a provider that assumes the role), a block given as hcl2json\'s one-element list too', async () => {
    const s = kmsClientSettings(KP, { region: 'eu-west-1', assume_role: [{ role_arn: 'arn:aws:iam::123456789012:role/kms' }] }, {});
    expect(typeof s.settings.credentials).toBe('function');
  });

  test('what cannot be honoured is refused before any request, naming the key provider and the attribute', async () => {
    let e: unknown;
    try {
      kmsClientSettings(KP, { region: 'eu-west-1', allowed_account_ids: ['123456789012'] }, {});
    } catch (err) {
      e = err;
    }
    expect(isConfigValidationError(e)).toBe(true);
    expect((e as Error).message).toContain('key_provider.aws_kms.k.allowed_account_ids');
    expect(() => kmsClientSettings(KP, { region: 'eu-west-1', endpoints: { ec2: 'x' } }, {})).toThrow(/endpoints\.ec2 is not an endpoint/);
    // The backend's own validation, prefixed with the key provider.
    expect(() => kmsClientSettings(KP, { region: 'eu-west-1', assume_role: { role_arn: 'not-an-arn' } }, {})).toThrow(/key_provider\.aws_kms\.k/);
    expect(() => kmsClientSettings(KP, { region: 'eu-west-1', unknown_attribute: true }, {})).toThrow(/Unsupported argument|unknown_attribute/);
  });

  test('@aws-sdk/client-kms is loaded on use only', () => {
    expect(requireKmsSdk().KMSClient).toBeDefined();
  });
});
