/**
 * The encoder half of the Go `encoding/json` compatibility (`go-json.ts`, which re-exports it): the bytes
 * of Go's `json.Marshal` / `json.MarshalIndent`, Go's string order and map-key order, and the names Go
 * uses in its unmarshal errors.
 *
 * Runtime-only (uses `Buffer`); the construct never imports this file.
 */

import type { GoJsonValue } from './go-json';

/** How numbers are written. */
export type GoNumberStyle =
  /** Go's float64 encoder (`strconv` 'f'/'e' with its 1e21 / 1e-6 switch), same as JS `String(n)`. */
  | 'float64'
  /** cty's JSON (`big.Float.Text('f', -1)`): plain decimal, never an exponent. Terraform state values. */
  | 'cty';

/** Options of {@link marshalGoJson}. */
export interface GoMarshalOptions {
  /** `json.MarshalIndent(v, prefix, indent)` instead of compact `json.Marshal`. @default - compact */
  readonly indent?: string;
  /** @default 'float64' */
  readonly numberStyle?: GoNumberStyle;
  /**
   * Every object's keys in Go's string order, as Go writes a map (cty's JSON of objects and maps); JS
   * would put integer-like keys first otherwise. @default false - each object's own key order
   */
  readonly sortKeys?: boolean;
}

/**
 * Go's string encoder with HTML escaping on (the default of `json.Marshal`): `<`, `>`, `&` and
 * U+2028/U+2029 become `\u` escapes, control characters `\u00XX` except `\b \f \n \r \t` (Go ≥ 1.22),
 * lone surrogates (invalid UTF-8 once encoded) `\ufffd`.
 */
export function quoteGoString(s: string): string {
  let out = '"';
  let run = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let rep: string | undefined;
    if (c < 0x20 || c === 0x22 || c === 0x5c || c === 0x3c || c === 0x3e || c === 0x26 || c === 0x2028 || c === 0x2029) {
      switch (c) {
        case 0x22: rep = '\\"'; break;
        case 0x5c: rep = '\\\\'; break;
        case 0x08: rep = '\\b'; break;
        case 0x0c: rep = '\\f'; break;
        case 0x0a: rep = '\\n'; break;
        case 0x0d: rep = '\\r'; break;
        case 0x09: rep = '\\t'; break;
        default: rep = '\\u' + c.toString(16).padStart(4, '0');
      }
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const next = s.charCodeAt(i + 1);
      if (c < 0xdc00 && next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
      rep = '\\ufffd';
    }
    if (rep !== undefined) {
      out += s.slice(run, i) + rep;
      run = i + 1;
    }
  }
  return out + s.slice(run) + '"';
}

/** Formats a number as cty's JSON encoder does: shortest round-trip digits, never an exponent. */
export function formatCtyNumber(n: number | bigint): string {
  if (typeof n === 'bigint') return n.toString();
  if (!Number.isFinite(n)) throw new TypeError(`cannot encode ${n} as a JSON number`);
  if (Object.is(n, -0)) return '0';
  const s = String(n);
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(s);
  if (!m) return s;
  const [, sign, lead, frac = '', expText] = m;
  const exp = Number(expText);
  const digits = lead + frac;
  if (exp >= 0) {
    const intLen = exp + 1;
    return sign + (digits.length <= intLen ? digits + '0'.repeat(intLen - digits.length) : digits.slice(0, intLen) + '.' + digits.slice(intLen));
  }
  return sign + '0.' + '0'.repeat(-exp - 1) + digits;
}

function formatNumber(n: number | bigint, style: GoNumberStyle): string {
  if (style === 'cty') return formatCtyNumber(n);
  if (typeof n === 'bigint') return n.toString();
  if (!Number.isFinite(n)) throw new TypeError(`json: unsupported value: ${n}`);
  // JS and Go's float64 encoder agree on digits and on the 1e21 / 1e-6 exponent switch.
  return Object.is(n, -0) ? '-0' : String(n);
}

/**
 * Go's `json.Marshal` (or `json.MarshalIndent` with `indent`) of a value tree. Objects are written in
 * their own key order: Go sorts map keys but keeps struct field order, so callers that model a Go map
 * pass its entries through {@link sortGoMapKeys} first. `undefined` object members are omitted
 * (Go's `omitempty` is the caller's business).
 */
export function marshalGoJson(value: unknown, options: GoMarshalOptions = {}): string {
  const style = options.numberStyle ?? 'float64';
  const indent = options.indent;
  const enc = (v: unknown, depth: number): string => {
    if (v === null) return 'null';
    switch (typeof v) {
      case 'string': return quoteGoString(v);
      case 'boolean': return v ? 'true' : 'false';
      case 'number':
      case 'bigint': return formatNumber(v, style);
      case 'object': break;
      default: throw new TypeError(`json: unsupported type: ${typeof v}`);
    }
    const nl = indent === undefined ? '' : '\n' + indent.repeat(depth + 1);
    const close = indent === undefined ? '' : '\n' + indent.repeat(depth);
    const sep = indent === undefined ? ':' : ': ';
    if (Array.isArray(v)) {
      if (v.length === 0) return '[]';
      return '[' + v.map((x) => nl + enc(x === undefined ? null : x, depth + 1)).join(',') + close + ']';
    }
    const obj = v as Record<string, unknown>;
    const all = options.sortKeys ? Object.keys(obj).sort(compareGoStrings).map((k): [string, unknown] => [k, obj[k]]) : Object.entries(obj);
    const entries = all.filter(([, x]) => x !== undefined);
    if (entries.length === 0) return '{}';
    return '{' + entries.map(([k, x]) => nl + quoteGoString(k) + sep + enc(x, depth + 1)).join(',') + close + '}';
  };
  return enc(value, 0);
}

/** Compares two strings by their UTF-8 bytes, Go's string order (`sort.Strings`, map key order). */
export function compareGoStrings(a: string, b: string): number {
  if (a === b) return 0;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** A copy of a map-like object with its keys in Go's map-marshal order (sorted by UTF-8 bytes). */
export function sortGoMapKeys<T>(obj: Record<string, T>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const k of Object.keys(obj).sort(compareGoStrings)) {
    Object.defineProperty(out, k, { value: obj[k], enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/**
 * Go's `strings.EqualFold`-based field matching used by `json.Unmarshal` for struct fields: exact
 * match first, else case-insensitive (including the Kelvin sign and long s that fold to ASCII).
 */
export function goFoldKey(key: string): string {
  return key.replace(/\u212a/g, 'k').replace(/\u017f/g, 's').toLowerCase();
}

/** Go's name for the JSON type of a value in `UnmarshalTypeError` texts. */
export function goJsonTypeName(v: GoJsonValue): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  switch (typeof v) {
    case 'string': return 'string';
    case 'boolean': return 'bool';
    case 'number':
    case 'bigint': return 'number';
    default: return 'object';
  }
}
