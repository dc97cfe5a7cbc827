import type { Diagnostic } from '../diagnostics';

/**
 * The S3 backend configuration's public types, and Terraform's schema of the `backend "s3"` block
 * (`internal/backend/remote-state/s3/backend.go`, ConfigSchema).
 *
 * @see https://developer.hashicorp.com/terraform/language/backend/s3
 */

/** `assume_role` block. */
export interface AssumeRoleConfig {
  /** Required. IAM role ARN (`arn:aws:iam::123456789012:role/name`). */
  readonly role_arn: string;
  /** Go duration, 15m to 12h, e.g. `1h30m`. */
  readonly duration?: string;
  readonly external_id?: string;
  /** Inline session policy, a JSON object. */
  readonly policy?: string;
  readonly policy_arns?: readonly string[];
  readonly session_name?: string;
  readonly source_identity?: string;
  readonly tags?: Readonly<Record<string, string>>;
  readonly transitive_tag_keys?: readonly string[];
}

/** `assume_role_with_web_identity` block. Exactly one of the token attributes must be set. */
export interface AssumeRoleWithWebIdentityConfig {
  /** Required. */
  readonly role_arn?: string;
  readonly duration?: string;
  readonly policy?: string;
  readonly policy_arns?: readonly string[];
  readonly session_name?: string;
  readonly web_identity_token?: string;
  readonly web_identity_token_file?: string;
}

/** `endpoints` block. */
export interface EndpointsConfig {
  readonly s3?: string;
  /** Deprecated in Terraform's schema along with `dynamodb_table`. */
  readonly dynamodb?: string;
  readonly sts?: string;
  readonly iam?: string;
  readonly sso?: string;
}

/** The `backend "s3"` attributes, with Terraform's names. */
export interface S3BackendConfig {
  readonly bucket: string;
  readonly key: string;
  /** @default - `AWS_REGION`, then `AWS_DEFAULT_REGION` */
  readonly region?: string;
  readonly access_key?: string;
  readonly secret_key?: string;
  readonly token?: string;
  readonly profile?: string;
  readonly shared_credentials_files?: readonly string[];
  readonly shared_config_files?: readonly string[];
  readonly assume_role?: AssumeRoleConfig;
  readonly assume_role_with_web_identity?: AssumeRoleWithWebIdentityConfig;
  /** @default false. Every SSE setting is ignored unless this is true. */
  readonly encrypt?: boolean;
  readonly kms_key_id?: string;
  /** Base64 of a 256-bit key (44 characters). @default - `AWS_SSE_CUSTOMER_KEY` */
  readonly sse_customer_key?: string;
  /** Canned ACL for state and lock objects. */
  readonly acl?: string;
  /** OpenTofu ≥ 1.11 only (Terraform refuses it): tags of the state object, sent as `x-amz-tagging` on every state write. */
  readonly state_tags?: Readonly<Record<string, string>>;
  /** OpenTofu ≥ 1.11 only (Terraform refuses it): tags of the lock file, sent as `x-amz-tagging` when the lock is taken. */
  readonly lock_tags?: Readonly<Record<string, string>>;
  /** Deprecated by Terraform in favour of `use_lockfile` (still fully supported by OpenTofu). */
  readonly dynamodb_table?: string;
  /** @default false */
  readonly use_lockfile?: boolean;
  /** @default 'env:' */
  readonly workspace_key_prefix?: string;
  readonly endpoints?: EndpointsConfig;
  /** @default false */
  readonly use_path_style?: boolean;
  readonly use_fips_endpoint?: boolean;
  readonly use_dualstack_endpoint?: boolean;
  readonly skip_credentials_validation?: boolean;
  readonly skip_region_validation?: boolean;
  readonly skip_requesting_account_id?: boolean;
  readonly skip_metadata_api_check?: boolean;
  readonly skip_s3_checksum?: boolean;
  /** @default 5 */
  readonly max_retries?: number;
  /** `standard` or `adaptive`. */
  readonly retry_mode?: string;
  readonly allowed_account_ids?: readonly string[];
  readonly forbidden_account_ids?: readonly string[];
  readonly sts_region?: string;
  readonly custom_ca_bundle?: string;
  readonly ec2_metadata_service_endpoint?: string;
  readonly ec2_metadata_service_endpoint_mode?: string;
  readonly http_proxy?: string;
  readonly https_proxy?: string;
  readonly no_proxy?: string;
  readonly insecure?: boolean;
  /** @deprecated use `endpoints.s3` */
  readonly endpoint?: string;
  /** @deprecated use `endpoints.dynamodb` */
  readonly dynamodb_endpoint?: string;
  /** @deprecated use `endpoints.iam` */
  readonly iam_endpoint?: string;
  /** @deprecated use `endpoints.sts` */
  readonly sts_endpoint?: string;
  /** @deprecated use `use_path_style` */
  readonly force_path_style?: boolean;
  /** @deprecated use `shared_credentials_files` */
  readonly shared_credentials_file?: string;
}

/** The environment variables validation reads. */
export type ConfigEnv = Readonly<Record<string, string | undefined>>;

/**
 * Server-side encryption of state and lock objects, as Terraform decides it (`encrypt` gates all):
 *
 * | encrypt | kms_key_id | SSE-C key (attribute or env) | result |
 * |---|---|---|---|
 * | false/unset | any | any | `none` (no SSE headers at all) |
 * | true | set | - | `aws:kms` with the key |
 * | true | unset | set | `sse-c` with the key |
 * | true | unset | unset | `AES256` |
 */
export type ResolvedEncryption =
  | { readonly type: 'none' }
  | { readonly type: 'AES256' }
  | { readonly type: 'aws:kms'; readonly kmsKeyId: string }
  | { readonly type: 'sse-c'; readonly customerKey: string; readonly customerKeyMd5: string };

/** Endpoints after Terraform's precedence (attribute, legacy attribute, `AWS_ENDPOINT_URL_X`, legacy env). */
export interface ResolvedEndpoints {
  readonly s3?: string;
  readonly dynamodb?: string;
  readonly sts?: string;
  readonly iam?: string;
  readonly sso?: string;
}

/**
 * The proxies every AWS request goes through, as aws-sdk-go-base computes them: Go's
 * `httpproxy.FromEnvironment` (`HTTP_PROXY`, `HTTPS_PROXY`, `NO_PROXY`, upper case first), then the
 * attributes over it. An `http_proxy` attribute also serves HTTPS when no HTTPS proxy is set
 * (Terraform's legacy proxy mode); `https_proxy = ""` means no proxy for HTTPS.
 */
export interface ResolvedProxy {
  readonly http?: string;
  readonly https?: string;
  readonly noProxy?: string;
}

/** A valid configuration with Terraform's defaults and environment fallbacks applied. */
export interface ResolvedConfig extends Omit<S3BackendConfig, 'endpoints' | 'shared_credentials_files' | 'shared_config_files'> {
  /** Attribute, `AWS_REGION` or `AWS_DEFAULT_REGION`. */
  readonly region: string;
  readonly workspace_key_prefix: string;
  readonly encrypt: boolean;
  readonly use_lockfile: boolean;
  readonly use_path_style: boolean;
  readonly use_fips_endpoint: boolean;
  readonly use_dualstack_endpoint: boolean;
  readonly skip_credentials_validation: boolean;
  readonly skip_region_validation: boolean;
  readonly skip_requesting_account_id: boolean;
  readonly skip_s3_checksum: boolean;
  readonly max_retries: number;
  readonly endpoints: ResolvedEndpoints;
  /** Attribute or `AWS_SSE_CUSTOMER_KEY`. */
  readonly sse_customer_key?: string;
  readonly shared_credentials_files?: readonly string[];
  readonly shared_config_files?: readonly string[];
  readonly encryption: ResolvedEncryption;
  /** Attribute or `AWS_CA_BUNDLE`. */
  readonly custom_ca_bundle?: string;
  /** Attribute, `AWS_EC2_METADATA_SERVICE_ENDPOINT` or `AWS_METADATA_URL`. */
  readonly ec2_metadata_service_endpoint?: string;
  /** Attribute or `AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE`. */
  readonly ec2_metadata_service_endpoint_mode?: string;
  readonly proxy: ResolvedProxy;
}

/** Outcome of {@link validateConfig}. `config` is only complete when there is no error diagnostic. */
export interface ConfigValidation {
  readonly config: ResolvedConfig;
  readonly diagnostics: readonly Diagnostic[];
}

export type AttrType = 'string' | 'bool' | 'number' | 'set' | 'map' | { readonly object: Readonly<Record<string, AttrType>> };

export const ASSUME_ROLE: Record<string, AttrType> = {
  role_arn: 'string',
  duration: 'string',
  external_id: 'string',
  policy: 'string',
  policy_arns: 'set',
  session_name: 'string',
  source_identity: 'string',
  tags: 'map',
  transitive_tag_keys: 'set',
};

export const ASSUME_ROLE_WEB: Record<string, AttrType> = {
  role_arn: 'string',
  duration: 'string',
  policy: 'string',
  policy_arns: 'set',
  session_name: 'string',
  web_identity_token: 'string',
  web_identity_token_file: 'string',
};

export const ENDPOINTS: Record<string, AttrType> = { dynamodb: 'string', iam: 'string', s3: 'string', sso: 'string', sts: 'string' };

/** Terraform's S3 backend schema (attribute → type), plus OpenTofu's `state_tags` and `lock_tags`. */
export const SCHEMA: Record<string, AttrType> = {
  bucket: 'string',
  key: 'string',
  region: 'string',
  allowed_account_ids: 'set',
  dynamodb_endpoint: 'string',
  ec2_metadata_service_endpoint: 'string',
  ec2_metadata_service_endpoint_mode: 'string',
  endpoint: 'string',
  endpoints: { object: ENDPOINTS },
  forbidden_account_ids: 'set',
  iam_endpoint: 'string',
  sts_endpoint: 'string',
  sts_region: 'string',
  encrypt: 'bool',
  acl: 'string',
  // OpenTofu 1.11 (backend.go ConfigSchema: cty.Map(cty.String)); not in Terraform's schema.
  state_tags: 'map',
  lock_tags: 'map',
  access_key: 'string',
  secret_key: 'string',
  kms_key_id: 'string',
  dynamodb_table: 'string',
  use_lockfile: 'bool',
  profile: 'string',
  retry_mode: 'string',
  shared_config_files: 'set',
  shared_credentials_file: 'string',
  shared_credentials_files: 'set',
  token: 'string',
  skip_credentials_validation: 'bool',
  skip_requesting_account_id: 'bool',
  skip_metadata_api_check: 'bool',
  skip_region_validation: 'bool',
  skip_s3_checksum: 'bool',
  sse_customer_key: 'string',
  workspace_key_prefix: 'string',
  force_path_style: 'bool',
  use_path_style: 'bool',
  max_retries: 'number',
  assume_role: { object: ASSUME_ROLE },
  assume_role_with_web_identity: { object: ASSUME_ROLE_WEB },
  custom_ca_bundle: 'string',
  http_proxy: 'string',
  https_proxy: 'string',
  no_proxy: 'string',
  insecure: 'bool',
  use_fips_endpoint: 'bool',
  use_dualstack_endpoint: 'bool',
};

/** Every attribute name Terraform's S3 backend accepts at the top level. */
export const S3_BACKEND_ATTRIBUTES: readonly string[] = Object.keys(SCHEMA);

/**
 * Attributes Terraform removed (v1.6–1.8) that OpenTofu may still accept, mapped to what replaces
 * them, so the "not expected here" error can say where the setting went.
 */
export const REMOVED_ATTRIBUTES: Record<string, string> = {
  role_arn: 'assume_role.role_arn',
  session_name: 'assume_role.session_name',
  external_id: 'assume_role.external_id',
  assume_role_duration_seconds: 'assume_role.duration',
  assume_role_policy: 'assume_role.policy',
  assume_role_policy_arns: 'assume_role.policy_arns',
  assume_role_tags: 'assume_role.tags',
  assume_role_transitive_tag_keys: 'assume_role.transitive_tag_keys',
  lock_table: 'dynamodb_table',
  skip_get_ec2_platforms: 'nothing (remove it)',
  use_legacy_workflow: 'nothing (remove it)',
};
