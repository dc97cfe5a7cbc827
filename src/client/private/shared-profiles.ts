import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Every file of `shared_config_files` and `shared_credentials_files`, merged as aws-sdk-go-v2 does
 * (`config.loadSharedConfigIniFiles`): files of one kind in order, a later file's value winning per
 * key; then the credentials files over the config files. The JS SDK reads one file of each kind, so
 * the client merges them itself.
 */

/** Keys of a profile that only carry static keys (or are not about credentials at all). */
const STATIC_KEYS = new Set(['aws_access_key_id', 'aws_secret_access_key', 'aws_session_token']);
const CREDENTIAL_SOURCE_KEYS = [
  'role_arn', 'source_profile', 'credential_source', 'credential_process', 'sso_session', 'sso_start_url',
  'sso_account_id', 'sso_role_name', 'login_session', 'web_identity_token_file',
];

/** `~/` expanded, as aws-sdk-go-base's `expand.FilePath` does. */
export function expandHome(file: string): string {
  return file.startsWith('~/') ? join(homedir(), file.slice(2)) : file;
}

/** The sections of an INI file, by name as written between brackets. A file that cannot be read is empty, as in the SDKs. */
function parseIni(file: string): Map<string, Record<string, string>> {
  const sections = new Map<string, Record<string, string>>();
  let text: string;
  try {
    text = readFileSync(expandHome(file), 'utf8');
  } catch {
    return sections;
  }
  let current: Record<string, string> | undefined;
  for (const line of text.split(/\r?\n/)) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith(';')) continue;
    const header = /^\[([^\]]+)\]/.exec(trimmed);
    if (header) {
      const name = header[1].trim();
      current = sections.get(name) ?? {};
      sections.set(name, current);
      continue;
    }
    // Indented lines continue a nested property (e.g. `s3 =` sub-settings): not credentials.
    if (!current || /^\s/.test(line)) continue;
    const eq = trimmed.indexOf('=');
    if (eq <= 0) continue;
    current[trimmed.slice(0, eq).trim().toLowerCase()] = trimmed.slice(eq + 1).replace(/\s[#;].*$/, '').trim();
  }
  return sections;
}

/** The merged settings of one profile, and whether any file has it. */
export interface MergedProfile {
  readonly found: boolean;
  readonly values: Readonly<Record<string, string>>;
  /** The profile takes its credentials from nothing but `aws_access_key_id`/`aws_secret_access_key`/`aws_session_token`. */
  readonly staticOnly: boolean;
}

export function mergedProfile(profile: string, configFiles: readonly string[], credentialsFiles: readonly string[]): MergedProfile {
  const values: Record<string, string> = {};
  let found = false;
  const configName = profile === 'default' ? ['default', 'profile default'] : [`profile ${profile}`];
  for (const file of configFiles) {
    const sections = parseIni(file);
    for (const name of configName) {
      const s = sections.get(name);
      if (s) {
        found = true;
        Object.assign(values, s);
      }
    }
  }
  for (const file of credentialsFiles) {
    const s = parseIni(file).get(profile);
    if (s) {
      found = true;
      Object.assign(values, s);
    }
  }
  const staticOnly = Boolean(values.aws_access_key_id && values.aws_secret_access_key)
    && !CREDENTIAL_SOURCE_KEYS.some((k) => values[k] !== undefined)
    && Object.keys(values).some((k) => STATIC_KEYS.has(k));
  return { found, values, staticOnly };
}
