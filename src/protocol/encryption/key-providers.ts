import type { KeyPair } from './aes-gcm';
import { AWS_KMS_ATTRIBUTES, AwsKmsOperations, AwsKmsSettings, awsKmsDecryptionKey, awsKmsEncryptionKey, awsKmsKeyLength, awsKmsSettingsProblem, decodeAwsKmsMetadata, encodeAwsKmsMetadata } from './aws-kms';
import type { KeyProviderConfig } from './config';
import { StateEncryptionError } from './errors';
import { EvalScope, RawAttribute, Traversal, UnsupportedExpressionError, evaluate, parseTraversal, referencesIn, templateTraversal } from './expressions';
import { PBKDF2_DEFAULTS, Pbkdf2Settings, decodePbkdf2Metadata, encodePbkdf2Metadata, pbkdf2DecryptionKey, pbkdf2EncryptionKey, pbkdf2SettingsProblem } from './pbkdf2';
import type { StateEncryptionConfig } from './types';

/**
 * encryption/keyprovider.go `setupKeyProvider`: decodes a key provider's body, builds it and asks it
 * for keys, reading its metadata from the envelope (`meta[<address or alias>]`) and writing new
 * metadata for the next envelope. Unlike OpenTofu, which always computes both keys, each call does only
 * what its mode needs: `encrypt` a new key (fresh salt, new KMS data key), `decrypt` the stored key,
 * `validate` neither (configuration checks only, no KMS call, no key derivation).
 */

/** What the key providers are asked for. */
export type KeyMode = 'encrypt' | 'decrypt' | 'validate';

/** The key provider types OpenTofu registers (default_registry.go) that this client does not implement. */
const OPENTOFU_ONLY_KEY_PROVIDERS = ['gcp_kms', 'azure_vault', 'openbao', 'external'];

/** Key providers already set up during one method setup, by address (keyprovider.go `kpData`). */
export type KeyProviderCache = Map<string, Promise<KeyProviderOutput>>;

/** The keys a key provider produced, as expressions see them (`key_provider.<type>.<name>`). */
export class KeyProviderOutput implements KeyPair {
  constructor(public readonly address: string, public readonly encryptionKey?: Buffer, public readonly decryptionKey?: Buffer) {}
}

/** Shared state of one method setup (methods.go `setupMethod`). */
export interface SetupContext {
  readonly config: StateEncryptionConfig;
  readonly mode: KeyMode;
  /** The envelope's `meta`, decoded from base64 (decrypt mode). */
  readonly metaIn: ReadonlyMap<string, Uint8Array>;
  /** The next envelope's `meta` (encrypt mode). */
  readonly metaOut: Map<string, Buffer>;
  readonly kms?: AwsKmsOperations;
  readonly signal?: AbortSignal;
  /** Deterministic salts for known-answer tests; never set in production. */
  readonly saltSource?: (length: number) => Buffer;
}

function keyError(code: 'ENCRYPTION_KEY_UNAVAILABLE' | 'ENCRYPTION_CONFIG_INVALID' | 'ENCRYPTION_UNSUPPORTED', message: string, cause?: unknown): StateEncryptionError {
  return new StateEncryptionError(code, message, cause === undefined ? {} : { cause });
}

/** Names the variables an attribute refers to, and how to give them a value. */
function variableHint(attr: RawAttribute | undefined): string {
  const vars = attr === undefined ? [] : referencesIn(attr.value).filter((t) => t[0] === 'var' && t.length === 2).map((t) => t[1]);
  return vars.length === 0 ? '' : ` (it is set from ${vars.map((v) => `var.${v}`).join(', ')}: set ${vars.map((v) => `TF_VAR_${v}`).join(', ')} in the environment or pass the variable to the client)`;
}

/** The scope expressions of a key provider or method are evaluated in. */
export function scopeFor(ctx: SetupContext, where: string, cache: KeyProviderCache, stack: readonly string[]): EvalScope {
  return {
    variable(name: string): unknown {
      const vars = ctx.config.variables;
      if (!Object.prototype.hasOwnProperty.call(vars, name) || vars[name] === undefined || vars[name] === null) {
        throw keyError('ENCRYPTION_KEY_UNAVAILABLE',
          `${where} refers to var.${name}, which has no value. Set TF_VAR_${name} in the environment, give variable "${name}" a default, `
          + 'or pass the variable to the client.');
      }
      return vars[name];
    },
    keyProvider(type: string, name: string): Promise<KeyProviderOutput> {
      const kp = ctx.config.block.keyProviders.find((k) => k.type === type && k.name === name);
      if (kp === undefined) {
        throw keyError('ENCRYPTION_CONFIG_INVALID', `${where}: Reference to undeclared key provider: There is no key_provider "${type}" "${name}" block declared in the encryption block.`);
      }
      return provideKeys(ctx, kp, cache, stack);
    },
  };
}

async function evalAttr(ctx: SetupContext, attr: RawAttribute, where: string, cache: KeyProviderCache, stack: readonly string[]): Promise<unknown> {
  try {
    return await evaluate(attr.value, scopeFor(ctx, where, cache, stack));
  } catch (e) {
    if (e instanceof UnsupportedExpressionError) throw keyError('ENCRYPTION_UNSUPPORTED', `${attr.source}: ${where}: ${e.message}`);
    throw e;
  }
}

function wholeNumber(v: unknown, where: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    // OpenTofu keeps the default when the value is not a whole number; this client refuses instead of ignoring it.
    throw keyError('ENCRYPTION_CONFIG_INVALID', `${where}: a whole number is required, got ${JSON.stringify(v)}.`);
  }
  return v;
}

function stringValue(v: unknown, where: string): string {
  if (typeof v !== 'string') throw keyError('ENCRYPTION_CONFIG_INVALID', `${where}: Incorrect attribute value type: a string is required, got ${JSON.stringify(v)}.`);
  return v;
}

/** pbkdf2/config.go `DecodeConfig` and `extractChainTraversal`. */
async function pbkdf2Settings(
  ctx: SetupContext, kp: KeyProviderConfig, addr: string, cache: KeyProviderCache, stack: readonly string[],
): Promise<Pbkdf2Settings> {
  const allowed = ['passphrase', 'chain', 'key_length', 'iterations', 'hash_function', 'salt_length'];
  for (const k of Object.keys(kp.body)) {
    if (!allowed.includes(k)) throw keyError('ENCRYPTION_CONFIG_INVALID', `${kp.body[k].source}: ${addr}: Unsupported argument: An argument named "${k}" is not expected here.`);
  }
  const s: { -readonly [K in keyof Pbkdf2Settings]: Pbkdf2Settings[K] } = { ...PBKDF2_DEFAULTS };
  const get = async (name: string): Promise<unknown> => (kp.body[name] === undefined ? undefined : evalAttr(ctx, kp.body[name], `${addr}.${name}`, cache, stack));
  const chain = kp.body.chain;
  if (chain !== undefined) {
    const refs = referencesIn(chain.value);
    let t: Traversal | undefined = refs.length === 1 ? refs[0] : undefined;
    if (t === undefined && typeof chain.value === 'string') t = parseTraversal(chain.value) ?? templateTraversal(chain.value);
    const v = t !== undefined ? await evaluate(`\${${t.join('.')}}`, scopeFor(ctx, `${addr}.chain`, cache, stack)) : await get('chain');
    s.chain = toKeyPair(v, `${addr}.chain`);
  }
  const passphrase = await get('passphrase');
  if (passphrase !== undefined && passphrase !== null) s.passphrase = stringValue(passphrase, `${addr}.passphrase`);
  for (const [attr, key] of [['key_length', 'keyLength'], ['iterations', 'iterations'], ['salt_length', 'saltLength']] as const) {
    const v = await get(attr);
    if (v !== undefined) s[key] = wholeNumber(v, `${addr}.${attr}`);
  }
  const hash = await get('hash_function');
  if (hash !== undefined) s.hashFunction = stringValue(hash, `${addr}.hash_function`);
  return s;
}

/** aws_kms/config.go `Config` decoded by gohcl: required and typed attributes; the rest go to the KMS client. */
async function awsKmsSettings(
  ctx: SetupContext, kp: KeyProviderConfig, addr: string, cache: KeyProviderCache, stack: readonly string[],
): Promise<AwsKmsSettings> {
  const values: Record<string, unknown> = {};
  for (const [k, attr] of Object.entries(kp.body)) {
    if (!AWS_KMS_ATTRIBUTES.includes(k)) throw keyError('ENCRYPTION_CONFIG_INVALID', `${attr.source}: ${addr}: Unsupported argument: An argument named "${k}" is not expected here.`);
    values[k] = await evalAttr(ctx, attr, `${addr}.${k}`, cache, stack);
  }
  for (const req of ['kms_key_id', 'key_spec']) {
    if (values[req] === undefined) {
      throw keyError('ENCRYPTION_CONFIG_INVALID', `${addr}: Missing required argument: The argument "${req}" is required, but no definition was found. Set ${req} in key_provider "aws_kms" "${kp.name}".`);
    }
  }
  const { kms_key_id: keyId, key_spec: keySpec, encryption_context: context, ...clientConfig } = values;
  let encryptionContext: Record<string, string> | undefined;
  if (context !== undefined && context !== null) {
    if (typeof context !== 'object' || Array.isArray(context) || Object.values(context as object).some((v) => typeof v !== 'string')) {
      throw keyError('ENCRYPTION_CONFIG_INVALID', `${addr}.encryption_context: Incorrect attribute value type: a map of strings is required.`);
    }
    encryptionContext = context as Record<string, string>;
  }
  return {
    kmsKeyId: stringValue(keyId, `${addr}.kms_key_id`),
    keySpec: stringValue(keySpec, `${addr}.key_spec`),
    ...(encryptionContext !== undefined ? { encryptionContext } : {}),
    clientConfig,
  };
}

/** keyprovider/output.go `DecodeOutput`: a key provider's output, or a literal `{ encryption_key = [...] }`. */
export function toKeyPair(v: unknown, where: string): KeyPair {
  if (v instanceof KeyProviderOutput) return v;
  const bytes = (x: unknown, name: string): Buffer | undefined => {
    if (x === undefined || x === null) return undefined;
    if (!Array.isArray(x) || x.some((b) => typeof b !== 'number' || !Number.isInteger(b) || b < 0 || b > 255)) {
      throw keyError('ENCRYPTION_CONFIG_INVALID', `${where}.${name}: a list of bytes (numbers 0 to 255) is required.`);
    }
    return Buffer.from(x as number[]);
  };
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw keyError('ENCRYPTION_CONFIG_INVALID', `${where}: Expected key_provider value: Expected a key_provider compatible value, found ${typeof v} instead. Write key_provider.<type>.<name>.`);
  }
  const o = v as Record<string, unknown>;
  if (!('encryption_key' in o)) {
    throw keyError('ENCRYPTION_CONFIG_INVALID', `${where}: Missing encryption_key value: An encryption_key value is required in the key_provider compatible object at this location`);
  }
  const encryptionKey = bytes(o.encryption_key, 'encryption_key');
  const decryptionKey = bytes(o.decryption_key, 'decryption_key');
  return { ...(encryptionKey ? { encryptionKey } : {}), ...(decryptionKey ? { decryptionKey } : {}) };
}

function metaKeyOf(kp: KeyProviderConfig): string {
  return kp.encryptedMetadataAlias ?? `key_provider.${kp.type}.${kp.name}`;
}

function storeMeta(ctx: SetupContext, metaKey: string, bytes: Buffer): void {
  if (ctx.metaOut.has(metaKey)) {
    throw keyError('ENCRYPTION_CONFIG_INVALID', `Duplicate metadata key: The metadata key ${metaKey} is duplicated across multiple key providers for the same method; `
      + 'use the encrypted_metadata_alias option to specify unique metadata keys for each key provider in an encryption method');
  }
  ctx.metaOut.set(metaKey, bytes);
}

function storedMeta<T>(ctx: SetupContext, metaKey: string, decode: (b: Uint8Array) => T | undefined): T | undefined {
  const raw = ctx.metaIn.get(metaKey);
  if (raw === undefined) return undefined;
  try {
    return decode(raw);
  } catch (e) {
    throw keyError('ENCRYPTION_KEY_UNAVAILABLE', `Unable to decode encrypted metadata (did you change your encryption config?): metadata decoder for ${metaKey} failed with error: ${(e as Error).message}`, e);
  }
}

/** Sets up one key provider (once per method setup) and returns its keys. */
export function provideKeys(ctx: SetupContext, kp: KeyProviderConfig, cache: KeyProviderCache, stack: readonly string[]): Promise<KeyProviderOutput> {
  const addr = `key_provider.${kp.type}.${kp.name}`;
  if (stack.includes(addr)) {
    throw keyError('ENCRYPTION_CONFIG_INVALID', `Circular reference detected: Cannot load ${addr} due to circular reference between key providers. Stack trace ${[...stack, addr].join(' -> ')}`);
  }
  let p = cache.get(addr);
  if (p === undefined) {
    p = setupKeyProvider(ctx, kp, addr, cache, [...stack, addr]);
    cache.set(addr, p);
  }
  return p;
}

async function setupKeyProvider(
  ctx: SetupContext, kp: KeyProviderConfig, addr: string, cache: KeyProviderCache, stack: readonly string[],
): Promise<KeyProviderOutput> {
  const metaKey = metaKeyOf(kp);
  const buildError = (problem: string, hint: string): StateEncryptionError =>
    keyError('ENCRYPTION_KEY_UNAVAILABLE', `Unable to build encryption key data: ${metaKey} failed with error: ${problem}. ${hint}`);
  if (kp.type === 'pbkdf2') {
    const s = await pbkdf2Settings(ctx, kp, addr, cache, stack);
    const problem = pbkdf2SettingsProblem(s, ctx.mode === 'decrypt');
    if (problem !== undefined) {
      throw buildError(problem, `Set "passphrase" (at least 16 characters) or "chain" in key_provider "pbkdf2" "${kp.name}"${variableHint(kp.body.passphrase)}.`);
    }
    if (ctx.mode === 'validate') return new KeyProviderOutput(addr, Buffer.alloc(s.keyLength));
    if (ctx.mode === 'encrypt') {
      const { key, metadata } = pbkdf2EncryptionKey(s, ctx.saltSource?.(s.saltLength));
      storeMeta(ctx, metaKey, encodePbkdf2Metadata(metadata));
      return new KeyProviderOutput(addr, key);
    }
    const stored = storedMeta(ctx, metaKey, decodePbkdf2Metadata);
    return new KeyProviderOutput(addr, undefined, stored === undefined ? undefined : pbkdf2DecryptionKey(s, stored));
  }
  if (kp.type === 'aws_kms') {
    const s = await awsKmsSettings(ctx, kp, addr, cache, stack);
    const problem = awsKmsSettingsProblem(s, ctx.config.env);
    if (problem !== undefined) throw buildError(problem, `Fix key_provider "aws_kms" "${kp.name}" (kms_key_id, key_spec = "AES_256", region).`);
    if (ctx.mode === 'validate') return new KeyProviderOutput(addr, Buffer.alloc(awsKmsKeyLength(s.keySpec)));
    if (ctx.kms === undefined) {
      throw keyError('ENCRYPTION_KEY_UNAVAILABLE', `${addr} needs AWS KMS, but no KMS client was given: pass the kms operations to the state encryption.`);
    }
    try {
      if (ctx.mode === 'encrypt') {
        const { keys, metadata } = await awsKmsEncryptionKey(addr, s, ctx.kms, ctx.signal);
        storeMeta(ctx, metaKey, encodeAwsKmsMetadata(metadata));
        return new KeyProviderOutput(addr, Buffer.from(keys.encryptionKey!));
      }
      const stored = storedMeta(ctx, metaKey, decodeAwsKmsMetadata);
      const key = stored === undefined ? undefined : await awsKmsDecryptionKey(addr, s, stored, ctx.kms, ctx.signal);
      return new KeyProviderOutput(addr, undefined, key);
    } catch (e) {
      if (e instanceof StateEncryptionError) throw e;
      throw keyError('ENCRYPTION_KEY_UNAVAILABLE', `Unable to fetch encryption key data: ${metaKey} failed with error: ${(e as Error).message}`, (e as Error).cause ?? e);
    }
  }
  if (OPENTOFU_ONLY_KEY_PROVIDERS.includes(kp.type)) {
    throw keyError('ENCRYPTION_UNSUPPORTED', `${addr}: the "${kp.type}" key provider is not supported by this client (supported: pbkdf2, aws_kms). Use OpenTofu for this state, or switch the method to a pbkdf2 or aws_kms key provider.`);
  }
  // keyprovider.go: the registry has no such type.
  throw keyError('ENCRYPTION_CONFIG_INVALID', `${addr}: Unknown key_provider type: Can not find "${kp.type}"`);
}
