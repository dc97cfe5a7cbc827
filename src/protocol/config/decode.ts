import { Diagnostic, errorDiag } from '../diagnostics';
import { formatCtyNumber } from '../go-json';
import { goQuote } from '../go-time';
import { AttrType, REMOVED_ATTRIBUTES, S3_BACKEND_ATTRIBUTES, SCHEMA } from './schema';

/**
 * Decoding of the raw attributes into typed values, with HCL's and cty's texts for unknown attributes
 * and values of the wrong type (what Terraform reports before the backend sees the configuration).
 */

export type Value = string | boolean | number | readonly string[] | Readonly<Record<string, string>> | Obj | null;
export interface Obj { readonly [k: string]: Value }

function levenshtein(a: string, b: string): number {
  const dp = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0];
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j];
      dp[j] = Math.min(dp[j] + 1, dp[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return dp[b.length];
}

/** HCL's `didyoumean.NameSuggestion`: the closest candidate within edit distance 2. */
export function nameSuggestion(given: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDist = 3;
  for (const c of candidates) {
    const d = levenshtein(given, c);
    if (d < bestDist) {
      best = c;
      bestDist = d;
    }
  }
  return best;
}

export const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date) && !Buffer.isBuffer(v);

/**
 * cty's string → number conversion (`cty.ParseNumberVal`: Go's `big.ParseFloat` in base 10): a
 * decimal literal with an optional sign and exponent, nothing around it.
 */
const NUMBER_TEXT = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/**
 * Converts like cty's `convert.Convert` to an attribute's type; returns the value or cty's error
 * text. Strings convert to bool as cty does (`"true"`/`"1"`, `"false"`/`"0"`, with cty's hint for
 * another case: zclconf/go-cty cty/convert/conversion_primitive.go) and to number as
 * `cty.ParseNumberVal`. The one place of these rules: the configuration's decoding and the CLI's
 * `-backend-config KEY=VALUE` (Terraform's `configValueFromCLI` converts primitives from string).
 */
export function convertToAttrType(v: unknown, type: AttrType): { value: Value } | { error: string } {
  if (v === null || v === undefined) return { value: null };
  if (type === 'string') {
    if (typeof v === 'string') return { value: v };
    if (typeof v === 'number' && Number.isFinite(v)) return { value: formatCtyNumber(v) };
    if (typeof v === 'boolean') return { value: v ? 'true' : 'false' };
    return { error: 'string required' };
  }
  if (type === 'bool') {
    if (typeof v === 'boolean') return { value: v };
    if (typeof v === 'string') {
      if (v === 'true' || v === '1') return { value: true };
      if (v === 'false' || v === '0') return { value: false };
      const lower = v.toLowerCase();
      if (lower === 'true' || lower === 'false') return { error: `a bool is required; to convert from string, use lowercase "${lower}"` };
      return { error: 'a bool is required' };
    }
    return { error: 'bool required' };
  }
  if (type === 'number') {
    if (typeof v === 'number' && Number.isFinite(v)) return { value: v };
    if (typeof v === 'string') {
      return NUMBER_TEXT.test(v) ? { value: Number(v) } : { error: 'a number is required' };
    }
    return { error: 'number required' };
  }
  if (type === 'set') {
    if (!Array.isArray(v)) return { error: 'set of string required' };
    const out: string[] = [];
    for (let i = 0; i < v.length; i++) {
      const e = convertToAttrType(v[i], 'string');
      if ('error' in e) return { error: `element ${i}: ${e.error}` };
      if (e.value === null) return { error: `element ${i}: null value is not allowed` };
      if (!out.includes(e.value as string)) out.push(e.value as string);
    }
    return { value: out };
  }
  if (type === 'map') {
    if (!isPlainObject(v)) return { error: 'map of string required' };
    const out: Record<string, string> = {};
    for (const [k, x] of Object.entries(v)) {
      const e = convertToAttrType(x, 'string');
      if ('error' in e) return { error: `element ${goQuote(k)}: ${e.error}` };
      if (e.value === null) return { error: `element ${goQuote(k)}: null value is not allowed` };
      out[k] = e.value as string;
    }
    return { value: out };
  }
  if (!isPlainObject(v)) return { error: 'object required' };
  const out: Record<string, Value> = {};
  for (const [k, x] of Object.entries(v)) {
    const attrType = type.object[k];
    if (attrType === undefined) {
      const suggestion = nameSuggestion(k, Object.keys(type.object));
      return { error: `unsupported attribute ${goQuote(k)}${suggestion ? `; did you mean ${goQuote(suggestion)}?` : ''}` };
    }
    const e = convertToAttrType(x, attrType);
    if ('error' in e) return { error: `attribute ${goQuote(k)}: ${e.error}` };
    out[k] = e.value;
  }
  return { value: out };
}

function describeType(type: { readonly object: Readonly<Record<string, AttrType>> }): string {
  return `an object with attributes ${Object.keys(type.object).join(', ')}`;
}

export function decode(raw: unknown, diags: Diagnostic[]): Obj | undefined {
  if (!isPlainObject(raw)) {
    diags.push(errorDiag('Invalid backend configuration',
      `The S3 backend configuration must be an object of attributes such as { bucket = "...", key = "..." }, got ${raw === null ? 'null' : Array.isArray(raw) ? 'an array' : typeof raw}.`));
    return undefined;
  }
  const out: Record<string, Value> = {};
  for (const [name, value] of Object.entries(raw)) {
    const type = SCHEMA[name];
    if (type === undefined) {
      const removed = REMOVED_ATTRIBUTES[name];
      const suggestion = removed ?? nameSuggestion(name, S3_BACKEND_ATTRIBUTES);
      // HCL's text; the suggestion sentence is HCL's too when a name is close enough.
      diags.push(errorDiag('Unsupported argument',
        `An argument named ${goQuote(name)} is not expected here.${suggestion ? ` Did you mean ${goQuote(suggestion)}?` : ''}`, [name]));
      continue;
    }
    const converted = convertToAttrType(value, type);
    if ('error' in converted) {
      diags.push(errorDiag('Incorrect attribute value type',
        // HCL's text; for blocks we add the attribute list, which cty's "object required" does not give.
        `Inappropriate value for attribute ${goQuote(name)}: ${converted.error}.${typeof type === 'string' ? '' : ` Expected ${describeType(type)}.`}`, [name]));
      continue;
    }
    out[name] = converted.value;
  }
  return out;
}


/** A string attribute's value, if it is set. */
export const str = (obj: Obj, name: string): string | undefined => (typeof obj[name] === 'string' ? (obj[name] as string) : undefined);
/** A bool attribute's value, if it is set. */
export const bool = (obj: Obj, name: string): boolean | undefined => (typeof obj[name] === 'boolean' ? (obj[name] as boolean) : undefined);
