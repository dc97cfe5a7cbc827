import { randomBytes } from 'node:crypto';
import { GoJsonValue, compareGoStrings, sortGoMapKeys } from './go-json';
import { goQuote } from './go-time';
import { EMULATED_TERRAFORM_VERSION } from './lock-info';
import { StateFile, StateResourceInstance } from './statefile/model';
import { StateFormatError, parseState } from './statefile/read';
import { writeState } from './statefile/write';

/**
 * Terraform's state file: read as Terraform's `statefile.Read` reads it (formats 1 to 4,
 * `statefile/read.ts`), written byte for byte as Terraform's `statefile.Write` (indented) or
 * OpenTofu's remote-state writer (compact) write it (`statefile/write.ts`), and summarised (outputs,
 * resource addresses).
 *
 * @see https://github.com/hashicorp/terraform/tree/main/internal/states/statefile
 */

export type { StateFile, StateOutput, StateResource, StateResourceInstance } from './statefile/model';
export type { StateFlavor } from './statefile/addrs';
export { StateFormatError, UNSUPPORTED_STATE_FORMAT, parseState, readStateOrEnvelope, type ParseStateOptions, type StateOrEnvelope } from './statefile/read';
export { writeState, type WriteStateOptions } from './statefile/write';

/** The state format version Terraform ≥ 0.12 writes. */
export const STATE_FORMAT_VERSION = 4;

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

/**
 * The bytes Terraform's `statefile.Write` produces for the state: `json.MarshalIndent(stateV4, "", "  ")`
 * plus `"\n"`, whatever tool the state came from (OpenTofu-only fields are dropped, as Terraform drops
 * them). `terraform_version` is written as the state holds it.
 */
export function serializeStateTerraform(state: StateFile): Buffer {
  return writeState(state, { flavor: 'terraform' });
}

/** The bytes OpenTofu's remote-state writer produces: compact `json.Marshal` plus `"\n"`, with OpenTofu's fields. */
export function serializeStateTofu(state: StateFile): Buffer {
  return writeState(state, { flavor: 'opentofu' });
}

/** The bytes the tool the state came from writes: OpenTofu's compact form for an OpenTofu state, else Terraform's. */
export function serializeState(state: StateFile): Buffer {
  return writeState(state);
}

/** An output as `terraform_remote_state` and `terraform output -json` expose it. */
export interface OutputValue {
  readonly value: GoJsonValue;
  readonly type: GoJsonValue;
  readonly sensitive: boolean;
  /** OpenTofu's deprecation message of the output (`deprecated` in its state), when it has one. */
  readonly deprecated?: string;
}

/** The root module outputs: `{ name: { value, type, sensitive } }`, names in Go's sorted order. */
export function readOutputs(state: StateFile): Record<string, OutputValue> {
  const out: Record<string, OutputValue> = {};
  for (const [name, o] of Object.entries(sortGoMapKeys(state.outputs))) {
    Object.defineProperty(out, name, {
      value: { value: o.value, type: o.type, sensitive: o.sensitive === true, ...(o.deprecated ? { deprecated: o.deprecated } : {}) },
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
  const flavor = a.flavor ?? 'terraform';
  return writeState(blank(a), { flavor }).equals(writeState(blank(b), { flavor }));
}

/**
 * The "same serial, same state?" decision of a push made on bytes (the streaming push above
 * 8 MiB): Terraform's `statemgr.CheckValidImport` and `PersistState` compare the two states with
 * `statefile.StatesMarshalEqual`, i.e. after reading both, ignoring serial, lineage, writer version
 * and formatting. Two byte-identical files are equal without parsing. A file that is not a readable
 * state is never "the same state" (the push then goes through the other rules).
 *
 * @see https://github.com/hashicorp/terraform/blob/main/internal/states/statefile/marshal_equal.go
 */
export function sameStateContent(pushed: Uint8Array, remote: Uint8Array): boolean {
  if (Buffer.from(pushed.buffer, pushed.byteOffset, pushed.byteLength).equals(remote)) return true;
  let a: StateFile | undefined;
  let b: StateFile | undefined;
  try {
    a = parseState(pushed);
    b = parseState(remote);
  } catch (e) {
    if (e instanceof StateFormatError) return false;
    throw e;
  }
  if (!a || !b) return false;
  return statesMarshalEqual(a, b);
}
