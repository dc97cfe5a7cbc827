/**
 * `tfstate pull -redact`: a copy of a state that can be pasted into a ticket or a CI log.
 *
 * Every sensitive value is replaced by {@link REDACTED_JSON}; every other byte of the input is kept as
 * it was (the edit splices byte spans of the original, it never re-serializes), so the output is valid
 * JSON, diffs cleanly against other redacted copies, and shows exactly what Terraform wrote.
 *
 * What is sensitive, from Terraform's v4 state format (internal/states/statefile/version4.go,
 * `outputStateV4`, `instanceObjectStateV4`, `unmarshalPaths`; OpenTofu's file is the same shape):
 *
 * | where                                        | redacted                                            |
 * |----------------------------------------------|-----------------------------------------------------|
 * | `outputs.<name>` with `"sensitive": true`    | its `value` (its `type` is kept)                    |
 * | instance `sensitive_attributes` path `[]`    | the whole `attributes` object                       |
 * | instance `sensitive_attributes` path `[s…]`  | the value at that path inside `attributes`          |
 * | same, legacy `attributes_flat`               | every flat key equal to or under the path           |
 * | instance `private` (base64 provider data)    | always: providers may keep secrets there            |
 * | a path step that cannot be followed          | the value where following stopped (conservative)    |
 * | instance `identity`                          | kept: identity schemas have no sensitive attributes |
 * | `sensitive_attributes` itself, everything else | kept (paths name attributes, not values)          |
 *
 * A path is a list of cty steps: `{"type":"get_attr","value":"name"}` and
 * `{"type":"index","value":{"value":<key>,"type":"string"|"number"}}` (the index key is a cty value in
 * cty's dynamic JSON form). Terraform 0.15 up to the current sources (1.1x) and OpenTofu write only this
 * form. Keys of the state's own structs are matched the way Go's `encoding/json` does (case-insensitive,
 * every duplicate considered), so a hand-edited state cannot hide a sensitive flag from the redactor.
 */
import { goFoldKey } from './go-json';
import { applySplices, parseJsonSpans, JsonSpanSyntaxError, SpanNode, Splice } from './json-spans';

/** The text that replaces a sensitive value, as Terraform's UI prints it. */
export const REDACTED_MARKER = '(sensitive value)';

/** {@link REDACTED_MARKER} as the JSON string literal written into the state. */
export const REDACTED_JSON = JSON.stringify(REDACTED_MARKER);

/** The result of {@link redactState}. */
export interface RedactResult {
  /** The redacted state. */
  readonly bytes: Buffer;
  /** How many values were replaced (nested sensitive paths inside a replaced value count once). */
  readonly redacted: number;
}

/** The input cannot be redacted; nothing was written. `code` is stable. */
export class RedactError extends Error {
  /** `NOT_JSON`, `NOT_V4_STATE`, `ENCRYPTED_STATE` or `BAD_SENSITIVE_PATHS`. */
  public readonly code: 'NOT_JSON' | 'NOT_V4_STATE' | 'ENCRYPTED_STATE' | 'BAD_SENSITIVE_PATHS';

  constructor(code: RedactError['code'], message: string) {
    super(message);
    this.name = 'RedactError';
    this.code = code;
  }
}

/** One step of a cty path as `sensitive_attributes` stores it. */
export type CtyPathStep = { readonly attr: string } | { readonly index: string | number };

/**
 * Replaces every sensitive value in a v4 state with {@link REDACTED_JSON}, keeping all other bytes.
 *
 * @throws RedactError when the input is not JSON, not a version 4 state, an OpenTofu encrypted state,
 * or has a `sensitive_attributes` that is not a list of paths (redacting it would be a guess)
 */
export function redactState(bytes: Uint8Array): RedactResult {
  let root: SpanNode;
  try {
    root = parseJsonSpans(bytes);
  } catch (e) {
    if (e instanceof JsonSpanSyntaxError) {
      throw new RedactError('NOT_JSON', `The state could not be read as JSON (${e.message}); nothing was redacted. Check that the object is a Terraform state.`);
    }
    throw e;
  }
  if (root.kind !== 'object') throw new RedactError('NOT_V4_STATE', 'The state is not a JSON object; nothing was redacted.');
  if (fields(root, 'encryption_version').length > 0) {
    throw new RedactError('ENCRYPTED_STATE', 'The state is encrypted by OpenTofu (it has "encryption_version"); redact the decrypted state instead.');
  }
  const version = fields(root, 'version');
  if (version.length === 0 || version.some((v) => v.kind !== 'number' || Number(v.text) !== 4)) {
    throw new RedactError('NOT_V4_STATE', 'Only version 4 states (Terraform 0.12 and later, OpenTofu) can be redacted; run "terraform apply" or "terraform state push" with a current Terraform to upgrade the state first.');
  }

  const splices: Splice[] = [];
  const redact = (n: SpanNode) => splices.push({ start: n.start, end: n.end, text: REDACTED_JSON });

  for (const outputs of fields(root, 'outputs')) {
    if (outputs.kind !== 'object') continue;
    for (const { value: output } of outputs.members) {
      if (output.kind !== 'object') continue;
      if (fields(output, 'sensitive').some(isTrue)) fields(output, 'value').forEach(redact);
    }
  }

  for (const resources of fields(root, 'resources')) {
    if (resources.kind !== 'array') continue;
    for (const resource of resources.items) {
      for (const instances of resource.kind === 'object' ? fields(resource, 'instances') : []) {
        if (instances.kind !== 'array') continue;
        for (const instance of instances.items) {
          if (instance.kind === 'object') redactInstance(instance, redact);
        }
      }
    }
  }

  const { bytes: out, applied } = applySplices(bytes, splices);
  return { bytes: out, redacted: applied };
}

function redactInstance(instance: SpanNode & { kind: 'object' }, redact: (n: SpanNode) => void): void {
  fields(instance, 'private').filter((p) => !(p.kind === 'literal' && p.value === null)).forEach(redact);

  const paths: CtyPathStep[][] = [];
  for (const raw of fields(instance, 'sensitive_attributes')) paths.push(...parseSensitivePaths(raw));
  if (paths.length === 0) return;

  for (const attributes of fields(instance, 'attributes')) {
    for (const path of paths) {
      const target = follow(attributes, path);
      if (target) redact(target);
    }
  }
  for (const flat of fields(instance, 'attributes_flat')) {
    if (flat.kind !== 'object') continue;
    for (const path of paths) {
      const prefix = path.map((s) => ('attr' in s ? s.attr : String(s.index))).join('.');
      for (const m of flat.members) {
        if (prefix === '' || m.key === prefix || m.key.startsWith(prefix + '.')) redact(m.value);
      }
    }
  }
}

/**
 * Reads `sensitive_attributes` as Terraform's `unmarshalPaths` does: a list of paths, each a list of
 * `{type, value}` steps. `null` and `[]` mean none.
 *
 * @throws RedactError for any other shape
 */
export function parseSensitivePaths(node: SpanNode): CtyPathStep[][] {
  if (node.kind === 'literal' && node.value === null) return [];
  const bad = (why: string): never => {
    throw new RedactError('BAD_SENSITIVE_PATHS', `A resource instance's "sensitive_attributes" at byte ${node.start} is not a list of cty paths (${why}); nothing was redacted. Terraform would refuse this state too.`);
  };
  if (node.kind !== 'array') return bad('not a list');
  return node.items.map((path) => {
    if (path.kind === 'literal' && path.value === null) return [];
    if (path.kind !== 'array') return bad('a path is not a list');
    return path.items.map((step): CtyPathStep => {
      if (step.kind !== 'object') return bad('a step is not an object');
      const type = last(fields(step, 'type'));
      const value = last(fields(step, 'value'));
      if (type?.kind !== 'string' || !value) return bad('a step has no "type" or "value"');
      if (type.value === 'get_attr') {
        if (value.kind !== 'string') return bad('a get_attr step value is not a string');
        return { attr: value.value };
      }
      if (type.value === 'index') {
        // cty's dynamic JSON: {"value": <key>, "type": <cty type>}; keys are exact-case (cty json).
        const key = value.kind === 'object' ? value.members.filter((m) => m.key === 'value').pop()?.value : undefined;
        if (key?.kind === 'string') return { index: key.value };
        if (key?.kind === 'number') return { index: Number(key.text) };
        // A set element or other key this reader cannot follow: stop here, redacting the container.
        return { index: Number.NaN };
      }
      return bad(`unsupported step type ${JSON.stringify(type.value)}`);
    });
  });
}

/**
 * The node at `path` inside `node`; when a step cannot be followed (wrong kind, unknown index form) the
 * node where following stopped, so the redaction errs towards hiding more. `undefined` when the path
 * leads to a member or element that is absent (nothing to hide).
 */
function follow(node: SpanNode, path: readonly CtyPathStep[]): SpanNode | undefined {
  let at = node;
  for (const step of path) {
    if (at.kind === 'literal' && at.value === null) return at;
    if ('attr' in step || typeof step.index === 'string') {
      const name = 'attr' in step ? step.attr : step.index as string;
      if (at.kind !== 'object') return at;
      const hits = at.members.filter((m) => m.key === name);
      if (hits.length === 0) return undefined;
      // Duplicate keys: the decoder keeps one of them; hide them all by stopping at the container.
      if (hits.length > 1) return at;
      at = hits[0].value;
    } else {
      const i = step.index;
      if (at.kind !== 'array' || !Number.isInteger(i)) return at;
      if (i < 0 || i >= at.items.length) return undefined;
      at = at.items[i];
    }
  }
  return at;
}

/** Members of a state struct matching `name` as Go's `encoding/json` matches struct fields. */
function fields(obj: SpanNode, name: string): SpanNode[] {
  if (obj.kind !== 'object') return [];
  const folded = goFoldKey(name);
  return obj.members.filter((m) => m.key === name || goFoldKey(m.key) === folded).map((m) => m.value);
}

function isTrue(n: SpanNode): boolean {
  return n.kind === 'literal' && n.value === true;
}

function last<T>(xs: T[]): T | undefined {
  return xs[xs.length - 1];
}
