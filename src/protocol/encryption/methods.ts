import { AesGcmError, KeyPair, validateAesGcmKeys } from './aes-gcm';
import type { MethodConfig } from './config';
import { StateEncryptionError } from './errors';
import { UnsupportedExpressionError, evaluate, parseTraversal } from './expressions';
import { KeyProviderCache, SetupContext, scopeFor, toKeyPair } from './key-providers';
import { UNENCRYPTED_METHOD } from './targets';

/**
 * encryption/methods.go `setupMethod` for the methods this client implements: `aes_gcm` (keys from a
 * key provider, optional `aad`) and `unencrypted` (migration only). `external` is refused.
 */

/** A ready method. */
export type BuiltMethod =
  | { readonly type: 'aes_gcm'; readonly address: string; readonly keys: KeyPair; readonly aad?: Buffer }
  | { readonly type: 'unencrypted'; readonly address: string };

function configError(message: string): StateEncryptionError {
  return new StateEncryptionError('ENCRYPTION_CONFIG_INVALID', message);
}

/**
 * methods.go `ValueForExpression`: evaluates an attribute; a string that starts with `key_provider.` is
 * read again as a reference (OpenTofu's JSON convenience, e.g. `"keys": "key_provider.pbkdf2.k"`).
 */
async function valueFor(ctx: SetupContext, m: MethodConfig, attr: string, cache: KeyProviderCache): Promise<unknown> {
  const raw = m.body[attr];
  const where = `method.${m.type}.${m.name}.${attr}`;
  const scope = scopeFor(ctx, where, cache, []);
  try {
    const v = await evaluate(raw.value, scope);
    if (typeof v === 'string' && v.startsWith('key_provider.')) {
      const t = parseTraversal(v);
      if (t !== undefined) return await evaluate(`\${${t.join('.')}}`, scope);
    }
    return v;
  } catch (e) {
    if (e instanceof UnsupportedExpressionError) throw new StateEncryptionError('ENCRYPTION_UNSUPPORTED', `${raw.source}: ${where}: ${e.message}`);
    throw e;
  }
}

/** Builds a method, asking its key providers for the keys `ctx.mode` needs. */
export async function setupMethod(ctx: SetupContext, m: MethodConfig): Promise<BuiltMethod> {
  const address = `method.${m.type}.${m.name}`;
  if (m.type === UNENCRYPTED_METHOD) return { type: 'unencrypted', address };
  if (m.type === 'external') {
    throw new StateEncryptionError('ENCRYPTION_UNSUPPORTED', `${address}: the "external" method is not supported by this client (supported: aes_gcm, unencrypted). Use OpenTofu for this state.`);
  }
  if (m.type !== 'aes_gcm') throw configError(`${address}: Unknown encryption method type: Can not find "${m.type}"`);
  for (const k of Object.keys(m.body)) {
    if (k !== 'keys' && k !== 'aad') throw configError(`${m.body[k].source}: ${address}: Unsupported argument: An argument named "${k}" is not expected here.`);
  }
  if (m.body.keys === undefined) {
    throw configError(`${address}: Missing required argument: The argument "keys" is required, but no definition was found. Set keys = key_provider.<type>.<name>.`);
  }
  const cache: KeyProviderCache = new Map();
  const keys = toKeyPair(await valueFor(ctx, m, 'keys', cache), `${address}.keys`);
  let aad: Buffer | undefined;
  if (m.body.aad !== undefined) {
    const v = await valueFor(ctx, m, 'aad', cache);
    if (!Array.isArray(v) || v.some((b) => typeof b !== 'number' || !Number.isInteger(b) || b < 0 || b > 255)) {
      throw configError(`${address}.aad: a list of bytes (numbers 0 to 255) is required, e.g. aad = [1, 2, 3].`);
    }
    aad = Buffer.from(v as number[]);
  }
  try {
    if (ctx.mode !== 'decrypt') {
      validateAesGcmKeys(keys);
    } else if (keys.decryptionKey !== undefined && keys.decryptionKey.length > 0) {
      validateAesGcmKeys({ encryptionKey: keys.decryptionKey, decryptionKey: keys.decryptionKey });
    }
  } catch (e) {
    // methods.go errorToDiagnostic: "Invalid method configuration".
    throw configError(`${address}: Invalid method configuration: ${(e as AesGcmError).message}. Use a key provider with key_length 16, 24 or 32.`);
  }
  return { type: 'aes_gcm', address, keys, ...(aad !== undefined ? { aad } : {}) };
}
