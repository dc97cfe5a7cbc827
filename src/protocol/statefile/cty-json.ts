import { compareGoStrings, quoteGoString } from '../go-json';
import { RawJson, RawNode, binary, parseRawTree } from './raw-json';

/**
 * The part of go-cty's JSON encoding (`cty/json`) Terraform's state reader and writer run output
 * values through: `UnmarshalType` / `Unmarshal` on read, `Marshal` / `MarshalType` on write. So unlike
 * instance attributes, an output is re-encoded: numbers become `big.Float(512 bits).Text('f', -1)`
 * (`1.0` → `1`, `1e3` → `1000`, `-0` stays `-0`), strings are NFC-normalised, object attributes and
 * map keys sorted, primitive set elements sorted and de-duplicated, dynamic values wrapped as
 * `{"value":…,"type":…}`.
 *
 * Limits: numbers with more than 150 significant digits keep their digits (cty would round them to
 * 512 bits); sets of non-primitive elements keep their order (cty orders them by an internal hash).
 *
 * @see https://github.com/zclconf/go-cty/tree/main/cty/json
 */

/** A cty type as its JSON form describes it. */
export type CtyType =
  | 'string' | 'number' | 'bool' | 'dynamic'
  | { readonly kind: 'list' | 'set' | 'map'; readonly elem: CtyType }
  | { readonly kind: 'object'; readonly attrs: ReadonlyMap<string, CtyType> }
  | { readonly kind: 'tuple'; readonly elems: readonly CtyType[] };

/** A value that does not fit its type, or a malformed type (cty's error texts, approximately). */
export class CtyJsonError extends Error {}

/** cty `json.UnmarshalType`. */
export function parseCtyType(node: RawNode): CtyType {
  if (node.t === 'str') {
    if (node.v === 'string' || node.v === 'number' || node.v === 'bool' || node.v === 'dynamic') return node.v;
    throw new CtyJsonError(`invalid primitive type name ${quoteGoString(node.v)}`);
  }
  if (node.t !== 'arr' || node.items.length < 2 || node.items[0].t !== 'str') throw new CtyJsonError('invalid complex type description');
  const kind = node.items[0].v;
  const arg = node.items[1];
  switch (kind) {
    case 'list':
    case 'set':
    case 'map':
      if (node.items.length !== 2) throw new CtyJsonError(`extraneous data after ${kind} type`);
      return { kind, elem: parseCtyType(arg) };
    case 'object': {
      if (arg.t !== 'obj') throw new CtyJsonError('object type attributes must be a JSON object');
      if (node.items.length > 2) throw new CtyJsonError('optional object attributes are not valid in a state');
      const attrs = new Map<string, CtyType>();
      for (const [k, v] of arg.entries) attrs.set(k, parseCtyType(v));
      return { kind, attrs };
    }
    case 'tuple':
      if (arg.t !== 'arr' || node.items.length !== 2) throw new CtyJsonError('tuple element types must be a JSON array');
      return { kind, elems: arg.items.map(parseCtyType) };
    default:
      throw new CtyJsonError(`invalid type kind ${quoteGoString(kind)}`);
  }
}

/** cty `json.MarshalType`, compact, as a binary string. */
export function marshalCtyType(t: CtyType): string {
  if (typeof t === 'string') return `"${t}"`;
  switch (t.kind) {
    case 'list':
    case 'set':
    case 'map':
      return `["${t.kind}",${marshalCtyType(t.elem)}]`;
    case 'object':
      return `["object",{${[...t.attrs.keys()].sort(compareGoStrings).map((k) => binary(quoteGoString(k)) + ':' + marshalCtyType(t.attrs.get(k)!)).join(',')}}]`;
    case 'tuple':
      return `["tuple",[${t.elems.map(marshalCtyType).join(',')}]]`;
  }
}

/** A decimal number: `int(digits) × 10^exp`; zero has empty digits. */
interface Decimal {
  readonly neg: boolean;
  readonly digits: string;
  readonly exp: number;
}

/** `big.ParseFloat(s, 10, 512, ToNearestEven)` as far as the decimal text goes. */
function parseDecimal(text: string): Decimal {
  const m = /^([+-]?)([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]+))?$/.exec(text);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) throw new CtyJsonError('a number is required');
  const frac = m[3] ?? '';
  let digits = (m[2] + frac).replace(/^0+/, '');
  let exp = Number(m[4] ?? '0') - frac.length;
  if (!Number.isSafeInteger(exp) || Math.abs(exp) > 1_000_000) throw new CtyJsonError('a number is required');
  const trimmed = digits.replace(/0+$/, '');
  exp += digits.length - trimmed.length;
  digits = trimmed;
  return { neg: m[1] === '-', digits, exp: digits === '' ? 0 : exp };
}

/** `big.Float.Text('f', -1)` of the parsed number. */
function formatDecimal(d: Decimal): string {
  if (d.digits === '') return d.neg ? '-0' : '0';
  const sign = d.neg ? '-' : '';
  if (d.exp >= 0) return sign + d.digits + '0'.repeat(d.exp);
  const point = d.digits.length + d.exp;
  if (point > 0) return sign + d.digits.slice(0, point) + '.' + d.digits.slice(point);
  return sign + '0.' + '0'.repeat(-point) + d.digits;
}

/** Number text as cty writes it: `1.0` → `1`, `1e2` → `100`, `0.10` → `0.1`, `-0` → `-0`. */
export function normalizeCtyNumber(text: string): string {
  return formatDecimal(parseDecimal(text));
}

function compareDecimal(a: Decimal, b: Decimal): number {
  const sa = a.digits === '' ? 0 : a.neg ? -1 : 1;
  const sb = b.digits === '' ? 0 : b.neg ? -1 : 1;
  if (sa !== sb) return sa - sb;
  if (sa === 0) return 0;
  const mag = (): number => {
    const pa = a.digits.length + a.exp;
    const pb = b.digits.length + b.exp;
    if (pa !== pb) return pa - pb;
    const n = Math.max(a.digits.length, b.digits.length);
    const da = a.digits.padEnd(n, '0');
    const db = b.digits.padEnd(n, '0');
    return da < db ? -1 : da > db ? 1 : 0;
  };
  return sa * mag();
}

function str(s: string): string {
  return binary(quoteGoString(s.normalize('NFC')));
}

/** An encoded value with what a primitive set needs to order and de-duplicate it. */
interface Encoded {
  readonly text: string;
  readonly sortKey?: { readonly t: 'string'; readonly v: string } | { readonly t: 'number'; readonly v: Decimal } | { readonly t: 'bool'; readonly v: boolean };
}

function lastWins(entries: readonly (readonly [string, RawNode])[]): Map<string, RawNode> {
  const m = new Map<string, RawNode>();
  for (const [k, v] of entries) m.set(k, v);
  return m;
}

function encode(node: RawNode, t: CtyType, path: string): Encoded {
  if (node.t === 'null') return { text: 'null' };
  const fail = (what: string) => new CtyJsonError(`${path ? path + ': ' : ''}${what}`);
  if (typeof t === 'string') {
    switch (t) {
      case 'string':
        if (node.t === 'str') return { text: str(node.v), sortKey: { t: 'string', v: node.v.normalize('NFC') } };
        if (node.t === 'num') return { text: str(node.text), sortKey: { t: 'string', v: node.text } };
        if (node.t === 'bool') return { text: `"${node.v}"`, sortKey: { t: 'string', v: String(node.v) } };
        throw fail('string is required');
      case 'number': {
        if (node.t !== 'num' && node.t !== 'str') throw fail('number is required');
        const d = parseDecimal(node.t === 'num' ? node.text : node.v);
        return { text: formatDecimal(d), sortKey: { t: 'number', v: d } };
      }
      case 'bool': {
        let v: boolean;
        if (node.t === 'bool') v = node.v;
        else if (node.t === 'str' && (node.v === 'true' || node.v === '1')) v = true;
        else if (node.t === 'str' && (node.v === 'false' || node.v === '0')) v = false;
        else throw fail('bool is required');
        return { text: String(v), sortKey: { t: 'bool', v } };
      }
      case 'dynamic': {
        if (node.t !== 'obj') throw fail('dynamic value must be an object with "value" and "type"');
        const m = lastWins(node.entries);
        for (const k of m.keys()) if (k !== 'value' && k !== 'type') throw fail(`invalid key ${quoteGoString(k)}`);
        if (!m.has('type')) throw fail('missing type');
        if (!m.has('value')) throw fail('missing value');
        const inner = parseCtyType(m.get('type')!);
        const value = encode(m.get('value')!, inner, path);
        if (inner === 'dynamic') return value;
        return { text: `{"value":${value.text},"type":${marshalCtyType(inner)}}` };
      }
    }
  }
  switch (t.kind) {
    case 'list':
    case 'set': {
      if (node.t !== 'arr') throw fail(`array is required for ${t.kind}`);
      let items = node.items.map((n, i) => encode(n, t.elem, `${path}[${i}]`));
      if (t.kind === 'set') items = orderSet(items);
      return { text: `[${items.map((i) => i.text).join(',')}]` };
    }
    case 'tuple': {
      if (node.t !== 'arr') throw fail('array is required for tuple');
      if (node.items.length !== t.elems.length) throw fail(`tuple of ${t.elems.length} elements is required`);
      return { text: `[${node.items.map((n, i) => encode(n, t.elems[i], `${path}[${i}]`).text).join(',')}]` };
    }
    case 'map': {
      if (node.t !== 'obj') throw fail('object is required for map');
      const m = lastWins(node.entries);
      const keys = [...m.keys()].sort(compareGoStrings);
      return { text: `{${keys.map((k) => str(k) + ':' + encode(m.get(k)!, t.elem, `${path}[${quoteGoString(k)}]`).text).join(',')}}` };
    }
    case 'object': {
      if (node.t !== 'obj') throw fail('object is required');
      const m = lastWins(node.entries);
      for (const k of m.keys()) if (!t.attrs.has(k)) throw fail(`unsupported attribute ${quoteGoString(k)}`);
      const keys = [...t.attrs.keys()].sort(compareGoStrings);
      return { text: `{${keys.map((k) => binary(quoteGoString(k)) + ':' + (m.has(k) ? encode(m.get(k)!, t.attrs.get(k)!, `${path}.${k}`).text : 'null')).join(',')}}` };
    }
  }
}

/** cty's set order for primitive elements (nulls last), duplicates dropped; others kept as given. */
function orderSet(items: Encoded[]): Encoded[] {
  if (!items.every((i) => i.sortKey || i.text === 'null')) return items;
  const cmp = (a: Encoded, b: Encoded): number => {
    if (!a.sortKey || !b.sortKey) return (a.sortKey ? 0 : 1) - (b.sortKey ? 0 : 1);
    const ka = a.sortKey;
    const kb = b.sortKey;
    if (ka.t === 'number' && kb.t === 'number') return compareDecimal(ka.v, kb.v);
    if (ka.t === 'bool' && kb.t === 'bool') return Number(ka.v) - Number(kb.v);
    if (ka.t === 'string' && kb.t === 'string') return compareGoStrings(ka.v, kb.v);
    return 0;
  };
  const sorted = [...items].sort(cmp);
  return sorted.filter((x, n) => n === 0 || x.text === 'null' || cmp(sorted[n - 1], x) !== 0);
}

/** cty `Unmarshal(value, UnmarshalType(type))` then `Marshal` / `MarshalType`: the output's new raw texts. */
export function reencodeOutput(value: RawJson, type: RawJson): { value: RawJson; type: RawJson } {
  const t = parseCtyType(parseRawTree(type));
  return { value: new RawJson(encode(parseRawTree(value), t, '').text), type: new RawJson(marshalCtyType(t)) };
}

/** cty `Unmarshal(raw, DynamicPseudoType)` then `Marshal` (a sensitive path's index key). */
export function reencodeDynamic(value: RawJson): RawJson {
  return new RawJson(encode(parseRawTree(value), 'dynamic', '').text);
}

/**
 * cty `ImpliedType` of a JSON document (numbers, strings, bools, null → dynamic, arrays → tuples,
 * objects → objects), then Terraform's `simplifyImpliedValueType` (uniform tuples → lists, uniform
 * objects → maps): the type a v3 output gets when upgraded.
 */
export function impliedSimplifiedType(node: RawNode): CtyType {
  return simplify(implied(node));
}

function implied(node: RawNode): CtyType {
  switch (node.t) {
    case 'null': return 'dynamic';
    case 'bool': return 'bool';
    case 'num': return 'number';
    case 'str': return 'string';
    case 'arr': return { kind: 'tuple', elems: node.items.map(implied) };
    case 'obj': {
      const attrs = new Map<string, CtyType>();
      for (const [k, v] of node.entries) attrs.set(k, implied(v));
      return { kind: 'object', attrs };
    }
  }
}

function typeEquals(a: CtyType, b: CtyType): boolean {
  return marshalCtyType(a) === marshalCtyType(b);
}

function simplify(t: CtyType): CtyType {
  if (typeof t === 'string') return t;
  if (t.kind === 'tuple') {
    if (t.elems.length === 0 || !t.elems.every((e) => typeEquals(e, t.elems[0]))) return t;
    return { kind: 'list', elem: simplify(t.elems[0]) };
  }
  if (t.kind === 'object') {
    const types = [...t.attrs.values()];
    if (types.length === 0 || !types.every((e) => typeEquals(e, types[0]))) return t;
    return { kind: 'map', elem: simplify(types[0]) };
  }
  return t;
}
