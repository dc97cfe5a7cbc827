import { decodeGoBase64 } from './pbkdf2';
import { GoJsonValue, goFoldKey, marshalGoJson, parseGoJson, sortGoMapKeys } from '../go-json';

/**
 * The `v0` envelope OpenTofu writes instead of a state (encryption/base.go `basedata`, state.go
 * `statedata`): `{"serial":N,"lineage":"L","meta":{"<key>":"<b64 JSON>"},"encrypted_data":"<b64>","encryption_version":"v0"}`,
 * compact, fields in that order (the embedded structs' order), `meta` keys sorted (a Go map), `[]byte`
 * values as standard padded base64, no trailing newline.
 */

/** base.go `encryptionVersion`. */
export const ENVELOPE_VERSION = 'v0';

/** A decoded envelope. */
export interface Envelope {
  readonly version: string;
  /** `meta`, base64-decoded: key provider address (or alias) → the key provider's metadata JSON. */
  readonly meta: ReadonlyMap<string, Buffer>;
  /** `encrypted_data`, base64-decoded: what the method produced (aes_gcm: nonce ‖ ciphertext ‖ tag). */
  readonly data: Buffer;
}

/** state.go `statedata`: the fields copied in clear. */
export interface StatePassthrough {
  /** `null` when the state has none. */
  readonly serial: number | null;
  readonly lineage: string;
}

function member(obj: { [k: string]: GoJsonValue }, name: string): GoJsonValue | undefined {
  if (Object.prototype.hasOwnProperty.call(obj, name)) return obj[name];
  let found: GoJsonValue | undefined;
  for (const [k, v] of Object.entries(obj)) if (goFoldKey(k) === goFoldKey(name)) found = v;
  return found;
}

function isObject(v: GoJsonValue | undefined): v is { [k: string]: GoJsonValue } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * base.go `decrypt`'s first step, `json.Unmarshal(data, &basedata)`: returns the envelope, or the reason
 * the input is not one (then OpenTofu checks whether it is a plain state). Like Go, any JSON or type
 * error, or an empty `encryption_version`, means "not an envelope".
 */
export function parseEnvelope(input: Uint8Array): { envelope: Envelope } | { notEnvelope: string; jsonError?: string } {
  let doc: GoJsonValue;
  try {
    doc = parseGoJson(input);
  } catch (e) {
    return { notEnvelope: 'invalid JSON', jsonError: (e as Error).message };
  }
  if (!isObject(doc)) return { notEnvelope: 'not a JSON object', jsonError: 'json: cannot unmarshal non-object into Go value of type encryption.basedata' };
  const version = member(doc, 'encryption_version');
  const metaValue = member(doc, 'meta');
  const dataValue = member(doc, 'encrypted_data');
  try {
    if (version !== undefined && version !== null && typeof version !== 'string') throw new Error('json: cannot unmarshal encryption_version: string required');
    const meta = new Map<string, Buffer>();
    if (metaValue !== undefined && metaValue !== null) {
      if (!isObject(metaValue)) throw new Error('json: cannot unmarshal meta: object required');
      for (const [k, v] of Object.entries(metaValue)) {
        if (v !== null && typeof v !== 'string') throw new Error(`json: cannot unmarshal meta[${k}]: base64 string required`);
        meta.set(k, v === null ? Buffer.alloc(0) : decodeGoBase64(v, `meta[${k}]`));
      }
    }
    if (dataValue !== undefined && dataValue !== null && typeof dataValue !== 'string') throw new Error('json: cannot unmarshal encrypted_data: base64 string required');
    const data = typeof dataValue === 'string' ? decodeGoBase64(dataValue, 'encrypted_data') : Buffer.alloc(0);
    if (typeof version !== 'string' || version === '') return { notEnvelope: 'no encryption_version' };
    return { envelope: { version, meta, data } };
  } catch (e) {
    return { notEnvelope: 'not an envelope', jsonError: (e as Error).message };
  }
}

/**
 * `json.Unmarshal(plain, &statedata)`: the state's serial (a Go `*int`) and lineage.
 *
 * @throws Error with Go's text when the input is not JSON or a field has the wrong type
 */
export function readPassthrough(input: Uint8Array): StatePassthrough {
  const doc = parseGoJson(input);
  if (!isObject(doc)) throw new Error('json: cannot unmarshal non-object into Go value of type encryption.statedata');
  const serial = member(doc, 'serial');
  const lineage = member(doc, 'lineage');
  if (serial !== undefined && serial !== null && (typeof serial !== 'number' || !Number.isInteger(serial))) {
    throw new Error(`json: cannot unmarshal ${JSON.stringify(serial)} into Go struct field statedata.serial of type int`);
  }
  if (lineage !== undefined && lineage !== null && typeof lineage !== 'string') {
    throw new Error('json: cannot unmarshal non-string into Go struct field statedata.lineage of type string');
  }
  return { serial: typeof serial === 'number' ? serial : null, lineage: typeof lineage === 'string' ? lineage : '' };
}

/** `json.Marshal(struct{statedata; basedata})` of state.go `EncryptState`. */
export function marshalEnvelope(passthrough: StatePassthrough, meta: ReadonlyMap<string, Uint8Array>, data: Uint8Array): Buffer {
  const metaObj: Record<string, string> = {};
  for (const [k, v] of meta) metaObj[k] = Buffer.from(v).toString('base64');
  return Buffer.from(marshalGoJson({
    serial: passthrough.serial,
    lineage: passthrough.lineage,
    meta: sortGoMapKeys(metaObj),
    encrypted_data: Buffer.from(data).toString('base64'),
    encryption_version: ENVELOPE_VERSION,
  }));
}
