import { createHash } from 'node:crypto';
import { DEFAULT_MAX_RETRIES, DEFAULT_WORKSPACE_KEY_PREFIX } from './constants';
import { Diagnostic, errorDiag, hasErrors, pathString, warningDiag } from './diagnostics';
import { GoJsonSyntaxError, formatCtyNumber, parseGoJson } from './go-json';
import { formatGoDuration, goQuote, parseGoDuration } from './go-time';
import { parseGoUrl } from './go-url';

/**
 * The S3 backend configuration with Terraform's attribute names, and its validation with Terraform's
 * texts (`internal/backend/remote-state/s3/{backend.go,validate.go}`: PrepareConfig, then Configure).
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
}

/** Outcome of {@link validateConfig}. `config` is only complete when there is no error diagnostic. */
export interface ConfigValidation {
  readonly config: ResolvedConfig;
  readonly diagnostics: readonly Diagnostic[];
}

// ----------------------------------------------------------------------------------------------
// Schema

type AttrType = 'string' | 'bool' | 'number' | 'set' | 'map' | { readonly object: Readonly<Record<string, AttrType>> };

const ASSUME_ROLE: Record<string, AttrType> = {
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

const ASSUME_ROLE_WEB: Record<string, AttrType> = {
  role_arn: 'string',
  duration: 'string',
  policy: 'string',
  policy_arns: 'set',
  session_name: 'string',
  web_identity_token: 'string',
  web_identity_token_file: 'string',
};

const ENDPOINTS: Record<string, AttrType> = { dynamodb: 'string', iam: 'string', s3: 'string', sso: 'string', sts: 'string' };

/** Terraform's S3 backend schema (attribute → type). */
const SCHEMA: Record<string, AttrType> = {
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
const REMOVED_ATTRIBUTES: Record<string, string> = {
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

// ----------------------------------------------------------------------------------------------
// Decoding (HCL / cty conversion texts)

type Value = string | boolean | number | readonly string[] | Readonly<Record<string, string>> | Obj | null;
interface Obj { readonly [k: string]: Value }

function levenshtein(a: string, b: string): number {
  const dp = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0];
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j];
      dp[j] = Math.min(dp[j] + 1, dp[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return dp[b.length];
}

/** HCL's `didyoumean.NameSuggestion`: the closest candidate within edit distance 2. */
export function nameSuggestion(given: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDist = 3;
  for (const c of candidates) {
    const d = levenshtein(given, c);
    if (d < bestDist) {
      best = c;
      bestDist = d;
    }
  }
  return best;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date) && !Buffer.isBuffer(v);

/** cty's string → number conversion accepts a decimal literal only. */
const NUMBER_TEXT = /^-?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** Converts like cty's `convert.Convert`; returns the value or cty's error text. */
function convert(v: unknown, type: AttrType): { value: Value } | { error: string } {
  if (v === null || v === undefined) return { value: null };
  if (type === 'string') {
    if (typeof v === 'string') return { value: v };
    if (typeof v === 'number' && Number.isFinite(v)) return { value: formatCtyNumber(v) };
    if (typeof v === 'boolean') return { value: v ? 'true' : 'false' };
    return { error: 'string required' };
  }
  if (type === 'bool') {
    if (typeof v === 'boolean') return { value: v };
    if (typeof v === 'string') {
      if (v === 'true') return { value: true };
      if (v === 'false') return { value: false };
      return { error: 'a bool is required' };
    }
    return { error: 'bool required' };
  }
  if (type === 'number') {
    if (typeof v === 'number' && Number.isFinite(v)) return { value: v };
    if (typeof v === 'string') {
      return NUMBER_TEXT.test(v.trim()) && v.trim() === v ? { value: Number(v) } : { error: 'a number is required' };
    }
    return { error: 'number required' };
  }
  if (type === 'set') {
    if (!Array.isArray(v)) return { error: 'set of string required' };
    const out: string[] = [];
    for (let i = 0; i < v.length; i++) {
      const e = convert(v[i], 'string');
      if ('error' in e) return { error: `element ${i}: ${e.error}` };
      if (e.value === null) return { error: `element ${i}: null value is not allowed` };
      if (!out.includes(e.value as string)) out.push(e.value as string);
    }
    return { value: out };
  }
  if (type === 'map') {
    if (!isPlainObject(v)) return { error: 'map of string required' };
    const out: Record<string, string> = {};
    for (const [k, x] of Object.entries(v)) {
      const e = convert(x, 'string');
      if ('error' in e) return { error: `element ${goQuote(k)}: ${e.error}` };
      if (e.value === null) return { error: `element ${goQuote(k)}: null value is not allowed` };
      out[k] = e.value as string;
    }
    return { value: out };
  }
  if (!isPlainObject(v)) return { error: 'object required' };
  const out: Record<string, Value> = {};
  for (const [k, x] of Object.entries(v)) {
    const attrType = type.object[k];
    if (attrType === undefined) {
      const suggestion = nameSuggestion(k, Object.keys(type.object));
      return { error: `unsupported attribute ${goQuote(k)}${suggestion ? `; did you mean ${goQuote(suggestion)}?` : ''}` };
    }
    const e = convert(x, attrType);
    if ('error' in e) return { error: `attribute ${goQuote(k)}: ${e.error}` };
    out[k] = e.value;
  }
  return { value: out };
}

function describeType(type: { readonly object: Readonly<Record<string, AttrType>> }): string {
  return `an object with attributes ${Object.keys(type.object).join(', ')}`;
}

function decode(raw: unknown, diags: Diagnostic[]): Obj | undefined {
  if (!isPlainObject(raw)) {
    diags.push(errorDiag('Invalid backend configuration',
      `The S3 backend configuration must be an object of attributes such as { bucket = "...", key = "..." }, got ${raw === null ? 'null' : Array.isArray(raw) ? 'an array' : typeof raw}.`));
    return undefined;
  }
  const out: Record<string, Value> = {};
  for (const [name, value] of Object.entries(raw)) {
    const type = SCHEMA[name];
    if (type === undefined) {
      const removed = REMOVED_ATTRIBUTES[name];
      const suggestion = removed ?? nameSuggestion(name, S3_BACKEND_ATTRIBUTES);
      // HCL's text; the suggestion sentence is HCL's too when a name is close enough.
      diags.push(errorDiag('Unsupported argument',
        `An argument named ${goQuote(name)} is not expected here.${suggestion ? ` Did you mean ${goQuote(suggestion)}?` : ''}`, [name]));
      continue;
    }
    const converted = convert(value, type);
    if ('error' in converted) {
      diags.push(errorDiag('Incorrect attribute value type',
        // HCL's text; for blocks we add the attribute list, which cty's "object required" does not give.
        `Inappropriate value for attribute ${goQuote(name)}: ${converted.error}.${typeof type === 'string' ? '' : ` Expected ${describeType(type)}.`}`, [name]));
      continue;
    }
    out[name] = converted.value;
  }
  return out;
}

// ----------------------------------------------------------------------------------------------
// Validators (validate.go), each appending Terraform's diagnostics

type Path = readonly (string | number)[];
type StringValidator = (v: string, path: Path, diags: Diagnostic[]) => void;

/** Terraform's `validateString`: runs validators in order, stops as soon as `diags` holds any error (even an earlier, unrelated one). */
function validateString(v: string, path: Path, diags: Diagnostic[], validators: StringValidator[]): void {
  for (const validator of validators) {
    validator(v, path, diags);
    if (hasErrors(diags)) return;
  }
}

const notEmpty: StringValidator = (v, path, diags) => {
  if (v.trim() === '') diags.push(errorDiag('Invalid Value', 'The value cannot be empty or all whitespace', path));
};

const s3Path: StringValidator = (v, path, diags) => {
  if (v.startsWith('/') || v.endsWith('/')) diags.push(errorDiag('Invalid Value', 'The value must not start or end with "/"', path));
};

const doesNotContain = (s: string): StringValidator => (v, path, diags) => {
  if (v.includes(s)) diags.push(errorDiag('Invalid Value', `Value must not contain "${s}"`, path));
};

const lenBetween = (min: number, max: number): StringValidator => (v, path, diags) => {
  const len = Buffer.byteLength(v, 'utf8');
  if (len < min || len > max) diags.push(errorDiag('Invalid Value Length', `Length must be between ${min} and ${max}, had ${len}`, path));
};

const matches = (re: RegExp, description: string): StringValidator => (v, path, diags) => {
  if (!re.test(v)) diags.push(errorDiag('Invalid Value', description, path));
};

const UUID = '[a-f0-9]{8}-[a-f0-9]{4}-[1-5][a-f0-9]{3}-[ab89][a-f0-9]{3}-[a-f0-9]{12}';
const MRK = 'mrk-[a-f0-9]{32}';
const ALIAS = 'alias/[a-zA-Z0-9/_-]+';
// Terraform's pattern is `^uuid|mrk|alias$` without a group: `^` anchors only the uuid branch and `$`
// only the alias branch, so e.g. "xmrk-<32 hex>x" passes. Kept as is to accept exactly what Terraform accepts.
const KMS_KEY_ID = new RegExp(`^${UUID}|${MRK}|${ALIAS}$`);
const KMS_KEY_RESOURCE = new RegExp(`^key/(${UUID}|${MRK})$`);
const KMS_ALIAS_RESOURCE = new RegExp(`^(${ALIAS})$`);

interface Arn { readonly partition: string; readonly service: string; readonly region: string; readonly accountId: string; readonly resource: string }

/** aws-sdk-go-v2 `arn.Parse`, with its error texts. */
function parseArn(s: string): Arn | string {
  if (!s.startsWith('arn:')) return 'arn: invalid prefix';
  const parts = s.split(':');
  if (parts.length < 6) return 'arn: not enough sections';
  return { partition: parts[1], service: parts[2], region: parts[3], accountId: parts[4], resource: parts.slice(5).join(':') };
}

const isArn = (s: string) => s.startsWith('arn:') && s.split(':').length - 1 >= 5;

const kmsKey: StringValidator = (v, path, diags) => {
  if (isArn(v)) {
    const arn = parseArn(v);
    if (typeof arn === 'string' || !(KMS_KEY_RESOURCE.test(arn.resource) || KMS_ALIAS_RESOURCE.test(arn.resource))) {
      diags.push(errorDiag('Invalid KMS Key ARN', `Value must be a valid KMS Key ARN, got ${goQuote(v)}`, path));
    }
    return;
  }
  if (!KMS_KEY_ID.test(v)) diags.push(errorDiag('Invalid KMS Key ID', `Value must be a valid KMS Key ID, got ${goQuote(v)}`, path));
};

const arnWithResourcePrefix = (prefix: string, summary: string, what: string): StringValidator => (v, path, diags) => {
  const arn = parseArn(v);
  if (typeof arn === 'string') {
    diags.push(errorDiag('Invalid ARN', `The value ${goQuote(v)} cannot be parsed as an ARN: ${arn}`, path));
    return;
  }
  if (!arn.resource.startsWith(prefix)) {
    diags.push(errorDiag(summary, `Value must be a valid ${what}, got ${goQuote(v)}`, path));
  }
};

const iamRoleArn = arnWithResourcePrefix('role/', 'Invalid IAM Role ARN', 'IAM Role ARN');
const iamPolicyArn = arnWithResourcePrefix('policy/', 'Invalid IAM Policy ARN', 'IAM Policy ARN');

const MIN_ROLE_DURATION_NS = 15 * 60e9;
const MAX_ROLE_DURATION_NS = 12 * 3600e9;

const roleDuration: StringValidator = (v, path, diags) => {
  let ns: number;
  try {
    ns = parseGoDuration(v);
  } catch (e) {
    diags.push(errorDiag('Invalid Duration', `The value ${goQuote(v)} cannot be parsed as a duration: ${(e as Error).message}`, path));
    return;
  }
  if (ns < MIN_ROLE_DURATION_NS || ns > MAX_ROLE_DURATION_NS) {
    diags.push(errorDiag('Invalid Duration',
      `Duration must be between ${formatGoDuration(MIN_ROLE_DURATION_NS)} and ${formatGoDuration(MAX_ROLE_DURATION_NS)}, had ${formatGoDuration(ns)}`, path));
  }
};

const iamPolicyDocument: StringValidator = (raw, path, diags) => {
  const v = raw.trim();
  if (!v.startsWith('{')) {
    if (v.startsWith('"')) {
      let content: unknown;
      try {
        content = parseGoJson(v);
      } catch {
        content = undefined;
      }
      if (typeof content === 'string') {
        if (content.endsWith('.json')) {
          diags.push(errorDiag('Invalid IAM Policy Document',
            `Expected a JSON object describing the policy, had a JSON-encoded string.\n\nThe string ${goQuote(content)} looks like a filename, please pass the contents of the file instead of the filename.`, path));
          return;
        }
        let inner = true;
        try {
          parseGoJson(content);
        } catch {
          inner = false;
        }
        if (inner) {
          diags.push(errorDiag('Invalid IAM Policy Document',
            'Expected a JSON object describing the policy, had a JSON-encoded string.\n\nThe string content was valid JSON, your policy document may have been double-encoded.', path));
          return;
        }
      }
      diags.push(errorDiag('Invalid IAM Policy Document', 'Expected a JSON object describing the policy, had a JSON-encoded string.', path));
      return;
    }
    diags.push(errorDiag('Invalid IAM Policy Document', 'Expected a JSON object describing the policy', path));
    return;
  }
  try {
    parseGoJson(v);
  } catch (e) {
    const offset = e instanceof GoJsonSyntaxError ? `, at byte offset ${e.offset}` : '';
    diags.push(errorDiag('Invalid JSON Document', `The JSON document contains an error: ${(e as Error).message}${offset}`, path));
  }
};

const legacyUrl: StringValidator = (v, path, diags) => {
  const u = parseGoUrl(v);
  if (!u.ok) {
    diags.push(errorDiag('Invalid Value', `The value ${goQuote(v)} cannot be parsed as a URL: ${u.error}`, path));
  } else if (u.scheme === '' || u.host === '') {
    diags.push(warningDiag('Complete URL Expected',
      `The value should be a valid URL containing at least a scheme and hostname. Had ${goQuote(v)}.\n\nUsing an incomplete URL, such as a hostname only, may work, but may have unexpected behavior.`, path));
  }
};

const validUrl: StringValidator = (v, path, diags) => {
  const u = parseGoUrl(v);
  if (!u.ok) {
    diags.push(errorDiag('Invalid Value', `The value ${goQuote(v)} cannot be parsed as a URL: ${u.error}`, path));
  } else if (u.scheme === '' || u.host === '') {
    diags.push(errorDiag('Invalid Value', `The value must be a valid URL containing at least a scheme and hostname. Had ${goQuote(v)}`, path));
  }
};

const retryMode: StringValidator = (v, path, diags) => {
  if (!['standard', 'adaptive'].includes(v.toLowerCase())) diags.push(errorDiag('Invalid Value', `unknown RetryMode, ${v}`, path));
};

const inSlice = (values: string[]): StringValidator => (v, path, diags) => {
  if (!values.includes(v)) diags.push(errorDiag('Invalid Value', `Value must be one of [${values.join(', ')}]`, path));
};

const ROLE_NAME: StringValidator[] = [
  lenBetween(2, 64),
  matches(/^[\w+=,.@-]*$/, 'Value can only contain letters, numbers, or the following characters: =,.@-'),
];

interface NestedAttr {
  readonly required?: boolean;
  readonly validators?: StringValidator[];
  /** Validators applied to each element of a set attribute. */
  readonly elementValidators?: StringValidator[];
}

const ASSUME_ROLE_RULES: Record<string, NestedAttr> = {
  role_arn: { required: true, validators: [notEmpty, iamRoleArn] },
  duration: { validators: [roleDuration] },
  external_id: { validators: [lenBetween(2, 1224), matches(/^[\w+=,.@:/-]*$/, 'Value can only contain letters, numbers, or the following characters: =,.@/-')] },
  policy: { validators: [notEmpty, iamPolicyDocument] },
  policy_arns: { elementValidators: [iamPolicyArn] },
  session_name: { validators: ROLE_NAME },
  source_identity: { validators: ROLE_NAME },
  tags: {},
  transitive_tag_keys: {},
};

const ASSUME_ROLE_WEB_RULES: Record<string, NestedAttr> = {
  role_arn: { required: true, validators: [notEmpty, iamRoleArn] },
  duration: { validators: [roleDuration] },
  policy: { validators: [notEmpty, iamPolicyDocument] },
  policy_arns: { elementValidators: [iamPolicyArn] },
  session_name: { validators: ROLE_NAME },
  web_identity_token: { validators: [lenBetween(4, 20000)] },
  web_identity_token_file: { validators: [lenBetween(4, 20000)] },
};

const ENDPOINT_RULES: Record<string, NestedAttr> = {
  dynamodb: { validators: [legacyUrl] },
  iam: { validators: [legacyUrl] },
  s3: { validators: [legacyUrl] },
  sso: { validators: [validUrl] },
  sts: { validators: [legacyUrl] },
};

function requiredDiag(path: Path): Diagnostic {
  return errorDiag('Missing Required Value',
    `The attribute ${goQuote(pathString(path))} is required by the backend.\n\nRefer to the backend documentation for additional information which attributes are required.`, path);
}

function conflict(obj: Obj, names: string[], diags: Diagnostic[]): void {
  if (names.filter((n) => obj[n] !== null && obj[n] !== undefined).length > 1) {
    diags.push(errorDiag('Invalid Attribute Combination', `Only one of ${names.join(', ')} can be set.`));
  }
}

function validateNested(obj: Obj, path: Path, rules: Record<string, NestedAttr>, diags: Diagnostic[]): void {
  for (const [name, rule] of Object.entries(rules)) {
    const attrPath = [...path, name];
    const v = obj[name];
    if (v === null || v === undefined) {
      if (rule.required) diags.push(requiredDiag(attrPath));
      continue;
    }
    if (rule.validators && typeof v === 'string') validateString(v, attrPath, diags, rule.validators);
    if (rule.elementValidators && Array.isArray(v)) {
      for (const element of v as string[]) {
        // Terraform names a set element by its value: `assume_role.policy_arns[arn:...]`.
        for (const validator of rule.elementValidators) validator(element, [...attrPath, `[${element}]`], diags);
        if (hasErrors(diags)) break;
      }
    }
  }
}

const str = (obj: Obj, name: string): string | undefined => (typeof obj[name] === 'string' ? (obj[name] as string) : undefined);
const bool = (obj: Obj, name: string): boolean | undefined => (typeof obj[name] === 'boolean' ? (obj[name] as boolean) : undefined);
const nonEmptyEnv = (env: ConfigEnv, name: string): string | undefined => (env[name] ? env[name] : undefined);

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
function prepareConfig(obj: Obj, env: ConfigEnv, diags: Diagnostic[]): void {
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
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/**
 * Go's `base64.StdEncoding.DecodeString`: returns the bytes, or Go's error text
 * `illegal base64 data at input byte N`. Go skips `\r` and `\n` anywhere.
 */
export function decodeGoBase64(s: string): Buffer | string {
  const err = (n: number) => `illegal base64 data at input byte ${n}`;
  const out: number[] = [];
  let si = 0;
  while (si < s.length) {
    const quantum: number[] = [];
    let dlen = 4;
    let done = false;
    for (let j = 0; j < 4; j++) {
      if (si === s.length) {
        if (j === 0) return Buffer.from(out);
        return err(si - j);
      }
      const c = s[si++];
      const idx = B64.indexOf(c);
      if (idx >= 0) {
        quantum.push(idx);
        continue;
      }
      if (c === '\n' || c === '\r') {
        j--;
        continue;
      }
      if (c !== '=') return err(si - 1);
      if (j < 2) return err(si - 1);
      if (j === 2) {
        while (si < s.length && (s[si] === '\n' || s[si] === '\r')) si++;
        if (si === s.length) return err(s.length);
        if (s[si] !== '=') return err(si - 1);
        si++;
      }
      while (si < s.length && (s[si] === '\n' || s[si] === '\r')) si++;
      if (si < s.length) return err(si);
      dlen = j;
      done = true;
      break;
    }
    const v = quantum.reduce((acc, x, i) => acc + x * 2 ** (18 - 6 * i), 0);
    const bytes = [Math.floor(v / 65536) % 256, Math.floor(v / 256) % 256, v % 256];
    out.push(...bytes.slice(0, dlen - 1));
    if (done) break;
  }
  return Buffer.from(out);
}

/** AWS Regions known to the partitions Terraform's region check uses (commercial, China, GovCloud, ISO, EUSC). */
export const AWS_REGIONS: readonly string[] = [
  'af-south-1', 'ap-east-1', 'ap-east-2', 'ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3', 'ap-south-1', 'ap-south-2',
  'ap-southeast-1', 'ap-southeast-2', 'ap-southeast-3', 'ap-southeast-4', 'ap-southeast-5', 'ap-southeast-6', 'ap-southeast-7',
  'ca-central-1', 'ca-west-1', 'eu-central-1', 'eu-central-2', 'eu-north-1', 'eu-south-1', 'eu-south-2', 'eu-west-1',
  'eu-west-2', 'eu-west-3', 'il-central-1', 'me-central-1', 'me-south-1', 'mx-central-1', 'sa-east-1', 'us-east-1',
  'us-east-2', 'us-west-1', 'us-west-2',
  'cn-north-1', 'cn-northwest-1',
  'us-gov-east-1', 'us-gov-west-1',
  'us-iso-east-1', 'us-iso-west-1', 'us-isob-east-1', 'eu-isoe-west-1', 'us-isof-east-1', 'us-isof-south-1',
  'eusc-de-east-1',
];

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
function configureChecks(obj: Obj, env: ConfigEnv, diags: Diagnostic[]): void {
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
  for (const [legacy, modern] of LEGACY_ENDPOINT_ENV) {
    if (nonEmptyEnv(env, legacy)) {
      diags.push(warningDiag('Deprecated Environment Variable',
        `The environment variable "${legacy}" is deprecated. Use environment variable "${modern}" instead.`));
    }
  }
}

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

function resolve(obj: Obj, env: ConfigEnv): ResolvedConfig {
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

  const maxRetries = typeof obj.max_retries === 'number' && Number.isInteger(obj.max_retries) ? obj.max_retries : DEFAULT_MAX_RETRIES;
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
  } as ResolvedConfig;
}

/**
 * Validates a backend configuration as Terraform does and applies its defaults.
 *
 * Order, as in Terraform: decoding (unknown attributes → `Unsupported argument` with a "Did you mean"
 * suggestion; wrong types → `Incorrect attribute value type`), then `PrepareConfig` (required values,
 * key/prefix slashes, region presence, KMS key format, assume-role blocks, deprecations and conflicts,
 * endpoint URLs), then, only if that found no error, `Configure`'s offline checks (region name, SSE-C
 * key length and base64, `AWS_SSE_CUSTOMER_KEY` conflicts, deprecated endpoint variables).
 *
 * @param raw the attributes, e.g. parsed from a `backend "s3"` block or JSON
 * @param env environment variables to consult (`AWS_REGION`, `AWS_SSE_CUSTOMER_KEY`, `AWS_ENDPOINT_URL_*`...)
 */
export function validateConfig(raw: unknown, env: ConfigEnv): ConfigValidation {
  const diags: Diagnostic[] = [];
  const obj = decode(raw, diags);
  if (!obj || hasErrors(diags)) {
    return { config: resolve(obj ?? {}, env), diagnostics: diags };
  }
  prepareConfig(obj, env, diags);
  if (!hasErrors(diags)) configureChecks(obj, env, diags);
  return { config: resolve(obj, env), diagnostics: diags };
}
