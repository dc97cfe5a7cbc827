import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import type { EncryptionConfigFile } from '../client';

/**
 * The files of `-chdir` that OpenTofu reads for state encryption (command/meta_encryption.go
 * `EncryptionFromModule`: the root module's `terraform { encryption { ... } }` block and the variables
 * it refers to): `*.tf`, `*.tofu`, their `.json` forms (override files included) and `terraform.tfvars`,
 * `*.auto.tfvars` (and `.json`). `TF_ENCRYPTION` and `TF_VAR_*` come from the environment the client is
 * given.
 *
 * No file is returned when none mentions `encryption` and `TF_ENCRYPTION` is unset: the HCL parser
 * (~200 ms) then never loads, and a state without encryption is handled as before.
 */
const CONFIG_FILE = /\.(tf|tofu)(\.json)?$/;
const TFVARS_FILE = /^terraform\.tfvars(\.json)?$|\.auto\.tfvars(\.json)?$/;

export function readEncryptionFiles(chdir: string | undefined, env: NodeJS.ProcessEnv = process.env): EncryptionConfigFile[] {
  const dir = path.resolve(chdir ?? '.');
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return [];
  const files: EncryptionConfigFile[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (!CONFIG_FILE.test(name) && !TFVARS_FILE.test(name)) continue;
    const file = path.join(dir, name);
    if (!statSync(file).isFile()) continue;
    files.push({ name, text: readFileSync(file, 'utf8') });
  }
  const mentioned = files.some((f) => CONFIG_FILE.test(f.name) && /\bencryption\b/.test(f.text));
  if (!mentioned && (env.TF_ENCRYPTION ?? '').trim() === '') return [];
  return files;
}
