import { GoJsonValue, compareGoStrings, marshalGoJson } from '../go-json';
import { goQuote } from '../go-time';
import { AddressError, legacyProviderForV3 } from './addrs';
import { impliedSimplifiedType, marshalCtyType } from './cty-json';
import { RawJson, binary, parseRawTree } from './raw-json';
import { Decoder, InstanceV4, JsonObject, OutputV4, ResourceV4, StateV4, field, isObject, stateError } from './read';

/**
 * Terraform's upgrades of state formats 1, 2 and 3 to the format 4 struct: `upgradeStateV1ToV2`
 * (outputs were bare strings), `upgradeStateV2ToV3` (`.#` counts of maps become `.%`, empty
 * collections lose their count) and `upgradeStateV3ToV4` (one resource per address, provider
 * addresses, `meta` split into `schema_version` and base64 `private`, outputs typed by cty's implied
 * type). `depends_on` of old formats is not carried over, as in Terraform.
 *
 * @see https://github.com/hashicorp/terraform/blob/main/internal/states/statefile/version3_upgrade.go
 */
export function upgradeToV4(doc: JsonObject, version: number, d: Decoder): StateV4 {
  const W = `stateV${version}`;
  const modules = arrayOf(field(doc, 'modules'));
  const outputs: [string, OutputV4][] = [];
  const resources: ResourceV4[] = [];
  const fail = (msg: string) => stateError('State format upgrade failed', `Error upgrading state file format from version 3 to version 4: ${msg}.`);
  for (const m of modules) {
    if (!isObject(m)) continue;
    let path = arrayOf(field(m, 'path')).filter((p): p is string => typeof p === 'string');
    if (version === 1 && path.length === 0) path = ['root'];
    if (path.length < 1 || path[0] !== 'root') throw fail(`state contains invalid module path ${goSlice(path)}`);
    const modulePath = path.slice(1);
    for (const name of modulePath) {
      if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(name)) {
        throw fail(`state contains invalid module path ${goSlice(path)}: ${goQuote(name)} is not a valid identifier; rename it in Terraform 0.11 before upgrading to Terraform 0.12`);
      }
    }
    const module = modulePath.map((n) => `module.${n}`).join('.');
    const byAddr = new Map<string, { mode: string; type: string; name: string; provider: string; instances: InstanceV4[] }>();
    const oldResources = field(m, 'resources');
    for (const [legacy, r] of Object.entries(isObject(oldResources) ? oldResources : {})) {
      if (!isObject(r)) continue;
      const inst = parseLegacyResourceAddress(legacy, fail);
      const key = `${inst.mode}.${inst.type}.${inst.name}`;
      let rs = byAddr.get(key);
      if (!rs) {
        const old = typeof field(r, 'provider') === 'string' ? (field(r, 'provider') as string) : '';
        let provider: string;
        try {
          provider = legacyProviderForV3(old, modulePath, inst.type);
        } catch (e) {
          if (e instanceof AddressError) throw fail(e.message);
          throw e;
        }
        rs = { mode: inst.mode, type: inst.type, name: inst.name, provider, instances: [] };
        byAddr.set(key, rs);
      }
      const primary = field(r, 'primary');
      if (isObject(primary)) rs.instances.push(upgradeInstance(primary, inst.index, '', version));
      arrayOf(field(r, 'deposed')).forEach((dep, n) => {
        if (isObject(dep)) rs!.instances.push(upgradeInstance(dep, inst.index, (n + 1).toString(16).padStart(8, '0'), version));
      });
    }
    for (const rs of byAddr.values()) resources.push({ module, each: '', ...rs });
    if (path.length === 1) {
      const oldOutputs = field(m, 'outputs');
      for (const [name, o] of Object.entries(isObject(oldOutputs) ? oldOutputs : {})) {
        const v1 = version === 1;
        const value = v1 ? o : isObject(o) ? field(o, 'value') ?? null : null;
        const sensitive = !v1 && isObject(o) && field(o, 'sensitive') === true;
        const valSrc = new RawJson(binary(marshalGoJson(asGoInterface(value))));
        const type = new RawJson(marshalCtyType(impliedSimplifiedType(parseRawTree(valSrc))));
        outputs.push([name, { value: valSrc, type, sensitive, deprecated: '' }]);
      }
    }
  }
  const tfVersion = version === 1 ? '' : d.str(doc, 'terraform_version', W);
  const serial = field(doc, 'serial');
  if (typeof serial === 'number' && serial < 0) throw fail('state has serial less than zero, which is invalid');
  return {
    terraform_version: tfVersion === '' ? '0.0.0' : tfVersion,
    serial: d.uint(doc, 'serial', W),
    lineage: version === 1 ? '' : d.str(doc, 'lineage', W),
    outputs,
    resources,
    check_results: undefined,
  };
}

function arrayOf(v: GoJsonValue | undefined): GoJsonValue[] {
  return Array.isArray(v) ? v : [];
}

function goSlice(path: readonly string[]): string {
  return `[]string{${path.map(goQuote).join(', ')}}`;
}

/** A value decoded into Go's `interface{}` (numbers become float64), ready for `json.Marshal`. */
function asGoInterface(v: GoJsonValue): GoJsonValue {
  if (typeof v === 'bigint') return Number(v);
  if (Array.isArray(v)) return v.map(asGoInterface);
  if (isObject(v)) {
    const out: JsonObject = {};
    for (const k of Object.keys(v).sort(compareGoStrings)) {
      Object.defineProperty(out, k, { value: asGoInterface(v[k]), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return v;
}

function parseLegacyResourceAddress(s: string, fail: (m: string) => Error): { mode: string; type: string; name: string; index?: number } {
  let parts = s.split('.');
  if (parts.length < 2 || parts.length > 4) throw fail(`invalid internal resource address format: ${s}`);
  let mode = 'managed';
  if (parts.length > 2 && parts[0] === 'data') {
    mode = 'data';
    parts = parts.slice(1);
  }
  if (parts.length > 3) throw fail(`invalid internal resource address format: ${s}`);
  const [type, name, idx] = parts;
  if (idx === undefined) return { mode, type, name };
  if (!/^[+-]?(0[xX][0-9a-fA-F]+|0[oO]?[0-7]*|[1-9][0-9]*|0[bB][01]+)$/.test(idx)) {
    throw fail(`error parsing resource address ${goQuote(s)}: strconv.ParseInt: parsing ${goQuote(idx)}: invalid syntax`);
  }
  const neg = idx.startsWith('-');
  const body = idx.replace(/^[+-]/, '');
  const n = /^0[0-7]+$/.test(body) ? parseInt(body, 8) : Number(body.replace(/^0[oO]/, '0o'));
  return { mode, type, name, index: neg ? -n : n };
}

/** `upgradeAttributesV2ToV3`: map counts `.#` → `.%`, counts of empty collections removed. */
function upgradeAttributesV2ToV3(attrs: Record<string, string>): void {
  const prefixes = Object.keys(attrs).map((k) => /^(.*\.)#$/.exec(k)?.[1]).filter((p): p is string => p !== undefined).sort(compareGoStrings);
  for (const prefix of prefixes) {
    const keys = new Set<string>();
    for (const k of Object.keys(attrs)) {
      if (!k.startsWith(prefix)) continue;
      const rest = k.slice(prefix.length);
      const sub = /^([^.]+)\..*/.exec(rest);
      if (sub) keys.add(sub[1]);
      else if (rest !== '#') keys.add(rest);
    }
    const countKey = `${prefix}#`;
    if ([...keys].some((k) => !/^[+-]?[0-9]+$/.test(k))) {
      attrs[`${prefix}%`] = attrs[countKey] ?? '';
      delete attrs[countKey];
    }
    if (keys.size === 0) delete attrs[countKey];
  }
}

function upgradeInstance(old: JsonObject, index: number | undefined, deposed: string, version: number): InstanceV4 {
  const rawAttrs = field(old, 'attributes');
  let attributes: Record<string, string> | undefined;
  if (isObject(rawAttrs)) {
    attributes = {};
    for (const [k, v] of Object.entries(rawAttrs)) {
      Object.defineProperty(attributes, k, { value: typeof v === 'string' ? v : '', enumerable: true, writable: true, configurable: true });
    }
  }
  if (attributes && version < 3) upgradeAttributesV2ToV3(attributes);
  const id = field(old, 'id');
  if (typeof id === 'string' && id !== '') {
    attributes ??= {};
    if (!attributes.id) attributes.id = id;
  }
  const meta = field(old, 'meta');
  let schemaVersion = 0;
  let migrated = false;
  const sv = isObject(meta) ? meta.schema_version : undefined;
  if (typeof sv === 'string' && /^[0-9]+$/.test(sv) && BigInt(sv) < 2n ** 64n) {
    schemaVersion = Number(sv);
    migrated = true;
  } else if (typeof sv === 'number' || typeof sv === 'bigint') {
    schemaVersion = Math.max(0, Math.trunc(Number(sv)));
    migrated = true;
  }
  const priv: JsonObject = {};
  if (isObject(meta)) {
    for (const k of Object.keys(meta)) {
      if (k === 'schema_version' && migrated) continue;
      Object.defineProperty(priv, k, { value: meta[k], enumerable: true, writable: true, configurable: true });
    }
  }
  const privateJson = Object.keys(priv).length > 0 ? Buffer.from(marshalGoJson(asGoInterface(priv)), 'utf8') : undefined;
  return {
    index_key: index,
    status: field(old, 'tainted') === true ? 'tainted' : '',
    deposed,
    provider: '',
    schema_version: schemaVersion,
    ...(attributes ? { attributes_flat: attributes } : {}),
    ...(privateJson ? { private: privateJson } : {}),
    dependencies: [],
    depends_on: [],
    create_before_destroy: false,
    skip_destroy: false,
  };
}
