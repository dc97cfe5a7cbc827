import type { KMSClient, KMSClientConfig } from '@aws-sdk/client-kms';
import { resolveSdkSettings, sdkClientOptions, withScheme, type SdkSettings } from './sdk-clients';
import { validateConfig } from '../../protocol/config';
import { errorDiag, hasErrors } from '../../protocol/diagnostics';
import type { AwsKmsKeyProviderRequest, AwsKmsOperations } from '../../protocol/encryption';
import { ConfigValidationError } from '../errors';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The `aws_kms` key provider's AWS side (OpenTofu's internal/encryption/keyprovider/aws_kms/config.go
 * `asAWSBase`): its block carries the S3 backend's AWS attributes (`region`, `profile`, `access_key`,
 * `assume_role`, `endpoints`, ...), so the KMS client is built with the same rules as the backend's own
 * clients (`resolveSdkSettings`), plus `endpoints.kms` / `AWS_ENDPOINT_URL_KMS`. What this client cannot
 * honour is refused before any request.
 */

/** Attributes of the aws_kms block this client does not apply to its KMS client. */
const REFUSED: Readonly<Record<string, string>> = {
  allowed_account_ids: 'the account of the KMS credentials is not checked by this client',
  forbidden_account_ids: 'the account of the KMS credentials is not checked by this client',
};

/** Endpoint names of the aws_kms block that the S3 backend's `endpoints` has too (kms is the key provider's own). */
const BACKEND_ENDPOINTS = new Set(['dynamodb', 'iam', 's3', 'sso', 'sts']);

function nonEmpty(...values: unknown[]): string | undefined {
  return values.find((v): v is string => typeof v === 'string' && v.trim() !== '');
}

function refuse(keyProvider: string, detail: string, attribute?: string): never {
  throw new ConfigValidationError([errorDiag(`Unsupported ${keyProvider} configuration`, detail, attribute ? [attribute] : [])]);
}

/** What a KMS client needs: the backend-style SDK settings and the KMS endpoint. */
export interface KmsClientSettings {
  readonly settings: SdkSettings;
  /** `endpoints.kms`, else `AWS_ENDPOINT_URL_KMS`, else `AWS_ENDPOINT_URL`; `https://` prepended to a bare host. */
  readonly endpoint?: string;
}

/**
 * The SDK settings of the KMS client of key provider `keyProvider` from its `clientConfig` (the block's
 * attributes other than `kms_key_id`, `key_spec` and `encryption_context`), validated as the S3 backend
 * validates the same attributes.
 *
 * @throws ConfigValidationError naming the attribute for anything refused
 */
export function kmsClientSettings(keyProvider: string, clientConfig: Readonly<Record<string, unknown>>, env: Env): KmsClientSettings {
  const attrs: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(clientConfig)) {
    if (v === null || v === undefined) continue;
    if (REFUSED[k] !== undefined) {
      if (Array.isArray(v) && v.length === 0) continue;
      refuse(keyProvider, `${keyProvider}.${k}: ${REFUSED[k]}. Remove "${k}" from the key provider block (the S3 backend's own ${k} still applies to the state bucket).`, k);
    }
    attrs[k] = v;
  }
  let kmsEndpoint: string | undefined;
  const endpoints = attrs.endpoints;
  if (endpoints !== undefined) {
    const block = (Array.isArray(endpoints) ? endpoints[0] : endpoints) as Record<string, unknown> | undefined;
    if (typeof block !== 'object' || block === null) refuse(keyProvider, `${keyProvider}.endpoints must be a block, e.g. endpoints { kms = "https://..." }.`, 'endpoints');
    const kept: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(block)) {
      if (k === 'kms') kmsEndpoint = nonEmpty(v);
      else if (BACKEND_ENDPOINTS.has(k)) kept[k] = v;
      else refuse(keyProvider, `${keyProvider}.endpoints.${k} is not an endpoint this client knows (kms, sts, sso, iam, s3, dynamodb).`, 'endpoints');
    }
    attrs.endpoints = kept;
  }
  for (const k of ['assume_role', 'assume_role_with_web_identity']) {
    if (Array.isArray(attrs[k]) && (attrs[k] as unknown[]).length === 1) attrs[k] = (attrs[k] as unknown[])[0];
  }
  // The backend's validation needs a bucket and a key; neither reaches the KMS client.
  const { config, diagnostics } = validateConfig({ ...attrs, bucket: 'aws-kms-key-provider', key: 'aws-kms-key-provider' }, env);
  if (hasErrors(diagnostics)) {
    throw new ConfigValidationError(diagnostics.map((d) => ({ ...d, detail: `${keyProvider}: ${d.detail}` })));
  }
  const endpoint = nonEmpty(kmsEndpoint, env.AWS_ENDPOINT_URL_KMS, env.AWS_ENDPOINT_URL);
  return {
    settings: resolveSdkSettings(config, env),
    ...(endpoint ? { endpoint: withScheme(endpoint) } : {}),
  };
}

/** The `KMSClient` options for {@link KmsClientSettings} (a custom endpoint wins over FIPS and dual-stack, as for S3). */
export function kmsClientConfig(s: KmsClientSettings): KMSClientConfig {
  return sdkClientOptions(s.settings, s.endpoint);
}

/** `@aws-sdk/client-kms`, loaded on the first KMS call only: importing the client never loads it. */
export function requireKmsSdk(): typeof import('@aws-sdk/client-kms') {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('@aws-sdk/client-kms') as typeof import('@aws-sdk/client-kms');
  } catch (e) {
    throw Object.assign(new Error('The aws_kms key provider needs @aws-sdk/client-kms, which is not installed (it is an optional dependency). '
      + 'Install it next to cdk-tfstate-backend: npm install @aws-sdk/client-kms'), { code: 'AWS_SDK_NOT_INSTALLED', cause: e });
  }
}

/**
 * {@link AwsKmsOperations} on the AWS SDK: one KMS client per distinct key provider configuration,
 * kept for the life of the state client and destroyed with it.
 */
export class SdkKmsOperations implements AwsKmsOperations {
  private readonly clients = new Map<string, KMSClient>();

  constructor(private readonly env: Env) {}

  private client(request: AwsKmsKeyProviderRequest): KMSClient {
    const id = `${request.keyProvider}\n${JSON.stringify(request.clientConfig)}`;
    let c = this.clients.get(id);
    if (c === undefined) {
      const settings = kmsClientSettings(request.keyProvider, request.clientConfig, this.env);
      c = new (requireKmsSdk().KMSClient)(kmsClientConfig(settings));
      this.clients.set(id, c);
    }
    return c;
  }

  public async generateDataKey(
    request: AwsKmsKeyProviderRequest & { readonly keySpec: string },
  ): Promise<{ plaintext: Uint8Array; ciphertextBlob: Uint8Array }> {
    const { GenerateDataKeyCommand } = requireKmsSdk();
    const out = await this.client(request).send(new GenerateDataKeyCommand({
      KeyId: request.keyId,
      KeySpec: request.keySpec as 'AES_256' | 'AES_128',
      ...(request.encryptionContext ? { EncryptionContext: { ...request.encryptionContext } } : {}),
    }), { abortSignal: request.signal });
    if (!out.Plaintext || !out.CiphertextBlob) throw new Error('KMS GenerateDataKey returned no key');
    return { plaintext: out.Plaintext, ciphertextBlob: out.CiphertextBlob };
  }

  public async decrypt(request: AwsKmsKeyProviderRequest & { readonly ciphertextBlob: Uint8Array }): Promise<{ plaintext: Uint8Array }> {
    const { DecryptCommand } = requireKmsSdk();
    const out = await this.client(request).send(new DecryptCommand({
      KeyId: request.keyId,
      CiphertextBlob: request.ciphertextBlob,
      ...(request.encryptionContext ? { EncryptionContext: { ...request.encryptionContext } } : {}),
    }), { abortSignal: request.signal });
    if (!out.Plaintext) throw new Error('KMS Decrypt returned no plaintext');
    return { plaintext: out.Plaintext };
  }

  public destroy(): void {
    for (const c of this.clients.values()) c.destroy();
    this.clients.clear();
  }
}
