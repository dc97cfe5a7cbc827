import { parseState, readOutputs, type OutputValue, type StateFile } from './state';

/**
 * A byte-level scanner of a state file's top-level object that stops as soon as it has what it was
 * asked for. Terraform and OpenTofu both write `version`, `terraform_version`, `serial`, `lineage`
 * and `outputs` before `resources`, so a state's identity and outputs sit in a small prefix of an
 * object that may be gigabytes long, and `JSON.parse` of the whole thing (which Node cannot even hold
 * as a string above ~512 MiB) is avoided.
 *
 * Only the top level is understood; nested values are skipped by tracking depth and strings, and the
 * captured raw bytes are handed to the normal parser, so the scanner never decides what a value means.
 */

/** Top-level keys whose values are captured whole, by default. */
const CAPTURED: readonly string[] = ['version', 'terraform_version', 'serial', 'lineage', 'outputs'];
/** `resources` is only captured far enough to tell `[]` from a non-empty array. */
const RESOURCES_PEEK_BYTES = 32;
/** Keys of OpenTofu's encrypted envelope; a plain v4 state has none of them. */
const ENVELOPE_KEYS = new Set(['meta', 'encrypted_data', 'encryption_version']);

const enum Mode { BeforeObject, BeforeKey, InKey, AfterKey, BeforeValue, InValue, AfterValue, Done }
const enum Kind { Container, String, Scalar }

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

function isWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** What the scanner found. Raw values are the exact JSON text of the file. */
export interface StatePrefix {
  /** Raw JSON text of each captured top-level key, in file order. */
  readonly raw: Readonly<Record<string, string>>;
  /** The file has a top-level key of OpenTofu's encrypted envelope. */
  readonly encrypted: boolean;
  /** `resources` is present and is `[]`. */
  readonly resourcesEmpty: boolean | undefined;
  /** The scanner stopped before the end of the object because it had everything. */
  readonly stoppedEarly: boolean;
  /** Bytes consumed up to the point where it stopped (the whole input when it did not stop early). */
  readonly bytesScanned: number;
  /** Offsets of the `serial` value in the input, `[start, end)`, for rewriting it without a parse. */
  readonly serialSpan?: readonly [number, number];
  /** Offsets of the `lineage` value in the input, `[start, end)`. */
  readonly lineageSpan?: readonly [number, number];
  /** A syntax problem met at the top level (the normal parser gives the user-facing error). */
  readonly syntaxError?: string;
}

/**
 * Feed chunks with {@link push} until it returns `true` (everything wanted was found) or the input
 * ends, then call {@link finish}.
 */
export class StatePrefixScanner {
  private readonly wanted: ReadonlySet<string>;
  /** Peek at `resources` (emptiness); only when scanning for the default keys. */
  private readonly peekResources: boolean;
  private mode = Mode.BeforeObject;
  private kind = Kind.Scalar;
  private depth = 0;
  private inString = false;
  private escape = false;
  private offset = 0;
  private keyParts: Buffer[] = [];
  private key = '';
  private capturing = false;
  private captureLimit = Infinity;
  private captured = 0;
  private valueParts: Buffer[] = [];
  private valueStart = 0;
  private readonly raw: Record<string, string> = {};
  private readonly spans: Record<string, [number, number]> = {};
  private encrypted = false;
  private syntaxError: string | undefined;
  private stoppedEarly = false;

  /**
   * @param options.keys the top-level keys to capture; the scan stops once all of them were seen.
   * @default - identity and outputs (`version`, `terraform_version`, `serial`, `lineage`, `outputs`)
   *   plus a peek at `resources`
   */
  constructor(options: { readonly keys?: readonly string[] } = {}) {
    this.wanted = new Set(options.keys ?? CAPTURED);
    this.peekResources = options.keys === undefined;
  }

  /** True once the scanner needs no more input. */
  public get done(): boolean {
    return this.mode === Mode.Done;
  }

  /** Scans `chunk`; returns `true` when no more input is needed. */
  public push(chunk: Uint8Array): boolean {
    if (this.mode === Mode.Done) return true;
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let keyStart = this.mode === Mode.InKey ? 0 : -1;
    let capStart = this.mode === Mode.InValue && this.capturing ? 0 : -1;
    let i = 0;
    const n = buf.length;
    let nextQuote = -2;
    let nextBackslash = -2;
    while (i < n && this.mode !== Mode.Done) {
      const c = buf[i];
      switch (this.mode) {
        case Mode.BeforeObject:
          if (c === OPEN_BRACE) this.mode = Mode.BeforeKey;
          else if (!isWhitespace(c) && !(this.offset + i < 3 && (c === 0xef || c === 0xbb || c === 0xbf))) this.fail(`expected "{" at byte ${this.offset + i}`);
          i++;
          break;
        case Mode.BeforeKey:
          if (c === QUOTE) {
            this.mode = Mode.InKey;
            this.keyParts = [];
            this.escape = false;
            keyStart = i;
          } else if (c === CLOSE_BRACE) {
            this.mode = Mode.Done;
          } else if (!isWhitespace(c)) {
            this.fail(`expected a key at byte ${this.offset + i}`);
          }
          i++;
          break;
        case Mode.InKey:
          if (this.escape) {this.escape = false;} else if (c === BACKSLASH) {this.escape = true;} else if (c === QUOTE) {
            this.keyParts.push(buf.subarray(keyStart, i + 1));
            this.key = decodeKey(Buffer.concat(this.keyParts));
            keyStart = -1;
            this.mode = Mode.AfterKey;
          }
          i++;
          break;
        case Mode.AfterKey:
          if (c === COLON) this.mode = Mode.BeforeValue;
          else if (!isWhitespace(c)) this.fail(`expected ":" at byte ${this.offset + i}`);
          i++;
          break;
        case Mode.BeforeValue:
          if (isWhitespace(c)) {
            i++;
            break;
          }
          this.startValue(c, this.offset + i);
          if ((this.mode as Mode) === Mode.Done) break;
          if (this.capturing) capStart = i;
          this.inString = c === QUOTE;
          this.escape = false;
          this.depth = c === OPEN_BRACE || c === OPEN_BRACKET ? 1 : 0;
          this.kind = c === QUOTE ? Kind.String : this.depth === 1 ? Kind.Container : Kind.Scalar;
          this.mode = Mode.InValue;
          i++;
          break;
        case Mode.InValue: {
          let ended = false;
          let endExclusive = i + 1;
          if (this.inString) {
            if (this.escape) {
              this.escape = false;
              i++;
              break;
            }
            // Skip string bodies with indexOf: only an unescaped quote ends them. The next quote and
            // backslash positions are cached per chunk so long strings cost linear time.
            let close = -1;
            let pos = i;
            for (;;) {
              if (nextBackslash !== -1 && nextBackslash < pos) nextBackslash = buf.indexOf(BACKSLASH, pos);
              if (nextQuote !== -1 && nextQuote < pos) nextQuote = buf.indexOf(QUOTE, pos);
              if (nextBackslash >= 0 && (nextQuote < 0 || nextBackslash < nextQuote)) {
                if (nextBackslash + 1 >= n) {
                  this.escape = true;
                  pos = n;
                  break;
                }
                pos = nextBackslash + 2;
                continue;
              }
              if (nextQuote >= 0) close = nextQuote;
              break;
            }
            if (close < 0) {
              i = n;
              break;
            }
            this.inString = false;
            i = close;
            endExclusive = close + 1;
            if (this.kind === Kind.String) ended = true;
          } else if (this.kind === Kind.Scalar) {
            if (isWhitespace(c) || c === COMMA || c === CLOSE_BRACE) {
              ended = true;
              endExclusive = i;
            }
          } else if (c === QUOTE) {
            this.inString = true;
          } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
            this.depth++;
          } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
            this.depth--;
            if (this.depth === 0) ended = true;
          }
          if (this.capturing && capStart >= 0 && this.captured + (endExclusive - capStart) >= this.captureLimit) {
            // Enough of a peeked value: keep the first bytes and stop capturing.
            this.valueParts.push(buf.subarray(capStart, endExclusive));
            this.captured += endExclusive - capStart;
            this.endValue(this.offset + endExclusive, false);
            capStart = -1;
            if (this.wantsNothingMore()) {
              this.stoppedEarly = true;
              this.mode = Mode.Done;
              i = endExclusive;
              break;
            }
          }
          if (ended) {
            if (this.capturing && capStart >= 0) this.valueParts.push(buf.subarray(capStart, endExclusive));
            capStart = -1;
            this.endValue(this.offset + endExclusive, true);
            this.mode = Mode.AfterValue;
            if (this.wantsNothingMore()) {
              this.stoppedEarly = true;
              this.mode = Mode.Done;
            }
            i = endExclusive;
          } else {
            i++;
          }
          break;
        }
        case Mode.AfterValue:
          if (c === COMMA) this.mode = Mode.BeforeKey;
          else if (c === CLOSE_BRACE) this.mode = Mode.Done;
          else if (!isWhitespace(c)) this.fail(`expected "," or "}" at byte ${this.offset + i}`);
          i++;
          break;
      }
    }
    if (this.mode === Mode.InKey && keyStart >= 0) this.keyParts.push(Buffer.from(buf.subarray(keyStart, n)));
    if (this.mode === Mode.InValue && this.capturing && capStart >= 0) {
      // Copy: the caller may reuse its chunk buffers.
      this.valueParts.push(Buffer.from(buf.subarray(capStart, n)));
      this.captured += n - capStart;
    }
    this.offset += this.mode === Mode.Done ? i : n;
    return this.mode === Mode.Done;
  }

  private startValue(_c: number, at: number): void {
    if (ENVELOPE_KEYS.has(this.key)) {
      this.encrypted = true;
      this.stoppedEarly = true;
      this.mode = Mode.Done;
      return;
    }
    this.valueStart = at;
    this.valueParts = [];
    this.captured = 0;
    this.capturing = this.wanted.has(this.key) || (this.peekResources && this.key === 'resources');
    this.captureLimit = this.key === 'resources' ? RESOURCES_PEEK_BYTES : Infinity;
  }

  private endValue(end: number, complete: boolean): void {
    if (!this.capturing) return;
    this.capturing = false;
    const text = Buffer.concat(this.valueParts).toString('utf8');
    this.valueParts = [];
    if (this.raw[this.key] === undefined) this.raw[this.key] = text;
    if (complete && (this.key === 'serial' || this.key === 'lineage')) this.spans[this.key] = [this.valueStart, end];
  }

  private wantsNothingMore(): boolean {
    for (const k of this.wanted) if (this.raw[k] === undefined) return false;
    return !this.peekResources || this.raw.resources !== undefined;
  }

  private fail(message: string): void {
    this.syntaxError ??= message;
    this.mode = Mode.Done;
  }

  /** The result; call after the last {@link push} (or once it returned `true`). */
  public finish(): StatePrefix {
    const res = this.raw.resources;
    return {
      raw: { ...this.raw },
      encrypted: this.encrypted,
      // A state without `resources` reads as having none (Terraform's reader), once the object ended.
      resourcesEmpty: res === undefined ? (this.mode === Mode.Done && !this.stoppedEarly && this.syntaxError === undefined ? true : undefined) : /^\[\s*\]/.test(res),
      stoppedEarly: this.stoppedEarly,
      bytesScanned: this.offset,
      ...(this.spans.serial ? { serialSpan: this.spans.serial } : {}),
      ...(this.spans.lineage ? { lineageSpan: this.spans.lineage } : {}),
      ...(this.syntaxError !== undefined ? { syntaxError: this.syntaxError } : {}),
    };
  }
}

function decodeKey(quoted: Buffer): string {
  try {
    return JSON.parse(quoted.toString('utf8')) as string;
  } catch {
    return quoted.toString('utf8');
  }
}

/** Scans chunks from `source` until the scanner is satisfied; returns the prefix and the consumed count. */
export async function scanStatePrefix(source: AsyncIterable<Uint8Array>): Promise<StatePrefix> {
  const scanner = new StatePrefixScanner();
  for await (const chunk of source) {
    if (scanner.push(chunk)) break;
  }
  return scanner.finish();
}

/**
 * The head of the state (identity and outputs, no resources) as the protocol parser reads it, so
 * every rule of `parseState` (version checks, Terraform's error texts, Go number handling) applies.
 * `undefined` when the prefix lacks `version` (not a plain v4 state: let the full parser decide).
 */
export function stateHeadFromPrefix(prefix: StatePrefix, terraformVersion?: string): StateFile | undefined {
  const r = prefix.raw;
  if (prefix.encrypted || r.version === undefined) return undefined;
  const parts = ['version', 'terraform_version', 'serial', 'lineage', 'outputs']
    .filter((k) => r[k] !== undefined)
    .map((k) => `${JSON.stringify(k)}:${r[k]}`);
  parts.push('"resources":[]', '"check_results":null');
  return parseState(Buffer.from(`{${parts.join(',')}}`, 'utf8'), terraformVersion);
}

/** The outputs from a scanned prefix, exactly as `readOutputs(parseState(whole file))` gives them. */
export function outputsFromPrefix(prefix: StatePrefix, terraformVersion?: string): Record<string, OutputValue> | undefined {
  const head = stateHeadFromPrefix(prefix, terraformVersion);
  return head ? readOutputs(head) : undefined;
}

/** Mirror of `isStateEmpty` for a scanned prefix: no outputs and `resources` is `[]`. */
export function isPrefixEmpty(prefix: StatePrefix, head: StateFile): boolean {
  return Object.keys(head.outputs).length === 0 && prefix.resourcesEmpty === true;
}
