/**
 * Go `encoding/json` compatibility: a parser that reports Go's syntax error texts and an encoder that
 * produces the bytes of Go's `json.Marshal` / `json.MarshalIndent`. Terraform and OpenTofu compare and
 * store these bytes (lock `Info`, digest MD5s), so "equivalent JSON" is not enough: the bytes must match.
 *
 * Runtime-only (uses `Buffer`); the construct never imports this file.
 */

/** A JSON value as this module parses it. Integers beyond 2^53 are kept exactly as `bigint`. */
export type GoJsonValue = null | boolean | number | bigint | string | GoJsonValue[] | { [key: string]: GoJsonValue };

/**
 * Go's `*json.SyntaxError`: `message` is Go's text, `offset` counts the bytes read before the error
 * (Go's `Offset`).
 */
export class GoJsonSyntaxError extends Error {
  /** Bytes read before the error, as Go's `SyntaxError.Offset`. */
  public readonly offset: number;

  constructor(message: string, offset: number) {
    super(message);
    this.name = 'GoJsonSyntaxError';
    this.offset = offset;
  }
}

/** Go's `quoteChar`: how the scanner names an offending byte in its messages. */
function quoteChar(c: number): string {
  if (c === 0x27) return '\'\\\'\'';
  if (c === 0x22) return '\'"\'';
  // Go converts the byte to a rune (Latin-1), then strconv.Quote's it without the outer quotes.
  const quoted = goQuoteRune(c);
  return `'${quoted}'`;
}

function goQuoteRune(c: number): string {
  switch (c) {
    case 0x07: return '\\a';
    case 0x08: return '\\b';
    case 0x0c: return '\\f';
    case 0x0a: return '\\n';
    case 0x0d: return '\\r';
    case 0x09: return '\\t';
    case 0x0b: return '\\v';
    case 0x5c: return '\\\\';
    default:
      if (c < 0x20 || c === 0x7f) return '\\x' + c.toString(16).padStart(2, '0');
      if (c >= 0x80 && c < 0xa0) return '\\u' + c.toString(16).padStart(4, '0');
      if (c === 0xad) return '\\u00ad';
      return String.fromCharCode(c);
  }
}

/* eslint-disable no-bitwise -- UTF-8 decoding is bit manipulation by definition. */
/**
 * Decodes UTF-8 as Go does when it builds a string from JSON: every byte that does not start a valid
 * sequence becomes one U+FFFD (Node's decoder may merge a truncated sequence into one U+FFFD).
 */
export function goDecodeUtf8(bytes: Uint8Array, start = 0, end = bytes.length): string {
  let out = '';
  let i = start;
  let runStart = i;
  const flushAscii = (to: number) => {
    if (to > runStart) out += Buffer.from(bytes.buffer, bytes.byteOffset + runStart, to - runStart).toString('latin1');
  };
  while (i < end) {
    const b0 = bytes[i];
    if (b0 < 0x80) { i++; continue; }
    flushAscii(i);
    let cp = -1;
    let size = 1;
    if (b0 >= 0xc2 && b0 <= 0xdf && i + 1 < end && isCont(bytes[i + 1])) {
      cp = ((b0 & 0x1f) << 6) | (bytes[i + 1] & 0x3f);
      size = 2;
    } else if (b0 >= 0xe0 && b0 <= 0xef && i + 2 < end && isCont(bytes[i + 1]) && isCont(bytes[i + 2])) {
      const c = ((b0 & 0x0f) << 12) | ((bytes[i + 1] & 0x3f) << 6) | (bytes[i + 2] & 0x3f);
      if (c >= 0x800 && (c < 0xd800 || c > 0xdfff)) { cp = c; size = 3; }
    } else if (b0 >= 0xf0 && b0 <= 0xf4 && i + 3 < end && isCont(bytes[i + 1]) && isCont(bytes[i + 2]) && isCont(bytes[i + 3])) {
      const c = ((b0 & 0x07) << 18) | ((bytes[i + 1] & 0x3f) << 12) | ((bytes[i + 2] & 0x3f) << 6) | (bytes[i + 3] & 0x3f);
      if (c >= 0x10000 && c <= 0x10ffff) { cp = c; size = 4; }
    }
    out += cp < 0 ? '\ufffd' : String.fromCodePoint(cp);
    i += cp < 0 ? 1 : size;
    runStart = i;
  }
  flushAscii(end);
  return out;
}

function isCont(b: number): boolean {
  return (b & 0xc0) === 0x80;
}
/* eslint-enable no-bitwise */

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);

/**
 * Parses JSON with Go's `json.Unmarshal` acceptance rules and error texts: `unexpected end of JSON input`
 * for empty or truncated input, `invalid character 'x' looking for beginning of value` and friends for
 * bad bytes. Invalid UTF-8 and lone `\u` surrogates become U+FFFD as in Go. Duplicate keys: last wins.
 *
 * @throws GoJsonSyntaxError
 */
export function parseGoJson(input: string | Uint8Array, options: GoParseOptions = {}): GoJsonValue {
  const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  const p = new Parser(bytes, options.spans, options.spanDepth ?? 0);
  p.skipWs();
  const value = p.parseValue();
  p.skipWs();
  if (p.pos < bytes.length) throw p.invalid('after top-level value');
  return value;
}

/** Options of {@link parseGoJson}. */
export interface GoParseOptions {
  /**
   * Filled with the byte span `[start, end)` of each member value of the objects nested at most
   * `spanDepth` levels deep (the top-level value is depth 0), keyed by the parsed object and the
   * member name: what Go's `json.RawMessage` fields capture. @default - no spans
   */
  readonly spans?: WeakMap<object, Map<string, readonly [number, number]>>;
  /** @default 0 */
  readonly spanDepth?: number;
}

class Parser {
  public pos = 0;
  private depth = 0;
  constructor(
    private readonly b: Uint8Array,
    private readonly spans?: WeakMap<object, Map<string, readonly [number, number]>>,
    private readonly spanDepth = 0,
  ) {}

  public skipWs(): void {
    while (this.pos < this.b.length && WS.has(this.b[this.pos])) this.pos++;
  }

  public invalid(context: string): GoJsonSyntaxError {
    if (this.pos >= this.b.length) return this.eof();
    return new GoJsonSyntaxError(`invalid character ${quoteChar(this.b[this.pos])} ${context}`, this.pos + 1);
  }

  public eof(): GoJsonSyntaxError {
    return new GoJsonSyntaxError('unexpected end of JSON input', this.b.length);
  }

  public parseValue(): GoJsonValue {
    if (this.pos >= this.b.length) throw this.eof();
    const c = this.b[this.pos];
    switch (c) {
      case 0x7b: return this.parseObject();
      case 0x5b: return this.parseArray();
      case 0x22: return this.parseString();
      case 0x74: this.literal('true'); return true;
      case 0x66: this.literal('false'); return false;
      case 0x6e: this.literal('null'); return null;
      default:
        if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return this.parseNumber();
        throw this.invalid('looking for beginning of value');
    }
  }

  private literal(word: string): void {
    this.pos++;
    for (let k = 1; k < word.length; k++) {
      if (this.pos >= this.b.length) throw this.eof();
      if (this.b[this.pos] !== word.charCodeAt(k)) {
        throw this.invalid(`in literal ${word} (expecting '${word[k]}')`);
      }
      this.pos++;
    }
  }

  private parseObject(): GoJsonValue {
    this.pos++;
    const obj: { [key: string]: GoJsonValue } = {};
    this.skipWs();
    if (this.pos >= this.b.length) throw this.eof();
    if (this.b[this.pos] === 0x7d) { this.pos++; return obj; }
    for (;;) {
      if (this.pos >= this.b.length) throw this.eof();
      if (this.b[this.pos] !== 0x22) throw this.invalid('looking for beginning of object key string');
      const key = this.parseString();
      this.skipWs();
      if (this.pos >= this.b.length) throw this.eof();
      if (this.b[this.pos] !== 0x3a) throw this.invalid('after object key');
      this.pos++;
      this.skipWs();
      const start = this.pos;
      this.depth++;
      const value = this.parseValue();
      this.depth--;
      if (this.spans && this.depth <= this.spanDepth) {
        let m = this.spans.get(obj);
        if (!m) this.spans.set(obj, (m = new Map()));
        m.set(key, [start, this.pos]);
      }
      // defineProperty keeps a "__proto__" key an ordinary property, as it is for Go.
      Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
      this.skipWs();
      if (this.pos >= this.b.length) throw this.eof();
      const c = this.b[this.pos];
      if (c === 0x2c) { this.pos++; this.skipWs(); continue; }
      if (c === 0x7d) { this.pos++; return obj; }
      throw this.invalid('after object key:value pair');
    }
  }

  private parseArray(): GoJsonValue {
    this.pos++;
    const arr: GoJsonValue[] = [];
    this.skipWs();
    if (this.pos >= this.b.length) throw this.eof();
    if (this.b[this.pos] === 0x5d) { this.pos++; return arr; }
    for (;;) {
      this.depth++;
      arr.push(this.parseValue());
      this.depth--;
      this.skipWs();
      if (this.pos >= this.b.length) throw this.eof();
      const c = this.b[this.pos];
      if (c === 0x2c) { this.pos++; this.skipWs(); continue; }
      if (c === 0x5d) { this.pos++; return arr; }
      throw this.invalid('after array element');
    }
  }

  private parseString(): string {
    this.pos++;
    let out = '';
    let segStart = this.pos;
    for (;;) {
      if (this.pos >= this.b.length) throw this.eof();
      const c = this.b[this.pos];
      if (c === 0x22) {
        out += goDecodeUtf8(this.b, segStart, this.pos);
        this.pos++;
        return out;
      }
      if (c < 0x20) throw this.invalid('in string literal');
      if (c !== 0x5c) { this.pos++; continue; }
      out += goDecodeUtf8(this.b, segStart, this.pos);
      this.pos++;
      if (this.pos >= this.b.length) throw this.eof();
      const e = this.b[this.pos];
      const simple: Record<number, string> = { 0x22: '"', 0x5c: '\\', 0x2f: '/', 0x62: '\b', 0x66: '\f', 0x6e: '\n', 0x72: '\r', 0x74: '\t' };
      if (simple[e] !== undefined) {
        out += simple[e];
        this.pos++;
      } else if (e === 0x75) {
        this.pos++;
        const unit = this.hex4();
        if (unit >= 0xd800 && unit < 0xdc00) {
          // Go pairs a high surrogate only with an immediately following low-surrogate escape.
          if (this.b[this.pos] === 0x5c && this.b[this.pos + 1] === 0x75) {
            const save = this.pos;
            this.pos += 2;
            const low = this.hex4();
            if (low >= 0xdc00 && low < 0xe000) {
              out += String.fromCharCode(unit, low);
            } else {
              out += '\ufffd';
              this.pos = save;
            }
          } else {
            out += '\ufffd';
          }
        } else if (unit >= 0xdc00 && unit < 0xe000) {
          out += '\ufffd';
        } else {
          out += String.fromCharCode(unit);
        }
      } else {
        throw this.invalid('in string escape code');
      }
      segStart = this.pos;
    }
  }

  private hex4(): number {
    let v = 0;
    for (let k = 0; k < 4; k++) {
      if (this.pos >= this.b.length) throw this.eof();
      const c = this.b[this.pos];
      let d: number;
      if (c >= 0x30 && c <= 0x39) d = c - 0x30;
      else if (c >= 0x61 && c <= 0x66) d = c - 0x57;
      else if (c >= 0x41 && c <= 0x46) d = c - 0x37;
      else throw this.invalid('in \\u hexadecimal character escape');
      v = v * 16 + d;
      this.pos++;
    }
    return v;
  }

  private parseNumber(): number | bigint {
    const start = this.pos;
    const b = this.b;
    const digit = (i: number) => i < b.length && b[i] >= 0x30 && b[i] <= 0x39;
    if (b[this.pos] === 0x2d) {
      this.pos++;
      if (this.pos >= b.length) throw this.eof();
      if (!digit(this.pos)) throw this.invalid('in numeric literal');
    }
    if (b[this.pos] === 0x30) {
      this.pos++;
    } else {
      while (digit(this.pos)) this.pos++;
    }
    let integer = true;
    if (this.pos < b.length && b[this.pos] === 0x2e) {
      integer = false;
      this.pos++;
      if (this.pos >= b.length) throw this.eof();
      if (!digit(this.pos)) throw this.invalid('after decimal point in numeric literal');
      while (digit(this.pos)) this.pos++;
    }
    if (this.pos < b.length && (b[this.pos] === 0x65 || b[this.pos] === 0x45)) {
      integer = false;
      this.pos++;
      if (this.pos < b.length && (b[this.pos] === 0x2b || b[this.pos] === 0x2d)) this.pos++;
      if (this.pos >= b.length) throw this.eof();
      if (!digit(this.pos)) throw this.invalid('in exponent of numeric literal');
      while (digit(this.pos)) this.pos++;
    }
    const text = Buffer.from(b.buffer, b.byteOffset + start, this.pos - start).toString('latin1');
    const n = Number(text);
    if (integer && !Number.isSafeInteger(n)) return BigInt(text);
    return n;
  }
}

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
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
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
