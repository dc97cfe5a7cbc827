import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { CliError, EXIT } from './output';
import { UNKNOWN_VALUE } from '../protocol/backend-change';

/**
 * The backend block of a configuration directory, read as Terraform finds it (which files, which
 * block, override files), and the rule that its values are literals. `config.ts` assembles the
 * configuration from it, the stack outputs and `-backend-config`.
 */

/** S3 backend attributes as Terraform names them; values as HCL gives them (string, boolean, number, object). */
export type BackendAttributes = Record<string, unknown>;

/**
 * hcl2json's parser, loaded on use: the WebAssembly parser costs ~100 ms and most commands never need
 * it. A plain require, as program.ts's `load`, stays CommonJS under every module setting (ts-jest's too).
 */
export function hcl2json(): typeof import('@cdktf/hcl2json') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('@cdktf/hcl2json') as typeof import('@cdktf/hcl2json');
}

export async function hclParse(file: string, text: string): Promise<any> {
  const { parse } = hcl2json();
  try {
    return await parse(file, text);
  } catch (e) {
    throw new CliError(`Cannot parse ${file} as HCL: ${(e as Error).message}\nFix the syntax error in the file.`);
  }
}

/**
 * A value hcl2json gave for an expression, as HCL evaluates it without variables or functions:
 * hcl2json keeps an expression it cannot evaluate as a `${...}` template (refused: `fail` with the
 * attribute's path and the text) and template escapes as written (`$${` is a literal `${`, `%%{` a
 * literal `%{`).
 */
export function literal(v: unknown, at: string, fail: (at: string, text: string) => Error): unknown {
  return literalOr(v, at, (where, text) => {
    throw fail(where, text);
  });
}

/** An expression of a backend block or file, kept until the merge says whether anything overrides it. */
class Unevaluated {
  constructor(readonly source: string, readonly at: string, readonly text: string) {}

  /**
   * Terraform refuses a reference or a function call in the backend configuration ("Variables not
   * allowed: Variables may not be used here", decoded with no evaluation context); OpenTofu evaluates
   * variables and locals at `tofu init`, which this CLI cannot repeat: it asks for the value, or for
   * the directory `init` recorded it in.
   */
  public error(): CliError {
    const expr = /^\$\{([^]*)\}$/.exec(this.text)?.[1] ?? this.text;
    return new CliError(`${this.source}: ${this.at} = ${expr} is an expression; tfstate reads literal values only ` +
      '(Terraform refuses it: "Variables may not be used here"; OpenTofu evaluates it at tofu init).\n' +
      `Pass -backend-config ${this.at.split('[')[0].split('.').slice(0, 2).join('.')}=VALUE, or run in the directory where init ran: the recorded configuration has the values.`);
  }
}

/** The attributes of a backend block or `-backend-config` file; an expression becomes an {@link Unevaluated}. */
export function literalAttributes(attrs: BackendAttributes, source: string): BackendAttributes {
  const keep = (at: string, text: string): unknown => new Unevaluated(source, at, text);
  return literalOr(attrs, '', keep) as BackendAttributes;
}

/** The walk of {@link literal}: an unevaluated expression becomes what `onExpression` returns. */
function literalOr(v: unknown, at: string, onExpression: (at: string, text: string) => unknown): unknown {
  if (typeof v === 'string') {
    if (/(^|[^$])\$\{|(^|[^%])%\{/.test(v)) return onExpression(at, v);
    return v.replace(/\$\$\{/g, '${').replace(/%%\{/g, '%{');
  }
  if (Array.isArray(v)) return v.map((x, i) => literalOr(x, `${at}[${i}]`, onExpression));
  if (isPlainObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, literalOr(x, at ? `${at}.${k}` : k, onExpression)]));
  return v;
}

/** Fails on the first expression that no later source replaced. */
export function assertLiteral(v: unknown): void {
  if (v instanceof Unevaluated) throw v.error();
  if (Array.isArray(v)) v.forEach(assertLiteral);
  else if (isPlainObject(v)) Object.values(v).forEach(assertLiteral);
}

/** hcl2json gives blocks as arrays of objects; the S3 backend's nested objects are single. */
export function flattenBlocks(attrs: Record<string, unknown>): BackendAttributes {
  const out: BackendAttributes = {};
  for (const [k, v] of Object.entries(attrs)) {
    out[k] = Array.isArray(v) && v.length === 1 && typeof v[0] === 'object' && v[0] !== null ? v[0] : v;
  }
  return out;
}

/** Terraform's editor-file rule (internal/configs/parser_config_dir.go, IsIgnoredFile). */
function isIgnoredFile(name: string): boolean {
  return name.startsWith('.') || name.endsWith('~') || (name.startsWith('#') && name.endsWith('#'));
}

const CONFIG_EXTENSIONS = ['.tf.json', '.tofu.json', '.tf', '.tofu'] as const;

function configExtension(name: string): (typeof CONFIG_EXTENSIONS)[number] | undefined {
  return CONFIG_EXTENSIONS.find((ext) => name.endsWith(ext) && name.length > ext.length);
}

/**
 * The configuration files of `dir` as Terraform picks them (internal/configs/parser_file_matcher.go,
 * rootFiles and moduleFiles): `.tf` and `.tf.json` files, not directories or editor files, in name
 * order, override files (`override.tf`, `*_override.tf`, and `.tf.json`) apart. OpenTofu also reads
 * `.tofu` and `.tofu.json` and then ignores the `.tf` file of the same name; Terraform ignores them,
 * so a directory with `.tofu` files is read as OpenTofu reads it.
 */
export function configFiles(dir: string): { readonly primary: string[]; readonly override: string[] } {
  const names = readdirSync(dir).sort().filter((n) => !isIgnoredFile(n) && configExtension(n) !== undefined && statSync(path.join(dir, n)).isFile());
  const tofu = new Set(names.filter((n) => configExtension(n)!.startsWith('.tofu')));
  const kept = names.filter((n) => {
    const ext = configExtension(n)!;
    return !ext.startsWith('.tf') || !tofu.has(n.slice(0, -ext.length) + ext.replace('.tf', '.tofu'));
  });
  const isOverride = (n: string) => {
    const base = n.slice(0, -configExtension(n)!.length);
    return base === 'override' || base.endsWith('_override');
  };
  const full = (n: string) => path.join(dir, n);
  return { primary: kept.filter((n) => !isOverride(n)).map(full), override: kept.filter(isOverride).map(full) };
}

/**
 * Where a configuration stores its state: a `backend "TYPE"` block, a `cloud` block (HCP Terraform or
 * Terraform Enterprise; OpenTofu's cloud backend), or Terraform's `state_store "TYPE"` block
 * (pluggable state storage). A module has at most one of them (internal/configs/module.go).
 */
export type StorageKind = 'backend' | 'cloud' | 'state_store';

interface StorageBlock {
  readonly kind: StorageKind;
  /** The backend's or state store's type; `cloud` for a cloud block. */
  readonly type: string;
  readonly body: BackendAttributes;
}

/** What may declare state storage: the three block names, a cloud block as HCL writes it (`cloud {`). */
const MAY_DECLARE_STORAGE = /\bbackend\b|\bstate_store\b|\bcloud[ \t]*\{/;

/**
 * The state storage blocks of one configuration file, HCL or JSON syntax, in the order Terraform's
 * override merge applies them (backends, state stores, cloud blocks: module.go mergeFile). An HCL
 * file that declares none of them is not parsed: the WebAssembly parser takes about 0.3 s per MB of
 * configuration, and a root module of thousands of resources would pay it on every command (a syntax
 * error there is Terraform's to report, as one in a resource block always was).
 */
async function storageBlocksOf(file: string): Promise<StorageBlock[]> {
  const text = readFileSync(file, 'utf8');
  if (!file.endsWith('.json') && !MAY_DECLARE_STORAGE.test(text)) return [];
  const list = (x: unknown): unknown[] => (Array.isArray(x) ? x : x === undefined || x === null ? [] : [x]);
  const body = (x: unknown): BackendAttributes => {
    const first = list(x)[0];
    return isPlainObject(first) ? flattenBlocks(first) : {};
  };
  let terraformBlocks: unknown[];
  if (file.endsWith('.json')) {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (e) {
      throw new CliError(`Cannot parse ${file} as JSON: ${(e as Error).message}\nFix the syntax error in the file.`);
    }
    terraformBlocks = list(isPlainObject(doc) ? doc.terraform : undefined);
  } else {
    terraformBlocks = list((await hclParse(file, text)).terraform);
  }
  const labelled = (kind: 'backend' | 'state_store'): StorageBlock[] => terraformBlocks.flatMap((tf) =>
    list(isPlainObject(tf) ? tf[kind] : undefined).flatMap((byType) =>
      (isPlainObject(byType) ? Object.entries(byType) : []).flatMap(([type, bodies]) => list(bodies).map((b) => ({ kind, type, body: body(b) })))));
  const clouds: StorageBlock[] = terraformBlocks.flatMap((tf) =>
    list(isPlainObject(tf) ? tf.cloud : undefined).map((c) => ({ kind: 'cloud' as const, type: 'cloud', body: body(c) })));
  return [...labelled('backend'), ...labelled('state_store'), ...clouds];
}

/** The state storage block of a directory, whatever its kind and type: the body's values as HCL gives them. */
export interface FoundBackendBlock {
  readonly kind: StorageKind;
  readonly type: string;
  readonly body: BackendAttributes;
  readonly file: string;
}

/** Terraform's summary for a second block of `kind` among the primary files, with both files. */
function duplicateInModule(kind: StorageKind, first: string, second: string): string {
  const summary = kind === 'cloud'
    ? 'Duplicate HCP Terraform configurations: a module may have only one \'cloud\' block'
    : `Duplicate '${kind}' configuration block: a module may have only one`;
  return `${summary}; ${first} and ${second} both declare one. Keep one.`;
}

const DUPLICATE_IN_OVERRIDE: Record<StorageKind, string> = {
  backend: 'Duplicate backend configuration',
  state_store: 'Duplicate state storage configuration',
  cloud: 'Duplicate HCP Terraform configurations',
};

/**
 * Finds the state storage block of `dir` as Terraform does (internal/configs/module.go): among the
 * primary files at most one of each kind (appendFile: "Duplicate 'backend' configuration block")
 * and not two kinds ("Conflicting 'cloud' and 'backend' configuration blocks are present"); then
 * each override file's, which replaces it whole, whatever its kind (mergeFile: a backend block
 * unsets a cloud block and the other way round). `undefined` when no file declares one.
 */
export async function findBackendBlock(dir: string): Promise<FoundBackendBlock | undefined> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new CliError(`-chdir: "${dir}" is not a directory. Pass the directory holding your Terraform configuration.`, EXIT.USAGE);
  }
  const { primary, override } = configFiles(dir);
  const byKind = new Map<StorageKind, FoundBackendBlock>();
  for (const file of primary) {
    for (const b of await storageBlocksOf(file)) {
      const before = byKind.get(b.kind);
      if (before) throw new CliError(duplicateInModule(b.kind, before.file, file));
      byKind.set(b.kind, { ...b, file });
    }
  }
  if (byKind.size > 1) {
    // Terraform's summaries name the kinds in this order.
    const found = (['cloud', 'state_store', 'backend'] as const).flatMap((k) => byKind.get(k) ?? []);
    const names = found.map((f) => `'${f.kind}'`);
    const summary = found.length === 3
      ? `Only one of ${names[0]}, ${names[1]}, or ${names[2]} configuration blocks are allowed`
      : `Conflicting ${names.join(' and ')} configuration blocks are present`;
    const what = (f: FoundBackendBlock) => `${f.file} declares ${f.kind === 'cloud' ? 'a cloud block' : `${f.kind} "${f.type}"`}`;
    throw new CliError(`${summary}: a module stores its state in one place; ${found.map(what).join(', ')}. Keep one.`);
  }
  let found = [...byKind.values()][0];
  for (const file of override) {
    const blocks = await storageBlocksOf(file);
    for (const kind of ['backend', 'state_store', 'cloud'] as const) {
      const of = blocks.filter((b) => b.kind === kind);
      if (of.length > 1) throw new CliError(`${DUPLICATE_IN_OVERRIDE[kind]}: ${file} declares ${of.length}; each override file may have only one.`);
      if (of.length === 1) found = { ...of[0], file };
    }
  }
  return found;
}

/** Why `found` is not an S3 backend tfstate can use, with what to do; `undefined` when it is one. */
export function notS3Backend(found: FoundBackendBlock): CliError | undefined {
  if (found.kind === 'backend' && found.type === 's3') return undefined;
  const what = found.kind === 'cloud'
    ? 'stores its state in HCP Terraform or Terraform Enterprise (a "cloud" block)'
    : found.kind === 'state_store'
      ? `stores its state with a state_store "${found.type}" block (a provider's state storage)`
      : `uses a "${found.type}" backend`;
  return new CliError(`${found.file}: the configuration ${what}; tfstate only works with the "s3" backend.\n` +
    'Run tfstate in (or -chdir to) a directory whose configuration has a backend "s3" block, or none (then pass -backend-config or --stack).');
}

/**
 * The `backend "s3"` block of `dir` ({@link findBackendBlock}), its expressions kept until a later
 * source replaces them. Returns `undefined` when no file declares state storage; fails when it is not
 * an `s3` backend.
 */
export async function backendBlockFromDir(dir: string): Promise<{ attributes: BackendAttributes; file: string } | undefined> {
  const found = await findBackendBlock(dir);
  if (!found) return undefined;
  const refused = notS3Backend(found);
  if (refused) throw refused;
  return { attributes: literalAttributes(found.body, found.file), file: found.file };
}

/** A block's values as Terraform decodes them without variables: an expression is {@link UNKNOWN_VALUE}. */
export function decodedWithoutVariables(body: BackendAttributes): BackendAttributes {
  return literalOr(body, '', () => UNKNOWN_VALUE) as BackendAttributes;
}

export function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

