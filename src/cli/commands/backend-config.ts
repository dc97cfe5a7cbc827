import { renderSnippet, SNIPPET_FORMATS, SnippetFormat, SnippetValues } from '../../construct/backend-config-render';
import { BackendAttributes } from '../config';
import { CliError, EXIT, io } from '../output';
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

/** `backend-config [-format F]`: the current configuration as a snippet. */
export async function backendConfigCommand(opts: GlobalOptions & { format?: string }): Promise<void> {
  const format = (opts.format ?? 'tf') as SnippetFormat;
  if (!SNIPPET_FORMATS.includes(format)) {
    throw new CliError(`-format: "${opts.format}" is not a format. Use one of: ${SNIPPET_FORMATS.join(', ')}.`, EXIT.USAGE);
  }
  const { config } = await loadConfig(opts);
  io.stdout.write(renderSnippet(snippetValuesFrom(config as unknown as BackendAttributes), opts.json ? 'json' : format));
}
