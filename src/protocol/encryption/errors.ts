/**
 * The one error type of OpenTofu state encryption. Its message follows OpenTofu's text where OpenTofu has
 * one, then says what to set; `code` tells the kinds apart for callers, and {@link isStateEncryptionError}
 * works across duplicate copies of the package (the brand is a `Symbol.for`).
 */

const BRAND = Symbol.for('cdk-tfstate-backend/protocol/state-encryption-error');

/** What went wrong, for callers that branch on it. */
export type StateEncryptionErrorCode =
  /** The `encryption` configuration is invalid (what OpenTofu reports as an error diagnostic). */
  | 'ENCRYPTION_CONFIG_INVALID'
  /** The configuration uses a key provider or method this client does not implement (OpenTofu does). */
  | 'ENCRYPTION_UNSUPPORTED'
  /** A key provider could not produce a key: missing passphrase or variable, KMS failure, bad metadata. */
  | 'ENCRYPTION_KEY_UNAVAILABLE'
  /** Every configured method failed to decrypt the envelope (wrong key, corrupt data). */
  | 'ENCRYPTION_DECRYPT_FAILED'
  /** A plain state was read but the configuration has no `unencrypted` method to accept it. */
  | 'ENCRYPTION_UNENCRYPTED_STATE'
  /** The input is neither a state nor an envelope, or the envelope does not match its state. */
  | 'ENCRYPTION_PAYLOAD_INVALID';

/** Thrown by every function of `protocol/encryption`; nothing was written when it is thrown. */
export class StateEncryptionError extends Error {
  /** Stable machine-readable code. */
  public readonly code: StateEncryptionErrorCode;

  constructor(code: StateEncryptionErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'StateEncryptionError';
    this.code = code;
    Object.defineProperty(this, BRAND, { value: code, enumerable: false, configurable: true });
  }
}

/** True for a {@link StateEncryptionError} of any copy of this package (optionally of one `code`). */
export function isStateEncryptionError(x: unknown, code?: StateEncryptionErrorCode): x is StateEncryptionError {
  if (typeof x !== 'object' || x === null) return false;
  const brand = (x as Record<symbol, unknown>)[BRAND];
  return typeof brand === 'string' && (code === undefined || brand === code);
}
