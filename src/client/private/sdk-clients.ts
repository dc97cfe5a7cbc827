import { readFileSync } from 'node:fs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { IAMClient } from '@aws-sdk/client-iam';
import { S3Client } from '@aws-sdk/client-s3';
import type { STSClient } from '@aws-sdk/client-sts';
import type * as CredentialProviders from '@aws-sdk/credential-providers';
import { requestHandlerOptions, type TransportSettings } from './http-agents';
import { fromImdsEndpoint, imdsBaseUrl } from './imds-credentials';
import { expandHome, mergedProfile } from './shared-profiles';
import type { ResolvedConfig } from '../../protocol/config';
import { errorDiag } from '../../protocol/diagnostics';
import { parseGoDuration } from '../../protocol/go-time';
import { ConfigValidationError } from '../errors';

type Env = Readonly<Record<string, string | undefined>>;
type CredentialsProvider = NonNullable<ConstructorParameters<typeof S3Client>[0]>['credentials'];

/** Settings shared by every SDK client the backend builds (Terraform's `aws-sdk-go-base` config). */
export interface SdkSettings {
  readonly region: string;
  /** `sts_region`, else `region`. */
  readonly stsRegion: string;
  readonly credentials: CredentialsProvider;
  /** `max_retries` (Terraform's maximum attempts); undefined keeps the SDK's default (`max_retries = 0`). */
  readonly maxAttempts?: number;
  readonly retryMode?: string;
  readonly useFipsEndpoint?: boolean;
  readonly useDualstackEndpoint?: boolean;
  readonly endpoints: { readonly s3?: string; readonly dynamodb?: string; readonly sts?: string; readonly sso?: string; readonly iam?: string };
  /** `custom_ca_bundle`, `insecure` and proxies. Each client gets agents of its own: destroying a client destroys its agents. */
  readonly transport: TransportSettings;
}

/** A configuration value the client cannot use: refused like Terraform's own diagnostics, before any request. */
function refuse(summary: string, detail: string, attribute?: string): never {
  throw new ConfigValidationError([errorDiag(summary, detail, attribute ? [attribute] : [])]);
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
export function withScheme(url: string | undefined): string | undefined {
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
    sso: withScheme(nonEmpty(config.endpoints.sso, env.AWS_ENDPOINT_URL)),
    iam: withScheme(nonEmpty(config.endpoints.iam, env.AWS_ENDPOINT_URL)),
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
 * | `profile` / `shared_*_files` | {@link profileCredentials} |
 * | `AWS_ACCESS_KEY_ID` + `AWS_SECRET_ACCESS_KEY` in the given env | static keys from the env |
 * | otherwise | {@link defaultChain}: the SDK's default chain (env, SSO, ini incl. `aws login`, process, web identity, container, IMDS) |
 *
 * then `assume_role_with_web_identity` (`fromWebToken` / `fromTokenFile`) replaces that base, and
 * `assume_role` (`fromTemporaryCredentials`) assumes the role with the base as source credentials.
 * Every STS call of the chain uses `sts_region` and `endpoints.sts`.
 */
export function resolveCredentials(
  config: ResolvedConfig, env: Env, region: string, endpoints: SdkSettings['endpoints'], requestHandler: RequestHandler,
): CredentialsProvider {
  const stsEndpoint = endpoints.sts;
  const stsClientConfig = { region, ...(stsEndpoint ? { endpoint: stsEndpoint } : {}), requestHandler };
  let base: CredentialsProvider;
  if (config.access_key && config.secret_key) {
    base = { accessKeyId: config.access_key, secretAccessKey: config.secret_key, ...(config.token ? { sessionToken: config.token } : {}) };
  } else if (config.profile || config.shared_credentials_files?.length || config.shared_config_files?.length) {
    base = profileCredentials(config, env, stsClientConfig, endpoints.sso);
  } else if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
    base = {
      accessKeyId: env.AWS_ACCESS_KEY_ID,
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
      ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
    };
  } else {
    base = defaultChain(config, env, stsClientConfig);
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

/** `custom_ca_bundle` read once, with aws-sdk-go-base's texts on failure. */
function readCaBundle(file: string | undefined): Buffer | undefined {
  if (!file) return undefined;
  try {
    return readFileSync(expandHome(file));
  } catch (e) {
    return refuse('Invalid custom_ca_bundle', `reading custom CA bundle: ${(e as Error).message}. Point custom_ca_bundle (or AWS_CA_BUNDLE) at a PEM file.`,
      'custom_ca_bundle');
  }
}

function checkProxyScheme(name: string, value: string | undefined): void {
  if (!value) return;
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(value)?.[1]?.toLowerCase() ?? 'http';
  if (scheme !== 'http' && scheme !== 'https') {
    refuse('Unsupported proxy', `The proxy ${JSON.stringify(value.replace(/\/\/[^@/]*@/, '//'))} (${name}) uses the "${scheme}" scheme; this client supports http:// and https:// proxies only.`);
  }
}

type RequestHandler = ReturnType<typeof requestHandlerOptions>;
type StsClientConfig = { readonly region: string; readonly endpoint?: string; readonly requestHandler?: RequestHandler };

/**
 * A named profile from every shared file (see shared-profiles.ts). Static keys merged across files are
 * used directly; any other profile (role, SSO, process, `aws login`) is handed to the SDK's `fromIni`,
 * which reads one file of each kind, so such a profile spread over several files is refused.
 * `endpoints.sso` reaches the SSO client through `fromSSO` for an SSO profile.
 */
function profileCredentials(
  config: ResolvedConfig, env: Env, stsClientConfig: StsClientConfig, ssoEndpoint: string | undefined,
): CredentialsProvider {
  const profile = nonEmpty(config.profile, env.AWS_PROFILE) ?? 'default';
  const configFiles = config.shared_config_files ?? [];
  const credentialsFiles = config.shared_credentials_files ?? [];
  const merged = mergedProfile(profile, configFiles, credentialsFiles);
  if (merged.staticOnly) {
    const v = merged.values;
    return {
      accessKeyId: v.aws_access_key_id,
      secretAccessKey: v.aws_secret_access_key,
      ...(v.aws_session_token ? { sessionToken: v.aws_session_token } : {}),
    };
  }
  if (merged.found && (configFiles.length > 1 || credentialsFiles.length > 1)) {
    refuse('Unsupported shared configuration',
      `The profile "${profile}" takes its credentials from something other than static keys (role_arn, SSO, credential_process, aws login...) `
      + 'and is read from several shared_config_files / shared_credentials_files. The AWS SDK for JavaScript resolves such a profile from '
      + 'one config file and one credentials file: list one of each, or merge the files.');
  }
  const files = {
    profile,
    ...(credentialsFiles[0] ? { filepath: expandHome(credentialsFiles[0]) } : {}),
    ...(configFiles[0] ? { configFilepath: expandHome(configFiles[0]) } : {}),
  };
  const isSso = ['sso_session', 'sso_start_url'].some((k) => merged.values[k] !== undefined);
  if (isSso && ssoEndpoint) {
    const clientConfig = { region: stsClientConfig.region, endpoint: ssoEndpoint, requestHandler: stsClientConfig.requestHandler };
    return credentialProviders().fromSSO({ ...files, clientConfig });
  }
  return credentialProviders().fromIni({ ...files, clientConfig: stsClientConfig });
}

/**
 * The SDK's default chain (`fromNodeProviderChain`), unless instance metadata is configured:
 *
 * | skip_metadata_api_check | ec2_metadata_service_endpoint(_mode) | instance metadata link |
 * |---|---|---|
 * | unset | unset or as in the process environment | the SDK's chain as is |
 * | true | any | none |
 * | false | any | kept even when `AWS_EC2_METADATA_DISABLED` is set (aws-sdk-go-base's ClientEnabled) |
 * | unset or false | differs from the process environment | {@link fromImdsEndpoint} at that endpoint |
 *
 * (The SDK's instance metadata provider reads its endpoint from the process environment only.) A
 * custom chain keeps the SDK's links in its order: environment, shared files, web identity token
 * file, container credentials, instance metadata.
 */
function defaultChain(config: ResolvedConfig, env: Env, stsClientConfig: StsClientConfig): CredentialsProvider {
  const providers = credentialProviders();
  const profile = nonEmpty(env.AWS_PROFILE);
  const endpoint = nonEmpty(config.ec2_metadata_service_endpoint);
  const mode = nonEmpty(config.ec2_metadata_service_endpoint_mode);
  const ownImds = (endpoint !== undefined && endpoint !== process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT)
    || (mode !== undefined && mode !== process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE);
  if (config.skip_metadata_api_check === undefined && !ownImds) {
    return providers.fromNodeProviderChain({ profile, clientConfig: stsClientConfig });
  }
  const disabledByEnv = (process.env.AWS_EC2_METADATA_DISABLED ?? 'false').toLowerCase() !== 'false';
  const imds = config.skip_metadata_api_check === true || (config.skip_metadata_api_check === undefined && disabledByEnv)
    ? [] : [ownImds ? fromImdsEndpoint(imdsBaseUrl(endpoint, mode)) : providers.fromInstanceMetadata()];
  const container = process.env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI || process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI;
  return providers.createCredentialChain(
    providers.fromEnv(),
    providers.fromIni({ profile, clientConfig: stsClientConfig }),
    providers.fromTokenFile({ clientConfig: stsClientConfig }),
    ...(container ? [providers.fromHttp({})] : []),
    ...imds,
  );
}

/** Everything the SDK clients share, from the backend configuration. */
export function resolveSdkSettings(config: ResolvedConfig, env: Env): SdkSettings {
  const region = config.region;
  const stsRegion = nonEmpty(config.sts_region) ?? region;
  const endpoints = resolveEndpoints(config, env);
  checkProxyScheme('http_proxy / HTTP_PROXY', config.proxy.http);
  checkProxyScheme('https_proxy / HTTPS_PROXY', config.proxy.https);
  const transport: TransportSettings = { ca: readCaBundle(config.custom_ca_bundle), insecure: config.insecure === true, proxy: config.proxy };
  return {
    region,
    stsRegion,
    // The credential providers' STS and SSO clients live as long as the credentials: their own agents.
    credentials: resolveCredentials(config, env, stsRegion, endpoints, requestHandlerOptions(transport)),
    // aws-sdk-go-base passes max_retries to the SDK as its maximum attempts, and 0 keeps the SDK's default.
    ...(config.max_retries > 0 ? { maxAttempts: config.max_retries } : {}),
    retryMode: nonEmpty(config.retry_mode),
    useFipsEndpoint: config.use_fips_endpoint,
    useDualstackEndpoint: config.use_dualstack_endpoint,
    endpoints,
    transport,
  };
}

/**
 * Options every client shares. A custom endpoint wins over FIPS and dual-stack, as in Terraform (a
 * resolver from a URL ignores both); the JS SDK would instead refuse FIPS with a custom endpoint.
 */
export function sdkClientOptions(settings: SdkSettings, endpoint: string | undefined, region = settings.region) {
  const requestHandler = requestHandlerOptions(settings.transport);
  return {
    region,
    credentials: settings.credentials,
    ...(settings.maxAttempts !== undefined ? { maxAttempts: settings.maxAttempts } : {}),
    ...(settings.retryMode ? { retryMode: settings.retryMode } : {}),
    ...(!endpoint && settings.useFipsEndpoint !== undefined ? { useFipsEndpoint: settings.useFipsEndpoint } : {}),
    ...(!endpoint && settings.useDualstackEndpoint !== undefined ? { useDualstackEndpoint: settings.useDualstackEndpoint } : {}),
    ...(endpoint ? { endpoint } : {}),
    requestHandler,
  };
}

/**
 * The S3 client. `skip_s3_checksum` turns off every SDK default checksum (request CRC32 and the
 * response `x-amz-checksum-mode`), as OpenTofu does, because S3 compatibles reject them.
 */
export function createS3Client(config: ResolvedConfig, settings: SdkSettings): S3Client {
  return new S3Client({
    ...sdkClientOptions(settings, settings.endpoints.s3),
    forcePathStyle: config.use_path_style || config.force_path_style === true,
    ...(config.skip_s3_checksum ? { requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' } : {}),
  });
}

/** The DynamoDB client. */
export function createDynamoDbClient(settings: SdkSettings): DynamoDBClient {
  return new DynamoDBClient(sdkClientOptions(settings, settings.endpoints.dynamodb));
}

/** The STS client (credential validation, allowed/forbidden account IDs), in `sts_region` when set. */
export function createStsClient(settings: SdkSettings): STSClient {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const sts = require('@aws-sdk/client-sts') as typeof import('@aws-sdk/client-sts');
  return new sts.STSClient(sdkClientOptions(settings, settings.endpoints.sts, settings.stsRegion));
}

/**
 * The IAM client `tfstate doctor` reads the replication role with (`endpoints.iam`, the backend's
 * credentials). `@aws-sdk/client-iam` is loaded here, on first use: no other operation needs it, and
 * without it the doctor says it cannot tell instead of failing.
 */
export function createIamClient(settings: SdkSettings): IAMClient | undefined {
  let iam: typeof import('@aws-sdk/client-iam');
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    iam = require('@aws-sdk/client-iam') as typeof import('@aws-sdk/client-iam');
  } catch {
    return undefined;
  }
  return new iam.IAMClient(sdkClientOptions(settings, settings.endpoints.iam));
}
