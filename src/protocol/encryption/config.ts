import { StateEncryptionError } from './errors';
import { ConfigSyntax, RawAttribute, parseTemplate } from './expressions';

/**
 * The `encryption` block as OpenTofu decodes it (internal/encryption/config: config.go, config_parse.go,
 * config_merge.go), from the JSON shape every source is brought to. Bodies of key providers and methods
 * stay raw (attribute name → value) until a key is needed, as OpenTofu keeps them as `hcl.Body`.
 */

/** A raw body: attribute or nested-block name → what was written. */
export type RawBody = Readonly<Record<string, RawAttribute>>;

/** `key_provider "<type>" "<name>" { ... }`. */
export interface KeyProviderConfig {
  readonly type: string;
  readonly name: string;
  /** `encrypted_metadata_alias`: the `meta` key instead of the address. */
  readonly encryptedMetadataAlias?: string;
  readonly body: RawBody;
}

/** `method "<type>" "<name>" { ... }`. */
export interface MethodConfig {
  readonly type: string;
  readonly name: string;
  readonly body: RawBody;
}

/** `state`, `plan`, `fallback`, `default` and `remote_state_data_source` blocks. */
export interface TargetConfig {
  /** The `method` reference as written. */
  readonly method?: RawAttribute;
  readonly fallback?: TargetConfig;
}

/** `state` and `plan`: a target that can be `enforced`. */
export interface EnforceableTargetConfig extends TargetConfig {
  readonly enforced: boolean;
}

/** `remote_state_data_sources { default {...} remote_state_data_source "<name>" {...} }`. */
export interface RemoteConfig {
  readonly default?: TargetConfig;
  readonly targets: readonly (TargetConfig & { readonly name: string })[];
}

/** A decoded (and possibly merged) encryption configuration. */
export interface EncryptionBlockConfig {
  readonly keyProviders: readonly KeyProviderConfig[];
  readonly methods: readonly MethodConfig[];
  readonly state?: EnforceableTargetConfig;
  readonly plan?: EnforceableTargetConfig;
  readonly remote?: RemoteConfig;
}

/** keyprovider/validation.go and method/addr.go `nameRe`. */
const NAME_RE = /^[a-zA-Z_0-9-]+$/;

function invalid(source: string, summary: string, detail: string): StateEncryptionError {
  return new StateEncryptionError('ENCRYPTION_CONFIG_INVALID', `${source}: ${summary}: ${detail}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The bodies of an unlabeled block type: an object or a list of objects in the JSON shape. */
function blockBodies(value: unknown, what: string, source: string): Record<string, unknown>[] {
  const list = Array.isArray(value) ? value : [value];
  for (const b of list) {
    if (!isObject(b)) throw invalid(source, 'Incorrect JSON value type', `A JSON object is required here, to define the "${what}" block.`);
  }
  return list as Record<string, unknown>[];
}

/** The labeled blocks of a type: nested objects one level per label, lists allowed at each level. */
function labeledBodies(value: unknown, labels: number, what: string, source: string): { labels: string[]; body: Record<string, unknown> }[] {
  const out: { labels: string[]; body: Record<string, unknown> }[] = [];
  const walk = (v: unknown, got: string[]): void => {
    if (Array.isArray(v)) {
      v.forEach((x) => walk(x, got));
      return;
    }
    if (!isObject(v)) throw invalid(source, 'Incorrect JSON value type', `A JSON object is required here, to define the "${what}" block.`);
    if (got.length === labels) {
      out.push({ labels: got, body: v });
      return;
    }
    for (const [k, x] of Object.entries(v)) walk(x, [...got, k]);
  };
  walk(value, []);
  return out;
}

function rawBody(body: Record<string, unknown>, syntax: ConfigSyntax, source: string, skip: readonly string[] = []): RawBody {
  const out: Record<string, RawAttribute> = {};
  for (const [k, v] of Object.entries(body)) {
    // HCL's JSON syntax ignores "//" comment properties.
    if (k === '//' || skip.includes(k)) continue;
    out[k] = { value: v, syntax, source };
  }
  return out;
}

function checkOnly(body: Record<string, unknown>, allowed: readonly string[], where: string, source: string): void {
  for (const k of Object.keys(body)) {
    if (k !== '//' && !allowed.includes(k)) throw invalid(source, 'Unsupported argument', `An argument or block named "${k}" is not expected in ${where}.`);
  }
}

function single(value: unknown, what: string, source: string, syntax: ConfigSyntax): Record<string, unknown> | undefined {
  if (value === undefined) return undefined;
  const bodies = blockBodies(value, what, source);
  if (bodies.length > 1) throw invalid(source, `Duplicate ${what} block`, `Only one "${what}" block is allowed.`);
  void syntax;
  return bodies[0];
}

function decodeTarget(
  body: Record<string, unknown>, where: string, syntax: ConfigSyntax, source: string, enforceable: boolean,
): TargetConfig & { enforced?: boolean } {
  checkOnly(body, enforceable ? ['enforced', 'method', 'fallback'] : ['method', 'fallback'], where, source);
  const fb = single(body.fallback, 'fallback', source, syntax);
  let enforced: boolean | undefined;
  if (enforceable) {
    // Decoded without an evaluation context (gohcl.DecodeBody(body, nil, cfg)): literals only; cty
    // converts the strings "true" and "false".
    const e = body.enforced === 'true' ? true : body.enforced === 'false' ? false : body.enforced;
    if (e !== undefined && typeof e !== 'boolean') throw invalid(source, 'Incorrect attribute value type', `Inappropriate value for attribute "enforced" in ${where}: bool required.`);
    enforced = e === true;
  }
  return {
    ...(body.method !== undefined ? { method: { value: body.method, syntax, source } } : {}),
    ...(fb !== undefined ? { fallback: decodeTarget(fb, `${where}.fallback`, syntax, source, false) } : {}),
    ...(enforced !== undefined ? { enforced } : {}),
  };
}

/**
 * config_parse.go `DecodeConfig`: one `encryption` body (the block's content, or the whole of
 * `TF_ENCRYPTION`) in the JSON shape; duplicate and malformed names are errors.
 */
export function decodeEncryptionBody(body: unknown, syntax: ConfigSyntax, source: string): EncryptionBlockConfig {
  if (!isObject(body)) throw invalid(source, 'Incorrect JSON value type', 'A JSON object is required here, to define the encryption configuration.');
  checkOnly(body, ['key_provider', 'method', 'state', 'plan', 'remote_state_data_sources'], 'the encryption block', source);
  const keyProviders: KeyProviderConfig[] = [];
  for (const { labels: [type, name], body: b } of labeledBodies(body.key_provider ?? [], 2, 'key_provider', source)) {
    const alias = literalString(b.encrypted_metadata_alias, syntax, source, `key_provider.${type}.${name}.encrypted_metadata_alias`);
    keyProviders.push({ type, name, ...(alias ? { encryptedMetadataAlias: alias } : {}), body: rawBody(b, syntax, source, ['encrypted_metadata_alias']) });
  }
  const methods: MethodConfig[] = labeledBodies(body.method ?? [], 2, 'method', source)
    .map(({ labels: [type, name], body: b }) => ({ type, name, body: rawBody(b, syntax, source) }));

  keyProviders.forEach((kp, i) => {
    if (keyProviders.some((o, j) => i !== j && o.type === kp.type && o.name === kp.name)) {
      throw invalid(source, 'Duplicate key_provider', `Found multiple instances of key_provider.${kp.type}.${kp.name}`);
    }
    checkName(kp.type, 'key provider type', source);
    checkName(kp.name, 'key provider name', source);
  });
  methods.forEach((m, i) => {
    if (methods.some((o, j) => i !== j && o.type === m.type && o.name === m.name)) {
      throw invalid(source, 'Duplicate method', `Found multiple instances of method.${m.type}.${m.name}`);
    }
    checkName(m.type, 'encryption method type', source);
    checkName(m.name, 'encryption method name', source);
  });

  const stateBody = single(body.state, 'state', source, syntax);
  const planBody = single(body.plan, 'plan', source, syntax);
  const remoteBody = single(body.remote_state_data_sources, 'remote_state_data_sources', source, syntax);
  let remote: RemoteConfig | undefined;
  if (remoteBody !== undefined) {
    checkOnly(remoteBody, ['default', 'remote_state_data_source'], 'remote_state_data_sources', source);
    const def = single(remoteBody.default, 'default', source, syntax);
    const targets = labeledBodies(remoteBody.remote_state_data_source ?? [], 1, 'remote_state_data_source', source)
      .map(({ labels: [name], body: b }) => ({ name, ...decodeTarget(b, `remote_state_data_source "${name}"`, syntax, source, false) }));
    targets.forEach((t, i) => {
      if (targets.some((o, j) => i !== j && o.name === t.name)) {
        throw invalid(source, 'Duplicate remote_data_source', `Found multiple instances of remote_data_source.${t.name}`);
      }
    });
    remote = { ...(def !== undefined ? { default: decodeTarget(def, 'remote_state_data_sources.default', syntax, source, false) } : {}), targets };
  }
  return {
    keyProviders,
    methods,
    ...(stateBody !== undefined ? { state: decodeTarget(stateBody, 'state', syntax, source, true) as EnforceableTargetConfig } : {}),
    ...(planBody !== undefined ? { plan: decodeTarget(planBody, 'plan', syntax, source, true) as EnforceableTargetConfig } : {}),
    ...(remote !== undefined ? { remote } : {}),
  };
}

/**
 * A string attribute decoded without an evaluation context (config_parse.go `gohcl.DecodeBody(body, nil, cfg)`):
 * no references; native HCL's `$${` escapes (kept by hcl2json) are undone.
 */
function literalString(value: unknown, syntax: ConfigSyntax, source: string, where: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalid(source, 'Incorrect attribute value type', `Inappropriate value for attribute ${where}: string required.`);
  if (syntax === 'json') return value;
  let parts;
  try {
    parts = parseTemplate(value);
  } catch (e) {
    throw invalid(source, 'Invalid expression', `${where}: ${(e as Error).message}`);
  }
  if (parts.some((p) => 'expr' in p)) throw invalid(source, 'Variables not allowed', `${where}: Variables may not be used here; write a literal string.`);
  return parts.map((p) => ('literal' in p ? p.literal : '')).join('');
}

function checkName(value: string, what: string, source: string): void {
  if (!NAME_RE.test(value)) {
    throw invalid(source, `The provided ${what} is invalid`, `The supplied ${what} (${value}) does not match the required form of ^([a-zA-Z_0-9-]+)$.`);
  }
}

/** hcl2shim.MergeBodies, shallow: an override attribute or block type replaces the base's. */
function mergeBody(base: RawBody, override: RawBody): RawBody {
  return { ...base, ...override };
}

function mergeNamed<T extends { type: string; name: string; body: RawBody }>(configs: readonly T[], overrides: readonly T[]): T[] {
  const merged = [...configs];
  for (const o of overrides) {
    const i = merged.findIndex((m) => m.type === o.type && m.name === o.name);
    // config_merge.go keeps the base's decoded fields (e.g. encrypted_metadata_alias) and merges only the body.
    if (i >= 0) merged[i] = { ...merged[i], body: mergeBody(merged[i].body, o.body) };
    else merged.push(o);
  }
  return merged;
}

function mergeTarget<T extends TargetConfig>(cfg: T | undefined, override: T | undefined): TargetConfig | undefined {
  if (cfg === undefined) return override;
  if (override === undefined) return cfg;
  // gohcl gives an absent `method` a synthetic null expression, never nil, so config_merge.go's
  // `override.Method != nil` always holds: the override's method wins even when it sets none (and the
  // merged target then fails as OpenTofu's does). `fallback` is a block, nil when absent.
  const method = override.method;
  const fallback = override.fallback ?? cfg.fallback;
  return { ...(method !== undefined ? { method } : {}), ...(fallback !== undefined ? { fallback } : {}) };
}

type Enforceable = EnforceableTargetConfig | undefined;

function mergeEnforceable(cfg: Enforceable, override: Enforceable): Enforceable {
  if (cfg === undefined) return override;
  if (override === undefined) return cfg;
  return { ...mergeTarget(cfg, override), enforced: cfg.enforced || override.enforced };
}

function mergeRemote(cfg: RemoteConfig | undefined, override: RemoteConfig | undefined): RemoteConfig | undefined {
  if (cfg === undefined) return override;
  if (override === undefined) return cfg;
  const targets = [...cfg.targets];
  for (const o of override.targets) {
    const i = targets.findIndex((t) => t.name === o.name);
    if (i >= 0) targets[i] = { name: targets[i].name, ...mergeTarget(targets[i], o) };
    else targets.push(o);
  }
  const def = mergeTarget(cfg.default, override.default);
  return { ...(def !== undefined ? { default: def } : {}), targets };
}

/** config_merge.go `MergeConfigs`: `override` takes precedence, as `TF_ENCRYPTION` does over the `.tf` files. */
export function mergeEncryptionConfigs(
  cfg: EncryptionBlockConfig | undefined, override: EncryptionBlockConfig | undefined,
): EncryptionBlockConfig | undefined {
  if (cfg === undefined) return override;
  if (override === undefined) return cfg;
  const state = mergeEnforceable(cfg.state, override.state);
  const plan = mergeEnforceable(cfg.plan, override.plan);
  const remote = mergeRemote(cfg.remote, override.remote);
  return {
    keyProviders: mergeNamed(cfg.keyProviders, override.keyProviders),
    methods: mergeNamed(cfg.methods, override.methods),
    ...(state !== undefined ? { state } : {}),
    ...(plan !== undefined ? { plan } : {}),
    ...(remote !== undefined ? { remote } : {}),
  };
}
