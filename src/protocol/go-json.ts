/**
 * Go `encoding/json` compatibility: a parser that reports Go's syntax error texts and an encoder that
 * produces the bytes of Go's `json.Marshal` / `json.MarshalIndent`. Terraform and OpenTofu compare and
 * store these bytes (lock `Info`, digest MD5s), so "equivalent JSON" is not enough: the bytes must match.
 *
 * Runtime-only (uses `Buffer`); the construct never imports this file.
 */

/** A JSON value as this module parses it. Integers beyond 2^53 are kept exactly as `bigint`. */
export type GoJsonValue = null | boolean | number | bigint | string | GoJsonValue[] | { [key: string]: GoJsonValue };

/** The encoder (`json.Marshal`), Go's string and map-key order, Go's type names: a file of their own. */
export * from './go-json-marshal';

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
  const buf = asBuffer(bytes);
  let i = start;
  while (i < end && bytes[i] < 0x80) i++;
  // ASCII only (the common case): one slice, no per-byte work.
  if (i === end) return buf.toString('latin1', start, end);
  let out = buf.toString('latin1', start, i);
  let runStart = i;
  while (i < end) {
    const b0 = bytes[i];
    if (b0 < 0x80) { i++; continue; }
    if (i > runStart) out += buf.toString('latin1', runStart, i);
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
  if (end > runStart) out += buf.toString('latin1', runStart, end);
  return out;
}

/** `bytes` as a Buffer over the same memory (no copy), for its latin1 slices. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function isCont(b: number): boolean {
  return (b & 0xc0) === 0x80;
}
/* eslint-enable no-bitwise */

/** Go's `isSpace`: space, tab, newline, carriage return. */
function isWs(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** The escapes that stand for one character (`\\u` aside). */
const SIMPLE_ESCAPES: Readonly<Record<number, string>> = { 0x22: '"', 0x5c: '\\', 0x2f: '/', 0x62: '\b', 0x66: '\f', 0x6e: '\n', 0x72: '\r', 0x74: '\t' };

/**
 * Parses JSON with Go's `json.Unmarshal` acceptance rules and error texts: `unexpected end of JSON input`
 * for empty or truncated input, `invalid character 'x' looking for beginning of value` and friends for
 * bad bytes. Invalid UTF-8 and lone `\u` surrogates become U+FFFD as in Go. Duplicate keys: last wins.
 *
 * @throws GoJsonSyntaxError
 */
export function parseGoJson(input: string | Uint8Array, options: GoParseOptions = {}): GoJsonValue {
  const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : asBuffer(input);
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
    private readonly b: Buffer,
    private readonly spans?: WeakMap<object, Map<string, readonly [number, number]>>,
    private readonly spanDepth = 0,
  ) {}

  public skipWs(): void {
    while (this.pos < this.b.length && isWs(this.b[this.pos])) this.pos++;
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
      if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
      else obj[key] = value;
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
      const simple = SIMPLE_ESCAPES[e];
      if (simple !== undefined) {
        out += simple;
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
    const text = b.toString('latin1', start, this.pos);
    const n = Number(text);
    if (integer && !Number.isSafeInteger(n)) return BigInt(text);
    return n;
  }
}
