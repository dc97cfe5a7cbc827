import { GoJsonValue, compareGoStrings, marshalGoJson, quoteGoString, sortGoMapKeys } from '../go-json';
import { StateFlavor } from './addrs';
import { reencodeOutput } from './cty-json';
import { StateFile, StateResource, StateResourceInstance, StateOutput, rawOf } from './model';
import { RawJson, binary, indentRaw } from './raw-json';

/**
 * Terraform's `writeStateV4` and OpenTofu's: the state as Go's `json.MarshalIndent(stateV4, "", "  ")`
 * (Terraform, and OpenTofu's `WriteIndent`) or compact `json.Marshal` (OpenTofu's `Write`, used for
 * remote state) plus `"\n"`. Resources sorted by module, mode, type, name (stable), instances by
 * key then deposed key, output names in Go map order. Raw members (`attributes`, `identity`) are
 * written from the bytes they were read from; outputs and sensitive paths as cty re-encoded them.
 * Fields each tool does not know are not written (Terraform drops OpenTofu's, and the reverse).
 *
 * @see https://github.com/hashicorp/terraform/blob/main/internal/states/statefile/version4.go (writeStateV4)
 */

/** A member written as is: compact raw JSON, indented at its depth. */
class Raw {
  constructor(public readonly raw: RawJson) {}
}

type Node = null | boolean | number | bigint | string | Raw | Node[] | { [k: string]: Node | undefined };

/** Emits a value tree as Go does, as a binary string (one char per byte). */
function emit(v: Node, indent: string | undefined, depth: number): string {
  if (v instanceof Raw) return indent === undefined ? v.raw.compact : indentRaw(v.raw.compact, indent, depth);
  if (v === null || typeof v !== 'object') return binary(marshalGoJson(v, { numberStyle: 'cty' }));
  const nl = indent === undefined ? '' : '\n' + indent.repeat(depth + 1);
  const close = indent === undefined ? '' : '\n' + indent.repeat(depth);
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    return '[' + v.map((x) => nl + emit(x, indent, depth + 1)).join(',') + close + ']';
  }
  const entries = Object.entries(v).filter(([, x]) => x !== undefined) as [string, Node][];
  if (entries.length === 0) return '{}';
  const sep = indent === undefined ? ':' : ': ';
  return '{' + entries.map(([k, x]) => nl + binary(quoteGoString(k)) + sep + emit(x, indent, depth + 1)).join(',') + close + '}';
}

/** A raw member: its original bytes while unchanged, else the value as Go would marshal it. */
function rawMember(holder: object, name: string, value: unknown): Raw {
  return new Raw(rawOf(holder, name) ?? new RawJson(binary(marshalGoJson(value, { numberStyle: 'cty' }))));
}

function outputNode(o: StateOutput, tofu: boolean): Node {
  let value = rawOf(o, 'value');
  let type = rawOf(o, 'type');
  if (!value || !type) {
    // Built in memory: run it through cty as Terraform's writer would.
    const c = reencodeOutput(new RawJson(binary(marshalGoJson(o.value, { numberStyle: 'cty' }))), new RawJson(binary(marshalGoJson(o.type))));
    value = c.value;
    type = c.type;
  }
  return {
    value: new Raw(value),
    type: new Raw(type),
    sensitive: o.sensitive ? true : undefined,
    deprecated: tofu && o.deprecated ? o.deprecated : undefined,
  };
}

function compareKeys(a: StateResourceInstance, b: StateResourceInstance): number {
  const ka = a.index_key;
  const kb = b.index_key;
  if (ka !== kb) {
    if ((ka === undefined) !== (kb === undefined)) return ka === undefined ? -1 : 1;
    if (typeof ka === 'number') return typeof kb === 'number' ? ka - kb : -1;
    if (typeof ka === 'string') return typeof kb === 'string' ? compareGoStrings(ka, kb) : 1;
  }
  return compareGoStrings(a.deposed ?? '', b.deposed ?? '');
}

function instanceNode(i: StateResourceInstance, tofu: boolean, providerInstance: string | undefined): Node {
  const hasAttrs = i.attributes !== undefined || (i.attributes_flat === undefined);
  const flat = i.attributes_flat && i.attributes === undefined && Object.keys(i.attributes_flat).length > 0
    ? sortGoMapKeys(i.attributes_flat)
    : undefined;
  const sensitive = i.sensitive_attributes === undefined ? new Raw(new RawJson('[]')) : rawMember(i, 'sensitive_attributes', i.sensitive_attributes);
  const identity = i.identity !== undefined ? rawMember(i, 'identity', i.identity) : undefined;
  const deps = i.dependencies && i.dependencies.length > 0 ? [...i.dependencies] : undefined;
  const common = {
    index_key: i.index_key,
    status: i.status || undefined,
    deposed: i.deposed || undefined,
  };
  const attrs = hasAttrs ? rawMember(i, 'attributes', i.attributes ?? {}) : undefined;
  if (!tofu) {
    return {
      ...common,
      schema_version: i.schema_version ?? 0,
      attributes: attrs,
      attributes_flat: flat,
      sensitive_attributes: sensitive,
      identity_schema_version: i.identity_schema_version ?? 0,
      identity,
      private: i.private || undefined,
      dependencies: deps,
      create_before_destroy: i.create_before_destroy ? true : undefined,
    };
  }
  return {
    ...common,
    provider: providerInstance,
    schema_version: i.schema_version ?? 0,
    attributes: attrs,
    attributes_flat: flat,
    sensitive_attributes: sensitive,
    private: i.private || undefined,
    dependencies: deps,
    depends_on: i.depends_on && i.depends_on.length > 0 ? [...i.depends_on] : undefined,
    create_before_destroy: i.create_before_destroy ? true : undefined,
    skip_destroy: i.skip_destroy ? true : undefined,
    identity,
    identity_schema_version: identity ? i.identity_schema_version : undefined,
  };
}

function resourceNode(r: StateResource, tofu: boolean): Node {
  const instances = [...r.instances].map((i, n) => ({ i, n })).sort((x, y) => compareKeys(x.i, y.i) || x.n - y.n).map(({ i }) => i);
  // OpenTofu moves the provider onto the instances when any of them names a provider instance.
  const perInstance = tofu && instances.some((i) => i.provider !== undefined && i.provider !== r.provider);
  return {
    module: r.module || undefined,
    mode: r.mode,
    type: r.type,
    name: r.name,
    provider: perInstance ? undefined : tofu ? r.provider || undefined : r.provider,
    instances: instances.map((i) => instanceNode(i, tofu, perInstance ? i.provider ?? r.provider : undefined)),
  };
}

function stateNode(state: StateFile, tofu: boolean): Node {
  const outputs: { [k: string]: Node } = {};
  for (const [name, o] of Object.entries(sortGoMapKeys(state.outputs))) {
    Object.defineProperty(outputs, name, { value: outputNode(o, tofu), enumerable: true, writable: true, configurable: true });
  }
  const key = (r: StateResource) => [r.module ?? '', r.mode, r.type, r.name];
  const resources = [...state.resources].map((r, n) => ({ r, n })).sort((x, y) => {
    const kx = key(x.r);
    const ky = key(y.r);
    for (let k = 0; k < kx.length; k++) {
      const c = compareGoStrings(kx[k], ky[k]);
      if (c !== 0) return c;
    }
    return x.n - y.n;
  }).map(({ r }) => resourceNode(r, tofu));
  return {
    version: 4,
    terraform_version: state.terraform_version,
    serial: state.serial,
    lineage: state.lineage,
    outputs,
    resources,
    check_results: state.check_results && state.check_results.length > 0 ? (state.check_results as GoJsonValue[] as Node[]) : null,
  };
}

/** Options of {@link writeState}. */
export interface WriteStateOptions {
  /** @default - the state's own flavor (Terraform unless it was read from an OpenTofu file) */
  readonly flavor?: StateFlavor;
  /** Indent (Terraform always does; OpenTofu only in `WriteIndent`). @default - Terraform: true, OpenTofu: false */
  readonly indent?: boolean;
}

/** The bytes the state's writer produces (see the module comment). */
export function writeState(state: StateFile, options: WriteStateOptions = {}): Buffer {
  const flavor = options.flavor ?? state.flavor ?? 'terraform';
  const tofu = flavor === 'opentofu';
  const indent = options.indent ?? !tofu;
  return Buffer.from(emit(stateNode(state, tofu), indent ? '  ' : undefined, 0) + '\n', 'latin1');
}
