import { Diagnostic, errorDiag, hasErrors, pathString, warningDiag } from '../diagnostics';
import { GoJsonSyntaxError, parseGoJson } from '../go-json';
import { formatGoDuration, goQuote, parseGoDuration } from '../go-time';
import { parseGoUrl } from '../go-url';
import type { Obj } from './decode';

/**
 * Terraform's attribute validators (`internal/backend/remote-state/s3/validate.go`), each appending
 * Terraform's diagnostics, and the per-block rules that apply them.
 */

export type Path = readonly (string | number)[];
export type StringValidator = (v: string, path: Path, diags: Diagnostic[]) => void;

/** Terraform's `validateString`: runs validators in order, stops as soon as `diags` holds any error (even an earlier, unrelated one). */
export function validateString(v: string, path: Path, diags: Diagnostic[], validators: StringValidator[]): void {
  for (const validator of validators) {
    validator(v, path, diags);
    if (hasErrors(diags)) return;
  }
}

export const notEmpty: StringValidator = (v, path, diags) => {
  if (v.trim() === '') diags.push(errorDiag('Invalid Value', 'The value cannot be empty or all whitespace', path));
};

export const s3Path: StringValidator = (v, path, diags) => {
  if (v.startsWith('/') || v.endsWith('/')) diags.push(errorDiag('Invalid Value', 'The value must not start or end with "/"', path));
};

export const doesNotContain = (s: string): StringValidator => (v, path, diags) => {
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

export const kmsKey: StringValidator = (v, path, diags) => {
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

export const legacyUrl: StringValidator = (v, path, diags) => {
  const u = parseGoUrl(v);
  if (!u.ok) {
    diags.push(errorDiag('Invalid Value', `The value ${goQuote(v)} cannot be parsed as a URL: ${u.error}`, path));
  } else if (u.scheme === '' || u.host === '') {
    diags.push(warningDiag('Complete URL Expected',
      `The value should be a valid URL containing at least a scheme and hostname. Had ${goQuote(v)}.\n\nUsing an incomplete URL, such as a hostname only, may work, but may have unexpected behavior.`, path));
  }
};

export const validUrl: StringValidator = (v, path, diags) => {
  const u = parseGoUrl(v);
  if (!u.ok) {
    diags.push(errorDiag('Invalid Value', `The value ${goQuote(v)} cannot be parsed as a URL: ${u.error}`, path));
  } else if (u.scheme === '' || u.host === '') {
    diags.push(errorDiag('Invalid Value', `The value must be a valid URL containing at least a scheme and hostname. Had ${goQuote(v)}`, path));
  }
};

export const retryMode: StringValidator = (v, path, diags) => {
  if (!['standard', 'adaptive'].includes(v.toLowerCase())) diags.push(errorDiag('Invalid Value', `unknown RetryMode, ${v}`, path));
};

export const inSlice = (values: string[]): StringValidator => (v, path, diags) => {
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

export const ASSUME_ROLE_RULES: Record<string, NestedAttr> = {
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

export const ASSUME_ROLE_WEB_RULES: Record<string, NestedAttr> = {
  role_arn: { required: true, validators: [notEmpty, iamRoleArn] },
  duration: { validators: [roleDuration] },
  policy: { validators: [notEmpty, iamPolicyDocument] },
  policy_arns: { elementValidators: [iamPolicyArn] },
  session_name: { validators: ROLE_NAME },
  web_identity_token: { validators: [lenBetween(4, 20000)] },
  web_identity_token_file: { validators: [lenBetween(4, 20000)] },
};

export const ENDPOINT_RULES: Record<string, NestedAttr> = {
  dynamodb: { validators: [legacyUrl] },
  iam: { validators: [legacyUrl] },
  s3: { validators: [legacyUrl] },
  sso: { validators: [validUrl] },
  sts: { validators: [legacyUrl] },
};

export function requiredDiag(path: Path): Diagnostic {
  return errorDiag('Missing Required Value',
    `The attribute ${goQuote(pathString(path))} is required by the backend.\n\nRefer to the backend documentation for additional information which attributes are required.`, path);
}

export function conflict(obj: Obj, names: string[], diags: Diagnostic[]): void {
  if (names.filter((n) => obj[n] !== null && obj[n] !== undefined).length > 1) {
    diags.push(errorDiag('Invalid Attribute Combination', `Only one of ${names.join(', ')} can be set.`));
  }
}

export function validateNested(obj: Obj, path: Path, rules: Record<string, NestedAttr>, diags: Diagnostic[]): void {
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
