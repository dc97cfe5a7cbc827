import { goQuote } from '../go-time';

/**
 * The address strings a state holds, parsed and printed back as Terraform's `addrs` package does when
 * the state passes through its reader and writer: module instances, provider configurations (legacy
 * `provider.aws` strings become `provider["registry.terraform.io/-/aws"]`), resource dependencies.
 *
 * @see https://github.com/hashicorp/terraform/blob/main/internal/addrs/provider_config.go
 */

/** Which tool's address rules apply (OpenTofu's default registry host differs). */
export type StateFlavor = 'terraform' | 'opentofu';

/** A malformed address (Terraform reports an error diagnostic and refuses the state). */
export class AddressError extends Error {}

type Step = { kind: 'attr'; name: string } | { kind: 'index'; key: string | number };

/** An HCL absolute traversal (`a.b["k"][0]`), whitespace allowed between steps as HCL allows it. */
function parseTraversal(s: string): Step[] {
  const steps: Step[] = [];
  let pos = 0;
  const ws = () => { while (pos < s.length && /\s/.test(s[pos])) pos++; };
  const ident = (): string => {
    ws();
    const m = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(s.slice(pos));
    if (!m) throw new AddressError(`invalid address ${goQuote(s)}`);
    pos += m[0].length;
    return m[0];
  };
  steps.push({ kind: 'attr', name: ident() });
  for (;;) {
    ws();
    if (pos >= s.length) return steps;
    if (s[pos] === '.') {
      pos++;
      steps.push({ kind: 'attr', name: ident() });
    } else if (s[pos] === '[') {
      pos++;
      ws();
      let key: string | number;
      if (s[pos] === '"') {
        const m = /^"(?:[^"\\]|\\.)*"/.exec(s.slice(pos));
        if (!m) throw new AddressError(`invalid address ${goQuote(s)}`);
        key = JSON.parse(m[0]) as string;
        pos += m[0].length;
      } else {
        const m = /^[0-9]+/.exec(s.slice(pos));
        if (!m) throw new AddressError(`invalid index in address ${goQuote(s)}`);
        key = Number(m[0]);
        pos += m[0].length;
      }
      ws();
      if (s[pos] !== ']') throw new AddressError(`invalid address ${goQuote(s)}`);
      pos++;
      steps.push({ kind: 'index', key });
    } else {
      throw new AddressError(`invalid address ${goQuote(s)}`);
    }
  }
}

interface ModuleStep { readonly name: string; readonly key?: string | number }

/** `parseModuleInstancePrefix`: leading `module.NAME[key]` steps, and the steps after them. */
function modulePrefix(steps: Step[]): { modules: ModuleStep[]; rest: Step[] } {
  const modules: ModuleStep[] = [];
  let i = 0;
  while (i + 1 < steps.length && steps[i].kind === 'attr' && (steps[i] as { name: string }).name === 'module') {
    const name = steps[i + 1];
    if (name.kind !== 'attr') throw new AddressError('module address must be followed by a module name');
    i += 2;
    let key: string | number | undefined;
    if (i < steps.length && steps[i].kind === 'index') key = (steps[i++] as { key: string | number }).key;
    modules.push({ name: name.name, ...(key !== undefined ? { key } : {}) });
  }
  return { modules, rest: steps.slice(i) };
}

function formatKey(key: string | number | undefined): string {
  if (key === undefined) return '';
  return typeof key === 'number' ? `[${key}]` : `[${goQuote(key)}]`;
}

function formatModules(modules: readonly ModuleStep[], withKeys: boolean): string {
  return modules.map((m) => `module.${m.name}${withKeys ? formatKey(m.key) : ''}`).join('.');
}

/** `addrs.ParseModuleInstanceStr(s).String()`. */
export function normalizeModuleInstance(s: string): string {
  const { modules, rest } = modulePrefix(parseTraversal(s));
  if (rest.length > 0) throw new AddressError(`invalid module instance address ${goQuote(s)}`);
  return formatModules(modules, true);
}

function defaultHost(flavor: StateFlavor): string {
  return flavor === 'opentofu' ? 'registry.opentofu.org' : 'registry.terraform.io';
}

/** `addrs.ParseProviderSourceString(s).String()`: `hashicorp/aws` → `registry.terraform.io/hashicorp/aws`. */
function normalizeProviderSource(s: string, flavor: StateFlavor): string {
  const parts = s.split('/');
  if (parts.length < 1 || parts.length > 3 || parts.some((p) => p === '' || /\s/.test(p))) {
    throw new AddressError(`invalid provider source string ${goQuote(s)}`);
  }
  const type = parts[parts.length - 1].toLowerCase();
  const ns = (parts.length >= 2 ? parts[parts.length - 2] : 'hashicorp').toLowerCase();
  const host = (parts.length === 3 ? parts[0] : defaultHost(flavor)).toLowerCase();
  return `${host}/${ns}/${type}`;
}

/**
 * `addrs.ParseAbsProviderConfigStr(s).String()`, falling back to `ParseLegacyAbsProviderConfigStr`
 * as Terraform's v4 reader does: `provider.null` → `provider["registry.terraform.io/-/null"]`,
 * `provider.terraform` → `provider["terraform.io/builtin/terraform"]`.
 */
export function normalizeProviderConfig(s: string, flavor: StateFlavor = 'terraform'): string {
  const { modules, rest } = modulePrefix(parseTraversal(s));
  if (modules.some((m) => m.key !== undefined)) throw new AddressError(`${goQuote(s)}: Provider address cannot contain module indexes`);
  if (rest.length < 2 || rest[0].kind !== 'attr' || rest[0].name !== 'provider') {
    throw new AddressError(`${goQuote(s)}: Provider address must begin with "provider.", followed by a provider type name.`);
  }
  if (rest.length > 3) throw new AddressError(`${goQuote(s)}: Extraneous operators after provider configuration alias.`);
  let source: string;
  const t = rest[1];
  if (t.kind === 'index') {
    if (typeof t.key !== 'string') throw new AddressError(`${goQuote(s)}: The prefix "provider." must be followed by a provider type name.`);
    source = normalizeProviderSource(t.key, flavor);
  } else {
    source = t.name === 'terraform' ? 'terraform.io/builtin/terraform' : `${defaultHost(flavor)}/-/${t.name}`;
  }
  let alias = '';
  if (rest.length === 3) {
    const a = rest[2];
    if (a.kind !== 'attr') throw new AddressError(`${goQuote(s)}: Provider type name must be followed by a configuration alias name.`);
    alias = a.name;
  }
  return [formatModules(modules, false), `provider[${goQuote(source)}]`, alias].filter((p) => p !== '').join('.');
}

/** An OpenTofu per-instance provider (`provider["…"].alias["key"]`): normalised like the config, key kept. */
export function normalizeProviderInstance(s: string, flavor: StateFlavor): string {
  try {
    return normalizeProviderConfig(s, flavor);
  } catch (e) {
    const m = /^(.*)(\[\s*(?:"(?:[^"\\]|\\.)*"|[0-9]+)\s*\])$/.exec(s);
    if (!m) throw e;
    const key = parseTraversal(`k${m[2]}`)[1] as { key: string | number };
    return normalizeProviderConfig(m[1], flavor) + formatKey(key.key);
  }
}

/** A resource address: `addrs.ParseAbsResourceStr` (instance keys kept only with `keepInstanceKey`). */
function normalizeResource(s: string, keepModuleKeys: boolean, keepInstanceKey: boolean): string {
  const { modules, rest } = modulePrefix(parseTraversal(s));
  let i = 0;
  let prefix = '';
  if (rest[0]?.kind === 'attr' && (rest[0].name === 'data' || rest[0].name === 'ephemeral') && rest.length >= 3) {
    prefix = rest[0].name + '.';
    i = 1;
  }
  const type = rest[i];
  const name = rest[i + 1];
  if (!type || !name || type.kind !== 'attr' || name.kind !== 'attr') throw new AddressError(`invalid resource address ${goQuote(s)}`);
  let key = '';
  const extra = rest.slice(i + 2);
  if (extra.length === 1 && extra[0].kind === 'index' && keepInstanceKey) key = formatKey(extra[0].key);
  else if (extra.length > 0) throw new AddressError(`invalid resource address ${goQuote(s)}`);
  const mod = formatModules(modules, keepModuleKeys);
  return `${mod ? mod + '.' : ''}${prefix}${type.name}.${name.name}${key}`;
}

/** A `dependencies` entry: `addrs.ParseAbsResourceStr(s).Config().String()` (module keys dropped). */
export function normalizeDependency(s: string): string {
  return normalizeResource(s, false, false);
}

/** An OpenTofu `depends_on` entry: `addrs.ParseAbsResourceInstanceStr(s).String()`. */
export function normalizeDependsOn(s: string): string {
  return normalizeResource(s, true, true);
}

/**
 * The provider a v3 resource gets when upgraded (`upgradeStateV3ToV4`), as the legacy string
 * Terraform stores in the intermediate v4 struct: a `provider.x` address as given, an old
 * module-local `aws.alias` or an empty string (implied from the type) in the resource's module.
 */
export function legacyProviderForV3(old: string, modulePath: readonly string[], resourceType: string): string {
  const mod = modulePath.map((m) => `module.${m}`).join('.');
  const withModule = (p: string) => (mod ? `${mod}.${p}` : p);
  if (old.includes('provider.')) return old;
  if (old !== '') {
    const m = /^([A-Za-z_][A-Za-z0-9_-]*)(?:\.([A-Za-z_][A-Za-z0-9_-]*))?$/.exec(old);
    if (!m) throw new AddressError(`invalid legacy provider config reference ${goQuote(old)}`);
    return withModule(`provider.${m[1]}${m[2] ? '.' + m[2] : ''}`);
  }
  const implied = resourceType.split('_')[0];
  return withModule(`provider.${implied}`);
}
