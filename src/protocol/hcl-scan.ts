/**
 * A structural scanner of HCL native syntax: enough to find blocks and attributes with their byte
 * offsets, so that an edit can change one attribute and keep every other character of the file.
 *
 * It understands what can hide a brace or a newline from a naive scan: `#`, `//` and `/* *\/`
 * comments, quoted templates (escapes, `$${` / `%%{` literals, `${ }` / `%{ }` interpolations that
 * nest braces and strings), heredocs (`<<EOF`, `<<-EOF`) and bracketed multi-line expressions. It does
 * not evaluate expressions. Pure string processing (offsets are UTF-16 indexes into the text).
 */

/** `name = value` in a body. */
export interface HclAttribute {
  readonly kind: 'attribute';
  readonly name: string;
  /** Offset of the first character of the line holding the name. */
  readonly lineStart: number;
  readonly nameStart: number;
  /** Offset of `=`. */
  readonly equals: number;
  /** The value expression, trailing comment and whitespace excluded. */
  readonly valueStart: number;
  readonly valueEnd: number;
  /** End of the attribute's last line (offset of its newline, or of the text end / a closing brace). */
  readonly lineEnd: number;
}

/** `type label... { body }`. */
export interface HclBlock {
  readonly kind: 'block';
  readonly type: string;
  readonly labels: readonly string[];
  readonly lineStart: number;
  readonly typeStart: number;
  /** Offsets of `{` and of the matching `}`. */
  readonly open: number;
  readonly close: number;
  readonly items: readonly HclItem[];
}

/** An item of a body. */
export type HclItem = HclAttribute | HclBlock;

/** The text is not HCL this scanner can follow; `offset` is where it stopped. */
export class HclScanError extends Error {
  /** Offset of the problem in the text. */
  public readonly offset: number;
  /** 1-based line of the problem. */
  public readonly line: number;

  constructor(text: string, offset: number, what: string) {
    const line = text.slice(0, offset).split('\n').length;
    super(`line ${line}: ${what}`);
    this.name = 'HclScanError';
    this.offset = offset;
    this.line = line;
  }
}

const IDENT = /[A-Za-z_][A-Za-z0-9_-]*/y;

/** Scans a whole file (a top-level body). */
export function scanHcl(text: string): HclItem[] {
  const s = new Scanner(text);
  const items = s.body(false);
  return items;
}

/** A quoted label's text (labels are plain names in practice; JSON escapes are HCL's too). */
function unquoteLabel(quoted: string): string {
  try {
    return JSON.parse(quoted) as string;
  } catch {
    return quoted.slice(1, -1);
  }
}

class Scanner {
  private pos = 0;

  constructor(private readonly text: string) {}

  body(inBlock: boolean): HclItem[] {
    const items: HclItem[] = [];
    for (;;) {
      this.skipSpace(true);
      if (this.pos >= this.text.length) {
        if (inBlock) this.fail('the block is not closed (missing "}")');
        return items;
      }
      if (this.text[this.pos] === '}') {
        if (!inBlock) this.fail('unexpected "}"');
        return items;
      }
      items.push(this.item());
    }
  }

  private item(): HclItem {
    const lineStart = this.text.lastIndexOf('\n', this.pos - 1) + 1;
    const nameStart = this.pos;
    const name = this.ident() ?? this.fail('expected an attribute name or a block type');
    this.skipSpace(false);
    if (this.text[this.pos] === '=' && this.text[this.pos + 1] !== '=') {
      const equals = this.pos++;
      this.skipSpace(false);
      const valueStart = this.pos;
      const valueEnd = this.expression();
      const lineEnd = this.pos;
      return { kind: 'attribute', name, lineStart, nameStart, equals, valueStart, valueEnd, lineEnd };
    }
    const labels: string[] = [];
    for (;;) {
      this.skipSpace(false);
      const c = this.text[this.pos];
      if (c === '{') break;
      if (c === '"') {
        const start = this.pos;
        this.quoted();
        labels.push(unquoteLabel(this.text.slice(start, this.pos)));
        continue;
      }
      const label = this.ident();
      if (label === undefined) this.fail(`expected "=" or a block body after "${name}"`);
      labels.push(label!);
    }
    const open = this.pos++;
    const items = this.body(true);
    const close = this.pos++;
    return { kind: 'block', type: name, labels, lineStart, typeStart: nameStart, open, close, items };
  }

  /**
   * Skips an expression up to the newline (or the `}` of a single-line block) that ends it at bracket
   * depth 0; returns the end of its last token.
   */
  private expression(): number {
    let depth = 0;
    let lastEnd = this.pos;
    for (;;) {
      this.skipSpace(depth > 0);
      if (this.pos >= this.text.length) {
        if (depth > 0) this.fail('an expression is not closed');
        return lastEnd;
      }
      const c = this.text[this.pos];
      if (c === '\n' || (c === '\r' && this.text[this.pos + 1] === '\n')) {
        if (depth === 0) return lastEnd;
        this.pos++;
        continue;
      }
      if (c === '(' || c === '[' || c === '{') depth++;
      if (c === ')' || c === ']' || c === '}') {
        if (depth === 0) {
          if (c === '}') return lastEnd; // closes a single-line block
          this.fail(`unexpected "${c}"`);
        }
        depth--;
      }
      if (c === '"') this.quoted();
      else if (c === '<' && this.text[this.pos + 1] === '<' && /^<<-?[A-Za-z_]/.test(this.text.slice(this.pos, this.pos + 4))) this.heredoc();
      else this.pos++;
      lastEnd = this.pos;
    }
  }

  /** Skips a quoted template starting at `"`, interpolations included. */
  private quoted(): void {
    this.pos++;
    for (;;) {
      const c = this.text[this.pos];
      if (c === undefined || c === '\n') this.fail('a quoted string is not closed on its line');
      if (c === '\\') {
        this.pos += 2;
        continue;
      }
      if (c === '"') {
        this.pos++;
        return;
      }
      if ((c === '$' || c === '%') && this.text[this.pos + 1] === c && this.text[this.pos + 2] === '{') {
        this.pos += 3; // $${ and %%{ are literal text
        continue;
      }
      if ((c === '$' || c === '%') && this.text[this.pos + 1] === '{') {
        this.pos += 2;
        this.interpolation();
        continue;
      }
      this.pos++;
    }
  }

  /** Skips the inside of `${ ... }` / `%{ ... }` up to and including its closing brace. */
  private interpolation(): void {
    let depth = 0;
    for (;;) {
      this.skipSpace(true);
      const c = this.text[this.pos];
      if (c === undefined) this.fail('an interpolation is not closed');
      if (c === '"') {
        this.quoted();
        continue;
      }
      if (c === '<' && /^<<-?[A-Za-z_]/.test(this.text.slice(this.pos, this.pos + 4))) {
        this.heredoc();
        continue;
      }
      if (c === '{' || c === '(' || c === '[') depth++;
      if (c === '}' || c === ')' || c === ']') {
        if (depth === 0) {
          if (c !== '}') this.fail(`unexpected "${c}" in an interpolation`);
          this.pos++;
          return;
        }
        depth--;
      }
      this.pos++;
    }
  }

  /** Skips `<<ID` / `<<-ID` through the line that closes it. */
  private heredoc(): void {
    const m = /^<<(-?)([A-Za-z_][A-Za-z0-9_-]*)[ \t]*\r?\n/.exec(this.text.slice(this.pos, this.pos + 200));
    if (!m) this.fail('a heredoc marker must be followed by a newline');
    const marker = m![2];
    let at = this.pos + m![0].length;
    for (;;) {
      const nl = this.text.indexOf('\n', at);
      const line = this.text.slice(at, nl === -1 ? this.text.length : nl).replace(/\r$/, '');
      if (line.trim() === marker) {
        this.pos = at + line.length;
        return;
      }
      if (nl === -1) this.fail(`the heredoc "${marker}" is not closed`);
      at = nl + 1;
    }
  }

  /** Skips blanks and comments; newlines too when `newlines` (a `#` or `//` comment stops at its newline). */
  private skipSpace(newlines: boolean): void {
    for (;;) {
      const c = this.text[this.pos];
      if (c === ' ' || c === '\t' || (c === '\r' && this.text[this.pos + 1] !== '\n')) {this.pos++;} else if (newlines && (c === '\n' || c === '\r')) {this.pos++;} else if (c === '#' || (c === '/' && this.text[this.pos + 1] === '/')) {
        const nl = this.text.indexOf('\n', this.pos);
        this.pos = nl === -1 ? this.text.length : (this.text[nl - 1] === '\r' ? nl - 1 : nl);
      } else if (c === '/' && this.text[this.pos + 1] === '*') {
        const end = this.text.indexOf('*/', this.pos + 2);
        if (end === -1) this.fail('a /* comment is not closed');
        this.pos = end + 2;
      } else {return;}
    }
  }

  private ident(): string | undefined {
    IDENT.lastIndex = this.pos;
    const m = IDENT.exec(this.text);
    if (!m) return undefined;
    this.pos += m[0].length;
    return m[0];
  }

  private fail(what: string): never {
    throw new HclScanError(this.text, Math.min(this.pos, this.text.length), what);
  }
}
