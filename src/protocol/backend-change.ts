import { convertToAttrType, isPlainObject, type Value } from './config/decode';
import { type AttrType, SCHEMA } from './config/schema';
import { goQuote } from './go-time';

/**
 * Whether the `backend` block of a working directory still says what `terraform init` recorded, as
 * Terraform decides it before any command other than `init` (hashicorp/terraform
 * internal/command/meta_backend.go, `Meta.backendFromConfig`, case "Potentially changing a backend
 * configuration"; OpenTofu's internal/command/meta_backend.go is the same):
 *
 * 1. the block's hash equals the hash `init` recorded (`configs.Backend.Hash`: cty's `Value.Hash` of
 *    the tuple `[type, block decoded with the schema, nothing required]`), computed before the
 *    `-backend-config` values of `init` were merged in: unchanged;
 * 2. else the block decoded equals the recorded configuration (`backendConfigNeedsMigration`,
 *    `RawEquals`): unchanged (Terraform then updates the recorded hash);
 * 3. else: "Backend initialization required", reason "Backend configuration block has changed"
 *    (`determineInitReason`), or "Backend type changed" when the type differs.
 *
 * The schema is the recorded configuration's own attribute set: `init` records every attribute of
 * the schema of the Terraform (or OpenTofu) that ran it, `null` when unset; types come from this
 * project's schema of the S3 backend.
 *
 * What cannot be decided here is never refused: an expression in the block (OpenTofu evaluates
 * variables at `init`; Terraform hashes a reference as an unknown value), or a value whose hash this
 * module does not reproduce byte for byte (a string outside printable ASCII, a number that is not
 * an integer of at most 10 digits).
 */

/** An expression of the block that is not a literal: decoded without variables, it has no value. */
export const UNKNOWN_VALUE: unique symbol = Symbol('unknown backend configuration value');

/** What `init` recorded (`<data dir>/terraform.tfstate`, `backend`). */
export interface RecordedBackendBlock {
  readonly type: string;
  /** Every attribute of the recording schema, `null` when unset. */
  readonly config: Readonly<Record<string, unknown>>;
  readonly hash?: number;
}

/** The reason Terraform gives for requiring `init`, or `undefined` when the block is unchanged or cannot be judged. */
export function backendChangeReason(
  block: { readonly type: string; readonly attributes: Readonly<Record<string, unknown>> } | undefined,
  recorded: RecordedBackendBlock,
): string | undefined {
  if (block === undefined) return `Unsetting the previously set backend ${goQuote(recorded.type)}`;
  if (block.type !== recorded.type) return `Backend type changed from ${goQuote(recorded.type)} to ${goQuote(block.type)}`;
  const changed = 'Backend configuration block has changed';
  // An attribute the recording schema lacks: Terraform's decoding fails ("Unsupported argument").
  if (Object.keys(block.attributes).some((k) => !(k in recorded.config))) return changed;
  const hashed = backendBlockHash(block.type, block.attributes, recorded.config);
  if (hashed !== undefined && hashed === recorded.hash) return undefined;
  if (sameAsRecorded(block.attributes, recorded.config) !== false) return undefined;
  // Values differ, but the block's hash could not be computed: a -backend-config value of init may
  // be what differs, which only the hash would tell.
  return hashed === undefined ? undefined : changed;
}

/**
 * `configs.Backend.Hash`: crc32 (IEEE) of cty's set-hash bytes of `[type, block]`, the block as an
 * object of every attribute of `schemaOf` (the recorded configuration), typed by `types` (the S3
 * backend's schema unless given). `undefined` when a value's bytes are not reproduced exactly (see
 * the module's note), or the block has an attribute `schemaOf` has not.
 */
export function backendBlockHash(
  type: string, attributes: Readonly<Record<string, unknown>>, schemaOf: Readonly<Record<string, unknown>>,
  types: Readonly<Record<string, AttrType>> = SCHEMA,
): number | undefined {
  const keys = Object.keys(schemaOf);
  // An attribute the recording schema does not have: Terraform's decoding fails ("Unsupported
  // argument"); the hash of the others must not stand for the block.
  if (Object.keys(attributes).some((k) => !keys.includes(k))) return undefined;
  const body = hashObject(keys, (k) => attributes[k], (k) => typeOf(k, schemaOf[k], types));
  if (body === undefined) return undefined;
  return crc32(new TextEncoder().encode(`<${goQuote(type)};${body};>`));
}

/** The type of attribute `name`: the project's schema; a nested object's attribute set is the recorded one when it has it. */
function typeOf(name: string, recordedValue: unknown, schema: Readonly<Record<string, AttrType>> = SCHEMA): AttrType | undefined {
  const type = schema[name];
  if (type === undefined || typeof type === 'string') return type;
  if (!isPlainObject(recordedValue)) return type;
  const attrs: Record<string, AttrType> = {};
  for (const k of Object.keys(recordedValue)) {
    const t = type.object[k];
    if (t === undefined || typeof t !== 'string') return type;
    attrs[k] = t;
  }
  return { object: attrs };
}

/** cty's bytes of an object: its attributes' values in name order, each followed by `;`, in `<>`. */
function hashObject(keys: readonly string[], value: (k: string) => unknown, type: (k: string) => AttrType | undefined): string | undefined {
  let out = '<';
  for (const k of [...keys].sort(byBytes)) {
    const v = hashValue(value(k), type(k));
    if (v === undefined) return undefined;
    out += v + ';';
  }
  return out + '>';
}

/**
 * cty's `appendSetHashBytes` (zclconf/go-cty cty/set_internals.go) of one attribute after
 * conversion to its type: `~` null, `?` unknown, `T`/`F`, a number as `big.Float.String()`, a
 * string as Go's `%q`, a set's elements in cty's order (strings lexicographic) as `[e;...]`, a map
 * as `{"k":v;...}` in key order, an object as above.
 */
function hashValue(raw: unknown, type: AttrType | undefined): string | undefined {
  if (raw === null || raw === undefined) return '~';
  if (containsUnknown(raw)) return '?';
  if (type === undefined) return undefined;
  const converted = convertToAttrType(raw, type);
  // A value of the wrong type: HCL's decoding gives an unknown value of the right type.
  if ('error' in converted) return '?';
  return hashTyped(converted.value, type);
}

function hashTyped(v: Value, type: AttrType): string | undefined {
  if (v === null) return '~';
  if (type === 'bool') return v ? 'T' : 'F';
  if (type === 'number') return hashNumber(v as number);
  if (type === 'string') return hashString(v as string);
  if (type === 'set') {
    const parts = ctySetOrder(v as readonly string[]).map(hashString);
    return parts.includes(undefined) ? undefined : `[${parts.map((p) => p + ';').join('')}]`;
  }
  if (type === 'map') {
    const m = v as Record<string, string>;
    let out = '{';
    for (const k of Object.keys(m).sort(byBytes)) {
      const key = hashString(k);
      const val = hashString(m[k]);
      if (key === undefined || val === undefined) return undefined;
      out += `${key}:${val};`;
    }
    return out + '}';
  }
  const obj = v as Record<string, Value>;
  return hashObject(Object.keys(type.object), (k) => obj[k] ?? null, (k) => type.object[k]);
}

/** Go's `%q` of a string of printable ASCII (`undefined` otherwise: Go's and JavaScript's ideas of printable differ). */
function hashString(s: string): string | undefined {
  const nfc = s.normalize('NFC');
  return /^[\x20-\x7e]*$/.test(nfc) ? goQuote(nfc) : undefined;
}

/** `big.Float.String()` (`Text('g', 10)`) of an integer of at most 10 digits; `undefined` for other numbers. */
function hashNumber(n: number): string | undefined {
  return Number.isInteger(n) && Math.abs(n) < 1e10 ? String(n === 0 ? 0 : n) : undefined;
}

function containsUnknown(v: unknown): boolean {
  if (v === UNKNOWN_VALUE) return true;
  if (Array.isArray(v)) return v.some(containsUnknown);
  if (isPlainObject(v)) return Object.values(v).some(containsUnknown);
  return false;
}

/** A set of strings as cty holds and iterates it: NFC, without duplicates, in lexicographic order. */
function ctySetOrder(values: readonly string[]): string[] {
  return [...new Set(values.map((s) => s.normalize('NFC')))].sort(byBytes);
}

/** Go's string order (bytes of UTF-8), which is JavaScript's for the BMP below the surrogates. */
function byBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * `backendConfigNeedsMigration`'s `cachedVal.RawEquals(givenVal)`: the block converted to the
 * schema's types equals the recorded configuration (sets compared as sets, strings in NFC).
 * `undefined` when the block holds an expression (it has no value to compare).
 */
export function sameAsRecorded(attributes: Readonly<Record<string, unknown>>, recorded: Readonly<Record<string, unknown>>): boolean | undefined {
  if (containsUnknown(attributes)) return undefined;
  for (const k of new Set([...Object.keys(attributes), ...Object.keys(recorded)])) {
    if (!(k in recorded)) return false;
    const type = typeOf(k, recorded[k]);
    if (type === undefined) {
      if ((attributes[k] ?? null) !== null || (recorded[k] ?? null) !== null) return undefined;
      continue;
    }
    const given = convertToAttrType(attributes[k] ?? null, type);
    const cached = convertToAttrType(recorded[k] ?? null, type);
    if ('error' in given) return false;
    if ('error' in cached) return undefined;
    if (!equalTyped(given.value, cached.value, type)) return false;
  }
  return true;
}

function equalTyped(a: Value, b: Value, type: AttrType): boolean {
  if (a === null || b === null) return a === b;
  if (type === 'string') return (a as string).normalize('NFC') === (b as string).normalize('NFC');
  if (type === 'bool' || type === 'number') return a === b;
  if (type === 'set') {
    const [sa, sb] = [ctySetOrder(a as readonly string[]), ctySetOrder(b as readonly string[])];
    return sa.length === sb.length && sa.every((x, i) => x === sb[i]);
  }
  if (type === 'map') {
    const am = a as Record<string, string>;
    const bm = b as Record<string, string>;
    const keys = Object.keys(am);
    return keys.length === Object.keys(bm).length && keys.every((k) => k in bm && equalTyped(am[k], bm[k], 'string'));
  }
  const ao = a as Record<string, Value>;
  const bo = b as Record<string, Value>;
  return Object.keys(type.object).every((k) => equalTyped(ao[k] ?? null, bo[k] ?? null, type.object[k]));
}

/* eslint-disable no-bitwise -- CRC-32 is bit manipulation by definition. */
const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (IEEE), Go's `crc32.ChecksumIEEE`. */
export function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const b of bytes) crc = CRC_TABLE[(crc ^ b) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
/* eslint-enable no-bitwise */
