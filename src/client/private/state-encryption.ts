import { SdkKmsOperations } from './kms';
import type { EncryptedStateEnvelope } from '../../protocol/encrypted-state';
import {
  StateEncryption, isStateEncryptionError, parseEncryptionConfig,
  type AwsKmsOperations, type DecryptedState, type StateEncryptionConfig,
} from '../../protocol/encryption';
import { EncryptedStateError } from '../errors';
import type { StateClientOptions } from '../types';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * OpenTofu state encryption for one runtime (all workspaces of a client): the configuration is read
 * once, on the first state read or write, from `TF_ENCRYPTION` and `TF_VAR_*` of the client's `env`,
 * the `encryptionFiles` (a working directory's `*.tf`/`*.tofu`/tfvars) and the `encryption` option, as
 * OpenTofu merges them (command/meta_encryption.go). One {@link StateEncryption} keeps the primary
 * method's key for every write, as OpenTofu keeps one encryptor per process.
 */
export class ClientEncryption {
  /** Whether a `state` target is configured (writes then use OpenTofu's serialization). */
  public static encryptsState(enc: StateEncryption | undefined): boolean {
    return enc?.config?.block.state !== undefined;
  }

  private loaded?: Promise<StateEncryption | undefined>;
  private kms?: SdkKmsOperations;

  constructor(private readonly options: StateClientOptions, private readonly env: Env) {}

  /** Whether any source could configure encryption (known without parsing anything). */
  public get requested(): boolean {
    const o = this.options;
    return o.encryption !== undefined || (o.encryptionFiles?.length ?? 0) > 0 || (this.env.TF_ENCRYPTION ?? '').trim() !== '';
  }

  /** The state encryption, or `undefined` when nothing configures it. */
  public active(): Promise<StateEncryption | undefined> {
    if (!this.requested) return Promise.resolve(undefined);
    this.loaded ??= this.load();
    return this.loaded;
  }

  private async load(): Promise<StateEncryption | undefined> {
    let config: StateEncryptionConfig | undefined;
    try {
      config = await parseEncryptionConfig({
        env: this.env,
        ...(this.options.encryptionFiles ? { hclFiles: this.options.encryptionFiles } : {}),
        ...(this.options.encryptionVariables ? { variables: this.options.encryptionVariables } : {}),
        ...(this.options.encryption !== undefined ? { encryption: this.options.encryption } : {}),
      });
    } catch (e) {
      throw wrap(e, 'Invalid state encryption configuration', ' Nothing was read or written.');
    }
    if (config === undefined) return undefined;
    for (const w of config.warnings) this.options.logger?.warn(w);
    return new StateEncryption(config, { kms: this.kmsOperations() });
  }

  private kmsOperations(): AwsKmsOperations {
    if (this.options.kms) return this.options.kms;
    this.kms ??= new SdkKmsOperations(this.env);
    return this.kms;
  }

  /**
   * The plain state of stored bytes (an envelope or, when the configuration allows it, a plain state).
   * `undefined` when no encryption is configured: the caller keeps its own refusal of envelopes.
   */
  public async decrypt(stored: Buffer, where: string): Promise<DecryptedState | undefined> {
    const enc = await this.active();
    if (enc === undefined) return undefined;
    try {
      return await enc.decrypt(stored);
    } catch (e) {
      throw wrap(e, where, '');
    }
  }

  /** The bytes to store for plain state bytes (unchanged when the primary method is `unencrypted`). */
  public async encrypt(enc: StateEncryption, plain: Buffer, where: string): Promise<Buffer> {
    try {
      return await enc.encrypt(plain);
    } catch (e) {
      throw wrap(e, where, ' Nothing was written.');
    }
  }

  public destroy(): void {
    this.kms?.destroy();
  }
}

/**
 * A {@link StateEncryptionError} as the client's `EncryptedStateError` (code `ENCRYPTED_STATE`), its text
 * prefixed with where it happened; the protocol error (with its own `code`) is the `cause`.
 */
function wrap(e: unknown, where: string, after: string): unknown {
  if (!isStateEncryptionError(e)) return e;
  const err = new EncryptedStateError(`${where}: ${e.message}${after}`);
  Object.defineProperty(err, 'cause', { value: e, enumerable: false, configurable: true, writable: true });
  return err;
}

/**
 * The refusal of an envelope when no state encryption is configured: which key providers encrypted it
 * and what to set, for the CLI and the client.
 */
export function noKeyMessage(envelope: EncryptedStateEnvelope, where: string): string {
  const providers = envelope.keyProviders.map((p) => (p.type ? `${p.type} "${p.name}" (${p.metaKey})` : p.metaKey));
  const example = envelope.keyProviders.find((p) => p.type !== undefined);
  const block = example
    ? `key_provider "${example.type}" "${example.name}" { ... }, method "aes_gcm" "<name>" { keys = ${example.metaKey} } and state { method = method.aes_gcm.<name> }`
    : 'the key provider, a method "aes_gcm" with keys = key_provider.<type>.<name> and state { method = method.aes_gcm.<name> }';
  return `${where} is encrypted with OpenTofu state encryption (envelope ${envelope.encryptionVersion}, serial ${envelope.serial ?? 'unknown'}, `
    + `key provider: ${providers.length > 0 ? providers.join(', ') : 'none named'}) but no state encryption is configured. `
    + `Give the key as OpenTofu does: the same ${block} in TF_ENCRYPTION or in the terraform { encryption { ... } } block of the -chdir directory `
    + '(variables from TF_VAR_<name> or tfvars), or the client options encryption / encryptionVariables. Nothing was written.';
}
