import { existsSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import {
  type BackendAttributes, assertLiteral, backendBlockFromDir, decodedWithoutVariables, findBackendBlock, flattenBlocks, hcl2json, hclParse,
  isPlainObject, literal, literalAttributes,
} from './config-files';
import { dataDirPath, type RecordedBackend, readRecordedBackend } from './data-dir';
import { CliError, EXIT, io, note, paint } from './output';
import { backendAttributesFromOutputs } from '../client/backend-outputs';
import { isConfigValidationError } from '../client/errors';
import type { StackOutput } from '../client/stack-outputs';
import type { BackendLockingMode, BackendOutputs } from '../client/types';
import { backendChangeReason } from '../protocol/backend-change';
import { convertToAttrType } from '../protocol/config/decode';
import { type AttrType, SCHEMA } from '../protocol/config/schema';
import { goQuote } from '../protocol/go-time';

export type { BackendAttributes } from './config-files';

/** Where each part of the configuration came from, for error messages. */
export interface LoadedConfig {
  readonly attributes: BackendAttributes;
  readonly sources: string[];
}

/** The schema type of `-backend-config` attribute `key` (`outer.inner`: an attribute of a nested object). */
function attributeType(key: string): AttrType | undefined {
  const [outer, inner] = key.split('.', 2);
  const type = SCHEMA[outer];
  if (inner === undefined || type === undefined) return type;
  return typeof type === 'object' ? type.object[inner] : undefined;
}

/**
 * A `-backend-config KEY=VALUE` value as Terraform's `configValueFromCLI` reads it
 * (internal/command/meta_config.go): a bool or number attribute converts from the string with cty's
 * rules (`convertToAttrType`, the configuration's own), a list, set, map or object attribute is an
 * HCL expression (`allowed_account_ids=["123456789012"]`, `assume_role={role_arn="..."}`), a string
 * is taken as given. A name the backend does not have is passed on: validation names it.
 */
async function convertValue(arg: string, key: string, raw: string): Promise<unknown> {
  const type = attributeType(key);
  const invalid = (why: string) => new CliError(
    `Invalid backend configuration value: Invalid backend configuration argument -backend-config=${goQuote(arg)}: ${why}`, EXIT.USAGE);
  if (type === undefined || type === 'string') return raw;
  if (type === 'bool' || type === 'number') {
    const converted = convertToAttrType(raw, type);
    if ('error' in converted) throw invalid(converted.error);
    return converted.value;
  }
  const { parse } = hcl2json();
  let parsed: Record<string, unknown>;
  try {
    parsed = await parse('-backend-config', `value = ${raw}\n`);
  } catch (e) {
    throw invalid(`not an HCL expression (${(e as Error).message.split('\n')[0]}). Write a${describeAttrType(type)}, e.g. ${exampleOf(type)}.`);
  }
  if (Object.keys(parsed).length !== 1 || !('value' in parsed)) throw invalid(`not one HCL expression. Write a${describeAttrType(type)}, e.g. ${exampleOf(type)}.`);
  return literal(parsed.value, key, () => invalid('variables and function calls are not allowed here: the value must be a literal.'));
}

function describeAttrType(type: AttrType): string {
  return type === 'set' ? ' list of strings' : type === 'map' ? ' map of strings' : 'n object';
}

function exampleOf(type: AttrType): string {
  return type === 'set' ? '["a", "b"]' : type === 'map' ? '{ name = "value" }' : `{ ${Object.keys((type as { object: object }).object)[0]} = "..." }`;
}

/** Parses one `-backend-config` argument: `KEY=VALUE` or a path to an HCL file of attributes. */
export async function parseBackendConfigArg(arg: string, cwd: string): Promise<BackendAttributes> {
  const eq = arg.indexOf('=');
  const asFile = path.resolve(cwd, arg);
  if (eq > 0 && /^[a-z_][a-z0-9_.]*$/.test(arg.slice(0, eq))) {
    const key = arg.slice(0, eq);
    if (key.includes('.')) {
      // `assume_role.role_arn=...` sets one attribute of a nested object (this CLI's shorthand).
      const [outer, inner, ...deeper] = key.split('.');
      const objects = Object.keys(SCHEMA).filter((k) => typeof SCHEMA[k] === 'object');
      if (deeper.length > 0 || inner === '' || typeof SCHEMA[outer] !== 'object') {
        throw new CliError(`-backend-config ${goQuote(arg)}: KEY.NAME=VALUE sets one attribute of ${objects.join(', ')}; ` +
          `"${key}" is not one. Give a whole value instead, e.g. -backend-config '${outer}=...'.`, EXIT.USAGE);
      }
      return { [outer]: { [inner]: await convertValue(arg, key, arg.slice(eq + 1)) } };
    }
    const value = await convertValue(arg, key, arg.slice(eq + 1));
    return { [key]: value };
  }
  const how = 'Pass -backend-config key=value (e.g. -backend-config bucket=my-state) or the path of an HCL file of backend attributes.';
  if (arg === '') throw new CliError(`-backend-config is empty.\n${how}`, EXIT.USAGE);
  if (!existsSync(asFile)) throw new CliError(`-backend-config "${arg}" is neither KEY=VALUE nor an existing file.\n${how}`, EXIT.USAGE);
  if (statSync(asFile).isDirectory()) throw new CliError(`-backend-config "${arg}" is a directory, not a file of backend attributes.\n${how}`, EXIT.USAGE);
  let text: string;
  try {
    text = readFileSync(asFile, 'utf8');
  } catch (e) {
    throw new CliError(`-backend-config "${arg}": cannot read ${asFile}: ${(e as Error).message}`, EXIT.USAGE);
  }
  const parsed = await hclParse(asFile, text);
  return literalAttributes(flattenBlocks(parsed), asFile);
}

/**
 * `b` over `a`, attribute by attribute, an object or map attribute (`assume_role`, `endpoints`,
 * `state_tags`) as a whole: Terraform's override body replaces an attribute by name
 * (internal/configs/module_merge_body.go, mergeBody.prepareContent), it never merges into it.
 */
export function mergeAttributes(a: BackendAttributes, b: BackendAttributes): BackendAttributes {
  return { ...a, ...b };
}

/** This CLI's shorthand `-backend-config outer.inner=VALUE`: one attribute of a nested object, the others kept. */
function setNested(a: BackendAttributes, outer: string, inner: string, value: unknown): BackendAttributes {
  const prev = a[outer];
  return { ...a, [outer]: { ...(isPlainObject(prev) ? prev : {}), [inner]: value } };
}

/** Options of {@link attributesFromStackOutputs}. */
export interface StackOutputsOptions {
  /** Told when the locking attributes are guessed (a stack without `LockingMode`) or an output is ignored. */
  readonly warn?: (message: string) => void;
  /** The region of the stack, used when it has no `Region` output. */
  readonly region?: string;
}

/**
 * Maps a deployed StateBackend's stack outputs to backend attributes. Outputs are matched by the
 * end of their key (CDK appends a hash to logical IDs): `...BucketName`, `...Region`,
 * `...KmsKeyArn`/`...EncryptionKeyArn`, `...LockTableName`, `...WorkspaceKeyPrefix`, `...LockingMode`,
 * `...RoleArn`, `...LockTags` (a JSON map of strings); the client's `backendAttributesFromOutputs`
 * turns them into attributes (the same mapping as `StateClient.fromBackendOutputs`). An output holding a rendered JSON backend
 * configuration is merged over the result.
 */
export function attributesFromStackOutputs(outputs: readonly StackOutput[], options: StackOutputsOptions = {}): BackendAttributes {
  let snippets: BackendAttributes = {};
  const named: { -readonly [K in keyof BackendOutputs]?: BackendOutputs[K] } = {};
  for (const o of outputs) {
    const k = (o.OutputKey ?? '').toLowerCase();
    const v = o.OutputValue ?? '';
    // Before the snippet rule: a tag map is JSON too (and may have a tag named "bucket").
    if (/locktags\w*$/.test(k)) {
      named.lockTags = lockTagsOutput(o.OutputKey ?? '', v);
      continue;
    }
    if (v.trim().startsWith('{')) {
      try {
        const parsed = JSON.parse(v);
        if (isPlainObject(parsed) && typeof parsed.bucket === 'string') {
          snippets = mergeAttributes(snippets, parsed);
          continue;
        }
      } catch {
        // Not a JSON snippet: fall through to the name rules.
      }
    }
    if (/bucketname\w*$/.test(k) || /^bucket$/.test(k)) named.bucketName = v;
    else if (/region\w*$/.test(k)) named.region = v;
    else if (/(kmskey|encryptionkey)(arn|id)\w*$/.test(k)) named.kmsKeyArn = v;
    else if (/(locktable|table)name\w*$/.test(k)) named.lockTableName = v;
    else if (/workspacekeyprefix\w*$/.test(k)) named.workspaceKeyPrefix = v;
    else if (/lockingmode\w*$/.test(k)) named.lockingMode = v.toUpperCase() as BackendLockingMode;
    else if (/rolearn\w*$/.test(k)) named.roleArn = v;
  }
  if (named.bucketName === undefined) return snippets;
  let mapping;
  try {
    mapping = backendAttributesFromOutputs({
      ...named,
      bucketName: named.bucketName,
      region: named.region ?? options.region ?? '',
      // A stack that publishes LockingMode publishes WorkspaceKeyPrefix too, except for the empty prefix
      // (CloudFormation refuses an empty output value). Older stacks have neither: Terraform's default applies.
      workspaceKeyPrefix: named.workspaceKeyPrefix ?? (named.lockingMode !== undefined ? '' : undefined),
    });
  } catch (e) {
    if (!isConfigValidationError(e)) throw e;
    throw new CliError(`The stack outputs do not describe a usable backend: ${e.diagnostics.map((d) => d.detail).join(' ')}`);
  }
  for (const w of mapping.warnings) options.warn?.(w);
  const attrs: BackendAttributes = { ...mapping.attributes };
  if (attrs.region === '') delete attrs.region;
  return mergeAttributes(attrs, snippets);
}

/** The `LockTags` output: a JSON object of strings (the construct writes it with `Stack.toJsonString`). */
function lockTagsOutput(key: string, value: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    parsed = undefined;
  }
  if (!isPlainObject(parsed) || !Object.values(parsed).every((x) => typeof x === 'string')) {
    throw new CliError(`The stack output ${key} is not a JSON object of strings (the lock_tags map): ${JSON.stringify(value.slice(0, 80))}. ` +
      'Redeploy the stack, or pass -backend-config with lock_tags yourself.');
  }
  return parsed as Record<string, string>;
}

async function attributesFromStack(stackName: string, region: string | undefined): Promise<BackendAttributes> {
  // The CloudFormation call is the client's, loaded here, not at start-up (--help loads no SDK);
  // a plain require, as program.ts's `load`, stays CommonJS under every module setting.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { readStackOutputs } = require('../client/stack-outputs') as typeof import('../client/stack-outputs');
  let stack;
  try {
    stack = await readStackOutputs(stackName, { region });
  } catch (e) {
    throw new CliError(`Cannot read the outputs of stack "${stackName}": ${(e as Error).message}\nCheck the stack name, region and credentials.`);
  }
  if (!stack) throw new CliError(`Stack "${stackName}" was not found. Check the name and the region (AWS_REGION).`);
  const attrs = attributesFromStackOutputs(stack.outputs, {
    region: stack.region,
    warn: (m) => note(`${paint('yellow', 'Warning:', io.stderr)} stack "${stackName}": ${m}`),
  });
  if (attrs.bucket === undefined) {
    throw new CliError(`Stack "${stackName}" has no output naming the state bucket. Is it a StateBackend stack? Pass -backend-config bucket=NAME instead.`);
  }
  return attrs;
}

/**
 * Refuses, as Terraform does before any command but `init`, a working directory whose backend block
 * no longer says what `init` recorded (see protocol/backend-change.ts): tfstate would otherwise read
 * and write a state that Terraform, run in the same directory, would not.
 */
async function assertBlockUnchanged(dir: string, recorded: RecordedBackend): Promise<void> {
  const found = await findBackendBlock(dir);
  const nothingDone = 'Until then Terraform refuses to work in this directory, and so does tfstate: the recorded configuration may name ' +
    'another state than the configuration. Nothing was read or written.';
  const where = found
    ? `the ${found.kind === 'backend' ? '' : `${found.kind} `}block in ${found.file} is not the one "terraform init" recorded in ${recorded.file}`
    : `no configuration file in ${dir} has a backend block; "terraform init" recorded one in ${recorded.file}`;
  // The other kinds of state storage, as Terraform's Meta.backendFromConfig words them (a cloud block
  // is a backend of type "cloud" there: determineInitReason, cloud.ConfigMigrationIn).
  if (found?.kind === 'cloud') {
    throw new CliError('HCP Terraform or Terraform Enterprise initialization required: please run "terraform init"\n\n' +
      `Reason: Changed from backend ${goQuote(recorded.recorded.type)} to HCP Terraform (${where}).\n\n` +
      `Run "terraform init" to move to HCP Terraform, or undo the change. ${nothingDone}`);
  }
  if (found?.kind === 'state_store') {
    throw new CliError('Backend initialization required, please run "terraform state migrate" or "terraform init -reconfigure"\n\n' +
      `Reason: Migrating from backend ${goQuote(recorded.recorded.type)} to state store ${goQuote(found.type)} (${where}).\n\n` +
      `Run "terraform state migrate" to move the state to the state store, or "terraform init -reconfigure" to use it without the state, or undo the change. ${nothingDone}`);
  }
  const block = found && { type: found.type, attributes: decodedWithoutVariables(found.body) };
  const reason = backendChangeReason(block, recorded.recorded);
  if (reason === undefined) return;
  throw new CliError(
    'Backend initialization required, please run "terraform init"\n\n' +
    `Reason: ${reason} (${where}).\n\n` +
    'Changes to backend configurations require reinitialization. Run "terraform init" (OpenTofu: "tofu init") with either the ' +
    `"-reconfigure" or "-migrate-state" flag to use the current configuration, or undo the change. ${nothingDone}`,
  );
}

/** The configuration options common to all commands. */
export interface ConfigOptions {
  readonly backendConfig?: string[];
  readonly chdir?: string;
  readonly stack?: string;
}

/**
 * Builds the backend attributes like Terraform: the stack's outputs (`--stack`); then, in a directory
 * where `terraform init` ran, the configuration it recorded (`.terraform/terraform.tfstate`, or under
 * `TF_DATA_DIR`: the `backend "s3"` block with the `-backend-config` values of `init`), else the
 * `backend "s3"` block of the working directory; then each `-backend-config` in order (later wins).
 */
export async function loadBackendAttributes(opts: ConfigOptions, env: NodeJS.ProcessEnv = process.env): Promise<LoadedConfig> {
  const dir = path.resolve(opts.chdir ?? '.');
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new CliError(`-chdir: "${dir}" is not a directory. Pass the directory holding your Terraform configuration.`, EXIT.USAGE);
  }
  const sources: string[] = [];
  let attrs: BackendAttributes = {};
  if (opts.stack) {
    attrs = mergeAttributes(attrs, await attributesFromStack(opts.stack, env.AWS_REGION ?? env.AWS_DEFAULT_REGION));
    sources.push(`stack ${opts.stack}`);
  }
  // Terraform works from the recorded configuration once initialized (the block is part of it),
  // while the block still says what init recorded.
  const recorded = readRecordedBackend(dataDirPath(dir, env));
  if (recorded) await assertBlockUnchanged(dir, recorded);
  const block = recorded ?? await backendBlockFromDir(dir);
  if (block) {
    attrs = mergeAttributes(attrs, block.attributes);
    sources.push(block.file);
  }
  for (const arg of opts.backendConfig ?? []) {
    const given = await parseBackendConfigArg(arg, dir);
    const nested = /^([a-z_][a-z0-9_]*)\.([a-z_][a-z0-9_]*)=/.exec(arg);
    attrs = nested ? setNested(attrs, nested[1], nested[2], (given[nested[1]] as Record<string, unknown>)[nested[2]]) : mergeAttributes(attrs, given);
    sources.push(`-backend-config ${arg}`);
  }
  assertLiteral(attrs);
  if (sources.length === 0) {
    throw new CliError(
      `No S3 backend configuration found: ${dir} has no configuration file (*.tf, *.tf.json, *.tofu) with a backend "s3" block and was not initialized with one.\n` +
      'Pass -backend-config bucket=... -backend-config key=... (or a file), -chdir DIR, or --stack NAME.',
    );
  }
  return { attributes: attrs, sources };
}
