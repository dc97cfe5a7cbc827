import { createHash } from 'node:crypto';
import { DEFAULT_MAX_RETRIES, DEFAULT_WORKSPACE_KEY_PREFIX } from '../constants';
import { Obj, bool, str } from './decode';
import { decodeGoBase64 } from './go-base64';
import type { ConfigEnv, ResolvedConfig, ResolvedEncryption, ResolvedEndpoints, ResolvedProxy, S3BackendConfig } from './schema';
import { nonEmptyEnv } from './validate';

/** Terraform's defaults and environment fallbacks, applied to decoded attributes. */

/** Terraform's `retrieveArgument`: the first attribute that is set (even to `""`), else the first non-empty variable. */
function retrieve(attrs: (string | undefined)[], envNames: string[], env: ConfigEnv): string | undefined {
  for (const a of attrs) if (a !== undefined) return a === '' ? undefined : a;
  for (const n of envNames) if (env[n]) return env[n];
  return undefined;
}

function boolOrEnv(obj: Obj, name: string, envName: string, env: ConfigEnv): boolean {
  const v = bool(obj, name);
  if (v !== undefined) return v;
  const e = env[envName];
  return e !== undefined && e.toLowerCase() === 'true';
}

/** Go's `httpproxy.FromEnvironment` (upper-case name first), then aws-sdk-go-base's `HTTPTransportOptions`. */
function resolveProxy(obj: Obj, env: ConfigEnv): ResolvedProxy {
  const fromEnv = (upper: string) => env[upper] || env[upper.toLowerCase()] || undefined;
  let http = fromEnv('HTTP_PROXY');
  let https = fromEnv('HTTPS_PROXY');
  let noProxy = fromEnv('NO_PROXY');
  const httpAttr = str(obj, 'http_proxy');
  const httpsAttr = str(obj, 'https_proxy');
  const noProxyAttr = str(obj, 'no_proxy');
  if (httpAttr !== undefined) {
    http = httpAttr;
    if (!https) https = httpAttr;
  }
  if (httpsAttr !== undefined) https = httpsAttr;
  if (noProxyAttr) noProxy = noProxyAttr;
  return Object.fromEntries(Object.entries({ http, https, noProxy }).filter(([, v]) => v)) as ResolvedProxy;
}

const optional = <K extends string>(name: K, value: string | undefined) => (value !== undefined ? { [name]: value } : {});

export function resolve(obj: Obj, env: ConfigEnv): ResolvedConfig {
  const endpoints = (obj.endpoints ?? {}) as Obj;
  const ep = (modern: string, legacyAttr: string | undefined, modernEnv: string, legacyEnv: string | undefined) => retrieve(
    [str(endpoints, modern), legacyAttr ? str(obj, legacyAttr) : undefined],
    legacyEnv ? [modernEnv, legacyEnv] : [modernEnv], env);
  const resolvedEndpoints: ResolvedEndpoints = Object.fromEntries(Object.entries({
    s3: ep('s3', 'endpoint', 'AWS_ENDPOINT_URL_S3', 'AWS_S3_ENDPOINT'),
    dynamodb: ep('dynamodb', 'dynamodb_endpoint', 'AWS_ENDPOINT_URL_DYNAMODB', 'AWS_DYNAMODB_ENDPOINT'),
    sts: ep('sts', 'sts_endpoint', 'AWS_ENDPOINT_URL_STS', 'AWS_STS_ENDPOINT'),
    iam: ep('iam', 'iam_endpoint', 'AWS_ENDPOINT_URL_IAM', 'AWS_IAM_ENDPOINT'),
    sso: ep('sso', undefined, 'AWS_ENDPOINT_URL_SSO', undefined),
  }).filter(([, v]) => v !== undefined));

  const sseKey = str(obj, 'sse_customer_key') ?? nonEmptyEnv(env, 'AWS_SSE_CUSTOMER_KEY');
  const encrypt = bool(obj, 'encrypt') ?? false;
  const kmsKeyId = str(obj, 'kms_key_id');
  let encryption: ResolvedEncryption = { type: 'none' };
  if (encrypt) {
    if (kmsKeyId) {
      encryption = { type: 'aws:kms', kmsKeyId };
    } else if (sseKey) {
      const raw = decodeGoBase64(sseKey);
      const md5 = typeof raw === 'string' ? '' : createHash('md5').update(raw).digest('base64');
      encryption = { type: 'sse-c', customerKey: sseKey, customerKeyMd5: md5 };
    } else {
      encryption = { type: 'AES256' };
    }
  }

  const sharedCredentials = (obj.shared_credentials_files as string[] | null | undefined)
    ?? (str(obj, 'shared_credentials_file') !== undefined ? [str(obj, 'shared_credentials_file')!] : undefined)
    ?? (env.AWS_SHARED_CREDENTIALS_FILE ? [env.AWS_SHARED_CREDENTIALS_FILE] : undefined);
  const sharedConfig = (obj.shared_config_files as string[] | null | undefined)
    ?? (env.AWS_SHARED_CONFIG_FILE ? [env.AWS_SHARED_CONFIG_FILE] : undefined);

  const maxRetries = typeof obj.max_retries === 'number' ? obj.max_retries : DEFAULT_MAX_RETRIES;
  const copy: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) if (v !== null && v !== undefined) copy[k] = v;
  return {
    ...(copy as unknown as S3BackendConfig),
    region: (str(obj, 'region') || nonEmptyEnv(env, 'AWS_REGION') || nonEmptyEnv(env, 'AWS_DEFAULT_REGION')) ?? '',
    workspace_key_prefix: str(obj, 'workspace_key_prefix') ?? DEFAULT_WORKSPACE_KEY_PREFIX,
    encrypt,
    use_lockfile: bool(obj, 'use_lockfile') ?? false,
    use_path_style: bool(obj, 'use_path_style') ?? bool(obj, 'force_path_style') ?? false,
    use_fips_endpoint: boolOrEnv(obj, 'use_fips_endpoint', 'AWS_USE_FIPS_ENDPOINT', env),
    use_dualstack_endpoint: boolOrEnv(obj, 'use_dualstack_endpoint', 'AWS_USE_DUALSTACK_ENDPOINT', env),
    skip_credentials_validation: bool(obj, 'skip_credentials_validation') ?? false,
    skip_region_validation: bool(obj, 'skip_region_validation') ?? false,
    skip_requesting_account_id: bool(obj, 'skip_requesting_account_id') ?? false,
    skip_s3_checksum: bool(obj, 'skip_s3_checksum') ?? false,
    max_retries: maxRetries,
    ...(retrieve([str(obj, 'retry_mode')], ['AWS_RETRY_MODE'], env) ? { retry_mode: retrieve([str(obj, 'retry_mode')], ['AWS_RETRY_MODE'], env) } : {}),
    endpoints: resolvedEndpoints,
    ...(sseKey !== undefined ? { sse_customer_key: sseKey } : {}),
    ...(sharedCredentials ? { shared_credentials_files: sharedCredentials } : {}),
    ...(sharedConfig ? { shared_config_files: sharedConfig } : {}),
    encryption,
    ...optional('custom_ca_bundle', retrieve([str(obj, 'custom_ca_bundle')], ['AWS_CA_BUNDLE'], env)),
    ...optional('ec2_metadata_service_endpoint',
      retrieve([str(obj, 'ec2_metadata_service_endpoint')], ['AWS_EC2_METADATA_SERVICE_ENDPOINT', 'AWS_METADATA_URL'], env)),
    ...optional('ec2_metadata_service_endpoint_mode',
      retrieve([str(obj, 'ec2_metadata_service_endpoint_mode')], ['AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE'], env)),
    proxy: resolveProxy(obj, env),
  } as ResolvedConfig;
}
