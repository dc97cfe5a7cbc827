/**
 * Go `time.Time` text forms that appear in Terraform's wire format and messages: RFC 3339 with up to
 * nine fraction digits (JSON), `Time.String()` (lock error text) and `Duration.String()` (config texts).
 */

/** A point in time with Go's nanosecond precision and the UTC offset it was written with. */
export interface GoTime {
  /** Milliseconds since the Unix epoch of the whole second (fraction excluded). */
  readonly epochSeconds: number;
  /** Nanoseconds within the second, 0..999 999 999. */
  readonly nanos: number;
  /** Offset from UTC in seconds (0 for `Z`). */
  readonly offsetSeconds: number;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

function fraction(nanos: number): string {
  if (nanos === 0) return '';
  return '.' + String(nanos).padStart(9, '0').replace(/0+$/, '');
}

function civil(t: GoTime): { y: number; mo: number; d: number; h: number; mi: number; s: number } {
  const d = new Date((t.epochSeconds + t.offsetSeconds) * 1000);
  return { y: d.getUTCFullYear(), mo: d.getUTCMonth() + 1, d: d.getUTCDate(), h: d.getUTCHours(), mi: d.getUTCMinutes(), s: d.getUTCSeconds() };
}

function offsetText(offsetSeconds: number, colon: boolean): string {
  const sign = offsetSeconds < 0 ? '-' : '+';
  const abs = Math.abs(offsetSeconds);
  return sign + pad(Math.floor(abs / 3600)) + (colon ? ':' : '') + pad(Math.floor((abs % 3600) / 60));
}

/** Go's `time.RFC3339Nano` layout (`2006-01-02T15:04:05.999999999Z07:00`): trailing zeros trimmed, `Z` for UTC. */
export function formatRfc3339Nano(t: GoTime): string {
  const c = civil(t);
  if (c.y < 0 || c.y > 9999) throw new RangeError(`Time.MarshalJSON: year outside of range [0,9999]: ${c.y}`);
  const zone = t.offsetSeconds === 0 ? 'Z' : offsetText(t.offsetSeconds, true);
  return `${pad(c.y, 4)}-${pad(c.mo)}-${pad(c.d)}T${pad(c.h)}:${pad(c.mi)}:${pad(c.s)}${fraction(t.nanos)}${zone}`;
}

/**
 * Go's `Time.String()` (`2006-01-02 15:04:05.999999999 -0700 MST`), e.g.
 * `2021-09-27 00:10:27.424064363 +0000 UTC`. A time parsed from RFC 3339 with a non-zero offset has a
 * nameless zone, which Go prints as the numeric offset again.
 */
export function formatGoTimeString(t: GoTime): string {
  const c = civil(t);
  const off = offsetText(t.offsetSeconds, false);
  const zoneName = t.offsetSeconds === 0 ? 'UTC' : off;
  return `${pad(c.y, 4)}-${pad(c.mo)}-${pad(c.d)} ${pad(c.h)}:${pad(c.mi)}:${pad(c.s)}${fraction(t.nanos)} ${off} ${zoneName}`;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Parses an RFC 3339 timestamp as Go's `Time.UnmarshalJSON` does (strict: 4-digit year, fields in
 * range, fraction of any length truncated to nanoseconds, `Z` or `±hh:mm`).
 *
 * @throws Error with Go-like `parsing time` text
 */
export function parseRfc3339(text: string): GoTime {
  const m = RFC3339.exec(text);
  const fail = (why: string) => new Error(`parsing time ${JSON.stringify(text)} as RFC 3339: ${why}`);
  if (!m) throw fail('cannot parse');
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number);
  if (mo < 1 || mo > 12) throw fail('month out of range');
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const daysIn = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo - 1];
  if (d < 1 || d > daysIn) throw fail('day out of range');
  if (h > 23) throw fail('hour out of range');
  if (mi > 59) throw fail('minute out of range');
  if (s > 59) throw fail('second out of range');
  const nanos = m[7] ? Number(m[7].slice(0, 9).padEnd(9, '0')) : 0;
  let offsetSeconds = 0;
  if (m[8] !== 'Z') {
    const oh = Number(m[8].slice(1, 3));
    const om = Number(m[8].slice(4, 6));
    if (oh > 23 || om > 59) throw fail('time zone offset out of range');
    offsetSeconds = (m[8][0] === '-' ? -1 : 1) * (oh * 3600 + om * 60);
  }
  // Not Date.UTC: it maps years 0..99 to 1900+ (and 1900 is not a leap year, year 0 is).
  const civilTime = new Date(0);
  civilTime.setUTCFullYear(y, mo - 1, d);
  civilTime.setUTCHours(h, mi, s, 0);
  return { epochSeconds: civilTime.getTime() / 1000 - offsetSeconds, nanos, offsetSeconds };
}

/** Go's zero `time.Time` (`0001-01-01T00:00:00Z`), what a missing or `null` `Created` decodes to. */
export const GO_ZERO_TIME: GoTime = parseRfc3339('0001-01-01T00:00:00Z');

/**
 * Builds a UTC {@link GoTime} from a JS `Date` plus optional sub-millisecond precision: `extraNanos`
 * as a bigint from `process.hrtime.bigint()` (its last 6 digits are used), a number of nanoseconds
 * below one millisecond, or a digit string of the full 9-digit fraction which replaces the `Date`'s
 * milliseconds.
 */
export function goTimeFromDate(date: Date, extraNanos?: bigint | number | string): GoTime {
  const ms = date.getTime();
  if (Number.isNaN(ms)) throw new RangeError('invalid Date');
  const epochSeconds = Math.floor(ms / 1000);
  let nanos = (ms - epochSeconds * 1000) * 1_000_000;
  if (typeof extraNanos === 'string') {
    if (!/^\d{1,9}$/.test(extraNanos)) throw new RangeError(`nanosecond fraction must be 1 to 9 digits, got ${JSON.stringify(extraNanos)}`);
    nanos = Number(extraNanos.padEnd(9, '0'));
  } else if (typeof extraNanos === 'bigint') {
    nanos += Number(extraNanos % 1_000_000n);
  } else if (typeof extraNanos === 'number') {
    if (!Number.isInteger(extraNanos) || extraNanos < 0 || extraNanos >= 1_000_000) {
      throw new RangeError(`extra nanoseconds must be an integer in [0, 999999], got ${extraNanos}`);
    }
    nanos += extraNanos;
  }
  return { epochSeconds, nanos, offsetSeconds: 0 };
}

const UNITS: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, μs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/**
 * Go's `time.ParseDuration`: a sequence of decimal numbers with units (`ns us µs ms s m h`), optional
 * sign. Returns nanoseconds.
 *
 * @throws Error with Go's text `time: invalid duration "<s>"` (or `missing unit` / `unknown unit`)
 */
export function parseGoDuration(s: string): number {
  const quoted = goQuote(s);
  let rest = s;
  let neg = false;
  if (rest[0] === '-' || rest[0] === '+') {
    neg = rest[0] === '-';
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') throw new Error(`time: invalid duration ${quoted}`);
  let total = 0;
  while (rest !== '') {
    const num = /^(\d*)(?:\.(\d*))?/.exec(rest)!;
    const intPart = num[1];
    const fracPart = num[2];
    if (intPart === '' && (fracPart === undefined || fracPart === '')) throw new Error(`time: invalid duration ${quoted}`);
    rest = rest.slice(num[0].length);
    const unitMatch = /^[^\d.]*/.exec(rest)!;
    const unit = unitMatch[0];
    if (unit === '') throw new Error(`time: missing unit in duration ${quoted}`);
    const scale = UNITS[unit];
    if (scale === undefined) throw new Error(`time: unknown unit ${goQuote(unit)} in duration ${quoted}`);
    rest = rest.slice(unit.length);
    total += Number(intPart || '0') * scale + (fracPart ? Number('0.' + fracPart) * scale : 0);
    if (total > 9223372036854775807) throw new Error(`time: invalid duration ${quoted}`);
  }
  return neg ? -total : total;
}

/** Go's `Duration.String()`, e.g. `15m0s`, `12h0m0s`, `1.5s`, `0s`. */
export function formatGoDuration(nanos: number): string {
  if (nanos === 0) return '0s';
  const neg = nanos < 0;
  let n = Math.abs(Math.round(nanos));
  let out: string;
  if (n < 1e9) {
    // Sub-second: Go picks ns, µs or ms with a fractional part.
    let unit = 'ns';
    let div = 1;
    if (n >= 1e6) { unit = 'ms'; div = 1e6; } else if (n >= 1e3) { unit = 'µs'; div = 1e3; }
    out = trimFraction(n, div) + unit;
  } else {
    const h = Math.floor(n / 3600e9);
    n -= h * 3600e9;
    const m = Math.floor(n / 60e9);
    n -= m * 60e9;
    const sec = trimFraction(n, 1e9) + 's';
    out = h > 0 ? `${h}h${m}m${sec}` : m > 0 ? `${m}m${sec}` : sec;
  }
  return (neg ? '-' : '') + out;
}

function trimFraction(n: number, div: number): string {
  const whole = Math.floor(n / div);
  const frac = n - whole * div;
  if (frac === 0) return String(whole);
  const digits = String(div).length - 1;
  return `${whole}.${String(frac).padStart(digits, '0').replace(/0+$/, '')}`;
}

/** Go's `unicode.IsPrint` beyond ASCII: letters, marks, numbers, punctuation and symbols. */
const GO_PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;

const GO_ESCAPES: Readonly<Record<number, string>> = { 0x07: '\\a', 0x08: '\\b', 0x0c: '\\f', 0x0a: '\\n', 0x0d: '\\r', 0x09: '\\t', 0x0b: '\\v' };

/**
 * Go's `strconv.Quote` (what `%q` prints): printable runes as they are, `\a \b \f \n \r \t \v`,
 * other control bytes `\xHH`, other non-printable runes `\uHHHH` / `\UHHHHHHHH`. A lone surrogate
 * (invalid UTF-8 once encoded) is `\ufffd`.
 */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (c >= 0x20 && c < 0x7f) out += ch;
    else if (c >= 0xd800 && c <= 0xdfff) out += '\\ufffd';
    else if (c > 0x7f && GO_PRINTABLE.test(ch)) out += ch;
    else if (GO_ESCAPES[c] !== undefined) out += GO_ESCAPES[c];
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else if (c < 0x10000) out += '\\u' + c.toString(16).padStart(4, '0');
    else out += '\\U' + c.toString(16).padStart(8, '0');
  }
  return out + '"';
}
