import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { CliError, EXIT } from './output';

/** S3 backend attributes as Terraform names them; values as HCL gives them (string, boolean, number, object). */
export type BackendAttributes = Record<string, unknown>;

/** Where each part of the configuration came from, for error messages. */
export interface LoadedConfig {
  readonly attributes: BackendAttributes;
  readonly sources: string[];
}

/** Attributes whose `-backend-config KEY=VALUE` string is converted to a boolean, as Terraform does. */
const BOOL_ATTRIBUTES = new Set([
  'encrypt', 'use_lockfile', 'use_path_style', 'force_path_style', 'skip_credentials_validation',
  'skip_region_validation', 'skip_requesting_account_id', 'skip_metadata_api_check', 'skip_s3_checksum',
  'use_dualstack_endpoint', 'use_fips_endpoint', 'insecure', 'use_legacy_workflow',
]);

/** Attributes converted to a number. */
const NUMBER_ATTRIBUTES = new Set(['max_retries']);

async function hclParse(file: string, text: string): Promise<any> {
  // Loaded lazily: the WebAssembly parser costs ~100 ms and most commands never need it.
  const { parse } = await import('@cdktf/hcl2json');
  try {
    return await parse(file, text);
  } catch (e) {
    throw new CliError(`Cannot parse ${file} as HCL: ${(e as Error).message}\nFix the syntax error in the file.`);
  }
}

/** Converts a `KEY=VALUE` string to the attribute's type, with Terraform's error when it cannot. */
function convertValue(key: string, raw: string): unknown {
  if (BOOL_ATTRIBUTES.has(key)) {
    if (raw === 'true' || raw === '1') return true;
    if (raw === 'false' || raw === '0') return false;
    throw new CliError(`Invalid backend configuration value for "${key}": a bool is required, got "${raw}". Use ${key}=true or ${key}=false.`, EXIT.USAGE);
  }
  if (NUMBER_ATTRIBUTES.has(key)) {
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n)) {
      throw new CliError(`Invalid backend configuration value for "${key}": a number is required, got "${raw}".`, EXIT.USAGE);
    }
    return n;
  }
  return raw;
}

/** hcl2json gives blocks as arrays of objects; the S3 backend's nested objects are single. */
function flattenBlocks(attrs: Record<string, unknown>): BackendAttributes {
  const out: BackendAttributes = {};
  for (const [k, v] of Object.entries(attrs)) {
    out[k] = Array.isArray(v) && v.length === 1 && typeof v[0] === 'object' && v[0] !== null ? v[0] : v;
  }
  return out;
}

/**
 * Reads the `backend "s3"` block from the `*.tf` files of `dir`. Returns `undefined` when no file
 * declares a backend; fails when the backend is not `s3` or is declared twice.
 */
export async function backendBlockFromDir(dir: string): Promise<{ attributes: BackendAttributes; file: string } | undefined> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new CliError(`-chdir: "${dir}" is not a directory. Pass the directory holding your Terraform configuration.`, EXIT.USAGE);
  }
  let found: { attributes: BackendAttributes; file: string } | undefined;
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.tf')).sort()) {
    const file = path.join(dir, name);
    const parsed = await hclParse(file, readFileSync(file, 'utf8'));
    for (const tf of parsed.terraform ?? []) {
      for (const [type, blocks] of Object.entries(tf.backend ?? {})) {
        if (type !== 's3') {
          throw new CliError(`${file}: the configuration uses a "${type}" backend; tfstate only works with the "s3" backend.`);
        }
        if (found) {
          throw new CliError(`Duplicate backend configuration: ${found.file} and ${file} both declare a backend block. Keep one.`);
        }
        found = { attributes: flattenBlocks((blocks as any[])[0] ?? {}), file };
      }
    }
  }
  return found;
}

/** Parses one `-backend-config` argument: `KEY=VALUE` or a path to an HCL file of attributes. */
export async function parseBackendConfigArg(arg: string, cwd: string): Promise<BackendAttributes> {
  const eq = arg.indexOf('=');
  const asFile = path.resolve(cwd, arg);
  if (eq > 0 && /^[a-z_][a-z0-9_.]*$/.test(arg.slice(0, eq))) {
    const key = arg.slice(0, eq);
    const value = convertValue(key.split('.').pop()!, arg.slice(eq + 1));
    if (key.includes('.')) {
      // `assume_role.role_arn=...` sets one attribute of a nested object.
      const [outer, inner] = key.split('.', 2);
      return { [outer]: { [inner]: value } };
    }
    return { [key]: value };
  }
  if (!existsSync(asFile)) {
    throw new CliError(
      `-backend-config "${arg}" is neither KEY=VALUE nor an existing file.\n` +
      'Pass -backend-config key=value (e.g. -backend-config bucket=my-state) or the path of an HCL file of backend attributes.',
      EXIT.USAGE,
    );
  }
  const parsed = await hclParse(asFile, readFileSync(asFile, 'utf8'));
  return flattenBlocks(parsed);
}

/** Merges `b` over `a`; nested objects (assume_role, endpoints) are merged one level deep. */
export function mergeAttributes(a: BackendAttributes, b: BackendAttributes): BackendAttributes {
  const out: BackendAttributes = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    if (isPlainObject(prev) && isPlainObject(v)) {
      out[k] = { ...prev, ...v };
    } else {
      out[k] = v;
    }
  }
  return out;
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** A CloudFormation stack output. */
export interface StackOutput {
  readonly OutputKey?: string;
  readonly OutputValue?: string;
}

/**
 * Maps a deployed StateBackend's stack outputs to backend attributes. Outputs are matched by the
 * end of their key (CDK appends a hash to logical IDs): `...BucketName`, `...Region`,
 * `...KmsKeyArn`/`...EncryptionKeyArn`, `...LockTableName`, `...WorkspaceKeyPrefix`, `...LockingMode`,
 * `...RoleArn`. An output holding a rendered JSON backend configuration is used as a whole.
 */
export function attributesFromStackOutputs(outputs: readonly StackOutput[]): BackendAttributes {
  let attrs: BackendAttributes = {};
  let lockingMode: string | undefined;
  for (const o of outputs) {
    const k = (o.OutputKey ?? '').toLowerCase();
    const v = o.OutputValue ?? '';
    if (v.trim().startsWith('{')) {
      try {
        const parsed = JSON.parse(v);
        if (isPlainObject(parsed) && typeof parsed.bucket === 'string') {
          attrs = mergeAttributes(attrs, parsed);
          continue;
        }
      } catch {
        // Not a JSON snippet: fall through to the name rules.
      }
    }
    if (/bucketname\w*$/.test(k) || /^bucket$/.test(k)) attrs.bucket = v;
    else if (/region\w*$/.test(k)) attrs.region = v;
    else if (/(kmskey|encryptionkey)(arn|id)\w*$/.test(k)) attrs.kms_key_id = v;
    else if (/(locktable|table)name\w*$/.test(k)) attrs.dynamodb_table = v;
    else if (/workspacekeyprefix\w*$/.test(k)) attrs.workspace_key_prefix = v;
    else if (/lockingmode\w*$/.test(k)) lockingMode = v.toUpperCase();
    else if (/rolearn\w*$/.test(k)) attrs.assume_role = { role_arn: v };
  }
  if (attrs.kms_key_id !== undefined && attrs.encrypt === undefined) attrs.encrypt = true;
  if (lockingMode === 'S3_LOCKFILE') {
    attrs.use_lockfile = true;
    delete attrs.dynamodb_table;
  } else if (lockingMode === 'DYNAMODB') {
    delete attrs.use_lockfile;
  } else if (lockingMode === 'BOTH' || lockingMode === undefined) {
    attrs.use_lockfile = attrs.use_lockfile ?? true;
  }
  return attrs;
}

async function attributesFromStack(stackName: string, region: string | undefined): Promise<BackendAttributes> {
  const { CloudFormationClient, DescribeStacksCommand } = await import('@aws-sdk/client-cloudformation');
  const cfn = new CloudFormationClient(region ? { region } : {});
  try {
    const res = await cfn.send(new DescribeStacksCommand({ StackName: stackName }));
    const stack = res.Stacks?.[0];
    if (!stack) throw new CliError(`Stack "${stackName}" was not found. Check the name and the region (AWS_REGION).`);
    const attrs = attributesFromStackOutputs(stack.Outputs ?? []);
    if (attrs.bucket === undefined) {
      throw new CliError(`Stack "${stackName}" has no output naming the state bucket. Is it a StateBackend stack? Pass -backend-config bucket=NAME instead.`);
    }
    return attrs;
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(`Cannot read the outputs of stack "${stackName}": ${(e as Error).message}\nCheck the stack name, region and credentials.`);
  } finally {
    cfn.destroy();
  }
}

/** The configuration options common to all commands. */
export interface ConfigOptions {
  readonly backendConfig?: string[];
  readonly chdir?: string;
  readonly stack?: string;
}

/**
 * Builds the backend attributes like `terraform init`: the stack's outputs (`--stack`), then the
 * `backend "s3"` block of the working directory, then each `-backend-config` in order (later wins).
 */
export async function loadBackendAttributes(opts: ConfigOptions, env: NodeJS.ProcessEnv = process.env): Promise<LoadedConfig> {
  const dir = path.resolve(opts.chdir ?? '.');
  const sources: string[] = [];
  let attrs: BackendAttributes = {};
  if (opts.stack) {
    attrs = mergeAttributes(attrs, await attributesFromStack(opts.stack, env.AWS_REGION ?? env.AWS_DEFAULT_REGION));
    sources.push(`stack ${opts.stack}`);
  }
  const block = await backendBlockFromDir(dir);
  if (block) {
    attrs = mergeAttributes(attrs, block.attributes);
    sources.push(block.file);
  }
  for (const arg of opts.backendConfig ?? []) {
    attrs = mergeAttributes(attrs, await parseBackendConfigArg(arg, dir));
    sources.push(`-backend-config ${arg}`);
  }
  if (sources.length === 0) {
    throw new CliError(
      `No S3 backend configuration found: ${dir} has no *.tf file with a backend "s3" block.\n` +
      'Pass -backend-config bucket=... -backend-config key=... (or a file), -chdir DIR, or --stack NAME.',
    );
  }
  return { attributes: attrs, sources };
}
