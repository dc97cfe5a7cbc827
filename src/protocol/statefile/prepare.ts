import { GoJsonValue, parseGoJson, quoteGoString } from '../go-json';
import { goQuote } from '../go-time';
import { AddressError, StateFlavor, normalizeDependency, normalizeDependsOn, normalizeModuleInstance, normalizeProviderConfig, normalizeProviderInstance } from './addrs';
import { CtyJsonError, reencodeDynamic, reencodeOutput } from './cty-json';
import { StateFile, StateOutput, StateResource, StateResourceInstance, keepRaw } from './model';
import { RawJson, binary, parseRawTree } from './raw-json';
import { InstanceV4, StateV4, field, isObject, stateError } from './read';

/**
 * Terraform's `prepareStateV4`: the decoded file becomes the in-memory state Terraform would hold,
 * which is what its writer serialises back. Addresses are parsed and normalised, resources merged by
 * address, outputs decoded by cty, sensitive paths and check results decoded, `each` dropped.
 * Everything Terraform rejects here is rejected with its diagnostic summary and detail.
 *
 * @see https://github.com/hashicorp/terraform/blob/main/internal/states/statefile/version4.go (prepareStateV4)
 */
export function prepareStateV4(sv4: StateV4, version: number, flavor: StateFlavor): StateFile {
  const tofu = flavor === 'opentofu';
  const byAddress = new Map<string, { r: StateResource; instances: StateResourceInstance[]; seen: Set<string> }>();
  for (const rs of sv4.resources) {
    if (rs.mode !== 'managed' && rs.mode !== 'data') {
      throw stateError('Invalid resource mode in state', `State contains a resource with mode ${goQuote(rs.mode)} (${goQuote(rs.type)} ${goQuote(rs.name)}) which is not supported.`);
    }
    const module = rs.module === '' ? '' : addr(() => normalizeModuleInstance(rs.module));
    let provider = '';
    if (!(tofu && rs.provider === '')) provider = addr(() => normalizeProviderConfig(rs.provider, flavor), 'Invalid provider configuration address');
    const resAddr = `${module ? module + '.' : ''}${rs.mode === 'data' ? 'data.' : ''}${rs.type}.${rs.name}`;
    let entry = byAddress.get(resAddr);
    if (!entry) {
      entry = { r: { module, mode: rs.mode, type: rs.type, name: rs.name, provider, instances: [] }, instances: [], seen: new Set() };
      byAddress.set(resAddr, entry);
    }
    for (const is of rs.instances) {
      const instance = prepareInstance(is, resAddr, flavor);
      const id = `${typeof instance.index_key}:${String(instance.index_key)}:${instance.deposed ?? ''}`;
      const where = `${resAddr}${formatKey(instance.index_key)}`;
      if (entry.seen.has(id)) {
        throw stateError('Duplicate resource instance in state', instance.deposed
          ? `Instance ${where} deposed object ${goQuote(instance.deposed)} appears multiple times in the state file.`
          : `Instance ${where} appears multiple times in the state file.`);
      }
      entry.seen.add(id);
      entry.instances.push(instance);
    }
    if (tofu && provider === '' && !rs.instances.some((i) => i.provider !== '')) {
      throw stateError('Provider field missing state', `Resource ${resAddr} is missing a provider address, both on the resource and the resource instances.`);
    }
    // Terraform sets the resource's provider again after its instances: the last block wins.
    entry.r = { ...entry.r, provider: provider || entry.r.provider };
  }
  const resources: StateResource[] = [...byAddress.values()].map(({ r, instances }) => ({
    ...(r.module ? { module: r.module } : {}),
    mode: r.mode,
    type: r.type,
    name: r.name,
    provider: r.provider,
    instances,
  }));
  const outputs: Record<string, StateOutput> = {};
  for (const [name, o] of sv4.outputs) {
    Object.defineProperty(outputs, name, { value: prepareOutput(name, o.value, o.type, o.sensitive, tofu ? o.deprecated : ''), enumerable: true, writable: true, configurable: true });
  }
  return {
    version,
    terraform_version: sv4.terraform_version,
    serial: sv4.serial,
    lineage: sv4.lineage,
    outputs,
    resources,
    check_results: prepareCheckResults(sv4.check_results),
    ...(tofu ? { flavor } : {}),
  };
}

function addr<T>(f: () => T, summary = 'Invalid address in state'): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof AddressError) throw stateError(summary, e.message);
    throw e;
  }
}

function formatKey(key: number | string | undefined): string {
  if (key === undefined) return '';
  return typeof key === 'number' ? `[${key}]` : `[${goQuote(key)}]`;
}

function prepareOutput(name: string, value: RawJson | undefined, type: RawJson | undefined, sensitive: boolean, deprecated: string): StateOutput {
  let canonical: { value: RawJson; type: RawJson };
  try {
    if (!type) throw new CtyJsonError('unexpected end of JSON input');
    canonical = reencodeOutput(value ?? new RawJson('null'), type);
  } catch (e) {
    if (!(e instanceof CtyJsonError)) throw e;
    throw stateError('Invalid output value saved in state', `The state file has an invalid value or type for output ${goQuote(name)}: ${e.message}.`);
  }
  const out: StateOutput = {
    value: parseGoJson(canonical.value.toBuffer()),
    type: parseGoJson(canonical.type.toBuffer()),
    ...(sensitive ? { sensitive: true } : {}),
    ...(deprecated ? { deprecated } : {}),
  };
  keepRaw(out, 'value', out.value, canonical.value);
  keepRaw(out, 'type', out.type, canonical.type);
  return out;
}

function prepareInstance(is: InstanceV4, resAddr: string, flavor: StateFlavor): StateResourceInstance {
  const tofu = flavor === 'opentofu';
  let indexKey: number | string | undefined;
  const k = is.index_key;
  if (typeof k === 'number' || typeof k === 'bigint') {indexKey = Math.trunc(Number(k));} else if (typeof k === 'string') {indexKey = k;} else if (k !== undefined && k !== null) {
    throw stateError('Invalid resource instance metadata in state', `Resource ${resAddr} has an instance with the invalid instance key ${JSON.stringify(k)}.`);
  }
  const where = `${resAddr}${formatKey(indexKey)}`;
  if (is.status !== '' && is.status !== 'tainted') {
    throw stateError('Invalid resource instance metadata in state', `Instance ${where} has invalid status ${goQuote(is.status)}.`);
  }
  if (is.deposed !== '' && Buffer.byteLength(is.deposed) !== 8) {
    throw stateError('Invalid resource instance metadata in state', `Instance ${where} has an object with deposed key ${goQuote(is.deposed)}, which is not correctly formatted.`);
  }
  const attrs = is.attributes ?? (is.attributes_flat ? undefined : { value: {}, raw: new RawJson('{}') });
  const sensitive = is.sensitive_attributes ? canonicalPaths(is.sensitive_attributes) : undefined;
  const hasIdentity = is.identity !== undefined;
  const identitySchemaVersion = tofu ? (hasIdentity ? is.identity_schema_version : undefined) : is.identity_schema_version ?? 0;
  const dependencies = is.dependencies.map((d) => addr(() => normalizeDependency(d)));
  const dependsOn = tofu ? is.depends_on.map((d) => addr(() => normalizeDependsOn(d))) : [];
  const out: StateResourceInstance = {
    ...(indexKey !== undefined ? { index_key: indexKey } : {}),
    ...(is.status ? { status: is.status } : {}),
    ...(is.deposed ? { deposed: is.deposed } : {}),
    ...(tofu && is.provider ? { provider: addr(() => normalizeProviderInstance(is.provider, flavor), 'Invalid provider configuration address') } : {}),
    schema_version: is.schema_version,
    ...(attrs ? { attributes: attrs.value } : { attributes_flat: is.attributes_flat }),
    ...(sensitive ? { sensitive_attributes: parseGoJson(sensitive.toBuffer()) } : {}),
    ...(identitySchemaVersion !== undefined ? { identity_schema_version: identitySchemaVersion } : {}),
    ...(hasIdentity ? { identity: is.identity!.value } : {}),
    ...(is.private && is.private.length > 0 ? { private: is.private.toString('base64') } : {}),
    ...(dependencies.length > 0 ? { dependencies } : {}),
    ...(dependsOn.length > 0 ? { depends_on: dependsOn } : {}),
    ...(is.create_before_destroy ? { create_before_destroy: true } : {}),
    ...(tofu && is.skip_destroy ? { skip_destroy: true } : {}),
  };
  if (attrs) keepRaw(out, 'attributes', out.attributes, attrs.raw);
  if (sensitive) keepRaw(out, 'sensitive_attributes', out.sensitive_attributes, sensitive);
  if (hasIdentity) keepRaw(out, 'identity', out.identity, is.identity!.raw);
  return out;
}

/** `marshalPaths(unmarshalPaths(raw))`: sensitive attribute paths as Terraform re-encodes them. */
function canonicalPaths(raw: RawJson): RawJson {
  const fail = (detail: string) => stateError('Error unmarshaling path steps', detail);
  const tree = parseRawTree(raw);
  if (tree.t === 'null') return new RawJson('[]');
  if (tree.t !== 'arr') throw fail('json: cannot unmarshal into [][]statefile.pathStep');
  const paths = tree.items.filter((p) => p.t !== 'null').map((p) => {
    if (p.t !== 'arr') throw fail('json: cannot unmarshal into []statefile.pathStep');
    return '[' + p.items.map((step) => {
      if (step.t !== 'obj') throw fail('json: cannot unmarshal into statefile.pathStep');
      let type = '';
      let value: RawJson | undefined;
      for (const [k, v] of step.entries) {
        if (k.toLowerCase() === 'type' && v.t === 'str') type = v.v;
        if (k.toLowerCase() === 'value') value = new RawJson(encodeNode(v));
      }
      if (type === 'get_attr') {
        const name = value ? parseRawTree(value) : undefined;
        if (!name || name.t !== 'str') throw stateError('Error unmarshaling path step', 'Failed to unmarshal get attr step name');
        return `{"type":"get_attr","value":${binary(quoteGoString(name.v))}}`;
      }
      if (type === 'index') {
        try {
          return `{"type":"index","value":${reencodeDynamic(value ?? new RawJson('null')).compact}}`;
        } catch (e) {
          if (e instanceof CtyJsonError) throw stateError('Error unmarshaling path step', `Failed to unmarshal index step key: ${e.message}`);
          throw e;
        }
      }
      throw stateError('Unsupported path step', `Unsupported path step type ${goQuote(type)}`);
    }).join(',') + ']';
  });
  return new RawJson(`[${paths.join(',')}]`);
}

function encodeNode(n: ReturnType<typeof parseRawTree>): string {
  switch (n.t) {
    case 'null': return 'null';
    case 'bool': return String(n.v);
    case 'num': return n.text;
    case 'str': return binary(quoteGoString(n.v));
    case 'arr': return `[${n.items.map(encodeNode).join(',')}]`;
    case 'obj': return `{${n.entries.map(([k, v]) => binary(quoteGoString(k)) + ':' + encodeNode(v)).join(',')}}`;
  }
}

const CHECK_KINDS = new Set(['resource', 'output', 'check', 'var']);
const CHECK_STATUS = new Set(['pass', 'fail', 'error']);

/** `encodeCheckResultsV4(decodeCheckResultsV4(x))`: unknown kinds dropped, statuses normalised. */
function prepareCheckResults(raw: GoJsonValue | undefined): GoJsonValue[] | null {
  if (!Array.isArray(raw)) return null;
  const out: GoJsonValue[] = [];
  const str = (o: { [k: string]: GoJsonValue }, k: string) => {
    const v = field(o, k);
    return typeof v === 'string' ? v : '';
  };
  for (const a of raw) {
    if (!isObject(a)) continue;
    const kind = str(a, 'object_kind');
    if (!CHECK_KINDS.has(kind)) continue;
    const objects = field(a, 'objects');
    const objs = Array.isArray(objects) ? objects.filter(isObject).map((o) => {
      const messages = field(o, 'failure_messages');
      const status = str(o, 'status');
      return {
        object_addr: str(o, 'object_addr'),
        status: CHECK_STATUS.has(status) ? status : 'unknown',
        ...(Array.isArray(messages) && messages.length > 0 ? { failure_messages: messages } : {}),
      };
    }) : [];
    const status = str(a, 'status');
    out.push({ object_kind: kind, config_addr: str(a, 'config_addr'), status: CHECK_STATUS.has(status) ? status : 'unknown', objects: objs.length > 0 ? objs : null });
  }
  return out.length > 0 ? out : null;
}
