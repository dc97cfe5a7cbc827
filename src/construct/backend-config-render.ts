/**
 * Pure renderers for S3 backend configuration snippets.
 *
 * Shared by the construct (`BackendConfig`, which may hold CDK tokens) and the `tfstate backend-config`
 * command (plain strings), so this file must not import `aws-cdk-lib` or the AWS SDK. Token-safe quoting
 * is injected by the caller through `SnippetQuoting`.
 */

/** Snippet formats, by their CLI names. */
export const SNIPPET_FORMATS = ['tf', 'hcl', 'terragrunt', 'cdktf', 'cdktn', 'json'] as const;

/** One of `SNIPPET_FORMATS`. */
export type SnippetFormat = typeof SNIPPET_FORMATS[number];

/**
 * The backend attributes a snippet carries, already decided (the locking mode mapped to
 * `useLockfile` / `dynamodbTable`). Unset optional attributes are left out of every rendering.
 */
export interface SnippetValues {
  readonly bucket: string;
  readonly key: string;
  readonly region: string;
  readonly encrypt?: boolean;
  readonly kmsKeyId?: string;
  readonly useLockfile?: boolean;
  readonly dynamodbTable?: string;
  readonly workspaceKeyPrefix?: string;
  readonly roleArn?: string;
  /** OpenTofu's `state_tags`; left out of the CDKTF and CDK Terrain props, which have no such field. */
  readonly stateTags?: { readonly [key: string]: string };
  /** OpenTofu's `lock_tags`; the same. */
  readonly lockTags?: { readonly [key: string]: string };
}

/**
 * How string values are turned into HCL and JSON literals. The construct passes a token-aware
 * implementation so that unresolved names survive rendering and resolve at deploy time.
 */
export interface SnippetQuoting {
  /** An HCL quoted-string literal for `value`, quotes included. */
  hcl(value: string): string;
  /** A JSON document for a plain object whose leaves are strings and booleans. */
  json(value: unknown): string;
}

/**
 * Escapes a literal for an HCL quoted string: backslash, quote, control characters, and the template
 * introducers `${` and `%{`, which HCL would otherwise interpolate.
 */
export function escapeHclLiteral(value: string): string {
  return value
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r')
    .replace(/\t/g, '\\t')
    .replace(/\$\{/g, () => '$${')
    .replace(/%\{/g, () => '%%{');
}

/** Quoting for plain strings (no tokens). */
export const PLAIN_QUOTING: SnippetQuoting = {
  hcl: (value) => `"${escapeHclLiteral(value)}"`,
  json: (value) => JSON.stringify(value, undefined, 2),
};

/** An HCL identifier, usable as a bare object key. */
const HCL_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/;

type Attr = [name: string, value: string | boolean | { [k: string]: string }];

/** The backend attributes in Terraform's names, in the order the snippets list them. */
function attributes(v: SnippetValues): Attr[] {
  const out: Attr[] = [
    ['bucket', v.bucket],
    ['key', v.key],
    ['region', v.region],
  ];
  if (v.encrypt !== undefined) out.push(['encrypt', v.encrypt]);
  if (v.kmsKeyId !== undefined) out.push(['kms_key_id', v.kmsKeyId]);
  if (v.useLockfile) out.push(['use_lockfile', true]);
  if (v.dynamodbTable !== undefined) out.push(['dynamodb_table', v.dynamodbTable]);
  if (v.workspaceKeyPrefix !== undefined) out.push(['workspace_key_prefix', v.workspaceKeyPrefix]);
  if (v.roleArn !== undefined) out.push(['assume_role', { role_arn: v.roleArn }]);
  if (v.stateTags !== undefined) out.push(['state_tags', { ...v.stateTags }]);
  if (v.lockTags !== undefined) out.push(['lock_tags', { ...v.lockTags }]);
  return out;
}

function hclLines(attrs: Attr[], indent: string, q: SnippetQuoting): string[] {
  const width = Math.max(...attrs.map(([n]) => n.length));
  return attrs.map(([name, value]) => {
    const pad = name.padEnd(width);
    if (typeof value === 'boolean') return `${indent}${pad} = ${value}`;
    if (typeof value === 'string') return `${indent}${pad} = ${q.hcl(value)}`;
    // Terraform's S3 backend declares assume_role as a nested *attribute* (object), not a block,
    // so it takes `name = { ... }` syntax.
    // Map keys that are not HCL identifiers (tag keys such as "object:type") are quoted.
    const inner = Object.entries(value).map(([k, s]) => `${indent}  ${HCL_IDENTIFIER.test(k) ? k : q.hcl(k)} = ${q.hcl(s)}`);
    return [`${indent}${pad} = {`, ...inner, `${indent}}`].join('\n');
  });
}

/** `terraform { backend "s3" { ... } }` for a `.tf` file. */
export function renderTerraformBlock(v: SnippetValues, q: SnippetQuoting = PLAIN_QUOTING): string {
  return ['terraform {', '  backend "s3" {', ...hclLines(attributes(v), '    ', q), '  }', '}', ''].join('\n');
}

/** A file for `terraform init -backend-config=FILE`: top-level attributes only. */
export function renderBackendConfigFile(v: SnippetValues, q: SnippetQuoting = PLAIN_QUOTING): string {
  return [...hclLines(attributes(v), '', q), ''].join('\n');
}

/**
 * A Terragrunt `remote_state` block that generates the backend block into `backend.tf`.
 */
export function renderTerragrunt(v: SnippetValues, q: SnippetQuoting = PLAIN_QUOTING): string {
  return [
    'remote_state {',
    '  backend = "s3"',
    '  generate = {',
    '    path      = "backend.tf"',
    '    if_exists = "overwrite_terragrunt"',
    '  }',
    '  config = {',
    ...hclLines(attributes(v), '    ', q),
    '  }',
    '}',
    '',
  ].join('\n');
}

/** Props for CDKTF's `new S3Backend(stack, props)` (camelCase names of `S3BackendConfig`). */
export function cdktfProps(v: SnippetValues): Record<string, unknown> {
  const out: Record<string, unknown> = { bucket: v.bucket, key: v.key, region: v.region };
  if (v.encrypt !== undefined) out.encrypt = v.encrypt;
  if (v.kmsKeyId !== undefined) out.kmsKeyId = v.kmsKeyId;
  if (v.useLockfile) out.useLockfile = true;
  if (v.dynamodbTable !== undefined) out.dynamodbTable = v.dynamodbTable;
  if (v.workspaceKeyPrefix !== undefined) out.workspaceKeyPrefix = v.workspaceKeyPrefix;
  if (v.roleArn !== undefined) out.assumeRole = { roleArn: v.roleArn };
  return out;
}

/**
 * Props for CDK Terrain's `new S3Backend(stack, props)` (package `cdktn`, the community successor of
 * CDKTF). CDK Terrain kept CDKTF's `S3BackendConfig` names (checked against `cdktn` 0.24.0:
 * `useLockfile`, `dynamodbTable`, `kmsKeyId`, `workspaceKeyPrefix`, `assumeRole.roleArn`), so the props
 * are the same today; the separate function is where a future difference goes.
 */
export function cdktnProps(v: SnippetValues): Record<string, unknown> {
  return cdktfProps(v);
}

/** The backend attributes as a JSON object with Terraform's (snake_case) names. */
export function plainJson(v: SnippetValues): Record<string, unknown> {
  return Object.fromEntries(attributes(v));
}

/** Renders `v` in `format`. */
export function renderSnippet(v: SnippetValues, format: SnippetFormat, q: SnippetQuoting = PLAIN_QUOTING): string {
  switch (format) {
    case 'tf': return renderTerraformBlock(v, q);
    case 'hcl': return renderBackendConfigFile(v, q);
    case 'terragrunt': return renderTerragrunt(v, q);
    case 'cdktf': return q.json(cdktfProps(v)) + '\n';
    case 'cdktn': return q.json(cdktnProps(v)) + '\n';
    case 'json': return q.json(plainJson(v)) + '\n';
  }
}
