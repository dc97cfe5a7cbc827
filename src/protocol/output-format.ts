import { type GoJsonValue, compareGoStrings, formatCtyNumber, marshalGoJson, quoteGoString } from './go-json';
import { goQuote } from './go-time';

/**
 * `terraform output`'s renderings of root module output values, from a state's `value` and `type`
 * (cty's JSON type): the human form (hashicorp/terraform internal/repl/format.go, `FormatValue`:
 * Terraform syntax with `tolist(...)`, `toset(...)`, `tomap(...)`, heredocs for multi-line strings,
 * numbers as `big.Float.Text('f', -1)`), `-json` (internal/command/views/output.go, `OutputJSON`:
 * cty's JSON of the value, or of every output with its type and sensitivity, `json.MarshalIndent`)
 * and `-raw` (`OutputRaw`: a string, number or bool converted to a string, nothing added).
 *
 * Numbers come from the state reader: integers exactly (`bigint` beyond 2^53), other numbers as
 * doubles, so a decimal of more than 17 significant digits shows rounded where Terraform shows
 * every digit.
 */

/** One output as the state holds it. */
export interface OutputForDisplay {
  readonly value: GoJsonValue;
  readonly type: GoJsonValue;
  readonly sensitive: boolean;
  /** OpenTofu's deprecation message (`deprecated` in its state). */
  readonly deprecated?: string;
}

/** A cty type in its JSON form, narrowed. */
type TypeJson = GoJsonValue;

function kindOf(t: TypeJson): { kind: string; arg?: GoJsonValue } {
  if (typeof t === 'string') return { kind: t };
  if (Array.isArray(t) && typeof t[0] === 'string') return { kind: t[0], arg: t[1] };
  return { kind: 'dynamic' };
}

/** The type a JSON value implies, for a value whose recorded type does not describe it (a damaged state). */
function impliedType(v: GoJsonValue): TypeJson {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number' || typeof v === 'bigint') return 'number';
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v)) return ['tuple', v.map(impliedType)];
  if (v !== null) return ['object', Object.fromEntries(Object.entries(v).map(([k, x]) => [k, impliedType(x)]))];
  return 'dynamic';
}

/** Whether `v` fits `t` at the top level; nested values are checked as they are reached. */
function fits(v: GoJsonValue, t: TypeJson): boolean {
  if (v === null) return true;
  switch (kindOf(t).kind) {
    case 'string': return typeof v === 'string';
    case 'number': return typeof v === 'number' || typeof v === 'bigint';
    case 'bool': return typeof v === 'boolean';
    case 'list': case 'set': case 'tuple': return Array.isArray(v);
    case 'map': case 'object': return typeof v === 'object' && !Array.isArray(v);
    default: return false;
  }
}

/** cty's `Type.FriendlyName`: `string`, `list of number`, `object`, `tuple`, `dynamic`. */
export function friendlyTypeName(t: TypeJson): string {
  const { kind, arg } = kindOf(t);
  switch (kind) {
    case 'list': case 'set': case 'map': return `${kind} of ${friendlyTypeName(arg ?? 'dynamic')}`;
    case 'string': case 'number': case 'bool': case 'object': case 'tuple': return kind;
    default: return 'dynamic';
  }
}

/** Keys in cty's order for objects and maps (Go's string order). */
function sortedKeys(o: object): string[] {
  return Object.keys(o).sort(compareGoStrings);
}

/** Go's `strconv.Quote`, or a heredoc when the string has more than one line (`formatMultilineString`). */
function formatString(s: string, indent: number): string {
  const lines = s.split('\n');
  if (lines.length < 2) return goQuote(s);
  let delimiter = 'EOT';
  while (lines.some((l) => l.trim() === delimiter)) delimiter += '_';
  const pad = ' '.repeat(indent);
  return `${indent > 0 ? '<<-' : '<<'}${delimiter}${lines.map((l) => `\n${pad}${l}`).join('')}\n${pad}${delimiter}`;
}

/** `repl.FormatValue(value, indent)` of a value of type `type`. */
export function formatOutputValue(value: GoJsonValue, type: TypeJson, indent = 0): string {
  const t = fits(value, type) ? type : impliedType(value);
  const { kind, arg } = kindOf(t);
  if (value === null) {
    switch (kind) {
      case 'string': return 'tostring(null)';
      case 'number': return 'tonumber(null)';
      case 'bool': return 'tobool(null)';
      case 'list': case 'set': case 'map': return `to${kind}(null) /* of ${friendlyTypeName(arg ?? 'dynamic')} */`;
      case 'object': case 'tuple': return `null /* ${kind} */`;
      default: return 'null';
    }
  }
  if (typeof value === 'string') return formatString(value, indent);
  if (typeof value === 'number' || typeof value === 'bigint') return formatCtyNumber(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  const inner = ' '.repeat(indent + 2);
  const close = (count: number) => (count > 0 ? `\n${' '.repeat(indent)}` : '');
  if (Array.isArray(value)) {
    const elemType = (i: number): TypeJson => (kind === 'tuple' ? (Array.isArray(arg) ? arg[i] : undefined) ?? 'dynamic' : arg ?? 'dynamic');
    const seq = `[${value.map((x, i) => `\n${inner}${formatOutputValue(x, elemType(i), indent + 2)},`).join('')}${close(value.length)}]`;
    return kind === 'list' || kind === 'set' ? `to${kind}(${seq})` : seq;
  }
  const attrTypes = kind === 'object' && arg !== null && typeof arg === 'object' && !Array.isArray(arg) ? arg : {};
  const keys = sortedKeys(value);
  const mapping = `{${keys.map((k) => `\n${inner}${formatString(k, indent + 2)} = ${formatOutputValue(value[k], kind === 'map' ? arg ?? 'dynamic' : attrTypes[k] ?? 'dynamic', indent + 2)}`).join('')}${close(keys.length)}}`;
  return kind === 'map' ? `tomap(${mapping})` : mapping;
}

/**
 * `terraform output` without a name: `name = value` lines in name order, `<sensitive>` for sensitive
 * ones unless `showSensitive` (OpenTofu's `-show-sensitive`).
 */
export function formatOutputsHuman(outputs: Readonly<Record<string, OutputForDisplay>>, showSensitive = false): string {
  return sortedKeys(outputs)
    .map((k) => `${k} = ${outputs[k].sensitive && !showSensitive ? '<sensitive>' : formatOutputValue(outputs[k].value, outputs[k].type)}`).join('\n');
}

/** Go's `json.Marshal` of cty JSON: keys in Go's order, HTML escaped, numbers never in exponent form. */
function ctyJson(v: GoJsonValue): string {
  return marshalGoJson(v, { numberStyle: 'cty', sortKeys: true });
}

/** `terraform output -json NAME`: the value as cty's compact JSON. */
export function outputJson(output: OutputForDisplay): string {
  return ctyJson(output.value);
}

/**
 * `terraform output -json`: every output's `sensitive`, `type` and `value`, indented by two spaces;
 * `tofu output -json` adds `deprecated` (between `sensitive` and `type`) to an output that has one.
 */
export function outputsJson(outputs: Readonly<Record<string, OutputForDisplay>>): string {
  const meta = (o: OutputForDisplay): string[] => [
    `"sensitive":${o.sensitive ? 'true' : 'false'}`,
    ...(o.deprecated ? [`"deprecated":${quoteGoString(o.deprecated)}`] : []),
    `"type":${ctyJson(o.type)}`,
    `"value":${ctyJson(o.value)}`,
  ];
  // Go's json.MarshalIndent of a map of structs: struct fields in declaration order, then indented whole.
  const compact = `{${sortedKeys(outputs).map((k) => `${quoteGoString(k)}:{${meta(outputs[k]).join(',')}}`).join(',')}}`;
  return indentGoJson(compact, '  ');
}

/** Go's `json.Indent(dst, src, "", indent)` of compact JSON: a newline and indentation inside every non-empty object and array. */
function indentGoJson(src: string, indent: string): string {
  let out = '';
  let depth = 0;
  let inString = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (inString) {
      out += c;
      if (c === '\\') out += src[++i];
      else if (c === '"') inString = false;
      continue;
    }
    switch (c) {
      case '"': inString = true; out += c; break;
      case '{': case '[':
        if (src[i + 1] === (c === '{' ? '}' : ']')) {
          out += c + src[++i];
        } else {
          depth++;
          out += c + '\n' + indent.repeat(depth);
        }
        break;
      case '}': case ']': depth--; out += '\n' + indent.repeat(depth) + c; break;
      case ',': out += ',\n' + indent.repeat(depth); break;
      case ':': out += ': '; break;
      default: out += c;
    }
  }
  return out;
}

/** Why `-raw` cannot print an output: Terraform's diagnostic, summary and detail. */
export class RawOutputError extends Error {
  public readonly summary = 'Unsupported value for raw output';

  constructor(public readonly detail: string) {
    super(`Unsupported value for raw output: ${detail}`);
    this.name = 'RawOutputError';
  }
}

/**
 * `terraform output -raw NAME`: a string as it is, a number or bool converted to a string as cty's
 * `convert` does; anything else, or null, is Terraform's error ({@link RawOutputError}).
 */
export function rawOutput(name: string, output: OutputForDisplay): string {
  const t = fits(output.value, output.type) ? output.type : impliedType(output.value);
  const { kind } = kindOf(t);
  if (!['string', 'number', 'bool', 'dynamic'].includes(kind)) {
    throw new RawOutputError(`The -raw option only supports strings, numbers, and boolean values, but output value ${goQuote(name)} is ${friendlyTypeName(t)}.\n\n`
      + 'Use the -json option for machine-readable representations of output values that have complex types.');
  }
  const v = output.value;
  if (v === null) throw new RawOutputError(`The value for output value ${goQuote(name)} is null, so -raw mode cannot print it.`);
  if (typeof v === 'number' || typeof v === 'bigint') return formatCtyNumber(v);
  return String(v);
}
