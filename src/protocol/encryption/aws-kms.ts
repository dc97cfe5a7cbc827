import type { KeyPair } from './aes-gcm';
import { decodeGoBase64 } from './pbkdf2';
import { GoJsonValue, marshalGoJson, parseGoJson, sortGoMapKeys } from '../go-json';

/**
 * OpenTofu's `aws_kms` key provider (internal/encryption/keyprovider/aws_kms): each encryption asks
 * KMS for a fresh data key (`GenerateDataKey` with `kms_key_id`, `key_spec` and the configured
 * `encryption_context`) and stores the wrapped key and the context as metadata; decryption unwraps the
 * stored key (`Decrypt` with the STORED context). The KMS calls are injected ({@link AwsKmsOperations}) so
 * the protocol stays free of the AWS SDK.
 */

/** `types.DataKeySpec.Values()` in the order aws-sdk-go-v2 lists them. */
export const AWS_KMS_KEY_SPECS: readonly string[] = ['AES_256', 'AES_128'];

/** Every attribute of aws_kms/config.go `Config` (hcl tags); `endpoints` is a block, the rest attributes. */
export const AWS_KMS_ATTRIBUTES: readonly string[] = [
  'kms_key_id', 'key_spec', 'access_key', 'endpoints', 'max_retries', 'profile', 'region', 'secret_key',
  'skip_credentials_validation', 'skip_requesting_account_id', 'sts_region', 'token', 'http_proxy', 'https_proxy',
  'no_proxy', 'insecure', 'use_dualstack_endpoint', 'use_fips_endpoint', 'custom_ca_bundle',
  'ec2_metadata_service_endpoint', 'ec2_metadata_service_endpoint_mode', 'skip_metadata_api_check',
  'shared_credentials_files', 'shared_config_files', 'assume_role', 'assume_role_with_web_identity',
  'allowed_account_ids', 'forbidden_account_ids', 'retry_mode', 'encryption_context',
];

/** Which key provider a KMS call is for, and how to reach KMS. */
export interface AwsKmsKeyProviderRequest {
  /** The key provider's address, `key_provider.aws_kms.<name>`, for error messages. */
  readonly keyProvider: string;
  /**
   * The block's other evaluated attributes as OpenTofu names them (`region`, `profile`, `endpoints`,
   * `assume_role`, ...; the S3 backend's vocabulary). The caller builds its KMS client from them and
   * must refuse any it cannot honour.
   */
  readonly clientConfig: Readonly<Record<string, unknown>>;
  /** `kms_key_id`: key id, key ARN, alias name or alias ARN. */
  readonly keyId: string;
  /** The encryption context (`EncryptionContext` of the KMS call); absent when none. */
  readonly encryptionContext?: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal;
}

/** The two KMS calls the key provider makes. Reject with the SDK error; it becomes the `cause`. */
export interface AwsKmsOperations {
  /** `GenerateDataKey` with `KeySpec`. */
  generateDataKey(request: AwsKmsKeyProviderRequest & { readonly keySpec: string }): Promise<{ plaintext: Uint8Array; ciphertextBlob: Uint8Array }>;
  /** `Decrypt` of a stored `CiphertextBlob` (with `KeyId` set, as OpenTofu does). */
  decrypt(request: AwsKmsKeyProviderRequest & { readonly ciphertextBlob: Uint8Array }): Promise<{ plaintext: Uint8Array }>;
}

/** A decoded `key_provider "aws_kms"` body. */
export interface AwsKmsSettings {
  readonly kmsKeyId: string;
  readonly keySpec: string;
  readonly encryptionContext?: Readonly<Record<string, string>>;
  readonly clientConfig: Readonly<Record<string, unknown>>;
}

/** provider.go `keyMeta`. */
export interface AwsKmsMetadata {
  readonly ciphertextBlob: Uint8Array;
  readonly encryptionContext?: Readonly<Record<string, string>>;
}

/**
 * config.go `validate` and the checks of `asAWSBase` that need no AWS call. Returns OpenTofu's text,
 * or `undefined` when valid.
 */
export function awsKmsSettingsProblem(s: AwsKmsSettings, env: Readonly<Record<string, string | undefined>>): string | undefined {
  if (s.kmsKeyId === '') return 'no kms_key_id provided';
  if (s.keySpec === '') return 'no key_spec provided';
  if (!AWS_KMS_KEY_SPECS.includes(s.keySpec)) return `invalid key_spec ${s.keySpec}, expected one of [${AWS_KMS_KEY_SPECS.join(' ')}]`;
  const region = s.clientConfig.region;
  if ((region === undefined || region === '' || region === null) && !env.AWS_REGION && !env.AWS_DEFAULT_REGION) {
    return 'the "region" attribute or the "AWS_REGION" or "AWS_DEFAULT_REGION" environment variables must be set.';
  }
  const allowed = s.clientConfig.allowed_account_ids;
  const forbidden = s.clientConfig.forbidden_account_ids;
  if (Array.isArray(allowed) && allowed.length > 0 && Array.isArray(forbidden) && forbidden.length > 0) {
    return 'conflicting config attributes: only allowed_account_ids or forbidden_account_ids can be specified, not both';
  }
  return undefined;
}

/** The data key length of a key spec, for validating a configuration without calling KMS. */
export function awsKmsKeyLength(keySpec: string): number {
  return keySpec === 'AES_128' ? 16 : 32;
}

/** `json.Marshal(*keyMeta)`: `ciphertext_blob` as base64, `encryption_context` sorted and omitted when empty. */
export function encodeAwsKmsMetadata(m: AwsKmsMetadata): Buffer {
  const hasContext = m.encryptionContext !== undefined && Object.keys(m.encryptionContext).length > 0;
  const ctx = hasContext ? sortGoMapKeys({ ...m.encryptionContext }) : undefined;
  return Buffer.from(marshalGoJson({ ciphertext_blob: Buffer.from(m.ciphertextBlob).toString('base64'), encryption_context: ctx }));
}

function member(obj: { [k: string]: GoJsonValue }, name: string): GoJsonValue | undefined {
  if (Object.prototype.hasOwnProperty.call(obj, name)) return obj[name];
  const folded = Object.keys(obj).filter((k) => k.toLowerCase() === name);
  return folded.length > 0 ? obj[folded[folded.length - 1]] : undefined;
}

/**
 * `json.Unmarshal(meta, *keyMeta)` then `isPresent`: `undefined` when no wrapped key is stored.
 *
 * @throws Error with Go's text when the metadata does not decode
 */
export function decodeAwsKmsMetadata(bytes: Uint8Array): AwsKmsMetadata | undefined {
  const doc = parseGoJson(bytes);
  if (doc === null) return undefined;
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new Error('json: cannot unmarshal non-object into Go value of type aws_kms.keyMeta');
  const blob = member(doc, 'ciphertext_blob');
  if (blob !== undefined && blob !== null && typeof blob !== 'string') {
    throw new Error('json: cannot unmarshal non-string into Go struct field keyMeta.ciphertext_blob of type []uint8');
  }
  const ctx = member(doc, 'encryption_context');
  let encryptionContext: Record<string, string> | undefined;
  if (ctx !== undefined && ctx !== null) {
    if (typeof ctx !== 'object' || Array.isArray(ctx)) throw new Error('json: cannot unmarshal non-object into Go struct field keyMeta.encryption_context of type map[string]string');
    encryptionContext = {};
    for (const [k, v] of Object.entries(ctx)) {
      if (typeof v !== 'string') throw new Error('json: cannot unmarshal non-string into Go struct field keyMeta.encryption_context of type string');
      encryptionContext[k] = v;
    }
  }
  const ciphertextBlob = typeof blob === 'string' ? decodeGoBase64(blob, 'ciphertext_blob') : Buffer.alloc(0);
  if (ciphertextBlob.length === 0) return undefined;
  return { ciphertextBlob, ...(encryptionContext !== undefined ? { encryptionContext } : {}) };
}

function request(addr: string, s: AwsKmsSettings, signal: AbortSignal | undefined): AwsKmsKeyProviderRequest {
  return { keyProvider: addr, clientConfig: s.clientConfig, keyId: s.kmsKeyId, ...(signal ? { signal } : {}) };
}

/** provider.go `Provide`, encryption half: a new data key and the metadata to store. */
export async function awsKmsEncryptionKey(
  addr: string, s: AwsKmsSettings, kms: AwsKmsOperations, signal?: AbortSignal,
): Promise<{ keys: KeyPair; metadata: AwsKmsMetadata }> {
  let out: { plaintext: Uint8Array; ciphertextBlob: Uint8Array };
  try {
    out = await kms.generateDataKey({
      ...request(addr, s, signal),
      keySpec: s.keySpec,
      ...(s.encryptionContext !== undefined ? { encryptionContext: s.encryptionContext } : {}),
    });
  } catch (e) {
    throw new Error(`failed to generate key: ${(e as Error)?.message ?? String(e)}`, { cause: e });
  }
  return {
    keys: { encryptionKey: Buffer.from(out.plaintext) },
    metadata: {
      ciphertextBlob: Buffer.from(out.ciphertextBlob),
      ...(s.encryptionContext !== undefined ? { encryptionContext: s.encryptionContext } : {}),
    },
  };
}

/** provider.go `Provide`, decryption half: unwraps the stored data key with the stored context. */
export async function awsKmsDecryptionKey(
  addr: string, s: AwsKmsSettings, stored: AwsKmsMetadata, kms: AwsKmsOperations, signal?: AbortSignal,
): Promise<Buffer> {
  try {
    const out = await kms.decrypt({
      ...request(addr, s, signal),
      ciphertextBlob: stored.ciphertextBlob,
      ...(stored.encryptionContext !== undefined ? { encryptionContext: stored.encryptionContext } : {}),
    });
    return Buffer.from(out.plaintext);
  } catch (e) {
    throw new Error(`failed to decrypt the stored data key with KMS key ${JSON.stringify(s.kmsKeyId)}: ${(e as Error)?.message ?? String(e)}`, { cause: e });
  }
}
