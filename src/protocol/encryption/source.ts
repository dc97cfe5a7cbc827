import { EncryptionBlockConfig, decodeEncryptionBody, mergeEncryptionConfigs } from './config';
import { StateEncryptionError } from './errors';
import { ConfigSyntax, UnsupportedExpressionError, evaluate } from './expressions';
import { UNENCRYPTED_METHOD, methodConfigsFromTarget } from './targets';
import type { StateEncryptionConfig } from './types';

/**
 * Where OpenTofu reads its encryption configuration (command/meta_encryption.go `EncryptionFromModule`,
 * configs/module.go, configs/parser_config_dir.go): the `terraform { encryption { ... } }` block of the
 * root module's files (primary files: at most one; `override.tf` / `*_override.tf` files merge over it),
 * then `TF_ENCRYPTION` (HCL or JSON, the block's content) merged over that. This client adds its own
 * option, merged last.
 */

/** One configuration file of the working directory (`-chdir`), by base name. */
export interface ConfigFile {
  /** Base name, e.g. `main.tf`, `encryption.tofu`, `settings.tf.json`, `terraform.tfvars`. */
  readonly name: string;
  readonly text: string;
}

/** Inputs of {@link parseEncryptionConfig}. */
export interface EncryptionConfigSource {
  /**
   * The environment (e.g. `process.env`): `TF_ENCRYPTION`, `TF_VAR_<name>` and, for `aws_kms`,
   * `AWS_REGION` / `AWS_DEFAULT_REGION` are read from it. @default - no environment
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * The files of the working directory. `*.tf`, `*.tofu` (preferred over a `.tf` of the same name),
   * their `.json` forms and override files are read for the `encryption` block and `variable` defaults;
   * `terraform.tfvars(.json)` and `*.auto.tfvars(.json)` for variable values; others are ignored.
   * @default - no files
   */
  readonly hclFiles?: readonly ConfigFile[];
  /** Variable values given explicitly (like `-var`); they win over every other source. @default - none */
  readonly variables?: Readonly<Record<string, unknown>>;
  /**
   * The client's own encryption option: the block's content as HCL or JSON text (the `TF_ENCRYPTION`
   * format) or as an object in HCL's JSON shape. Merged over `TF_ENCRYPTION`. @default - none
   */
  readonly encryption?: string | Readonly<Record<string, unknown>>;
}

type Parsed = Record<string, unknown>;

async function parseHcl(name: string, text: string): Promise<Parsed> {
  // Loaded lazily: importing the package loads its WebAssembly parser (~200 ms), needed only for HCL text.
  // A require, not import(): the latter needs ESM support in jest's VM.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { parse } = require('@cdktf/hcl2json') as typeof import('@cdktf/hcl2json');
  try {
    return await parse(name, text) as Parsed;
  } catch (e) {
    throw new StateEncryptionError('ENCRYPTION_CONFIG_INVALID', `Cannot parse ${name} as HCL: ${(e as Error).message}. Fix the syntax error.`);
  }
}

function parseJson(name: string, text: string): Parsed {
  try {
    const v: unknown = JSON.parse(text);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('the root must be a JSON object');
    return v as Parsed;
  } catch (e) {
    throw new StateEncryptionError('ENCRYPTION_CONFIG_INVALID', `Cannot parse ${name} as JSON: ${(e as Error).message}. Fix the syntax error.`);
  }
}

/** config_load.go `LoadConfigFromString`: JSON when the trimmed text starts with `{`, else HCL. */
async function loadConfigText(name: string, text: string): Promise<EncryptionBlockConfig> {
  const trimmed = text.trim();
  const syntax: ConfigSyntax = trimmed.startsWith('{') ? 'json' : 'hcl';
  const body = syntax === 'json' ? parseJson(name, trimmed) : await parseHcl(name, trimmed);
  return decodeEncryptionBody(body, syntax, name);
}

function configExt(name: string): string | undefined {
  // Longest first: `.tf.json` before `.tf` is impossible to confuse, but `.tofu.json` ends in neither.
  return ['.tofu.json', '.tf.json', '.tofu', '.tf'].find((e) => name.endsWith(e));
}

/** parser_config_dir.go `IsIgnoredFile`. */
function ignored(name: string): boolean {
  return name.startsWith('.') || name.endsWith('~') || (name.startsWith('#') && name.endsWith('#'));
}

/** parser_config_dir.go `dirFiles` and `filterTfPathsWithTofuAlternatives`: primary and override files. */
export function selectConfigFiles(names: readonly string[]): { primary: string[]; override: string[] } {
  const primary: string[] = [];
  const override: string[] = [];
  for (const name of [...names].sort()) {
    const ext = configExt(name);
    if (ext === undefined || ignored(name)) continue;
    const base = name.slice(0, -ext.length);
    (base === 'override' || base.endsWith('_override') ? override : primary).push(name);
  }
  const dropShadowed = (list: string[]): string[] => list.filter((n) => {
    const ext = configExt(n)!;
    if (!ext.startsWith('.tf')) return true;
    return !list.includes(n.slice(0, -ext.length) + ext.replace('.tf', '.tofu'));
  });
  return { primary: dropShadowed(primary), override: dropShadowed(override) };
}

function asList(v: unknown): unknown[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : [v];
}

/** The `encryption` bodies of a parsed file, its `variable` defaults and primitive types. */
function scanFile(parsed: Parsed): { encryptions: unknown[]; defaults: Record<string, unknown>; types: Record<string, string> } {
  const encryptions: unknown[] = [];
  for (const tf of asList(parsed.terraform)) {
    if (typeof tf === 'object' && tf !== null) encryptions.push(...asList((tf as Parsed).encryption));
  }
  const defaults: Record<string, unknown> = {};
  const types: Record<string, string> = {};
  for (const [name, blocks] of Object.entries((parsed.variable ?? {}) as Parsed)) {
    for (const b of asList(blocks)) {
      if (typeof b === 'object' && b !== null && 'default' in b) defaults[name] = (b as Parsed).default;
      const type = typeof b === 'object' && b !== null ? (b as Parsed).type : undefined;
      // hcl2json writes the type expression as a template ("${number}"); .tf.json as a plain string.
      if (typeof type === 'string') types[name] = type.replace(/^\$\{(.*)\}$/, '$1').trim();
    }
  }
  return { encryptions, defaults, types };
}

/**
 * A variable default or tfvars value: native HCL gives a literal (hcl2json writes it as a template, so
 * `$${` escapes are undone); HCL's JSON syntax reads these values literally (no evaluation context).
 */
async function literalValue(value: unknown, syntax: ConfigSyntax, where: string): Promise<unknown> {
  if (syntax === 'json') return value;
  const refuse = (): never => {
    throw new UnsupportedExpressionError('variables may not be used here');
  };
  try {
    return await evaluate(value, { variable: refuse, keyProvider: refuse });
  } catch (e) {
    throw new StateEncryptionError('ENCRYPTION_CONFIG_INVALID', `${where}: only literal values are allowed here: ${(e as Error).message}.`);
  }
}

function isTfvars(name: string): boolean {
  return name === 'terraform.tfvars' || name === 'terraform.tfvars.json' || /\.auto\.tfvars(\.json)?$/.test(name);
}

async function readFile(f: ConfigFile): Promise<{ parsed: Parsed; syntax: ConfigSyntax }> {
  const syntax: ConfigSyntax = f.name.endsWith('.json') ? 'json' : 'hcl';
  return { parsed: syntax === 'json' ? parseJson(f.name, f.text) : await parseHcl(f.name, f.text), syntax };
}

/**
 * Reads the encryption configuration as OpenTofu does and returns it merged, or `undefined` when none
 * is configured (then states are read and written in the clear, as OpenTofu does).
 *
 * Variable values, lowest to highest precedence (OpenTofu's order): `variable` defaults, `TF_VAR_<name>`,
 * `terraform.tfvars`, `terraform.tfvars.json`, `*.auto.tfvars(.json)` in name order, `variables`.
 *
 * @throws StateEncryptionError with code `ENCRYPTION_CONFIG_INVALID` for syntax and structure errors
 */
export async function parseEncryptionConfig(source: EncryptionConfigSource): Promise<StateEncryptionConfig | undefined> {
  const env = source.env ?? {};
  const files = new Map((source.hclFiles ?? []).map((f) => [f.name, f]));
  const { primary, override } = selectConfigFiles([...files.keys()]);
  const variables: Record<string, unknown> = {};
  const types: Record<string, string> = {};
  const sources: string[] = [];
  let block: EncryptionBlockConfig | undefined;
  let firstSource: string | undefined;

  const read = async (names: string[], isOverride: boolean): Promise<void> => {
    for (const name of names) {
      const { parsed, syntax } = await readFile(files.get(name)!);
      const { encryptions, defaults, types: fileTypes } = scanFile(parsed);
      Object.assign(types, fileTypes);
      for (const [k, v] of Object.entries(defaults)) {
        if (!(k in variables)) variables[k] = await literalValue(v, syntax, `${name}: variable "${k}" default`);
      }
      if (isOverride && encryptions.length > 1) {
        throw new StateEncryptionError('ENCRYPTION_CONFIG_INVALID', `${name}: Duplicate encryption configuration: Each override file may have only one encryption configuration.`);
      }
      for (const body of encryptions) {
        if (!isOverride && block !== undefined) {
          throw new StateEncryptionError('ENCRYPTION_CONFIG_INVALID',
            `${name}: Duplicate encryption configuration: A module may have only one encryption configuration. Encryption was previously configured at ${firstSource}.`);
        }
        block = mergeEncryptionConfigs(block, decodeEncryptionBody(body, syntax, name));
        firstSource ??= name;
        sources.push(name);
      }
    }
  };
  await read(primary, false);
  await read(override, true);

  for (const [k, v] of Object.entries(env)) if (k.startsWith('TF_VAR_') && v !== undefined) variables[k.slice(7)] = v;
  const tfvars = [...files.keys()].filter(isTfvars).sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
  for (const name of tfvars) {
    const { parsed, syntax } = await readFile(files.get(name)!);
    for (const [k, v] of Object.entries(parsed)) variables[k] = await literalValue(v, syntax, `${name}: ${k}`);
  }
  Object.assign(variables, source.variables ?? {});
  for (const [name, type] of Object.entries(types)) variables[name] = convertVariable(variables[name], type);

  const envText = (env.TF_ENCRYPTION ?? '').trim();
  if (envText !== '') {
    block = mergeEncryptionConfigs(block, await loadConfigText('TF_ENCRYPTION', envText));
    sources.push('TF_ENCRYPTION');
  }
  if (source.encryption !== undefined) {
    const option = typeof source.encryption === 'string'
      ? await loadConfigText('client option', source.encryption)
      : decodeEncryptionBody(source.encryption, 'json', 'client option');
    block = mergeEncryptionConfigs(block, option);
    sources.push('client option');
  }
  if (block === undefined) return undefined;

  // encryption.go New: validates every target's method chain and warns about `unencrypted`.
  if (block.state) methodConfigsFromTarget(block, block.state, 'state', block.state.enforced);
  if (block.plan) methodConfigsFromTarget(block, block.plan, 'plan', block.plan.enforced);
  if (block.remote?.default) methodConfigsFromTarget(block, block.remote.default, 'remote.default', false);
  for (const t of block.remote?.targets ?? []) methodConfigsFromTarget(block, t, `remote.remote_state_datasource.${t.name}`, false);
  const warnings = block.methods.some((m) => m.type === UNENCRYPTED_METHOD)
    ? ['Unencrypted method configured: Method unencrypted is present in configuration. This is a security risk and should only be enabled during migrations.']
    : [];
  const regionEnv = { AWS_REGION: env.AWS_REGION, AWS_DEFAULT_REGION: env.AWS_DEFAULT_REGION };
  return { block, variables, env: regionEnv, sources, warnings };
}

/**
 * The conversion to a declared primitive type that OpenTofu applies to string values (`TF_VAR_`, tfvars):
 * `number` and `bool` variables given as text become numbers and booleans.
 */
function convertVariable(value: unknown, type: string): unknown {
  if (typeof value !== 'string') return value;
  if (type === 'number' && /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(value.trim())) return Number(value.trim());
  if (type === 'bool' && (value === 'true' || value === 'false')) return value === 'true';
  return value;
}

function rank(name: string): number {
  if (name === 'terraform.tfvars') return 0;
  if (name === 'terraform.tfvars.json') return 1;
  return 2;
}
