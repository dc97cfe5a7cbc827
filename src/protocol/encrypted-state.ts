import { GoJsonValue, goFoldKey, parseGoJson } from './go-json';
import { goQuote } from './go-time';

/**
 * OpenTofu's state encryption envelope (OpenTofu ≥ 1.7, `terraform { encryption { ... } }` or
 * `TF_ENCRYPTION`). The object stored in S3 is then not a state but
 * `{"serial":N,"lineage":"L","meta":{"key_provider.<type>.<name>":"<b64>"},"encrypted_data":"<b64>","encryption_version":"v0"}`.
 * Terraform cannot read it (no `version` attribute). `protocol/encryption` decrypts and writes it when
 * the caller has the encryption configuration (see docs/opentofu-encryption.md); without one, this
 * detection lets the client recognise the envelope so it never mistakes it for corrupt state or
 * overwrites it.
 *
 * @see https://github.com/opentofu/opentofu/tree/main/internal/encryption
 */

/** The only envelope version OpenTofu writes and reads. */
export const ENCRYPTION_VERSION_V0 = 'v0';

/** One entry of the envelope's `meta`: which key provider encrypted the data key. */
export interface EncryptionKeyProvider {
  /** The `meta` key as stored: `key_provider.<type>.<name>` or a provider's `encrypted_metadata_alias`. */
  readonly metaKey: string;
  /** Provider type (`pbkdf2`, `aws_kms`, `gcp_kms`, `azure_vault`, `openbao`, `external`), when the key has the standard form. */
  readonly type?: string;
  /** Provider name from the configuration, when the key has the standard form. */
  readonly name?: string;
  /** The provider's metadata (base64-decoded JSON, e.g. pbkdf2 salt and iterations), when it decodes. */
  readonly metadata?: GoJsonValue;
}

/** A recognised OpenTofu encryption envelope. */
export interface EncryptedStateEnvelope {
  /** Copied in clear from the encrypted state; `null` if OpenTofu wrote none. */
  readonly serial: number | null;
  readonly lineage: string;
  readonly keyProviders: readonly EncryptionKeyProvider[];
  /** Base64 of nonce ‖ ciphertext ‖ tag. */
  readonly encryptedData: string;
  readonly encryptionVersion: string;
}

/** Outcome of {@link detectEncryptedState}. */
export type EncryptedStateDetection =
  | { readonly encrypted: false }
  | { readonly encrypted: true; readonly envelope: EncryptedStateEnvelope };

/** An envelope whose `encryption_version` OpenTofu itself would refuse. */
export class UnsupportedEncryptionVersionError extends Error {
  /** The version found in the object. */
  public readonly version: string;

  constructor(version: string) {
    // OpenTofu's text, so users can search for it.
    super(`invalid encrypted payload version: ${version} != ${ENCRYPTION_VERSION_V0}`);
    this.name = 'UnsupportedEncryptionVersionError';
    this.version = version;
  }
}

function member(obj: { [k: string]: GoJsonValue }, name: string): GoJsonValue | undefined {
  if (Object.prototype.hasOwnProperty.call(obj, name)) return obj[name];
  let found: GoJsonValue | undefined;
  for (const [k, v] of Object.entries(obj)) if (goFoldKey(k) === goFoldKey(name)) found = v;
  return found;
}

function decodeMetadata(b64: GoJsonValue): GoJsonValue | undefined {
  if (typeof b64 !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 !== 0) return undefined;
  try {
    return parseGoJson(Buffer.from(b64, 'base64'));
  } catch {
    return undefined;
  }
}

/**
 * Tells an OpenTofu encryption envelope from a state, as OpenTofu's decrypt step does: the object is an
 * envelope when it is a JSON object with a non-empty string `encryption_version`. Anything else
 * (a state, empty input, invalid JSON) is reported as not encrypted and left to the state reader.
 *
 * @throws UnsupportedEncryptionVersionError when `encryption_version` is not `v0`
 */
export function detectEncryptedState(input: string | Uint8Array): EncryptedStateDetection {
  let doc: GoJsonValue;
  try {
    doc = parseGoJson(input);
  } catch {
    return { encrypted: false };
  }
  return envelopeOf(doc);
}

/**
 * {@link detectEncryptedState} on a document already parsed (Go's JSON rules): the state reader
 * parses once for both questions (`readStateOrEnvelope`).
 *
 * @throws UnsupportedEncryptionVersionError when `encryption_version` is not `v0`
 */
export function envelopeOf(doc: GoJsonValue): EncryptedStateDetection {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return { encrypted: false };
  const version = member(doc, 'encryption_version');
  if (typeof version !== 'string' || version === '') return { encrypted: false };
  if (version !== ENCRYPTION_VERSION_V0) throw new UnsupportedEncryptionVersionError(version);
  const serial = member(doc, 'serial');
  const lineage = member(doc, 'lineage');
  const data = member(doc, 'encrypted_data');
  const meta = member(doc, 'meta');
  const keyProviders: EncryptionKeyProvider[] = [];
  if (typeof meta === 'object' && meta !== null && !Array.isArray(meta)) {
    for (const [metaKey, value] of Object.entries(meta)) {
      const m = /^key_provider\.([^.]+)\.([^.]+)$/.exec(metaKey);
      const metadata = decodeMetadata(value);
      keyProviders.push({
        metaKey,
        ...(m ? { type: m[1], name: m[2] } : {}),
        ...(metadata !== undefined ? { metadata } : {}),
      });
    }
  }
  return {
    encrypted: true,
    envelope: {
      serial: typeof serial === 'number' ? serial : typeof serial === 'bigint' ? Number(serial) : null,
      lineage: typeof lineage === 'string' ? lineage : '',
      keyProviders,
      encryptedData: typeof data === 'string' ? data : '',
      encryptionVersion: version,
    },
  };
}

/** Where the encrypted object is, for the refusal text. */
export interface EncryptedStateLocation {
  readonly bucket?: string;
  readonly key?: string;
}

/**
 * The text to show when refusing an encrypted state: what was found, why this tool stops, and how to
 * get a readable state with OpenTofu.
 */
export function encryptedStateRefusalMessage(envelope: EncryptedStateEnvelope, location: EncryptedStateLocation = {}): string {
  const where = location.bucket !== undefined && location.key !== undefined ? ` at s3://${location.bucket}/${location.key}` : '';
  const providers = envelope.keyProviders.length === 0
    ? 'no key provider named'
    : envelope.keyProviders.map((p) => (p.type ? `${p.type} ${goQuote(p.name ?? '')}` : goQuote(p.metaKey))).join(', ');
  return `The state${where} is encrypted with OpenTofu state encryption `
    + `(envelope ${envelope.encryptionVersion}, serial ${envelope.serial ?? 'unknown'}, lineage ${goQuote(envelope.lineage)}, key provider: ${providers}).\n\n`
    + 'This tool does not decrypt OpenTofu-encrypted state, and Terraform cannot read it either. '
    + 'To read it, run "tofu state pull" in a working directory whose configuration has the same '
    + '"terraform { encryption { ... } }" block (or the same TF_ENCRYPTION environment variable); '
    + 'it prints the decrypted state. To stop encrypting, make an "unencrypted" method the state method, '
    + 'keep the current method as its "fallback", and run "tofu apply" (OpenTofu documentation: '
    + '"State and Plan Encryption", migrating back to unencrypted state). '
    + 'The object was left unchanged.';
}
