import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import type { STSClient } from '@aws-sdk/client-sts';
import type * as CredentialProviders from '@aws-sdk/credential-providers';
import type { ResolvedConfig } from '../../protocol/config';
import { parseGoDuration } from '../../protocol/go-time';

type Env = Readonly<Record<string, string | undefined>>;
type CredentialsProvider = NonNullable<ConstructorParameters<typeof S3Client>[0]>['credentials'];

/** Settings shared by every SDK client the backend builds (Terraform's `aws-sdk-go-base` config). */
export interface SdkSettings {
  readonly region: string;
  readonly credentials: CredentialsProvider;
  readonly maxAttempts: number;
  readonly retryMode?: string;
  readonly useFipsEndpoint?: boolean;
  readonly useDualstackEndpoint?: boolean;
  readonly endpoints: { readonly s3?: string; readonly dynamodb?: string; readonly sts?: string };
}

/**
 * STS and the credential providers are loaded on first use: most runs need neither (static keys,
 * `skip_credentials_validation`), and loading them costs about as much as the S3 client itself.
 */
function credentialProviders(): typeof CredentialProviders {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('@aws-sdk/credential-providers') as typeof CredentialProviders;
}

function nonEmpty(...values: (string | undefined)[]): string | undefined {
  return values.find((v) => v !== undefined && v.trim() !== '');
}

/** OpenTofu prepends `https://` to an endpoint without a scheme; the SDK needs a full URL. */
function withScheme(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? url : `https://${url}`;
}

/**
 * Endpoints after Terraform's precedence (resolved by `protocol/config.ts`), then the generic
 * `AWS_ENDPOINT_URL` the SDKs honour; `https://` is prepended to a bare host (OpenTofu's behaviour).
 */
export function resolveEndpoints(config: ResolvedConfig, env: Env): SdkSettings['endpoints'] {
  return {
    s3: withScheme(nonEmpty(config.endpoints.s3, env.AWS_ENDPOINT_URL)),
    dynamodb: withScheme(nonEmpty(config.endpoints.dynamodb, env.AWS_ENDPOINT_URL)),
    sts: withScheme(nonEmpty(config.endpoints.sts, env.AWS_ENDPOINT_URL)),
  };
}

function durationSeconds(duration: string | undefined): number | undefined {
  if (duration === undefined || duration === '') return undefined;
  return Math.round(parseGoDuration(duration) / 1e9);
}

/**
 * The credential chain, built from the SDK's own providers:
 *
 * | configured | provider |
 * |---|---|
 * | `access_key` + `secret_key` (+ `token`) | static keys |
 * | `profile` / `shared_*_files` | `fromIni` |
 * | `AWS_ACCESS_KEY_ID` + `AWS_SECRET_ACCESS_KEY` in the given env | static keys from the env |
 * | otherwise | `fromNodeProviderChain` (env, SSO, ini, process, web identity, container, IMDS) |
 *
 * then `assume_role_with_web_identity` (`fromWebToken` / `fromTokenFile`) replaces that base, and
 * `assume_role` (`fromTemporaryCredentials`) assumes the role with the base as source credentials.
 */
export function resolveCredentials(config: ResolvedConfig, env: Env, region: string, stsEndpoint: string | undefined): CredentialsProvider {
  const stsClientConfig = { region, ...(stsEndpoint ? { endpoint: stsEndpoint } : {}) };
  let base: CredentialsProvider;
  if (config.access_key && config.secret_key) {
    base = { accessKeyId: config.access_key, secretAccessKey: config.secret_key, ...(config.token ? { sessionToken: config.token } : {}) };
  } else if (config.profile || config.shared_credentials_files?.length || config.shared_config_files?.length) {
    base = credentialProviders().fromIni({
      profile: nonEmpty(config.profile, env.AWS_PROFILE),
      filepath: config.shared_credentials_files?.[0],
      configFilepath: config.shared_config_files?.[0],
    });
  } else if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
    base = {
      accessKeyId: env.AWS_ACCESS_KEY_ID,
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
      ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
    };
  } else {
    base = credentialProviders().fromNodeProviderChain({ profile: nonEmpty(env.AWS_PROFILE), clientConfig: stsClientConfig });
  }

  const web = config.assume_role_with_web_identity;
  if (web) {
    const webParams = {
      roleArn: nonEmpty(web.role_arn, env.AWS_ROLE_ARN) ?? '',
      roleSessionName: nonEmpty(web.session_name, env.AWS_ROLE_SESSION_NAME),
      durationSeconds: durationSeconds(web.duration),
      policy: web.policy,
      policyArns: web.policy_arns?.map((arn) => ({ arn })),
      clientConfig: stsClientConfig,
    };
    const token = nonEmpty(web.web_identity_token, env.AWS_WEB_IDENTITY_TOKEN);
    const providers = credentialProviders();
    base = token
      ? providers.fromWebToken({ ...webParams, webIdentityToken: token })
      : providers.fromTokenFile({ ...webParams, webIdentityTokenFile: nonEmpty(web.web_identity_token_file, env.AWS_WEB_IDENTITY_TOKEN_FILE) });
  }

  const role = config.assume_role;
  if (role && role.role_arn) {
    return credentialProviders().fromTemporaryCredentials({
      masterCredentials: base,
      clientConfig: stsClientConfig,
      params: {
        RoleArn: role.role_arn,
        RoleSessionName: role.session_name,
        DurationSeconds: durationSeconds(role.duration),
        ExternalId: role.external_id,
        Policy: role.policy,
        PolicyArns: role.policy_arns?.map((arn) => ({ arn })),
        Tags: role.tags ? Object.entries(role.tags).map(([Key, Value]) => ({ Key, Value })) : undefined,
        TransitiveTagKeys: role.transitive_tag_keys ? [...role.transitive_tag_keys] : undefined,
        SourceIdentity: role.source_identity,
      },
    });
  }
  return base;
}

/** Everything the SDK clients share, from the backend configuration. */
export function resolveSdkSettings(config: ResolvedConfig, env: Env): SdkSettings {
  const region = config.region;
  const endpoints = resolveEndpoints(config, env);
  return {
    region,
    credentials: resolveCredentials(config, env, region, endpoints.sts),
    // Terraform's max_retries counts retries; the SDK counts attempts.
    maxAttempts: config.max_retries + 1,
    retryMode: nonEmpty(config.retry_mode),
    useFipsEndpoint: config.use_fips_endpoint,
    useDualstackEndpoint: config.use_dualstack_endpoint,
    endpoints,
  };
}

function common(settings: SdkSettings, endpoint: string | undefined) {
  return {
    region: settings.region,
    credentials: settings.credentials,
    maxAttempts: settings.maxAttempts,
    ...(settings.retryMode ? { retryMode: settings.retryMode } : {}),
    ...(settings.useFipsEndpoint !== undefined ? { useFipsEndpoint: settings.useFipsEndpoint } : {}),
    ...(settings.useDualstackEndpoint !== undefined ? { useDualstackEndpoint: settings.useDualstackEndpoint } : {}),
    ...(endpoint ? { endpoint } : {}),
  };
}

/**
 * The S3 client. `skip_s3_checksum` turns off every SDK default checksum (request CRC32 and the
 * response `x-amz-checksum-mode`), as OpenTofu does, because S3 compatibles reject them.
 */
export function createS3Client(config: ResolvedConfig, settings: SdkSettings): S3Client {
  return new S3Client({
    ...common(settings, settings.endpoints.s3),
    forcePathStyle: config.use_path_style || config.force_path_style === true,
    ...(config.skip_s3_checksum ? { requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' } : {}),
  });
}

/** The DynamoDB client. */
export function createDynamoDbClient(settings: SdkSettings): DynamoDBClient {
  return new DynamoDBClient(common(settings, settings.endpoints.dynamodb));
}

/** The STS client (credential validation). */
export function createStsClient(settings: SdkSettings): STSClient {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const sts = require('@aws-sdk/client-sts') as typeof import('@aws-sdk/client-sts');
  return new sts.STSClient(common(settings, settings.endpoints.sts));
}
