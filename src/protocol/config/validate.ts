import { Diagnostic, errorDiag, pathString, warningDiag } from '../diagnostics';
import { goQuote } from '../go-time';
import { parseGoUrl } from '../go-url';
import { Obj, bool, str } from './decode';
import { decodeGoBase64 } from './go-base64';
import { AWS_REGIONS } from './regions';
import type { ConfigEnv } from './schema';
import { validateTags } from './tags';
import {
  ASSUME_ROLE_RULES, ASSUME_ROLE_WEB_RULES, ENDPOINT_RULES, Path, conflict, doesNotContain, inSlice, kmsKey, legacyUrl,
  notEmpty, requiredDiag, retryMode, s3Path, validUrl, validateNested, validateString,
} from './validators';

/**
 * The two validation passes of Terraform's S3 backend: `PrepareConfig` (attribute checks) and the
 * offline part of `Configure` (region, SSE-C key, environment variables).
 */

export const nonEmptyEnv = (env: ConfigEnv, name: string): string | undefined => (env[name] ? env[name] : undefined);

const LEGACY_ENDPOINTS: readonly [string, string][] = [['dynamodb_endpoint', 'dynamodb'], ['iam_endpoint', 'iam'], ['endpoint', 's3'], ['sts_endpoint', 'sts']];
const LEGACY_ENDPOINT_ENV: readonly [string, string][] = [
  ['AWS_DYNAMODB_ENDPOINT', 'AWS_ENDPOINT_URL_DYNAMODB'],
  ['AWS_IAM_ENDPOINT', 'AWS_ENDPOINT_URL_IAM'],
  ['AWS_S3_ENDPOINT', 'AWS_ENDPOINT_URL_S3'],
  ['AWS_STS_ENDPOINT', 'AWS_ENDPOINT_URL_STS'],
  ['AWS_METADATA_URL', 'AWS_EC2_METADATA_SERVICE_ENDPOINT'],
];

function deprecatedAttr(attr: Path, replacement: Path): Diagnostic {
  return warningDiag('Deprecated Parameter', `The parameter "${pathString(attr)}" is deprecated. Use parameter "${pathString(replacement)}" instead.`, attr);
}

/** Terraform's `PrepareConfig` checks, in Terraform's order. */
export function prepareConfig(obj: Obj, env: ConfigEnv, diags: Diagnostic[]): void {
  const bucket = str(obj, 'bucket');
  if (bucket === undefined) diags.push(requiredDiag(['bucket']));
  else validateString(bucket, ['bucket'], diags, [notEmpty]);

  const key = str(obj, 'key');
  if (key === undefined) diags.push(requiredDiag(['key']));
  else validateString(key, ['key'], diags, [notEmpty, s3Path, doesNotContain('//')]);

  const region = str(obj, 'region');
  if ((region === undefined || region === '') && !env.AWS_REGION && !env.AWS_DEFAULT_REGION) {
    diags.push(errorDiag('Missing region value', 'The "region" attribute or the "AWS_REGION" or "AWS_DEFAULT_REGION" environment variables must be set.', ['region']));
  }

  conflict(obj, ['kms_key_id', 'sse_customer_key'], diags);
  const kmsKeyId = str(obj, 'kms_key_id');
  if (kmsKeyId !== undefined) validateString(kmsKeyId, ['kms_key_id'], diags, [kmsKey]);

  const prefix = str(obj, 'workspace_key_prefix');
  if (prefix !== undefined) validateString(prefix, ['workspace_key_prefix'], diags, [s3Path]);

  const assumeRole = obj.assume_role as Obj | null | undefined;
  if (assumeRole) validateNested(assumeRole, ['assume_role'], ASSUME_ROLE_RULES, diags);

  const web = obj.assume_role_with_web_identity as Obj | null | undefined;
  if (web) {
    const tokens = ['web_identity_token', 'web_identity_token_file'].filter((n) => web[n] !== null && web[n] !== undefined);
    if (tokens.length > 1) {
      diags.push(errorDiag('Invalid Attribute Combination', 'Only one of web_identity_token, web_identity_token_file can be set.', ['assume_role_with_web_identity']));
    } else if (tokens.length === 0) {
      diags.push(errorDiag('Missing Required Value', 'Exactly one of web_identity_token, web_identity_token_file must be set.', ['assume_role_with_web_identity']));
    }
    validateNested(web, ['assume_role_with_web_identity'], ASSUME_ROLE_WEB_RULES, diags);
  }

  conflict(obj, ['shared_credentials_file', 'shared_credentials_files'], diags);
  if (obj.shared_credentials_file != null) diags.push(deprecatedAttr(['shared_credentials_file'], ['shared_credentials_files']));
  if (obj.dynamodb_table != null) diags.push(deprecatedAttr(['dynamodb_table'], ['use_lockfile']));

  const endpoints = (obj.endpoints ?? undefined) as Obj | undefined;
  for (const [legacy, modern] of LEGACY_ENDPOINTS) {
    if (obj[legacy] == null) continue;
    diags.push(deprecatedAttr([legacy], ['endpoints', modern]));
    if (endpoints && endpoints[modern] != null) {
      diags.push(errorDiag('Conflicting Parameters', `The parameters "${legacy}" and "endpoints.${modern}" cannot be configured together.`));
    }
  }
  if (endpoints) validateNested(endpoints, ['endpoints'], ENDPOINT_RULES, diags);
  for (const [legacy] of LEGACY_ENDPOINTS) {
    const v = str(obj, legacy);
    if (v !== undefined) validateString(v, [legacy], diags, [legacyUrl]);
  }
  const imds = str(obj, 'ec2_metadata_service_endpoint');
  if (imds !== undefined) validateString(imds, ['ec2_metadata_service_endpoint'], diags, [validUrl]);

  conflict(obj, ['force_path_style', 'use_path_style'], diags);
  if (obj.force_path_style != null) diags.push(deprecatedAttr(['force_path_style'], ['use_path_style']));

  const retry = str(obj, 'retry_mode');
  if (retry !== undefined) validateString(retry, ['retry_mode'], diags, [retryMode]);
  const imdsMode = str(obj, 'ec2_metadata_service_endpoint_mode');
  if (imdsMode !== undefined) validateString(imdsMode, ['ec2_metadata_service_endpoint_mode'], diags, [inSlice(['IPv4', 'IPv6'])]);

  conflict(obj, ['allowed_account_ids', 'forbidden_account_ids'], diags);

  // Not an OpenTofu check (it only checks the type): what S3 would refuse on the first tagged PUT.
  validateTags(obj, diags);

  // Not a Terraform check: aws-sdk-go-base passes a negative count to the SDK as is, and a fraction is
  // truncated. The client refuses both rather than guess.
  const maxRetries = obj.max_retries;
  if (typeof maxRetries === 'number' && (maxRetries < 0 || !Number.isInteger(maxRetries))) {
    diags.push(errorDiag('Invalid Value',
      `max_retries is the maximum number of attempts: a whole number, 0 for the SDK's default, or more. Got ${maxRetries}.`, ['max_retries']));
  }
}

function checkSseKey(value: string, fromEnv: boolean, diags: Diagnostic[]): boolean {
  const summary = fromEnv ? 'Invalid AWS_SSE_CUSTOMER_KEY value' : 'Invalid sse_customer_key value';
  const subject = fromEnv ? 'The environment variable "AWS_SSE_CUSTOMER_KEY"' : 'sse_customer_key';
  const path = fromEnv ? [] : ['sse_customer_key'];
  if (value.length !== 44) {
    diags.push(errorDiag(summary, `${subject} must be 44 characters in length`, path));
    return false;
  }
  const decoded = decodeGoBase64(value);
  if (typeof decoded === 'string') {
    diags.push(errorDiag(summary, `${subject} must be base64 encoded: ${decoded}`, path));
    return false;
  }
  return true;
}

/** Terraform's `Configure` checks that need no AWS call; an invalid region stops them, as in Terraform. */
export function configureChecks(obj: Obj, env: ConfigEnv, diags: Diagnostic[]): void {
  const region = str(obj, 'region');
  if (region && bool(obj, 'skip_region_validation') !== true && !AWS_REGIONS.includes(region)) {
    diags.push(errorDiag('Invalid region value', `Invalid AWS Region: ${region}`, ['region']));
    return;
  }
  const envKey = nonEmptyEnv(env, 'AWS_SSE_CUSTOMER_KEY');
  if (obj.kms_key_id != null && envKey) {
    diags.push(errorDiag('Invalid encryption configuration',
      'Only one of "kms_key_id" and the environment variable "AWS_SSE_CUSTOMER_KEY" can be set.\n\n'
      + 'The "kms_key_id" is used for encryption with KMS-Managed Keys (SSE-KMS)\n'
      + 'while "AWS_SSE_CUSTOMER_KEY" is used for encryption with customer-managed keys (SSE-C).\n'
      + 'Please choose one or the other.'));
  }
  const attrKey = str(obj, 'sse_customer_key');
  if (attrKey !== undefined) checkSseKey(attrKey, false, diags);
  else if (envKey) checkSseKey(envKey, true, diags);
  proxyChecks(obj, env, diags);
  for (const [legacy, modern] of LEGACY_ENDPOINT_ENV) {
    if (nonEmptyEnv(env, legacy)) {
      diags.push(warningDiag('Deprecated Environment Variable',
        `The environment variable "${legacy}" is deprecated. Use environment variable "${modern}" instead.`));
    }
  }
}

/** aws-sdk-go-base `ValidateProxySettings` (HTTPProxyModeLegacy, as Terraform configures it). */
function proxyChecks(obj: Obj, env: ConfigEnv, diags: Diagnostic[]): void {
  const http = str(obj, 'http_proxy');
  const https = str(obj, 'https_proxy');
  for (const [value, summary] of [[http, 'Invalid HTTP Proxy'], [https, 'Invalid HTTPS Proxy']] as const) {
    if (value === undefined) continue;
    const u = parseGoUrl(value);
    if (!u.ok) diags.push(errorDiag(summary, `Unable to parse URL: ${u.error}`));
  }
  if (http && https === undefined && !env.HTTPS_PROXY && !env.https_proxy) {
    diags.push(warningDiag('Missing HTTPS Proxy',
      `An HTTP proxy was set but no HTTPS proxy was. Using HTTP proxy ${goQuote(http)} for HTTPS requests. This behavior may change in future versions.\n\n`
      + 'To specify no proxy for HTTPS, set the HTTPS to an empty string.'));
  }
}
