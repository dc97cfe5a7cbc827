import { pbkdf2Sync, randomBytes } from 'node:crypto';
import type { KeyPair } from './aes-gcm';
import { GoJsonValue, marshalGoJson, parseGoJson } from '../go-json';

/**
 * OpenTofu's `pbkdf2` key provider (internal/encryption/keyprovider/pbkdf2). The passphrase (or the
 * encryption key of a `chain`ed key provider) is stretched with PBKDF2 (`golang.org/x/crypto/pbkdf2.Key`,
 * HMAC of the chosen hash). Every encryption draws a fresh salt and stores the parameters as metadata;
 * decryption re-derives the key from the stored parameters, so changing `iterations` or `salt_length`
 * never breaks old states.
 */

/** descriptor.go and config_constants.go defaults. */
export const PBKDF2_DEFAULTS = {
  keyLength: 32,
  iterations: 600000,
  hashFunction: 'sha512',
  saltLength: 32,
} as const;

/** config_constants.go `MinimumIterations`. */
export const PBKDF2_MINIMUM_ITERATIONS = 200000;
/** config_constants.go `MinimumPassphraseLength` (bytes, as Go's `len`). */
export const PBKDF2_MINIMUM_PASSPHRASE_LENGTH = 16;
/** config_constants.go `hashFunctions`. */
export const PBKDF2_HASH_FUNCTIONS: readonly string[] = ['sha256', 'sha512'];

/** A decoded `key_provider "pbkdf2"` body. */
export interface Pbkdf2Settings {
  readonly passphrase?: string;
  /** Keys of the key provider named by `chain`, when set. */
  readonly chain?: KeyPair;
  readonly keyLength: number;
  readonly iterations: number;
  readonly hashFunction: string;
  readonly saltLength: number;
}

/** metadata.go `Metadata`: what is stored under the key provider's `meta` key. */
export interface Pbkdf2Metadata {
  readonly salt: Uint8Array;
  readonly iterations: number;
  readonly hashFunction: string;
  readonly keyLength: number;
}

function validateHashFunction(name: string): string | undefined {
  if (name === '') return 'please specify a hash function';
  if (!PBKDF2_HASH_FUNCTIONS.includes(name)) return `invalid hash function name: ${name}`;
  return undefined;
}

/**
 * config.go `Build`: OpenTofu's checks in its order. Returns OpenTofu's error text, or `undefined`
 * when the settings are valid. `decryptOnly` skips the checks of a chained encryption key: OpenTofu's
 * upstream provider always makes one, this client's only when encrypting.
 */
export function pbkdf2SettingsProblem(s: Pbkdf2Settings, decryptOnly = false): string | undefined {
  const passphrase = s.passphrase ?? '';
  if (passphrase === '' && s.chain === undefined) return 'no passphrase provided and no chained provider defined';
  if (passphrase !== '' && s.chain !== undefined) return 'passphrase and chain are mutually exclusive';
  if (s.chain !== undefined && !decryptOnly) {
    if (s.chain.encryptionKey === undefined) return 'no encryption key provided from upstream key provider';
    if (s.chain.encryptionKey.length < PBKDF2_MINIMUM_PASSPHRASE_LENGTH) {
      return `upstream key provider supplied an encryption key that is too short (minimum ${PBKDF2_MINIMUM_PASSPHRASE_LENGTH} characters)`;
    }
  }
  if (s.chain?.decryptionKey !== undefined && s.chain.decryptionKey.length < PBKDF2_MINIMUM_PASSPHRASE_LENGTH) {
    return `upstream key provider supplied an decryption key that is too short (minimum ${PBKDF2_MINIMUM_PASSPHRASE_LENGTH} characters)`;
  }
  if (passphrase !== '' && Buffer.byteLength(passphrase, 'utf8') < PBKDF2_MINIMUM_PASSPHRASE_LENGTH) {
    return `passphrase is too short (minimum ${PBKDF2_MINIMUM_PASSPHRASE_LENGTH} characters)`;
  }
  if (s.keyLength <= 0) return 'the key length must be larger than zero';
  if (s.iterations <= 0) return 'the number of iterations must be larger than zero';
  if (s.iterations < PBKDF2_MINIMUM_ITERATIONS) {
    return `the number of iterations is dangerously low (<${PBKDF2_MINIMUM_ITERATIONS}), refusing to generate key`;
  }
  if (s.saltLength <= 0) return 'the salt length must be larger than zero';
  const hashProblem = validateHashFunction(s.hashFunction);
  if (hashProblem !== undefined) return `invalid key provider configuration: ${hashProblem}`;
  return undefined;
}

/** `goPBKDF2.Key(password, salt, iter, keyLen, hash.New)`. */
export function pbkdf2Key(password: Uint8Array, salt: Uint8Array, iterations: number, keyLength: number, hashFunction: string): Buffer {
  return pbkdf2Sync(password, salt, iterations, keyLength, hashFunction);
}

/** `json.Marshal(*Metadata)`: the struct's field order, the salt as standard base64. */
export function encodePbkdf2Metadata(m: Pbkdf2Metadata): Buffer {
  return Buffer.from(marshalGoJson({
    salt: Buffer.from(m.salt).toString('base64'),
    iterations: m.iterations,
    hash_function: m.hashFunction,
    key_length: m.keyLength,
  }));
}

function field(obj: { [k: string]: GoJsonValue }, name: string): GoJsonValue | undefined {
  if (Object.prototype.hasOwnProperty.call(obj, name)) return obj[name];
  const folded = Object.keys(obj).filter((k) => k.toLowerCase() === name);
  return folded.length > 0 ? obj[folded[folded.length - 1]] : undefined;
}

function intField(obj: { [k: string]: GoJsonValue }, name: string): number {
  const v = field(obj, name);
  if (v === undefined || v === null) return 0;
  if (typeof v === 'bigint' || (typeof v === 'number' && !Number.isInteger(v))) {
    throw new Error(`json: cannot unmarshal number ${String(v)} into Go struct field Metadata.${name} of type int`);
  }
  if (typeof v !== 'number') throw new Error(`json: cannot unmarshal ${typeof v} into Go struct field Metadata.${name} of type int`);
  return v;
}

/** Base64 as Go's `[]byte` JSON decoder accepts it (standard alphabet, padded). */
export function decodeGoBase64(text: string, what: string): Buffer {
  const clean = text.replace(/[\r\n]/g, '');
  if (clean.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(clean)) throw new Error(`illegal base64 data in ${what}`);
  return Buffer.from(clean, 'base64');
}

/**
 * `json.Unmarshal(meta, *Metadata)` then metadata.go `isPresent` / `validate`: returns `undefined` when
 * the metadata is absent or incomplete (OpenTofu then provides no decryption key).
 *
 * @throws Error with OpenTofu's text when the metadata does not decode or is invalid
 */
export function decodePbkdf2Metadata(bytes: Uint8Array): Pbkdf2Metadata | undefined {
  const doc = parseGoJson(bytes);
  if (doc === null) return undefined;
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new Error('json: cannot unmarshal non-object into Go value of type pbkdf2.Metadata');
  const saltValue = field(doc, 'salt');
  if (saltValue !== undefined && saltValue !== null && typeof saltValue !== 'string') {
    throw new Error('json: cannot unmarshal non-string into Go struct field Metadata.salt of type []uint8');
  }
  const hash = field(doc, 'hash_function');
  if (hash !== undefined && hash !== null && typeof hash !== 'string') {
    throw new Error('json: cannot unmarshal non-string into Go struct field Metadata.hash_function of type pbkdf2.HashFunctionName');
  }
  const m: Pbkdf2Metadata = {
    salt: typeof saltValue === 'string' ? decodeGoBase64(saltValue, 'salt') : Buffer.alloc(0),
    iterations: intField(doc, 'iterations'),
    hashFunction: typeof hash === 'string' ? hash : '',
    keyLength: intField(doc, 'key_length'),
  };
  if (m.salt.length === 0 || m.iterations === 0 || m.hashFunction === '' || m.keyLength === 0) return undefined;
  if (m.iterations < 0) throw new Error(`invalid number of iterations (${m.iterations})`);
  if (m.keyLength < 0) throw new Error(`invalid key length (${m.keyLength})`);
  const hashProblem = validateHashFunction(m.hashFunction);
  if (hashProblem !== undefined) throw new Error(`invalid hash function name: ${hashProblem}`);
  return m;
}

/**
 * provider.go `Provide`, encryption half: a fresh salt of `saltLength` bytes and the key derived with
 * the configured parameters, plus the metadata to store. `salt` is for known-answer tests only.
 */
export function pbkdf2EncryptionKey(s: Pbkdf2Settings, salt?: Uint8Array): { key: Buffer; metadata: Pbkdf2Metadata } {
  const metadata: Pbkdf2Metadata = {
    salt: salt ?? randomBytes(s.saltLength),
    iterations: s.iterations,
    hashFunction: s.hashFunction,
    keyLength: s.keyLength,
  };
  const password = s.chain?.encryptionKey ?? Buffer.from(s.passphrase ?? '', 'utf8');
  return { key: pbkdf2Key(password, metadata.salt, metadata.iterations, metadata.keyLength, metadata.hashFunction), metadata };
}

/**
 * provider.go `Provide`, decryption half: the key derived from the stored parameters with the
 * configured passphrase (or the chained provider's decryption key).
 */
export function pbkdf2DecryptionKey(s: Pbkdf2Settings, stored: Pbkdf2Metadata): Buffer {
  const password = s.chain !== undefined ? (s.chain.decryptionKey ?? new Uint8Array(0)) : Buffer.from(s.passphrase ?? '', 'utf8');
  return pbkdf2Key(password, stored.salt, stored.iterations, stored.keyLength, stored.hashFunction);
}
