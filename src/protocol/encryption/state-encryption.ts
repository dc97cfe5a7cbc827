import { AesGcmError, aesGcmOpen, aesGcmSeal } from './aes-gcm';
import type { AwsKmsOperations } from './aws-kms';
import type { MethodConfig } from './config';
import { ENVELOPE_VERSION, StatePassthrough, marshalEnvelope, parseEnvelope, readPassthrough } from './envelope';
import { StateEncryptionError } from './errors';
import { KeyMode, SetupContext } from './key-providers';
import { BuiltMethod, setupMethod } from './methods';
import { UNENCRYPTED_METHOD, methodConfigsFromTarget } from './targets';
import type { StateEncryptionConfig } from './types';
import { parseGoJson } from '../go-json';

/**
 * encryption/state.go and base.go: the `state` target's encrypt and decrypt. The first method of the
 * chain (`state.method`) encrypts; decryption tries it and then each `fallback` in order.
 */

/** Options of {@link encryptState} and {@link decryptState}. */
export interface StateEncryptionOptions {
  /** The KMS calls, needed only when an `aws_kms` key provider is used. */
  readonly kms?: AwsKmsOperations;
  readonly signal?: AbortSignal;
  /** Deterministic salts for known-answer tests. Never set it otherwise. */
  readonly saltSource?: (length: number) => Buffer;
  /** Deterministic nonces for known-answer tests. Never set it otherwise. */
  readonly nonceSource?: () => Buffer;
}

/**
 * base.go `EncryptionStatus`: `satisfied` when the primary method read the state (or the state is plain
 * and the primary method is `unencrypted`); `migration` when a fallback did, so the next write changes
 * the encryption.
 */
export type EncryptionStatus = 'satisfied' | 'migration';

/** What {@link decryptState} returns. */
export interface DecryptedState {
  /** The plain state bytes, exactly as they were encrypted. */
  readonly state: Buffer;
  readonly status: EncryptionStatus;
  /** Whether the input was an envelope. */
  readonly wasEncrypted: boolean;
  /** The method that decrypted it (`method.aes_gcm.<name>`), or the `unencrypted` method that accepted a plain state. */
  readonly method?: string;
}

function stateMethods(config: StateEncryptionConfig | undefined): MethodConfig[] | undefined {
  const state = config?.block.state;
  if (config === undefined || state === undefined) return undefined;
  return methodConfigsFromTarget(config.block, state, 'state', state.enforced);
}

function context(
  config: StateEncryptionConfig, mode: KeyMode, options: StateEncryptionOptions, metaIn: ReadonlyMap<string, Uint8Array> = new Map(),
): SetupContext {
  return {
    config,
    mode,
    metaIn,
    metaOut: new Map(),
    ...(options.kms ? { kms: options.kms } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.saltSource ? { saltSource: options.saltSource } : {}),
  };
}

/** The primary method, ready to seal, and the `meta` its key providers produced. */
interface Encryptor {
  readonly method: BuiltMethod;
  readonly meta: ReadonlyMap<string, Uint8Array>;
}

/** base.go `newBaseEncryption`: sets the primary method up for encryption (new salt, new KMS data key). */
async function setupEncryptor(config: StateEncryptionConfig, primary: MethodConfig, options: StateEncryptionOptions): Promise<Encryptor> {
  const ctx = context(config, 'encrypt', options);
  return { method: await setupMethod(ctx, primary), meta: ctx.metaOut };
}

type Prepared =
  | { readonly plain: Buffer }
  | { readonly passthrough: StatePassthrough; readonly primary: MethodConfig; readonly config: StateEncryptionConfig };

/** state.go `EncryptState` up to the method: the passthrough fields, or the input itself when nothing encrypts. */
function prepare(plain: Uint8Array, config: StateEncryptionConfig | undefined): Prepared {
  const methods = stateMethods(config);
  if (config === undefined || methods === undefined) return { plain: Buffer.from(plain) };
  let passthrough;
  try {
    passthrough = readPassthrough(plain);
  } catch (e) {
    throw new StateEncryptionError('ENCRYPTION_PAYLOAD_INVALID', `Cannot encrypt: the input is not a state: ${(e as Error).message}`, { cause: e });
  }
  if (methods[0].type === UNENCRYPTED_METHOD) return { plain: Buffer.from(plain) };
  return { passthrough, primary: methods[0], config };
}

/** base.go `encrypt`: seals with the primary method and wraps the result in the envelope. */
function seal(encryptor: Encryptor, passthrough: StatePassthrough, plain: Uint8Array, options: StateEncryptionOptions): Buffer {
  const { method } = encryptor;
  if (method.type !== 'aes_gcm') return Buffer.from(plain);
  let sealed: Buffer;
  try {
    sealed = aesGcmSeal(method.keys.encryptionKey!, plain, method.aad, options.nonceSource?.());
  } catch (e) {
    throw new StateEncryptionError('ENCRYPTION_CONFIG_INVALID', `encryption failed for state: ${(e as Error).message}`, { cause: e });
  }
  return marshalEnvelope(passthrough, encryptor.meta, sealed);
}

/**
 * state.go `EncryptState`: the envelope OpenTofu would write for `plain` (a serialized state), with a
 * key made for this call. Returns `plain` unchanged when no `state` target is configured or its method
 * is `unencrypted`. See {@link StateEncryption} to reuse one key per process as OpenTofu does.
 *
 * @throws StateEncryptionError (nothing may be written then)
 */
export async function encryptState(
  plain: Uint8Array, config: StateEncryptionConfig | undefined, options: StateEncryptionOptions = {},
): Promise<Buffer> {
  const p = prepare(plain, config);
  if ('plain' in p) return p.plain;
  return seal(await setupEncryptor(p.config, p.primary, options), p.passthrough, plain, options);
}

/**
 * One state encryption for the life of a client, as OpenTofu keeps one per process (base.go
 * `newBaseEncryption`): the primary method's key (pbkdf2 salt and key, KMS data key) is made on the first
 * write and reused by every later write, each with a fresh nonce. Reads are {@link decryptState}.
 */
export class StateEncryption {
  private encryptor?: Promise<Encryptor>;

  constructor(public readonly config: StateEncryptionConfig | undefined, private readonly options: StateEncryptionOptions = {}) {}

  /** {@link encryptState}, with the key made once. */
  public async encrypt(plain: Uint8Array): Promise<Buffer> {
    const p = prepare(plain, this.config);
    if ('plain' in p) return p.plain;
    if (this.encryptor === undefined) {
      const pending = setupEncryptor(p.config, p.primary, this.options);
      // A failed setup (KMS unreachable, missing passphrase) is not kept: the next write tries again.
      pending.catch(() => {
        if (this.encryptor === pending) this.encryptor = undefined;
      });
      this.encryptor = pending;
    }
    return seal(await this.encryptor, p.passthrough, plain, this.options);
  }

  /** {@link decryptState}. */
  public decrypt(input: Uint8Array): Promise<DecryptedState> {
    return decryptState(input, this.config, this.options);
  }
}

/** state.go `DecryptState`'s validator: a plain state has a non-empty `terraform_version`. */
function plainStateProblem(input: Uint8Array): string | undefined {
  try {
    const doc = parseGoJson(input);
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return 'json: cannot unmarshal non-object into Go value';
    const v = (doc as Record<string, unknown>).terraform_version;
    if (typeof v !== 'string' || v === '') return 'Given payload is not a state file';
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

function metaKeysText(meta: ReadonlyMap<string, Uint8Array>): string {
  return meta.size === 0 ? 'no key provider metadata' : [...meta.keys()].join(', ');
}

/**
 * state.go `DecryptState`: the plain state from an envelope or, when the configuration allows it
 * (an `unencrypted` method in the chain), from a plain state. With no `state` target configured, a plain
 * state passes through and an envelope is refused with what to configure. Empty input (no state) is
 * returned as it is.
 *
 * @throws StateEncryptionError
 */
export async function decryptState(
  input: Uint8Array, config: StateEncryptionConfig | undefined, options: StateEncryptionOptions = {},
): Promise<DecryptedState> {
  const methods = stateMethods(config);
  // statefile.go Read: an empty object is "no state" and is never decrypted.
  if (input.length === 0) return { state: Buffer.alloc(0), status: 'satisfied', wasEncrypted: false };
  const parsed = parseEnvelope(input);
  if (config === undefined || methods === undefined) {
    if ('envelope' in parsed) {
      throw new StateEncryptionError('ENCRYPTION_KEY_UNAVAILABLE',
        `The state is encrypted with OpenTofu state encryption (key provider: ${metaKeysText(parsed.envelope.meta)}) but no state encryption is configured. `
        + 'Configure the same key provider and method in TF_ENCRYPTION or in the terraform { encryption { ... } } block '
        + '(key_provider, method "aes_gcm" with keys = key_provider.<type>.<name>, state { method = method.aes_gcm.<name> }).');
    }
    return { state: Buffer.from(input), status: 'satisfied', wasEncrypted: false };
  }
  // base.go newBaseEncryption sets the primary method up before anything is read: a broken primary
  // configuration fails even when the state needs no key.
  await setupMethod(context(config, 'validate', options), methods[0]);

  if (!('envelope' in parsed)) {
    const problem = plainStateProblem(input);
    if (problem !== undefined) {
      const text = parsed.jsonError !== undefined
        ? `invalid data format for decryption: ${parsed.jsonError}, ${problem}`
        : `unable to determine data structure during decryption: ${problem}`;
      throw new StateEncryptionError('ENCRYPTION_PAYLOAD_INVALID', text);
    }
    const unencrypted = methods.find((m) => m.type === UNENCRYPTED_METHOD);
    if (unencrypted === undefined) {
      throw new StateEncryptionError('ENCRYPTION_UNENCRYPTED_STATE',
        'encountered unencrypted payload without unencrypted method configured. The stored state is not encrypted but state encryption is configured; '
        + 'to encrypt it, add method "unencrypted" "migrate" {} and a fallback { method = method.unencrypted.migrate } block to the state block, write the state once, then remove them.');
    }
    return { state: Buffer.from(input), status: methods[0].type === UNENCRYPTED_METHOD ? 'satisfied' : 'migration', wasEncrypted: false, method: `method.${unencrypted.type}.${unencrypted.name}` };
  }

  const { envelope } = parsed;
  if (envelope.version !== ENVELOPE_VERSION) {
    throw new StateEncryptionError('ENCRYPTION_PAYLOAD_INVALID', `invalid encrypted payload version: ${envelope.version} != ${ENVELOPE_VERSION}`);
  }
  const failures: string[] = [];
  let plain: Buffer | undefined;
  let used: number | undefined;
  for (let i = 0; i < methods.length && plain === undefined; i++) {
    if (methods[i].type === UNENCRYPTED_METHOD) continue;
    // Setup errors (no passphrase, KMS refusal, bad metadata) stop here, as in base.go.
    const method = await setupMethod(context(config, 'decrypt', options, envelope.meta), methods[i]);
    if (method.type !== 'aes_gcm') continue;
    try {
      plain = aesGcmOpen(method.keys.decryptionKey, envelope.data, method.aad);
      used = i;
    } catch (e) {
      failures.push(`attempted decryption failed for state (${method.address}): ${(e as AesGcmError).message}`);
    }
  }
  if (plain === undefined || used === undefined) {
    const noKey = failures.some((f) => f.endsWith('no decryption key available'));
    const hint = noKey
      ? `The envelope holds keys for ${metaKeysText(envelope.meta)}: a method can only decrypt with a key provider of that address (or encrypted_metadata_alias); `
        + 'add the old key provider and method as a fallback { method = ... } of the state block.'
      : 'The passphrase or key differs from the one that encrypted the state, or the data is corrupt: '
        + 'set the key provider that encrypted it (add the old one as a fallback when rotating keys).';
    throw new StateEncryptionError('ENCRYPTION_DECRYPT_FAILED', ['decryption failed for all provided methods', ...failures].join('\n') + '\n' + hint);
  }
  checkPassthrough(input, plain);
  return { state: plain, status: used === 0 ? 'satisfied' : 'migration', wasEncrypted: true, method: `method.${methods[used].type}.${methods[used].name}` };
}

/** state.go `DecryptState`: the clear serial and lineage must match the decrypted state's. */
function checkPassthrough(envelopeBytes: Uint8Array, plain: Buffer): void {
  let outer;
  let inner;
  try {
    outer = readPassthrough(envelopeBytes);
    inner = readPassthrough(plain);
  } catch (e) {
    throw new StateEncryptionError('ENCRYPTION_PAYLOAD_INVALID', (e as Error).message, { cause: e });
  }
  if (outer.serial !== null && inner.serial !== null && outer.serial !== inner.serial) {
    throw new StateEncryptionError('ENCRYPTION_PAYLOAD_INVALID', `invalid state metadata, serial field mismatch ${outer.serial} vs ${inner.serial}`);
  }
  if (outer.lineage !== '' && inner.lineage !== outer.lineage) {
    throw new StateEncryptionError('ENCRYPTION_PAYLOAD_INVALID', `invalid state metadata, linage field mismatch ${outer.lineage} vs ${inner.lineage}`);
  }
}
