import { parseGoJson } from '../go-json';

/**
 * Go's `json.RawMessage` as Terraform's state writer treats it: the bytes of a member exactly as
 * they were read, re-emitted through `json.Marshal`'s `appendCompact` (whitespace outside strings
 * removed, `<` `>` `&` and U+2028/U+2029 escaped because HTML escaping is on) and, for
 * `json.MarshalIndent`, through `appendIndent` at the member's depth. Number text, key order, duplicate
 * keys, escapes and even invalid UTF-8 inside strings are kept: Go never decodes a RawMessage.
 *
 * Text here is a "binary string": one UTF-16 unit per byte (latin1), so bytes survive unchanged.
 *
 * @see https://github.com/golang/go/blob/master/src/encoding/json/indent.go (appendCompact, appendIndent)
 */

const HEX = '0123456789abcdef';

/** A raw JSON value: compacted bytes as a binary string. */
export class RawJson {
  constructor(public readonly compact: string) {}

  /** The value's bytes as Go's compact `json.Marshal` writes them. */
  public toBuffer(): Buffer {
    return Buffer.from(this.compact, 'latin1');
  }
}

/** Go's `appendCompact(dst, src[start:end], escapeHTML=true)` for already-valid JSON. */
export function compactRaw(b: Uint8Array, start = 0, end = b.length): RawJson {
  // Byte loop into a buffer (one latin1 conversion at the end): states reach hundreds of MiB.
  let extra = 0;
  for (let i = start; i < end; i++) {
    const c = b[i];
    if (c === 0x3c || c === 0x3e || c === 0x26) extra += 5;
    else if (c === 0xe2 && i + 2 < end && b[i + 1] === 0x80 && (b[i + 2] === 0xa8 || b[i + 2] === 0xa9)) extra += 3;
  }
  const out = Buffer.allocUnsafe(end - start + extra);
  let o = 0;
  let inString = false;
  const escape = (hex1: number, hex2: number, hex3: number, hex4: number) => {
    out[o++] = 0x5c; out[o++] = 0x75; out[o++] = hex1; out[o++] = hex2; out[o++] = hex3; out[o++] = hex4;
  };
  for (let i = start; i < end; i++) {
    const c = b[i];
    if (c === 0x3c || c === 0x3e || c === 0x26) {
      escape(0x30, 0x30, HEX.charCodeAt(c >> 4), HEX.charCodeAt(c & 0xf)); // eslint-disable-line no-bitwise
      continue;
    }
    if (c === 0xe2 && i + 2 < end && b[i + 1] === 0x80 && (b[i + 2] === 0xa8 || b[i + 2] === 0xa9)) {
      escape(0x32, 0x30, 0x32, b[i + 2] === 0xa8 ? 0x38 : 0x39);
      i += 2;
      continue;
    }
    if (inString) {
      if (c === 0x5c) {
        out[o++] = c;
        out[o++] = b[++i];
        continue;
      }
      if (c === 0x22) inString = false;
      out[o++] = c;
      continue;
    }
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) continue;
    if (c === 0x22) inString = true;
    out[o++] = c;
  }
  return new RawJson(out.toString('latin1', 0, o));
}

/**
 * Go's `appendIndent` applied to compact text found at nesting `depth` of a `MarshalIndent` output:
 * a newline and `indent` per level after `{` `[` `,`, a space after `:`, empty containers kept as
 * `{}` / `[]`.
 */
export function indentRaw(compact: string, indent: string, depth: number): string {
  const parts: string[] = [];
  let d = depth;
  let needIndent = false;
  const newline = (n: number) => '\n' + indent.repeat(n);
  for (let i = 0; i < compact.length; i++) {
    const ch = compact[i];
    if (needIndent && ch !== ']' && ch !== '}') {
      needIndent = false;
      d++;
      parts.push(newline(d));
    }
    switch (ch) {
      case '"': {
        // A whole string at once.
        let j = i + 1;
        for (;;) {
          const q = compact.indexOf('"', j);
          let backslashes = 0;
          while (compact[q - 1 - backslashes] === '\\') backslashes++;
          if (backslashes % 2 === 0) {
            j = q;
            break;
          }
          j = q + 1;
        }
        parts.push(compact.slice(i, j + 1));
        i = j;
        break;
      }
      case '{':
      case '[':
        needIndent = true;
        parts.push(ch);
        break;
      case ',':
        parts.push(ch, newline(d));
        break;
      case ':':
        parts.push(': ');
        break;
      case '}':
      case ']':
        if (needIndent) {
          needIndent = false;
        } else {
          d--;
          parts.push(newline(d));
        }
        parts.push(ch);
        break;
      default: {
        // A number or literal: up to the next structural character.
        let j = i + 1;
        while (j < compact.length && !',:]}'.includes(compact[j])) j++;
        parts.push(compact.slice(i, j));
        i = j - 1;
      }
    }
  }
  return parts.join('');
}

/** A JSON value with number text kept (what cty's decoder sees through `json.Number`). */
export type RawNode =
  | { readonly t: 'null' }
  | { readonly t: 'bool'; readonly v: boolean }
  | { readonly t: 'num'; readonly text: string }
  | { readonly t: 'str'; readonly v: string }
  | { readonly t: 'arr'; readonly items: readonly RawNode[] }
  /** Members in file order; duplicates kept (callers decide which wins). */
  | { readonly t: 'obj'; readonly entries: readonly (readonly [string, RawNode])[] };

/** Parses compact, valid JSON (a {@link RawJson}) into a {@link RawNode} tree. */
export function parseRawTree(raw: RawJson): RawNode {
  const s = raw.compact;
  let pos = 0;
  const str = (): string => {
    const start = pos;
    pos++;
    while (s[pos] !== '"') pos += s[pos] === '\\' ? 2 : 1;
    pos++;
    return parseGoJson(Buffer.from(s.slice(start, pos), 'latin1')) as string;
  };
  const value = (): RawNode => {
    const c = s[pos];
    if (c === '{') {
      pos++;
      const entries: [string, RawNode][] = [];
      while (s[pos] !== '}') {
        const k = str();
        pos++; // ':'
        entries.push([k, value()]);
        if (s[pos] === ',') pos++;
      }
      pos++;
      return { t: 'obj', entries };
    }
    if (c === '[') {
      pos++;
      const items: RawNode[] = [];
      while (s[pos] !== ']') {
        items.push(value());
        if (s[pos] === ',') pos++;
      }
      pos++;
      return { t: 'arr', items };
    }
    if (c === '"') return { t: 'str', v: str() };
    if (s.startsWith('null', pos)) { pos += 4; return { t: 'null' }; }
    if (s.startsWith('true', pos)) { pos += 4; return { t: 'bool', v: true }; }
    if (s.startsWith('false', pos)) { pos += 5; return { t: 'bool', v: false }; }
    const start = pos;
    while (pos < s.length && '0123456789-+.eE'.includes(s[pos])) pos++;
    return { t: 'num', text: s.slice(start, pos) };
  };
  return value();
}

/** A binary string of the UTF-8 bytes of `s` (for concatenation with raw text). */
export function binary(s: string): string {
  return Buffer.from(s, 'utf8').toString('latin1');
}
