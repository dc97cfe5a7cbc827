import { GoJsonValue } from '../go-json';
import { StateFlavor } from './addrs';
import { RawJson } from './raw-json';

/** One root module output: `value` is its JSON value, `type` its cty type in JSON form. */
export interface StateOutput {
  readonly value: GoJsonValue;
  readonly type: GoJsonValue;
  /** Omitted (not `false`) in the file when not sensitive. */
  readonly sensitive?: boolean;
  /** OpenTofu: the output's deprecation message. */
  readonly deprecated?: string;
}

/**
 * One object of a resource instance (current or deposed), with the fields Terraform's and OpenTofu's
 * state formats define. Raw members (`attributes`, `identity`, `sensitive_attributes`) read from a
 * file are also kept as their original bytes and written back byte for byte while unchanged.
 */
export interface StateResourceInstance {
  /** `count` index (number) or `for_each` key (string); absent for single instances. */
  readonly index_key?: number | string;
  /** `tainted` when the object is tainted. */
  readonly status?: string;
  /** Deposed object key (create-before-destroy leftovers). */
  readonly deposed?: string;
  /** OpenTofu: the provider instance of this object (`provider["…"]["key"]`). */
  readonly provider?: string;
  readonly schema_version: number;
  readonly attributes?: GoJsonValue;
  readonly attributes_flat?: Record<string, string>;
  readonly sensitive_attributes?: GoJsonValue;
  readonly identity_schema_version?: number;
  readonly identity?: GoJsonValue;
  /** The provider's private data, base64 as in the file. */
  readonly private?: string;
  readonly dependencies?: readonly string[];
  /** OpenTofu: instance-level `depends_on`. */
  readonly depends_on?: readonly string[];
  readonly create_before_destroy?: boolean;
  /** OpenTofu: `lifecycle { destroy = false }`. */
  readonly skip_destroy?: boolean;
}

/** One resource block of a v4 state. */
export interface StateResource {
  /** Module address, e.g. `module.a["k"].module.b`; absent for the root module. */
  readonly module?: string;
  /** `managed` or `data`. */
  readonly mode: string;
  readonly type: string;
  readonly name: string;
  /** Read from old files only: Terraform never writes it back. */
  readonly each?: string;
  /** Provider configuration address, e.g. `provider["registry.terraform.io/hashicorp/aws"]`. */
  readonly provider: string;
  readonly instances: readonly StateResourceInstance[];
}

/** A state file as Terraform's v4 writer lays it out. Field order here is the file's field order. */
export interface StateFile {
  /** The format version the file was read from (always written as 4). */
  readonly version: number;
  /** Version of the Terraform (or OpenTofu) that wrote the state. */
  readonly terraform_version: string;
  readonly serial: number;
  readonly lineage: string;
  readonly outputs: Readonly<Record<string, StateOutput>>;
  readonly resources: readonly StateResource[];
  /** `null` when there are none, as Terraform writes it. */
  readonly check_results: readonly GoJsonValue[] | null;
  /**
   * Not a field of the file: which tool's writer the state follows. Absent means Terraform
   * (indented); `opentofu` means OpenTofu's compact remote-state form and its extra fields.
   */
  readonly flavor?: StateFlavor;
}

const RAW = Symbol('raw members');

type RawMembers = Map<string, { readonly value: unknown; readonly raw: RawJson }>;

/**
 * Records that `holder[name]` (the value `value`) was read from the bytes `raw`. Hidden (a
 * non-enumerable symbol): copies made by spreading forget it, and the writer uses it only while the
 * member still holds the same value.
 */
export function keepRaw(holder: object, name: string, value: unknown, raw: RawJson): void {
  let m = (holder as { [RAW]?: RawMembers })[RAW];
  if (!m) {
    m = new Map();
    Object.defineProperty(holder, RAW, { value: m, enumerable: false });
  }
  m.set(name, { value, raw });
}

/** The original bytes of `holder[name]` while it is unchanged, else `undefined`. */
export function rawOf(holder: object, name: string): RawJson | undefined {
  const entry = (holder as { [RAW]?: RawMembers })[RAW]?.get(name);
  return entry && entry.value === (holder as Record<string, unknown>)[name] ? entry.raw : undefined;
}
