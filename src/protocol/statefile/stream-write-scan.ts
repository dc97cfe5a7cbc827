import { goFoldKey, parseGoJson } from '../go-json';

/**
 * The first pass of the streamed rewrite (`stream-write.ts`): one walk over the bytes of a state file,
 * fed in chunks, that understands only the top-level object and the elements of its `resources`
 * array(s). It records where each top-level member named (case-folded, as Go's decoder matches
 * struct fields) `resources` sits, and hands each element of such an array, as its own bytes, to a
 * callback. It never holds more than one element. Anything it cannot follow (not an object, truncated,
 * bad separators, trailing bytes) is reported as `failed`: the caller then lets the whole-file parser
 * give Terraform's exact error.
 */

/** One top-level member whose name folds to `resources`. */
export interface ResourcesMember {
  /** The member name as written (decoded). */
  readonly name: string;
  /** Byte span `[start, end)` of its value. */
  readonly start: number;
  readonly end: number;
  /** The value is an array (its elements were handed to the callback). */
  readonly isArray: boolean;
}

/** What the walk found. */
export interface StreamWriteScan {
  readonly size: number;
  /** Offset of the first `\n` (-1 when none): Terraform always indents, OpenTofu's remote state is compact. */
  readonly firstNewline: number;
  readonly members: readonly ResourcesMember[];
  /** Why the walk gave up, if it did. */
  readonly failed?: string;
}

/** Called with each element of a `resources` array: the member's index in `members`, its bytes and span. */
export type ElementCallback = (member: number, bytes: Buffer, start: number, end: number) => void;

const enum M { BeforeObject, BeforeKey, InKey, AfterKey, BeforeValue, InValue, AfterValue, AfterObject, Failed, BeforeElem, InElem, AfterElem }
const enum K { Str, Container, Scalar }

const isWs = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

export class StreamWriteScanner {
  private mode = M.BeforeObject;
  private offset = 0;
  private firstNewline = -1;
  private failed: string | undefined;
  private readonly members: ResourcesMember[] = [];
  private keyParts: Buffer[] = [];
  private key = '';
  private sawKey = false;
  private resourcesKey = false;
  private valueStart = 0;
  private elemParts: Buffer[] = [];
  private elemStart = 0;
  // The value being walked (a top-level value or an element).
  private kind = K.Scalar;
  private depth = 0;
  private inStr = false;
  private esc = false;

  constructor(private readonly onElement: ElementCallback) {}

  public push(chunk: Uint8Array): void {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.firstNewline < 0) {
      const nl = b.indexOf(0x0a);
      if (nl >= 0) this.firstNewline = this.offset + nl;
    }
    let keyFrom = this.mode === M.InKey ? 0 : -1;
    let elemFrom = this.mode === M.InElem ? 0 : -1;
    const n = b.length;
    let i = 0;
    while (i < n && this.mode !== M.Failed) {
      const c = b[i];
      const at = this.offset + i;
      switch (this.mode) {
        case M.BeforeObject:
          if (c === 0x7b) this.mode = M.BeforeKey;
          else if (!isWs(c)) this.fail(`expected "{" at byte ${at}`);
          break;
        case M.BeforeKey:
          if (c === 0x22) {
            this.mode = M.InKey;
            this.keyParts = [];
            this.esc = false;
            keyFrom = i;
          } else if (c === 0x7d && !this.sawKey) {
            this.mode = M.AfterObject;
          } else if (!isWs(c)) {
            this.fail(`expected a key at byte ${at}`);
          }
          break;
        case M.InKey:
          if (this.esc) {this.esc = false;} else if (c === 0x5c) {this.esc = true;} else if (c === 0x22) {
            this.keyParts.push(b.subarray(keyFrom, i + 1));
            keyFrom = -1;
            this.endKey();
          }
          break;
        case M.AfterKey:
          if (c === 0x3a) this.mode = M.BeforeValue;
          else if (!isWs(c)) this.fail(`expected ":" at byte ${at}`);
          break;
        case M.BeforeValue:
          if (isWs(c)) break;
          this.valueStart = at;
          if (this.resourcesKey && c === 0x5b) {
            this.mode = M.BeforeElem;
            break;
          }
          this.startValue(c);
          this.mode = M.InValue;
          if (this.kind === K.Str || this.kind === K.Container) break;
          continue; // a scalar: its first byte is part of it, re-read below
        case M.InValue: {
          const end = this.step(c, at);
          if (end < 0) break;
          this.endMember(end, false);
          this.mode = M.AfterValue;
          if (end === at) continue; // a scalar ends before the byte that ended it
          break;
        }
        case M.AfterValue:
          if (c === 0x2c) this.mode = M.BeforeKey;
          else if (c === 0x7d) this.mode = M.AfterObject;
          else if (!isWs(c)) this.fail(`expected "," or "}" at byte ${at}`);
          break;
        case M.AfterObject:
          if (!isWs(c)) this.fail(`unexpected byte after the top-level object at byte ${at}`);
          break;
        case M.BeforeElem:
          if (isWs(c)) break;
          if (c === 0x5d) {
            this.endMember(at + 1, true);
            this.mode = M.AfterValue;
            break;
          }
          this.startValue(c);
          this.elemStart = at;
          this.elemParts = [];
          elemFrom = i;
          this.mode = M.InElem;
          if (this.kind === K.Str || this.kind === K.Container) break;
          continue;
        case M.InElem: {
          const end = this.step(c, at);
          if (end < 0) break;
          this.elemParts.push(b.subarray(elemFrom, end - this.offset));
          elemFrom = -1;
          const bytes = this.elemParts.length === 1 ? this.elemParts[0] : Buffer.concat(this.elemParts);
          this.elemParts = [];
          this.onElement(this.members.length, bytes, this.elemStart, end);
          this.mode = M.AfterElem;
          if (end === at) continue;
          break;
        }
        case M.AfterElem:
          if (c === 0x2c) {
            this.mode = M.BeforeElem;
          } else if (c === 0x5d) {
            this.endMember(at + 1, true);
            this.mode = M.AfterValue;
          } else if (!isWs(c)) {
            this.fail(`expected "," or "]" at byte ${at}`);
          }
          break;
      }
      i++;
    }
    // Copies: the caller may reuse its chunk buffers.
    if (this.mode === M.InKey && keyFrom >= 0) this.keyParts.push(Buffer.from(b.subarray(keyFrom)));
    if (this.mode === M.InElem && elemFrom >= 0) this.elemParts.push(Buffer.from(b.subarray(elemFrom)));
    this.offset += n;
  }

  public finish(): StreamWriteScan {
    if (this.mode === M.InValue && this.kind === K.Scalar) this.fail('unexpected end of input');
    if (this.mode !== M.AfterObject) this.fail(`unexpected end of input at byte ${this.offset}`);
    return { size: this.offset, firstNewline: this.firstNewline, members: this.members, ...(this.failed ? { failed: this.failed } : {}) };
  }

  private endKey(): void {
    try {
      this.key = parseGoJson(Buffer.concat(this.keyParts)) as string;
    } catch {
      this.fail('a key that is not a JSON string');
      return;
    }
    this.sawKey = true;
    this.resourcesKey = goFoldKey(this.key) === 'resources';
    this.mode = M.AfterKey;
  }

  private endMember(end: number, isArray: boolean): void {
    if (this.resourcesKey) this.members.push({ name: this.key, start: this.valueStart, end, isArray });
  }

  private startValue(c: number): void {
    this.inStr = c === 0x22;
    this.esc = false;
    this.kind = c === 0x22 ? K.Str : c === 0x7b || c === 0x5b ? K.Container : K.Scalar;
    this.depth = this.kind === K.Container ? 1 : 0;
  }

  /** One byte of the value being walked (its first byte already taken for strings and containers). Returns its end offset once known, else -1. */
  private step(c: number, at: number): number {
    if (this.inStr) {
      if (this.esc) {this.esc = false;} else if (c === 0x5c) {this.esc = true;} else if (c === 0x22) {
        this.inStr = false;
        if (this.kind === K.Str) return at + 1;
      }
      return -1;
    }
    if (this.kind === K.Scalar) return isWs(c) || c === 0x2c || c === 0x5d || c === 0x7d ? at : -1;
    if (c === 0x22) {
      this.inStr = true;
    } else if (c === 0x7b || c === 0x5b) {
      this.depth++;
    } else if (c === 0x7d || c === 0x5d) {
      this.depth--;
      if (this.depth === 0) return at + 1;
    }
    return -1;
  }

  private fail(why: string): void {
    this.failed ??= why;
    this.mode = M.Failed;
  }
}
