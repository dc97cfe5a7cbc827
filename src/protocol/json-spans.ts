/**
 * A JSON reader that remembers where every value sits in the input bytes, for edits that splice the
 * original bytes instead of re-serializing (re-serializing would change number spelling, escapes, key
 * order and indentation, and so every byte a reader compares).
 *
 * Strict RFC 8259 syntax (what Go's `encoding/json` accepts). Runtime-only (uses `Buffer`).
 */

/** A JSON value with its byte span `[start, end)` in the input. */
export type SpanNode =
  | { readonly kind: 'object'; readonly start: number; readonly end: number; readonly members: readonly SpanMember[] }
  | { readonly kind: 'array'; readonly start: number; readonly end: number; readonly items: readonly SpanNode[] }
  | { readonly kind: 'string'; readonly start: number; readonly end: number; readonly value: string }
  | { readonly kind: 'number'; readonly start: number; readonly end: number; readonly text: string }
  | { readonly kind: 'literal'; readonly start: number; readonly end: number; readonly value: boolean | null };

/** One `"key": value` member of an object, in input order (duplicates kept). */
export interface SpanMember {
  readonly key: string;
  readonly value: SpanNode;
}

/** The input is not JSON; `offset` is the byte where reading stopped. */
export class JsonSpanSyntaxError extends Error {
  /** Byte offset of the problem. */
  public readonly offset: number;

  constructor(message: string, offset: number) {
    super(`${message} at byte ${offset}`);
    this.name = 'JsonSpanSyntaxError';
    this.offset = offset;
  }
}

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);
const ESCAPES: Record<number, string> = { 0x22: '"', 0x5c: '\\', 0x2f: '/', 0x62: '\b', 0x66: '\f', 0x6e: '\n', 0x72: '\r', 0x74: '\t' };
const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/;
// Deep nesting is refused with an error rather than overflowing the JS stack (a few thousand frames);
// Terraform states nest a few dozen levels at most.
export const MAX_JSON_DEPTH = 1000;

/** Parses `bytes` (UTF-8 JSON) into a span tree. Throws `JsonSpanSyntaxError` on invalid input. */
export function parseJsonSpans(bytes: Uint8Array): SpanNode {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 0;

  const skipWs = () => {
    while (pos < buf.length && WS.has(buf[pos])) pos++;
  };
  const fail = (what: string): never => {
    throw new JsonSpanSyntaxError(pos >= buf.length ? `unexpected end of JSON input (${what})` : `invalid character ${JSON.stringify(String.fromCharCode(buf[pos]))} (${what})`, pos);
  };

  const readString = (): SpanNode => {
    const start = pos;
    pos++; // opening quote
    let out = '';
    let run = pos;
    for (;;) {
      if (pos >= buf.length) fail('in string literal');
      const c = buf[pos];
      if (c === 0x22) break;
      if (c < 0x20) fail('in string literal');
      if (c !== 0x5c) {
        pos++;
        continue;
      }
      out += buf.toString('utf8', run, pos);
      const e = buf[pos + 1];
      if (e === 0x75) {
        const hex = buf.toString('latin1', pos + 2, pos + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
          pos += 2;
          fail('in \\u hexadecimal character escape');
        }
        out += String.fromCharCode(parseInt(hex, 16));
        pos += 6;
      } else if (e !== undefined && ESCAPES[e] !== undefined) {
        out += ESCAPES[e];
        pos += 2;
      } else {
        pos++;
        fail('in string escape code');
      }
      run = pos;
    }
    out += buf.toString('utf8', run, pos);
    pos++; // closing quote
    return { kind: 'string', start, end: pos, value: out };
  };

  const readValue = (depth: number): SpanNode => {
    if (depth > MAX_JSON_DEPTH) throw new JsonSpanSyntaxError(`nesting deeper than ${MAX_JSON_DEPTH} levels is not supported`, pos);
    skipWs();
    const start = pos;
    const c = buf[pos];
    if (c === 0x7b) {
      pos++;
      const members: SpanMember[] = [];
      skipWs();
      if (buf[pos] === 0x7d) {
        pos++;
        return { kind: 'object', start, end: pos, members };
      }
      for (;;) {
        skipWs();
        if (buf[pos] !== 0x22) fail('looking for beginning of object key string');
        const key = readString() as { value: string };
        skipWs();
        if (buf[pos] !== 0x3a) fail('after object key');
        pos++;
        members.push({ key: key.value, value: readValue(depth + 1) });
        skipWs();
        if (buf[pos] === 0x2c) {
          pos++;
          continue;
        }
        if (buf[pos] === 0x7d) {
          pos++;
          return { kind: 'object', start, end: pos, members };
        }
        fail('after object key:value pair');
      }
    }
    if (c === 0x5b) {
      pos++;
      const items: SpanNode[] = [];
      skipWs();
      if (buf[pos] === 0x5d) {
        pos++;
        return { kind: 'array', start, end: pos, items };
      }
      for (;;) {
        items.push(readValue(depth + 1));
        skipWs();
        if (buf[pos] === 0x2c) {
          pos++;
          continue;
        }
        if (buf[pos] === 0x5d) {
          pos++;
          return { kind: 'array', start, end: pos, items };
        }
        fail('after array element');
      }
    }
    if (c === 0x22) return readString();
    for (const [word, value] of [['true', true], ['false', false], ['null', null]] as const) {
      if (buf.toString('latin1', pos, pos + word.length) === word) {
        pos += word.length;
        return { kind: 'literal', start, end: pos, value };
      }
    }
    const m = NUMBER.exec(buf.toString('latin1', pos, Math.min(buf.length, pos + 512)));
    if (m && m[0].length > 0 && m[0] !== '-') {
      pos += m[0].length;
      return { kind: 'number', start, end: pos, text: m[0] };
    }
    return fail('looking for beginning of value');
  };

  const root = readValue(0);
  skipWs();
  if (pos !== buf.length) fail('after top-level value');
  return root;
}

/** A replacement of the bytes `[start, end)` by `text`. */
export interface Splice {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

/**
 * Applies non-overlapping splices to `bytes`; splices nested inside another are dropped (the outer one
 * already replaces them). Returns the new bytes and the number of splices applied.
 */
export function applySplices(bytes: Uint8Array, splices: readonly Splice[]): { bytes: Buffer; applied: number } {
  const sorted = [...splices].sort((a, b) => a.start - b.start || b.end - a.end);
  const kept: Splice[] = [];
  for (const s of sorted) {
    const last = kept[kept.length - 1];
    if (last && s.start < last.end) continue;
    kept.push(s);
  }
  const parts: Buffer[] = [];
  let at = 0;
  const src = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const s of kept) {
    parts.push(src.subarray(at, s.start), Buffer.from(s.text, 'utf8'));
    at = s.end;
  }
  parts.push(src.subarray(at));
  return { bytes: Buffer.concat(parts), applied: kept.length };
}
