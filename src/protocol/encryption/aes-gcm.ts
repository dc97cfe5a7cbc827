import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * OpenTofu's `aes_gcm` method (internal/encryption/method/aesgcm): AES-GCM with Go's standard
 * parameters (`cipher.NewGCM`: 12-byte nonce, 16-byte tag). The sealed form is
 * `nonce ‖ ciphertext ‖ tag` (aesgcm.go `Encrypt`: `append(nonce, gcm.Seal(nil, nonce, data, aad)...)`),
 * and the configured `aad` is authenticated, never stored.
 */

/** `cipher.NewGCM`'s standard nonce size. */
export const AES_GCM_NONCE_LENGTH = 12;
/** `cipher.NewGCM`'s standard tag size. */
export const AES_GCM_TAG_LENGTH = 16;
/** aesgcm/config.go `validKeyLengths`, as `collections.Set.String()` prints it. */
const VALID_KEY_LENGTHS = [16, 24, 32];

/** Keys as a key provider hands them to a method (keyprovider/output.go `Output`). */
export interface KeyPair {
  /** Key for new data. */
  readonly encryptionKey?: Uint8Array;
  /** Key for stored data; absent when the key provider found no metadata for it. */
  readonly decryptionKey?: Uint8Array;
}

/** A method failure with OpenTofu's text (method/errors.go). */
export class AesGcmError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AesGcmError';
  }
}

function checkKeyLength(key: Uint8Array, which: 'encryption' | 'decryption'): void {
  if (!VALID_KEY_LENGTHS.includes(key.length)) {
    // aesgcm/config.go Build, wrapped by method.ErrInvalidConfiguration.
    throw new AesGcmError(`invalid method configuration: AES-GCM requires the key length to be one of: ${VALID_KEY_LENGTHS.join(', ')}, received ${key.length} bytes in the ${which} key`);
  }
}

/**
 * aesgcm/config.go `Build`: the encryption key must be 16, 24 or 32 bytes; a decryption key, when
 * present, too.
 */
export function validateAesGcmKeys(keys: KeyPair): void {
  checkKeyLength(keys.encryptionKey ?? new Uint8Array(0), 'encryption');
  if (keys.decryptionKey !== undefined && keys.decryptionKey.length > 0) checkKeyLength(keys.decryptionKey, 'decryption');
}

function cipherName(key: Uint8Array): 'aes-128-gcm' | 'aes-192-gcm' | 'aes-256-gcm' {
  return `aes-${key.length * 8}-gcm` as 'aes-128-gcm' | 'aes-192-gcm' | 'aes-256-gcm';
}

/**
 * aesgcm.go `Encrypt`: a fresh random nonce, then `nonce ‖ ciphertext ‖ tag`. `nonce` is for
 * known-answer tests only; never reuse one with the same key.
 */
export function aesGcmSeal(key: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array, nonce?: Uint8Array): Buffer {
  checkKeyLength(key, 'encryption');
  const iv = nonce ?? randomBytes(AES_GCM_NONCE_LENGTH);
  if (iv.length !== AES_GCM_NONCE_LENGTH) throw new AesGcmError(`encryption failed: the nonce must be ${AES_GCM_NONCE_LENGTH} bytes`);
  const cipher = createCipheriv(cipherName(key), key, iv, { authTagLength: AES_GCM_TAG_LENGTH });
  // Go passes a nil AAD when none is configured; an empty AAD authenticates identically.
  if (aad !== undefined && aad.length > 0) cipher.setAAD(aad);
  return Buffer.concat([iv, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

/** aesgcm.go `Decrypt`, with its checks in its order and its error texts. */
export function aesGcmOpen(key: Uint8Array | undefined, data: Uint8Array, aad?: Uint8Array): Buffer {
  if (key === undefined || key.length === 0) throw new AesGcmError('no decryption key available');
  if (data.length === 0) throw new AesGcmError('decryption failed: cannot decrypt empty data');
  checkKeyLength(key, 'decryption');
  if (data.length < AES_GCM_NONCE_LENGTH) {
    throw new AesGcmError('decryption failed: cannot decrypt data because it is too small (likely data corruption)');
  }
  // Go's gcm.Open rejects input shorter than the tag with the same authentication error.
  if (data.length < AES_GCM_NONCE_LENGTH + AES_GCM_TAG_LENGTH) throw new AesGcmError('decryption failed: cipher: message authentication failed');
  const iv = data.subarray(0, AES_GCM_NONCE_LENGTH);
  const tag = data.subarray(data.length - AES_GCM_TAG_LENGTH);
  const body = data.subarray(AES_GCM_NONCE_LENGTH, data.length - AES_GCM_TAG_LENGTH);
  const decipher = createDecipheriv(cipherName(key), key, iv, { authTagLength: AES_GCM_TAG_LENGTH });
  if (aad !== undefined && aad.length > 0) decipher.setAAD(aad);
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(body), decipher.final()]);
  } catch {
    throw new AesGcmError('decryption failed: cipher: message authentication failed');
  }
}
