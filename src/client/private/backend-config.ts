/**
 * Interim shape of the S3 backend configuration until `src/protocol/config.ts` lands; replaced by a
 * re-export of the protocol's `S3BackendConfig` then. Terraform's attribute names (snake_case).
 */
export interface S3BackendConfig {
  readonly bucket: string;
  readonly key: string;
  readonly region?: string;
  readonly workspace_key_prefix?: string;
  readonly encrypt?: boolean;
  readonly kms_key_id?: string;
  readonly sse_customer_key?: string;
  readonly acl?: string;
  readonly dynamodb_table?: string;
  readonly use_lockfile?: boolean;
  readonly endpoints?: { readonly s3?: string; readonly dynamodb?: string; readonly sts?: string; readonly iam?: string; readonly sso?: string };
  readonly endpoint?: string;
  readonly dynamodb_endpoint?: string;
  readonly sts_endpoint?: string;
  readonly use_path_style?: boolean;
  readonly force_path_style?: boolean;
  readonly use_fips_endpoint?: boolean;
  readonly use_dualstack_endpoint?: boolean;
  readonly max_retries?: number;
  readonly retry_mode?: string;
  readonly skip_s3_checksum?: boolean;
  readonly skip_credentials_validation?: boolean;
  readonly skip_region_validation?: boolean;
  readonly skip_metadata_api_check?: boolean;
  readonly skip_requesting_account_id?: boolean;
  readonly access_key?: string;
  readonly secret_key?: string;
  readonly token?: string;
  readonly profile?: string;
  readonly shared_credentials_files?: readonly string[];
  readonly shared_config_files?: readonly string[];
  readonly assume_role?: {
    readonly role_arn: string;
    readonly duration?: string;
    readonly external_id?: string;
    readonly session_name?: string;
    readonly source_identity?: string;
    readonly policy?: string;
    readonly policy_arns?: readonly string[];
    readonly tags?: Readonly<Record<string, string>>;
    readonly transitive_tag_keys?: readonly string[];
  };
  readonly assume_role_with_web_identity?: {
    readonly role_arn?: string;
    readonly duration?: string;
    readonly session_name?: string;
    readonly web_identity_token?: string;
    readonly web_identity_token_file?: string;
    readonly policy?: string;
    readonly policy_arns?: readonly string[];
  };
  readonly allowed_account_ids?: readonly string[];
  readonly forbidden_account_ids?: readonly string[];
}
