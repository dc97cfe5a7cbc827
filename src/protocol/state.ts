import { randomBytes } from 'node:crypto';
import { GoJsonValue, GoJsonSyntaxError, compareGoStrings, goFoldKey, goJsonTypeName, marshalGoJson, parseGoJson, sortGoMapKeys } from './go-json';
import { goQuote } from './go-time';
import { EMULATED_TERRAFORM_VERSION } from './lock-info';

/**
 * Terraform's state file (format v4, reading v3 too): parse with Terraform's reader texts, serialise
 * byte-for-byte as Terraform (indented) or OpenTofu (compact) write it, and summarise outputs and
 * resource addresses.
 *
 * @see https://github.com/hashicorp/terraform/tree/main/internal/states/statefile
 */

/** The state format version Terraform ≥ 0.12 writes. */
export const STATE_FORMAT_VERSION = 4;

/** One root module output: `value` is its JSON value, `type` its cty type in JSON form. */
export interface StateOutput {
  readonly value: GoJsonValue;
  readonly type: GoJsonValue;
  /** Omitted (not `false`) in the file when not sensitive. */
  readonly sensitive?: boolean;
}

/**
 * One object of a resource instance (current or deposed). Fields Terraform defines are typed; any
 * other field a newer Terraform wrote (e.g. `identity`) is kept and written back in place.
 */
export interface StateResourceInstance {
  /** `count` index (number) or `for_each` key (string); absent for single instances. */
  readonly index_key?: number | string;
  /** `tainted` when the object is tainted. */
  readonly status?: string;
  /** Deposed object key (create-before-destroy leftovers). */
  readonly deposed?: string;
  readonly schema_version: number;
  readonly attributes?: GoJsonValue;
  readonly attributes_flat?: Record<string, string>;
  readonly [field: string]: unknown;
}

/** One resource block of a v4 state. */
export interface StateResource {
  /** Module address, e.g. `module.a["k"].module.b`; absent for the root module. */
  readonly module?: string;
  /** `managed` or `data`. */
  readonly mode: string;
  readonly type: string;
  readonly name: string;
  /** `list` (count) or `map` (for_each); absent for single resources. */
  readonly each?: string;
  /** Provider configuration address, e.g. `provider["registry.terraform.io/hashicorp/aws"]`. */
  readonly provider: string;
  readonly instances: readonly StateResourceInstance[];
}

/** A state file as Terraform's v4 writer lays it out. Field order here is the file's field order. */
export interface StateFile {
  readonly version: number;
  /** Version of the Terraform (or OpenTofu) that wrote the state. */
  readonly terraform_version: string;
  readonly serial: number;
  readonly lineage: string;
  readonly outputs: Readonly<Record<string, StateOutput>>;
  readonly resources: readonly StateResource[];
  /** `null` when there are none, as Terraform writes it. */
  readonly check_results: readonly GoJsonValue[] | null;
}

/** Summary of the diagnostic Terraform's reader reports for unusable state (always `Unsupported state file format` here). */
export const UNSUPPORTED_STATE_FORMAT = 'Unsupported state file format';

/**
 * A state file that Terraform would refuse to read. `message` is what Terraform prints (its
 * diagnostics joined as Go's `tfdiags` error does); `problems` holds each summary and detail.
 */
export class StateFormatError extends Error {
  /** Each diagnostic: Terraform's summary and detail. */
  public readonly problems: readonly { readonly summary: string; readonly detail: string }[];

  constructor(problems: readonly { summary: string; detail: string }[]) {
    super(formatDiagnosticsAsError(problems));
    this.name = 'StateFormatError';
    this.problems = problems;
  }
}

/** Go `tfdiags` `Diagnostics.Err().Error()`: one problem as `summary: detail`, several as a list. */
function formatDiagnosticsAsError(problems: readonly { summary: string; detail: string }[]): string {
  const one = (p: { summary: string; detail: string }) => (p.detail === '' ? p.summary : `${p.summary}: ${p.detail}`);
  if (problems.length === 1) return one(problems[0]);
  return `${problems.length} problems:\n` + problems.map((p) => `\n- ${one(p)}`).join('');
}

function bytesOf(input: string | Uint8Array): Uint8Array {
  return typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
}

function field(obj: { [k: string]: GoJsonValue }, name: string): GoJsonValue | undefined {
  if (Object.prototype.hasOwnProperty.call(obj, name)) return obj[name];
  const folded = goFoldKey(name);
  let found: GoJsonValue | undefined;
  for (const [k, v] of Object.entries(obj)) {
    if (goFoldKey(k) === folded) found = v;
  }
  return found;
}

const isObject = (v: GoJsonValue | undefined): v is { [k: string]: GoJsonValue } =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function goUint(v: GoJsonValue): string | undefined {
  if (typeof v === 'bigint') return v >= 0n && v <= 18446744073709551615n ? v.toString() : undefined;
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return String(v);
  return undefined;
}

/** Go's `UnmarshalTypeError.Value` text for a value decoded into a uint64. */
function typeErrorValue(v: GoJsonValue): string {
  if (typeof v === 'number' || typeof v === 'bigint') return `number ${String(v)}`;
  return goJsonTypeName(v);
}

/** Loose semantic-version check standing in for hashicorp/go-version's `NewVersion`. */
const GO_VERSION_RE = /^v?([0-9]+(\.[0-9]+)*?)(-([0-9]+[0-9A-Za-z\-~]*(\.[0-9A-Za-z\-~]+)*)|(-?([A-Za-z\-~]+[0-9A-Za-z\-~]*(\.[0-9A-Za-z\-~]+)*)))?(\+([0-9A-Za-z\-~]+(\.[0-9A-Za-z\-~]+)*))?$/;

/**
 * Parses state file bytes as Terraform's `statefile.Read` does.
 *
 * Returns `undefined` for empty input (Terraform's `ErrNoState`: "no state"). Versions 3 and 4 are
 * read; a v3 state is converted to the v4 layout (outputs and resources only, attributes flat).
 *
 * @param terraformVersion the version named in "not supported by Terraform X" texts
 * @throws StateFormatError with Terraform's exact texts, e.g. `Unsupported state file format: The state
 *   file does not have a "version" attribute, which is required to identify the format version.`
 */
export function parseState(input: string | Uint8Array, terraformVersion: string = EMULATED_TERRAFORM_VERSION): StateFile | undefined {
  const bytes = bytesOf(input);
  if (bytes.length === 0) return undefined;
  const problems: { summary: string; detail: string }[] = [];
  const fail = (detail: string) => {
    problems.push({ summary: UNSUPPORTED_STATE_FORMAT, detail });
    return new StateFormatError(problems);
  };
  // Terraform < 0.7 wrote a binary format starting with "tfstate".
  if (Buffer.from(bytes.subarray(0, 7)).toString('latin1') === 'tfstate') {
    throw fail('The state is stored in a legacy binary format that is not supported since Terraform v0.7. To continue, first upgrade the state using Terraform 0.6.16 or earlier.');
  }
  let doc: GoJsonValue | undefined;
  try {
    doc = parseGoJson(bytes);
  } catch (e) {
    if (!(e instanceof GoJsonSyntaxError)) throw e;
    problems.push({ summary: UNSUPPORTED_STATE_FORMAT, detail: `The state file could not be parsed as JSON: syntax error at byte offset ${e.offset}.` });
  }
  let versionValue: GoJsonValue | undefined;
  if (doc !== undefined && doc !== null) {
    if (!isObject(doc)) {
      problems.push({ summary: UNSUPPORTED_STATE_FORMAT, detail: `The version in the state file is ${goJsonTypeName(doc)}. A positive whole number is required.` });
    } else {
      versionValue = field(doc, 'version');
      if (versionValue !== undefined && versionValue !== null && goUint(versionValue) === undefined) {
        problems.push({ summary: UNSUPPORTED_STATE_FORMAT, detail: `The version in the state file is ${typeErrorValue(versionValue)}. A positive whole number is required.` });
        versionValue = undefined;
      }
    }
  }
  if (versionValue === undefined || versionValue === null) {
    throw fail('The state file does not have a "version" attribute, which is required to identify the format version.');
  }
  if (problems.length > 0) throw new StateFormatError(problems);
  const obj = doc as { [k: string]: GoJsonValue };
  const version = goUint(versionValue)!;
  switch (version) {
    case '0':
      throw fail('The state file uses JSON syntax but has a version number of zero. There was never a JSON-based state format zero, so this state file is invalid and cannot be processed.');
    case '1':
    case '2':
      throw fail(`The state file uses format version ${version}, which this library does not read. Run any Terraform command that writes state (for example "terraform apply -refresh-only") to upgrade it to format version 4, then try again.`);
    case '3':
      return readStateV3(obj);
    case '4':
      return readStateV4(obj);
    default: {
      const creator = field(obj, 'terraform_version');
      if (typeof creator === 'string' && GO_VERSION_RE.test(creator)) {
        throw fail(`The state file uses format version ${version}, which is not supported by Terraform ${terraformVersion}. This state file was created by Terraform ${creator}.`);
      }
      throw fail(`The state file uses format version ${version}, which is not supported by Terraform ${terraformVersion}. This state file may have been created by a newer version of Terraform.`);
    }
  }
}

function invalidState(detail: string): StateFormatError {
  return new StateFormatError([{ summary: 'Invalid state file', detail }]);
}

function expectString(obj: { [k: string]: GoJsonValue }, name: string, where: string): string {
  const v = field(obj, name);
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw invalidState(`json: cannot unmarshal ${goJsonTypeName(v)} into Go struct field ${where}.${name} of type string`);
  return v;
}

function expectUint(obj: { [k: string]: GoJsonValue }, name: string, where: string): number {
  const v = field(obj, name);
  if (v === undefined || v === null) return 0;
  const u = goUint(v);
  if (u === undefined) throw invalidState(`json: cannot unmarshal ${typeErrorValue(v)} into Go struct field ${where}.${name} of type uint64`);
  return Number(u);
}

function checkTerraformVersion(v: string): void {
  if (v !== '' && !GO_VERSION_RE.test(v)) {
    throw new StateFormatError([{
      summary: 'Invalid Terraform version string',
      detail: `State file claims to have been written by Terraform version ${goQuote(v)}, which is not a valid version string.`,
    }]);
  }
}

function readStateV4(obj: { [k: string]: GoJsonValue }): StateFile {
  const terraformVersion = expectString(obj, 'terraform_version', 'stateV4');
  checkTerraformVersion(terraformVersion);
  const outputs: Record<string, StateOutput> = {};
  const rawOutputs = field(obj, 'outputs');
  if (rawOutputs !== undefined && rawOutputs !== null) {
    if (!isObject(rawOutputs)) throw invalidState(`json: cannot unmarshal ${goJsonTypeName(rawOutputs)} into Go struct field stateV4.outputs of type map[string]statefile.outputStateV4`);
    for (const [name, o] of Object.entries(rawOutputs)) {
      if (!isObject(o)) throw invalidState(`json: cannot unmarshal ${goJsonTypeName(o)} into Go struct field stateV4.outputs of type statefile.outputStateV4`);
      const sensitive = field(o, 'sensitive');
      if (sensitive !== undefined && sensitive !== null && typeof sensitive !== 'boolean') {
        throw invalidState(`json: cannot unmarshal ${goJsonTypeName(sensitive)} into Go struct field outputStateV4.outputs.sensitive of type bool`);
      }
      const out: StateOutput = {
        value: field(o, 'value') ?? null,
        type: field(o, 'type') ?? null,
        ...(sensitive ? { sensitive: true } : {}),
      };
      Object.defineProperty(outputs, name, { value: out, enumerable: true, writable: true, configurable: true });
    }
  }
  const resources: StateResource[] = [];
  const rawResources = field(obj, 'resources');
  if (rawResources !== undefined && rawResources !== null) {
    if (!Array.isArray(rawResources)) throw invalidState(`json: cannot unmarshal ${goJsonTypeName(rawResources)} into Go struct field stateV4.resources of type []statefile.resourceStateV4`);
    for (const r of rawResources) {
      if (!isObject(r)) throw invalidState(`json: cannot unmarshal ${goJsonTypeName(r)} into Go struct field stateV4.resources of type statefile.resourceStateV4`);
      const mode = expectString(r, 'mode', 'resourceStateV4');
      if (mode !== 'managed' && mode !== 'data') {
        throw invalidState(`State contains a resource with invalid mode ${goQuote(mode)}.`);
      }
      const rawInstances = field(r, 'instances');
      const instances: StateResourceInstance[] = [];
      if (Array.isArray(rawInstances)) {
        for (const i of rawInstances) {
          if (!isObject(i)) throw invalidState(`json: cannot unmarshal ${goJsonTypeName(i)} into Go struct field resourceStateV4.resources.instances of type statefile.instanceObjectStateV4`);
          const idx = field(i, 'index_key');
          if (idx !== undefined && idx !== null && typeof idx !== 'string' && !(typeof idx === 'number' && Number.isInteger(idx))) {
            throw invalidState(`State contains an instance of ${expectString(r, 'type', 'resourceStateV4')}.${expectString(r, 'name', 'resourceStateV4')} with an invalid index key.`);
          }
          instances.push(i as unknown as StateResourceInstance);
        }
      }
      const module = expectString(r, 'module', 'resourceStateV4');
      const each = expectString(r, 'each', 'resourceStateV4');
      resources.push({
        ...(module ? { module } : {}),
        mode,
        type: expectString(r, 'type', 'resourceStateV4'),
        name: expectString(r, 'name', 'resourceStateV4'),
        ...(each ? { each } : {}),
        provider: expectString(r, 'provider', 'resourceStateV4'),
        instances,
      });
    }
  }
  const checks = field(obj, 'check_results');
  return {
    version: 4,
    terraform_version: terraformVersion,
    serial: expectUint(obj, 'serial', 'stateV4'),
    lineage: expectString(obj, 'lineage', 'stateV4'),
    outputs,
    resources,
    check_results: Array.isArray(checks) && checks.length > 0 ? checks : null,
  };
}

/** Terraform's v3 → v4 reading of outputs and resources (attributes stay flat, as v3 stored them). */
function readStateV3(obj: { [k: string]: GoJsonValue }): StateFile {
  const terraformVersion = expectString(obj, 'terraform_version', 'stateV3');
  checkTerraformVersion(terraformVersion);
  const outputs: Record<string, StateOutput> = {};
  const resources: StateResource[] = [];
  const modules = field(obj, 'modules');
  for (const m of Array.isArray(modules) ? modules : []) {
    if (!isObject(m)) continue;
    const path = field(m, 'path');
    const steps = Array.isArray(path) ? path.filter((p): p is string => typeof p === 'string') : ['root'];
    const module = steps.slice(1).map((s) => `module.${s}`).join('.');
    const rawOutputs = field(m, 'outputs');
    if (module === '' && isObject(rawOutputs)) {
      for (const [name, o] of Object.entries(rawOutputs)) {
        if (!isObject(o)) continue;
        const v3type = field(o, 'type');
        const value = field(o, 'value') ?? null;
        const out: StateOutput = { value, type: v3OutputType(v3type, value), ...(field(o, 'sensitive') === true ? { sensitive: true } : {}) };
        Object.defineProperty(outputs, name, { value: out, enumerable: true, writable: true, configurable: true });
      }
    }
    const rawResources = field(m, 'resources');
    if (!isObject(rawResources)) continue;
    const byResource = new Map<string, V3Resource>();
    for (const [key, r] of Object.entries(rawResources)) {
      if (!isObject(r)) continue;
      const parsed = parseV3ResourceKey(key);
      if (!parsed) continue;
      const id = `${parsed.mode}.${parsed.type}.${parsed.name}`;
      let entry = byResource.get(id);
      if (!entry) {
        const provider = typeof field(r, 'provider') === 'string' ? (field(r, 'provider') as string) : '';
        entry = { mode: parsed.mode, type: parsed.type, name: parsed.name, provider, instances: [], counted: false };
        byResource.set(id, entry);
      }
      const primary = field(r, 'primary');
      const attrs = isObject(primary) && isObject(field(primary, 'attributes')) ? (field(primary, 'attributes') as Record<string, string>) : {};
      entry.counted ||= parsed.index !== undefined;
      entry.instances.push({
        ...(parsed.index !== undefined ? { index_key: parsed.index } : {}),
        schema_version: 0,
        attributes_flat: attrs,
      });
    }
    for (const e of byResource.values()) {
      resources.push({
        ...(module ? { module } : {}),
        mode: e.mode,
        type: e.type,
        name: e.name,
        ...(e.counted ? { each: 'list' } : {}),
        provider: e.provider,
        instances: e.instances,
      });
    }
  }
  return {
    version: 3,
    terraform_version: terraformVersion,
    serial: expectUint(obj, 'serial', 'stateV3'),
    lineage: expectString(obj, 'lineage', 'stateV3'),
    outputs,
    resources,
    check_results: null,
  };
}

interface V3Resource {
  mode: string;
  type: string;
  name: string;
  provider: string;
  instances: StateResourceInstance[];
  counted: boolean;
}

function v3OutputType(t: GoJsonValue | undefined, value: GoJsonValue): GoJsonValue {
  // v3 only said "string", "list" or "map"; Terraform's upgrade infers element types, we approximate.
  if (t === 'list') return ['list', 'string'];
  if (t === 'map') return ['map', 'string'];
  if (t === 'string' || typeof value === 'string') return 'string';
  return 'dynamic';
}

function parseV3ResourceKey(key: string): { mode: string; type: string; name: string; index?: number } | undefined {
  const parts = key.split('.');
  let mode = 'managed';
  if (parts[0] === 'data') {
    mode = 'data';
    parts.shift();
  }
  if (parts.length < 2 || parts.length > 3) return undefined;
  const [type, name, idx] = parts;
  if (idx !== undefined && !/^\d+$/.test(idx)) return undefined;
  return { mode, type, name, ...(idx !== undefined ? { index: Number(idx) } : {}) };
}

/** Options of {@link newEmptyState}. */
export interface NewEmptyStateOptions {
  /** @default - a new random lineage */
  readonly lineage?: string;
  /** @default 1 (what Terraform writes when it creates a workspace) */
  readonly serial?: number;
  /** @default EMULATED_TERRAFORM_VERSION */
  readonly terraformVersion?: string;
}

/** A new lineage as Terraform makes it (`uuid.GenerateUUID`: 16 random bytes, `8-4-4-4-12` hex). */
export function newLineage(): string {
  const h = randomBytes(16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** An empty v4 state: no outputs, no resources, as written when a workspace is created. */
export function newEmptyState(options: NewEmptyStateOptions = {}): StateFile {
  return {
    version: 4,
    terraform_version: options.terraformVersion ?? EMULATED_TERRAFORM_VERSION,
    serial: options.serial ?? 1,
    lineage: options.lineage ?? newLineage(),
    outputs: {},
    resources: [],
    check_results: null,
  };
}

const INSTANCE_ORDER = [
  'index_key', 'status', 'deposed', 'schema_version', 'attributes', 'attributes_flat', 'sensitive_attributes',
  'identity_schema_version', 'identity', 'private', 'dependencies', 'create_before_destroy',
];

function instanceForWrite(i: StateResourceInstance): Record<string, unknown> {
  // Keep the order the instance came in (a Terraform writer's order, possibly newer than ours); build
  // a Terraform-ordered object only for instances made here.
  const keys = Object.keys(i);
  const known = keys.filter((k) => INSTANCE_ORDER.includes(k));
  const sortedKnown = [...known].sort((a, b) => INSTANCE_ORDER.indexOf(a) - INSTANCE_ORDER.indexOf(b));
  const inOrder = known.every((k, n) => k === sortedKnown[n]);
  const order = inOrder ? keys : [...sortedKnown, ...keys.filter((k) => !INSTANCE_ORDER.includes(k))];
  const out: Record<string, unknown> = {};
  for (const k of order) {
    const v = i[k];
    // Go's omitempty on these fields.
    if (['index_key', 'status', 'deposed', 'private'].includes(k) && (v === '' || v === null || v === undefined)) continue;
    if (k === 'create_before_destroy' && v !== true) continue;
    if (k === 'attributes_flat' && (v === null || v === undefined || (typeof v === 'object' && Object.keys(v as object).length === 0))) continue;
    if (k === 'attributes_flat') {
      out[k] = sortGoMapKeys(v as Record<string, string>);
      continue;
    }
    if (k === 'dependencies' && (!Array.isArray(v) || v.length === 0)) continue;
    out[k] = v;
  }
  if (out.schema_version === undefined) {
    // Always present in Terraform's output (uint64 without omitempty).
    const ordered: Record<string, unknown> = {};
    for (const k of Object.keys(out)) {
      if (INSTANCE_ORDER.indexOf(k) > INSTANCE_ORDER.indexOf('schema_version') && ordered.schema_version === undefined) ordered.schema_version = 0;
      ordered[k] = out[k];
    }
    if (ordered.schema_version === undefined) ordered.schema_version = 0;
    return ordered;
  }
  return out;
}

function compareIndexKeys(a: StateResourceInstance, b: StateResourceInstance): number {
  const ka = a.index_key;
  const kb = b.index_key;
  if (ka !== kb) {
    if ((ka === undefined) !== (kb === undefined)) return ka === undefined ? -1 : 1;
    if (typeof ka === 'number') return typeof kb === 'number' ? ka - kb : -1;
    if (typeof ka === 'string') return typeof kb === 'string' ? compareGoStrings(ka, kb) : 1;
  }
  return compareGoStrings(a.deposed ?? '', b.deposed ?? '');
}

function stateForWrite(state: StateFile): Record<string, unknown> {
  const outputs: Record<string, unknown> = {};
  for (const [name, o] of Object.entries(sortGoMapKeys(state.outputs))) {
    Object.defineProperty(outputs, name, {
      value: { value: o.value, type: o.type, ...(o.sensitive ? { sensitive: true } : {}) },
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  const key = (r: StateResource) => [r.module ?? '', r.mode, r.type, r.name];
  const resources = [...state.resources]
    .map((r, n) => ({ r, n }))
    .sort((x, y) => {
      const kx = key(x.r);
      const ky = key(y.r);
      for (let k = 0; k < kx.length; k++) {
        const c = compareGoStrings(kx[k], ky[k]);
        if (c !== 0) return c;
      }
      return x.n - y.n;
    })
    .map(({ r }) => ({
      module: r.module || undefined,
      mode: r.mode,
      type: r.type,
      name: r.name,
      each: r.each || undefined,
      provider: r.provider,
      instances: [...r.instances].map((i, n) => ({ i, n }))
        .sort((x, y) => compareIndexKeys(x.i, y.i) || x.n - y.n)
        .map(({ i }) => instanceForWrite(i)),
    }));
  return {
    version: 4,
    terraform_version: state.terraform_version,
    serial: state.serial,
    lineage: state.lineage,
    outputs,
    resources,
    check_results: state.check_results && state.check_results.length > 0 ? state.check_results : null,
  };
}

/**
 * The bytes Terraform writes for a state: `json.MarshalIndent(stateV4, "", "  ")` plus `"\n"`, with
 * resources and instances sorted as Terraform normalises them, output names sorted (a Go map), numbers
 * in cty's plain-decimal form, and Go's HTML escaping of `<>&` inside strings. Always writes format 4.
 */
export function serializeStateTerraform(state: StateFile): Buffer {
  return Buffer.from(marshalGoJson(stateForWrite(state), { indent: '  ', numberStyle: 'cty' }) + '\n', 'utf8');
}

/** The bytes OpenTofu ≥ 1.8 writes for remote state: compact `json.Marshal` plus `"\n"`. */
export function serializeStateTofu(state: StateFile): Buffer {
  return Buffer.from(marshalGoJson(stateForWrite(state), { numberStyle: 'cty' }) + '\n', 'utf8');
}

/** An output as `terraform_remote_state` and `terraform output -json` expose it. */
export interface OutputValue {
  readonly value: GoJsonValue;
  readonly type: GoJsonValue;
  readonly sensitive: boolean;
}

/** The root module outputs: `{ name: { value, type, sensitive } }`, names in Go's sorted order. */
export function readOutputs(state: StateFile): Record<string, OutputValue> {
  const out: Record<string, OutputValue> = {};
  for (const [name, o] of Object.entries(sortGoMapKeys(state.outputs))) {
    Object.defineProperty(out, name, {
      value: { value: o.value, type: o.type, sensitive: o.sensitive === true },
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

/** One resource instance object with its Terraform address. */
export interface ResourceInstanceSummary {
  /** Terraform address, e.g. `module.a.aws_instance.b["k"]`, `data.x.y[0]`. */
  readonly address: string;
  readonly module: string;
  readonly mode: string;
  readonly type: string;
  readonly name: string;
  readonly indexKey?: number | string;
  readonly provider: string;
  /** Deposed object key, for objects left by create-before-destroy. */
  readonly deposed?: string;
  readonly tainted: boolean;
  readonly instance: StateResourceInstance;
}

/** Terraform's instance key text: `[0]` or `["key"]` (Go `%q` quoting). */
export function formatInstanceKey(key: number | string | undefined): string {
  if (key === undefined) return '';
  return typeof key === 'number' ? `[${key}]` : `[${goQuote(key)}]`;
}

/** Every resource instance object of the state with its address, in the file's order. */
export function resourceInstances(state: StateFile): ResourceInstanceSummary[] {
  const out: ResourceInstanceSummary[] = [];
  for (const r of state.resources) {
    const module = r.module ?? '';
    const base = `${module ? module + '.' : ''}${r.mode === 'data' ? 'data.' : ''}${r.type}.${r.name}`;
    for (const i of r.instances) {
      out.push({
        address: base + formatInstanceKey(i.index_key),
        module,
        mode: r.mode,
        type: r.type,
        name: r.name,
        ...(i.index_key !== undefined ? { indexKey: i.index_key } : {}),
        provider: r.provider,
        ...(i.deposed ? { deposed: i.deposed } : {}),
        tainted: i.status === 'tainted',
        instance: i,
      });
    }
  }
  return out;
}

/** The distinct resource instance addresses in the state (what `terraform state list` prints), sorted. */
export function resourceAddresses(state: StateFile): string[] {
  const set = new Set(resourceInstances(state).map((s) => s.address));
  return [...set].sort(compareGoStrings);
}

/**
 * True when the state has no resources and no root outputs (Terraform's `State.Empty()`). A resource
 * entry without instances still counts: Terraform's reader creates the resource for it.
 */
export function isStateEmpty(state: StateFile | undefined): boolean {
  if (!state) return true;
  return Object.keys(state.outputs).length === 0 && state.resources.length === 0;
}

/**
 * Terraform's `statefile.StatesMarshalEqual`: the two states serialise to the same bytes once serial,
 * lineage and writer version are blanked, i.e. same outputs, resources and check results.
 */
export function statesMarshalEqual(a: StateFile, b: StateFile): boolean {
  const blank = (s: StateFile): StateFile => ({ ...s, serial: 0, lineage: '', terraform_version: '' });
  return serializeStateTerraform(blank(a)).equals(serializeStateTerraform(blank(b)));
}
