/**
 * The small part of HCL expression evaluation the encryption block needs. Every configuration reaches us
 * in HCL's JSON shape (native `.tf` text goes through `@cdktf/hcl2json`, which writes references as
 * `"${key_provider.pbkdf2.k}"`), where each string is a template. Supported: literals, lists, objects,
 * templates whose interpolations are `var.<name>` or a whole `key_provider.<type>.<name>` reference.
 * Anything else (locals, functions, conditionals, `%{}` directives) is refused with a message naming
 * the attribute, never silently mis-evaluated.
 */

/** Where an attribute came from: native HCL (via hcl2json) or HCL JSON syntax (`.tf.json`, JSON `TF_ENCRYPTION`). */
export type ConfigSyntax = 'hcl' | 'json';

/** One attribute (or block list) as written, with its origin for messages. */
export interface RawAttribute {
  readonly value: unknown;
  readonly syntax: ConfigSyntax;
  /** File name or `TF_ENCRYPTION`. */
  readonly source: string;
}

/** A static reference such as `key_provider.pbkdf2.k` or `var.passphrase`. */
export type Traversal = readonly string[];

/** What a template is made of. */
export type TemplatePart = { readonly literal: string } | { readonly expr: string };

/** Thrown for expressions this evaluator does not implement; the caller adds the attribute's name. */
export class UnsupportedExpressionError extends Error {}

const IDENT = '[A-Za-z_][A-Za-z0-9_-]*';
const TRAVERSAL_RE = new RegExp(`^${IDENT}(?:\\.${IDENT})*$`);

/** `hclsyntax.ParseTraversalAbs` for the dotted form (no index steps); `undefined` when not a traversal. */
export function parseTraversal(text: string): Traversal | undefined {
  const t = text.trim();
  return TRAVERSAL_RE.test(t) ? t.split('.') : undefined;
}

/** Splits an HCL template into literals and `${...}` interpolations (`$${` and `%%{` are escapes). */
export function parseTemplate(text: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let lit = '';
  let i = 0;
  while (i < text.length) {
    if (text.startsWith('$${', i)) { lit += '${'; i += 3; continue; }
    if (text.startsWith('%%{', i)) { lit += '%{'; i += 3; continue; }
    if (text.startsWith('%{', i)) throw new UnsupportedExpressionError('template directives (%{ ... }) are not supported here');
    if (text.startsWith('${', i)) {
      let depth = 1;
      let j = i + 2;
      let quote = false;
      for (; j < text.length && depth > 0; j++) {
        const c = text[j];
        if (quote) {
          if (c === '\\') j++;
          else if (c === '"') quote = false;
        } else if (c === '"') {quote = true;} else if (c === '{') {depth++;} else if (c === '}') {depth--;}
      }
      if (depth !== 0) throw new UnsupportedExpressionError(`unterminated template interpolation in "${text}"`);
      if (lit !== '') parts.push({ literal: lit });
      lit = '';
      let expr = text.slice(i + 2, j - 1);
      // Strip markers `${~ x ~}` only trim surrounding literal whitespace; the expression is the same.
      expr = expr.replace(/^~/, '').replace(/~$/, '');
      parts.push({ expr: expr.trim() });
      i = j;
      continue;
    }
    lit += text[i];
    i++;
  }
  if (lit !== '' || parts.length === 0) parts.push({ literal: lit });
  return parts;
}

/** The single reference a template consists of (`"${a.b.c}"`), if that is all it is. */
export function templateTraversal(text: string): Traversal | undefined {
  let parts: TemplatePart[];
  try {
    parts = parseTemplate(text);
  } catch {
    return undefined;
  }
  if (parts.length !== 1 || !('expr' in parts[0])) return undefined;
  return parseTraversal(parts[0].expr);
}

/**
 * The references in a value (`expr.Variables()`), for dependency discovery (`chain`, circular
 * references). Unparseable interpolations are ignored here and reported when evaluated.
 */
export function referencesIn(value: unknown): Traversal[] {
  const out: Traversal[] = [];
  const walk = (v: unknown): void => {
    if (typeof v === 'string') {
      let parts: TemplatePart[] = [];
      try {
        parts = parseTemplate(v);
      } catch {
        return;
      }
      for (const p of parts) {
        if ('expr' in p) {
          const t = parseTraversal(p.expr);
          if (t) out.push(t);
        }
      }
    } else if (Array.isArray(v)) {v.forEach(walk);} else if (typeof v === 'object' && v !== null) {Object.values(v).forEach(walk);}
  };
  walk(value);
  return out;
}

/** Resolves the references an expression may contain. */
export interface EvalScope {
  /** The value of `var.<name>`; throws when it has none. */
  variable(name: string): unknown;
  /** The keys of `key_provider.<type>.<name>`; throws when undeclared or failing. */
  keyProvider(type: string, name: string): Promise<unknown>;
}

async function evalTraversal(t: Traversal, scope: EvalScope): Promise<unknown> {
  if (t[0] === 'var' && t.length === 2) return scope.variable(t[1]);
  if (t[0] === 'key_provider' && t.length === 3) return scope.keyProvider(t[1], t[2]);
  if (t[0] === 'key_provider') {
    // methods.go filterKeyProviderReferences.
    throw new UnsupportedExpressionError('Invalid Key Provider expression format: The key_provider symbol must be followed by two more attribute names specifying the type and name of the selected key provider.');
  }
  throw new UnsupportedExpressionError(`the reference ${t.join('.')} is not supported here (this client evaluates literals, var.<name> and key_provider.<type>.<name> in the encryption configuration; use a variable or a literal instead)`);
}

/** Evaluates a template string: a lone interpolation keeps its type, otherwise the parts are joined as strings. */
async function evalTemplate(text: string, scope: EvalScope): Promise<unknown> {
  const parts = parseTemplate(text);
  const evalExpr = async (expr: string): Promise<unknown> => {
    const t = parseTraversal(expr);
    if (t === undefined) {
      throw new UnsupportedExpressionError(`the expression \${${expr}} is not supported here (only literals, var.<name> and key_provider.<type>.<name> references are evaluated; functions, locals and operators are not)`);
    }
    return evalTraversal(t, scope);
  };
  if (parts.length === 1 && 'expr' in parts[0]) return evalExpr(parts[0].expr);
  let out = '';
  for (const p of parts) {
    if ('literal' in p) {
      out += p.literal;
      continue;
    }
    const v = await evalExpr(p.expr);
    if (typeof v === 'string') out += v;
    else if (typeof v === 'number' || typeof v === 'boolean') out += String(v);
    else throw new UnsupportedExpressionError(`the interpolation \${${p.expr}} is not a string and cannot be part of a template`);
  }
  return out;
}

/** Evaluates a JSON-shaped HCL value: templates in strings, recursively in lists and objects. */
export async function evaluate(value: unknown, scope: EvalScope): Promise<unknown> {
  if (typeof value === 'string') return evalTemplate(value, scope);
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const v of value) out.push(await evaluate(v, scope));
    return out;
  }
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = await evaluate(v, scope);
    return out;
  }
  return value;
}
