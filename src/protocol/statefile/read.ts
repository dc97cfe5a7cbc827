import { type EncryptedStateEnvelope, envelopeOf } from '../encrypted-state';
import { GoJsonValue, GoJsonSyntaxError, goFoldKey, goJsonTypeName, parseGoJson } from '../go-json';
import { goQuote } from '../go-time';
import { EMULATED_TERRAFORM_VERSION } from '../lock-info';
import { StateFlavor } from './addrs';
import { StateFile } from './model';
import { prepareStateV4 } from './prepare';
import { RawJson, compactRaw } from './raw-json';
import { upgradeToV4 } from './upgrade-v1-v3';

/**
 * Terraform's `statefile.Read`: version sniffing with Terraform's texts, then format 1 to 3 upgraded
 * (`upgrade-v1-v3.ts`) or format 4 decoded into Go's `stateV4` struct (this file), then prepared
 * into the in-memory state (`prepare.ts`) exactly as Terraform's `prepareStateV4` would.
 *
 * @see https://github.com/hashicorp/terraform/blob/main/internal/states/statefile/read.go
 */

/** Summary of the diagnostic Terraform's reader reports for unusable state. */
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

function formatDiagnosticsAsError(problems: readonly { summary: string; detail: string }[]): string {
  const one = (p: { summary: string; detail: string }) => (p.detail === '' ? p.summary : `${p.summary}: ${p.detail}`);
  if (problems.length === 1) return one(problems[0]);
  return `${problems.length} problems:\n` + problems.map((p) => `\n- ${one(p)}`).join('');
}

/** One diagnostic as an error. */
export function stateError(summary: string, detail: string): StateFormatError {
  return new StateFormatError([{ summary, detail }]);
}

/** Go `json.Unmarshal` type errors, as `jsonUnmarshalDiags` reports them. */
export function invalidState(detail: string): StateFormatError {
  return stateError('Invalid state file', detail);
}

export type JsonObject = { [k: string]: GoJsonValue };

export const isObject = (v: GoJsonValue | undefined): v is JsonObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The member Go's decoder would pick for struct field `name`: exact, else the last case-folded match. */
export function fieldKey(obj: JsonObject, name: string): string | undefined {
  if (Object.prototype.hasOwnProperty.call(obj, name)) return name;
  const folded = goFoldKey(name);
  let found: string | undefined;
  for (const k of Object.keys(obj)) if (goFoldKey(k) === folded) found = k;
  return found;
}

export function field(obj: JsonObject, name: string): GoJsonValue | undefined {
  const k = fieldKey(obj, name);
  return k === undefined ? undefined : obj[k];
}

function goUint(v: GoJsonValue): string | undefined {
  if (typeof v === 'bigint') return v >= 0n && v <= 18446744073709551615n ? v.toString() : undefined;
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return String(v);
  return undefined;
}

function typeErrorValue(v: GoJsonValue): string {
  if (typeof v === 'number' || typeof v === 'bigint') return `number ${String(v)}`;
  return goJsonTypeName(v);
}

/** Loose semantic-version check standing in for hashicorp/go-version's `NewVersion`. */
const GO_VERSION_RE = /^v?([0-9]+(\.[0-9]+)*?)(-([0-9]+[0-9A-Za-z\-~]*(\.[0-9A-Za-z\-~]+)*)|(-?([A-Za-z\-~]+[0-9A-Za-z\-~]*(\.[0-9A-Za-z\-~]+)*)))?(\+([0-9A-Za-z\-~]+(\.[0-9A-Za-z\-~]+)*))?$/;

/** Go's decoding of one struct field, with Go's type error texts. */
export class Decoder {
  constructor(private readonly bytes: Uint8Array, private readonly spans: WeakMap<object, Map<string, readonly [number, number]>>) {}

  public str(obj: JsonObject, name: string, where: string): string {
    const v = field(obj, name);
    if (v === undefined || v === null) return '';
    if (typeof v !== 'string') throw invalidState(`json: cannot unmarshal ${goJsonTypeName(v)} into Go struct field ${where}.${name} of type string`);
    return v;
  }

  public uint(obj: JsonObject, name: string, where: string): number {
    const v = field(obj, name);
    if (v === undefined || v === null) return 0;
    const u = goUint(v);
    if (u === undefined) throw invalidState(`json: cannot unmarshal ${typeErrorValue(v)} into Go struct field ${where}.${name} of type uint64`);
    return Number(u);
  }

  public bool(obj: JsonObject, name: string, where: string): boolean {
    const v = field(obj, name);
    if (v === undefined || v === null) return false;
    if (typeof v !== 'boolean') throw invalidState(`json: cannot unmarshal ${goJsonTypeName(v)} into Go struct field ${where}.${name} of type bool`);
    return v;
  }

  public strList(obj: JsonObject, name: string, where: string): string[] {
    const v = field(obj, name);
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) throw invalidState(`json: cannot unmarshal ${goJsonTypeName(v)} into Go struct field ${where}.${name} of type []string`);
    return v.map((x) => {
      if (x !== null && typeof x !== 'string') throw invalidState(`json: cannot unmarshal ${goJsonTypeName(x)} into Go struct field ${where}.${name} of type string`);
      return x ?? '';
    });
  }

  /** `map[string]string`: `undefined` when absent or null (Go's nil map). */
  public strMap(obj: JsonObject, name: string, where: string): Record<string, string> | undefined {
    const v = field(obj, name);
    if (v === undefined || v === null) return undefined;
    if (!isObject(v)) throw invalidState(`json: cannot unmarshal ${goJsonTypeName(v)} into Go struct field ${where}.${name} of type map[string]string`);
    const out: Record<string, string> = {};
    for (const [k, x] of Object.entries(v)) {
      if (x !== null && typeof x !== 'string') throw invalidState(`json: cannot unmarshal ${goJsonTypeName(x)} into Go struct field ${where}.${name} of type string`);
      Object.defineProperty(out, k, { value: x ?? '', enumerable: true, writable: true, configurable: true });
    }
    return out;
  }

  /** A `json.RawMessage` member: its parsed value and its bytes, `undefined` when absent. */
  public raw(obj: JsonObject, name: string): { value: GoJsonValue; raw: RawJson } | undefined {
    const k = fieldKey(obj, name);
    if (k === undefined) return undefined;
    const span = this.spans.get(obj)?.get(k);
    if (!span) throw new Error(`internal: no byte span recorded for ${name}`);
    return { value: obj[k], raw: compactRaw(this.bytes, span[0], span[1]) };
  }

  /** A `[]byte` member (base64 with padding, as Go's `StdEncoding`); `undefined` when absent or null. */
  public bytesField(obj: JsonObject, name: string, where: string): Buffer | undefined {
    const v = field(obj, name);
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') throw invalidState(`json: cannot unmarshal ${goJsonTypeName(v)} into Go struct field ${where}.${name} of type []uint8`);
    const clean = v.replace(/[\r\n]/g, '');
    if (clean.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(clean)) throw invalidState(`illegal base64 data in ${where}.${name}`);
    return Buffer.from(clean, 'base64');
  }
}

/** Options of {@link parseState}. */
export interface ParseStateOptions {
  /** The version named in "not supported by Terraform X" texts. @default EMULATED_TERRAFORM_VERSION */
  readonly terraformVersion?: string;
  /**
   * Whose reader to follow. @default - OpenTofu when the file is compact JSON (OpenTofu's remote state
   * writer; Terraform always indents) or carries a field only OpenTofu writes (`deprecated` outputs,
   * per-instance `provider`, `skip_destroy`); Terraform otherwise
   */
  readonly flavor?: StateFlavor;
}

/**
 * Parses state file bytes as Terraform's `statefile.Read` does (OpenTofu's for OpenTofu states).
 * Returns `undefined` for empty input (Terraform's `ErrNoState`). Formats 1 to 3 are upgraded as
 * Terraform upgrades them; `version` in the result names the format that was read.
 *
 * @param options the Terraform version for error texts (a string, as before), or {@link ParseStateOptions}
 * @throws StateFormatError with Terraform's texts, e.g. `Unsupported state file format: The state
 *   file does not have a "version" attribute, which is required to identify the format version.`
 */
export function parseState(input: string | Uint8Array, options: string | ParseStateOptions = {}): StateFile | undefined {
  return read(input, options, false).state;
}

/** What {@link readStateOrEnvelope} found: an OpenTofu encryption envelope, or the state (`undefined` for empty input). */
export type StateOrEnvelope =
  | { readonly envelope: EncryptedStateEnvelope; readonly state?: undefined }
  | { readonly envelope?: undefined; readonly state: StateFile | undefined };

/**
 * `detectEncryptedState` and then {@link parseState}, on one JSON parse: an envelope when the
 * document is OpenTofu's (a JSON object with a non-empty string `encryption_version`, as OpenTofu's
 * decrypt step tells them apart), else the state exactly as {@link parseState} reads it, with its errors.
 *
 * @throws UnsupportedEncryptionVersionError for an envelope of another version; StateFormatError as {@link parseState}
 */
export function readStateOrEnvelope(input: string | Uint8Array, options: string | ParseStateOptions = {}): StateOrEnvelope {
  return read(input, options, true);
}

function read(input: string | Uint8Array, options: string | ParseStateOptions, envelopes: boolean): StateOrEnvelope {
  const opts: ParseStateOptions = typeof options === 'string' ? { terraformVersion: options } : options;
  const terraformVersion = opts.terraformVersion ?? EMULATED_TERRAFORM_VERSION;
  const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  if (bytes.length === 0) return { state: undefined };
  const problems: { summary: string; detail: string }[] = [];
  const fail = (detail: string) => {
    problems.push({ summary: UNSUPPORTED_STATE_FORMAT, detail });
    return new StateFormatError(problems);
  };
  if (Buffer.from(bytes.subarray(0, 7)).toString('latin1') === 'tfstate') {
    throw fail('The state is stored in a legacy binary format that is not supported since Terraform v0.7. To continue, first upgrade the state using Terraform 0.6.16 or earlier.');
  }
  const spans = new WeakMap<object, Map<string, readonly [number, number]>>();
  let doc: GoJsonValue | undefined;
  try {
    doc = parseGoJson(bytes, { spans, spanDepth: 4 });
  } catch (e) {
    if (!(e instanceof GoJsonSyntaxError)) throw e;
    problems.push({ summary: UNSUPPORTED_STATE_FORMAT, detail: `The state file could not be parsed as JSON: syntax error at byte offset ${e.offset}.` });
  }
  if (envelopes && doc !== undefined) {
    const detected = envelopeOf(doc);
    if (detected.encrypted) return { envelope: detected.envelope };
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
  const obj = doc as JsonObject;
  const version = Number(goUint(versionValue)!);
  if (version === 0) {
    throw fail('The state file uses JSON syntax but has a version number of zero. There was never a JSON-based state format zero, so this state file is invalid and cannot be processed.');
  }
  if (version > 4) {
    const creator = field(obj, 'terraform_version');
    if (typeof creator === 'string' && GO_VERSION_RE.test(creator)) {
      throw fail(`The state file uses format version ${version}, which is not supported by Terraform ${terraformVersion}. This state file was created by Terraform ${creator}.`);
    }
    throw fail(`The state file uses format version ${versionValue}, which is not supported by Terraform ${terraformVersion}. This state file may have been created by a newer version of Terraform.`);
  }
  const decoder = new Decoder(bytes, spans);
  const sv4 = version === 4 ? decodeStateV4(obj, decoder) : upgradeToV4(obj, version, decoder);
  if (sv4.terraform_version !== '' && !GO_VERSION_RE.test(sv4.terraform_version)) {
    throw stateError('Invalid Terraform version string', `State file claims to have been written by Terraform version ${goQuote(sv4.terraform_version)}, which is not a valid version string.`);
  }
  const flavor = opts.flavor ?? (version === 4 && looksLikeOpenTofu(bytes, sv4) ? 'opentofu' : 'terraform');
  return { state: prepareStateV4(sv4, version, flavor) };
}

function looksLikeOpenTofu(bytes: Uint8Array, sv4: StateV4): boolean {
  const nl = bytes.indexOf(0x0a);
  if (nl === -1 || nl === bytes.length - 1) return true;
  if (sv4.outputs.some(([, o]) => o.deprecated !== '')) return true;
  return sv4.resources.some((r) => r.instances.some((i) => i.provider !== '' || i.skip_destroy));
}

/** Go's `instanceObjectStateV4` (Terraform's and OpenTofu's fields). */
export interface InstanceV4 {
  readonly index_key: GoJsonValue | undefined;
  readonly status: string;
  readonly deposed: string;
  readonly provider: string;
  readonly schema_version: number;
  readonly attributes?: { value: GoJsonValue; raw: RawJson };
  readonly attributes_flat?: Record<string, string>;
  readonly sensitive_attributes?: RawJson;
  readonly identity_schema_version?: number;
  readonly identity?: { value: GoJsonValue; raw: RawJson };
  readonly private?: Buffer;
  readonly dependencies: readonly string[];
  readonly depends_on: readonly string[];
  readonly create_before_destroy: boolean;
  readonly skip_destroy: boolean;
}

/** Go's `resourceStateV4`. */
export interface ResourceV4 {
  readonly module: string;
  readonly mode: string;
  readonly type: string;
  readonly name: string;
  readonly each: string;
  readonly provider: string;
  readonly instances: readonly InstanceV4[];
}

/** Go's `outputStateV4`. */
export interface OutputV4 {
  readonly value?: RawJson;
  readonly type?: RawJson;
  readonly sensitive: boolean;
  readonly deprecated: string;
}

/** Go's `stateV4`; outputs in file order (a Go map: the last duplicate wins). */
export interface StateV4 {
  readonly terraform_version: string;
  readonly serial: number;
  readonly lineage: string;
  readonly outputs: readonly (readonly [string, OutputV4])[];
  readonly resources: readonly ResourceV4[];
  readonly check_results: GoJsonValue | undefined;
}

function decodeStateV4(obj: JsonObject, d: Decoder): StateV4 {
  const W = 'stateV4';
  const outputs: [string, OutputV4][] = [];
  const rawOutputs = field(obj, 'outputs');
  if (rawOutputs !== undefined && rawOutputs !== null) {
    if (!isObject(rawOutputs)) throw invalidState(`json: cannot unmarshal ${goJsonTypeName(rawOutputs)} into Go struct field ${W}.outputs of type map[string]statefile.outputStateV4`);
    for (const [name, o] of Object.entries(rawOutputs)) {
      if (!isObject(o)) throw invalidState(`json: cannot unmarshal ${goJsonTypeName(o)} into Go struct field ${W}.outputs of type statefile.outputStateV4`);
      outputs.push([name, {
        value: d.raw(o, 'value')?.raw,
        type: d.raw(o, 'type')?.raw,
        sensitive: d.bool(o, 'sensitive', 'outputStateV4.outputs'),
        deprecated: d.str(o, 'deprecated', 'outputStateV4.outputs'),
      }]);
    }
  }
  const resources: ResourceV4[] = [];
  const rawResources = field(obj, 'resources');
  if (rawResources !== undefined && rawResources !== null) {
    if (!Array.isArray(rawResources)) throw invalidState(`json: cannot unmarshal ${goJsonTypeName(rawResources)} into Go struct field ${W}.resources of type []statefile.resourceStateV4`);
    for (const r of rawResources) {
      if (r === null) continue;
      if (!isObject(r)) throw invalidState(`json: cannot unmarshal ${goJsonTypeName(r)} into Go struct field ${W}.resources of type statefile.resourceStateV4`);
      const RW = 'resourceStateV4.resources';
      const rawInstances = field(r, 'instances');
      if (rawInstances !== undefined && rawInstances !== null && !Array.isArray(rawInstances)) {
        throw invalidState(`json: cannot unmarshal ${goJsonTypeName(rawInstances)} into Go struct field ${RW}.instances of type []statefile.instanceObjectStateV4`);
      }
      const instances = (rawInstances ?? []).filter((i) => i !== null).map((i) => decodeInstance(i, d));
      resources.push({
        module: d.str(r, 'module', RW),
        mode: d.str(r, 'mode', RW),
        type: d.str(r, 'type', RW),
        name: d.str(r, 'name', RW),
        each: d.str(r, 'each', RW),
        provider: d.str(r, 'provider', RW),
        instances,
      });
    }
  }
  return {
    terraform_version: d.str(obj, 'terraform_version', W),
    serial: d.uint(obj, 'serial', W),
    lineage: d.str(obj, 'lineage', W),
    outputs,
    resources,
    check_results: field(obj, 'check_results'),
  };
}

function decodeInstance(i: GoJsonValue, d: Decoder): InstanceV4 {
  const W = 'instanceObjectStateV4.resources.instances';
  if (!isObject(i)) throw invalidState(`json: cannot unmarshal ${goJsonTypeName(i)} into Go struct field resourceStateV4.resources.instances of type statefile.instanceObjectStateV4`);
  const flat = d.strMap(i, 'attributes_flat', W);
  const isv = field(i, 'identity_schema_version');
  const priv = d.bytesField(i, 'private', W);
  return {
    index_key: field(i, 'index_key'),
    status: d.str(i, 'status', W),
    deposed: d.str(i, 'deposed', W),
    provider: d.str(i, 'provider', W),
    schema_version: d.uint(i, 'schema_version', W),
    ...(fieldKey(i, 'attributes') !== undefined ? { attributes: d.raw(i, 'attributes')! } : {}),
    ...(flat ? { attributes_flat: flat } : {}),
    ...(fieldKey(i, 'sensitive_attributes') !== undefined ? { sensitive_attributes: d.raw(i, 'sensitive_attributes')!.raw } : {}),
    ...(isv !== undefined && isv !== null ? { identity_schema_version: d.uint(i, 'identity_schema_version', W) } : {}),
    ...(fieldKey(i, 'identity') !== undefined ? { identity: d.raw(i, 'identity')! } : {}),
    ...(priv ? { private: priv } : {}),
    dependencies: d.strList(i, 'dependencies', W),
    depends_on: d.strList(i, 'depends_on', W),
    create_before_destroy: d.bool(i, 'create_before_destroy', W),
    skip_destroy: d.bool(i, 'skip_destroy', W),
  };
}
