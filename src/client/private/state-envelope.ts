import { parseGoJson } from '../../protocol/go-json';

/**
 * Interim detection of OpenTofu's encrypted-state envelope (a JSON object with a non-empty
 * `encryption_version`), until `src/protocol/encrypted-state.ts` provides it.
 */
export function isEncryptedEnvelope(bytes: Uint8Array): boolean {
  let doc: unknown;
  try {
    doc = parseGoJson(bytes);
  } catch {
    return false;
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return false;
  const v = (doc as Record<string, unknown>).encryption_version;
  return typeof v === 'string' && v !== '';
}
