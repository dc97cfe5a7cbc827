import { renderSnippet, SNIPPET_FORMATS, SnippetFormat, SnippetValues } from '../../construct/backend-config-render';
import { BackendAttributes } from '../config';
import { CliError, EXIT, io, note, paint } from '../output';
import { GlobalOptions, loadConfig } from '../session';

/** The snippet values of a loaded configuration (region from the environment when the config has none). */
export function snippetValuesFrom(a: BackendAttributes, env: NodeJS.ProcessEnv = process.env): SnippetValues {
  const missing = ['bucket', 'key'].filter((k) => typeof a[k] !== 'string' || (a[k] as string).trim() === '');
  const region = (a.region as string | undefined) || env.AWS_REGION || env.AWS_DEFAULT_REGION;
  if (!region) missing.push('region');
  if (missing.length > 0) {
    throw new CliError(`backend-config: the configuration has no ${missing.join(', ')}. Pass -backend-config ${missing[0]}=... (region may also come from AWS_REGION).`);
  }
  const role = a.assume_role as { role_arn?: string } | undefined;
  return {
    bucket: a.bucket as string,
    key: a.key as string,
    region: region!,
    encrypt: a.encrypt as boolean | undefined,
    kmsKeyId: a.kms_key_id as string | undefined,
    useLockfile: a.use_lockfile as boolean | undefined,
    dynamodbTable: a.dynamodb_table as string | undefined,
    workspaceKeyPrefix: a.workspace_key_prefix as string | undefined,
    roleArn: role?.role_arn,
    stateTags: a.state_tags as Record<string, string> | undefined,
    lockTags: a.lock_tags as Record<string, string> | undefined,
  };
}

/** What a snippet renders: these attributes, and `role_arn` of `assume_role`. */
const RENDERED = new Set(['bucket', 'key', 'region', 'encrypt', 'kms_key_id', 'use_lockfile', 'dynamodb_table', 'workspace_key_prefix', 'state_tags', 'lock_tags']);
/** Credentials: never printed. */
const SECRETS = new Set(['access_key', 'secret_key', 'token', 'sse_customer_key']);

/**
 * The attributes of a configuration a snippet leaves out (`assume_role.X` for each attribute of the
 * role but `role_arn`), and the credentials among them, which are never printed.
 */
export function attributesLeftOut(a: BackendAttributes): { readonly settings: string[]; readonly secrets: string[] } {
  const settings: string[] = [];
  const secrets: string[] = [];
  for (const [k, v] of Object.entries(a)) {
    if (v === undefined || v === null || RENDERED.has(k)) continue;
    if (SECRETS.has(k)) {secrets.push(k);} else if (k === 'assume_role' && typeof v === 'object' && !Array.isArray(v)) {
      settings.push(...Object.keys(v).filter((x) => x !== 'role_arn').map((x) => `assume_role.${x}`));
    } else {settings.push(k);}
  }
  return { settings, secrets };
}

/**
 * `backend-config [-format F]`: the current configuration as a snippet. A snippet renders the
 * attributes a `StateBackend` sets (bucket, key, region, encryption, locking, prefix, role, tags);
 * any other attribute of the configuration is named in a warning, never dropped in silence.
 */
export async function backendConfigCommand(opts: GlobalOptions & { format?: string }): Promise<void> {
  const format = (opts.format ?? 'tf') as SnippetFormat;
  if (!SNIPPET_FORMATS.includes(format)) {
    throw new CliError(`-format: "${opts.format}" is not a format. Use one of: ${SNIPPET_FORMATS.join(', ')}.`, EXIT.USAGE);
  }
  const { config } = await loadConfig(opts);
  const attributes = config as unknown as BackendAttributes;
  io.stdout.write(renderSnippet(snippetValuesFrom(attributes), opts.json ? 'json' : format));
  const left = attributesLeftOut(attributes);
  const warn = (m: string) => note(`${paint('yellow', 'Warning:', io.stderr)} backend-config: ${m}`);
  if (left.settings.length > 0) {
    const rendered = [...RENDERED].filter((k) => !k.endsWith('_tags')).concat('assume_role.role_arn').join(', ');
    warn(`not in the snippet: ${left.settings.join(', ')}. A snippet renders ${rendered}, state_tags and lock_tags; add the others by hand.`);
  }
  if (left.secrets.length > 0) warn(`not in the snippet: ${left.secrets.join(', ')} (credentials are never printed).`);
}
