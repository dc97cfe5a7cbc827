import { Diagnostic, errorDiag } from '../diagnostics';
import type { Obj } from './decode';

/**
 * OpenTofu's `state_tags` and `lock_tags` (OpenTofu 1.11, opentofu/opentofu#3038): object tags sent
 * as `x-amz-tagging` on every PutObject of the state object and of the lock file
 * (`internal/backend/remote-state/s3/client.go`: `Put` and `s3Lock` call `configurePutObjectTags`).
 * Terraform has neither attribute (its schema refuses them as "Unsupported argument").
 */

/** The two tag attributes and the objects they tag. */
export const TAG_ATTRIBUTES = { state_tags: 'state object', lock_tags: 'lock file' } as const;

/** S3's limits on object tags (S3 refuses a PUT beyond them with `InvalidTag`). */
export const S3_OBJECT_TAG_LIMITS = { maxTags: 10, maxKeyLength: 128, maxValueLength: 256 } as const;

/**
 * The checks of `state_tags` / `lock_tags` before any request.
 *
 * OpenTofu itself only checks the type (`cty.Map(cty.String)`, done by decoding: "Inappropriate value
 * for attribute "state_tags": map of string required."); S3 then refuses the first tagged PUT, which
 * for OpenTofu is the lock or the state write at the end of an apply. This client refuses at
 * configuration time what S3 would refuse anyway (count, key and value length in Unicode characters,
 * empty keys, the reserved `aws:` prefix), so no write is ever attempted with them.
 *
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-tagging.html
 */
export function validateTags(obj: Obj, diags: Diagnostic[]): void {
  for (const [attr, what] of Object.entries(TAG_ATTRIBUTES)) {
    const tags = obj[attr] as Readonly<Record<string, string>> | null | undefined;
    if (!tags) continue;
    const summary = `Invalid ${attr} value`;
    const keys = Object.keys(tags);
    if (keys.length > S3_OBJECT_TAG_LIMITS.maxTags) {
      diags.push(errorDiag(summary,
        `S3 allows at most ${S3_OBJECT_TAG_LIMITS.maxTags} tags on an object; ${attr} has ${keys.length}. Remove tags from ${attr} (they are put on the ${what}).`, [attr]));
    }
    for (const key of keys) {
      const keyLength = [...key].length;
      const valueLength = [...tags[key]].length;
      if (keyLength === 0) {
        diags.push(errorDiag(summary, `A tag key in ${attr} is empty. S3 tag keys are 1 to ${S3_OBJECT_TAG_LIMITS.maxKeyLength} characters.`, [attr]));
      } else if (keyLength > S3_OBJECT_TAG_LIMITS.maxKeyLength) {
        diags.push(errorDiag(summary,
          `The tag key ${JSON.stringify(key)} has ${keyLength} characters; S3 allows at most ${S3_OBJECT_TAG_LIMITS.maxKeyLength}. Use a shorter key.`, [attr, key]));
      } else if (key.toLowerCase().startsWith('aws:')) {
        diags.push(errorDiag(summary, `The tag key ${JSON.stringify(key)} starts with "aws:", which AWS reserves for its own tags. Use another key.`, [attr, key]));
      }
      if (valueLength > S3_OBJECT_TAG_LIMITS.maxValueLength) {
        diags.push(errorDiag(summary,
          `The value of tag ${JSON.stringify(key)} has ${valueLength} characters; S3 allows at most ${S3_OBJECT_TAG_LIMITS.maxValueLength}. Use a shorter value.`, [attr, key]));
      }
    }
  }
}

/**
 * The `x-amz-tagging` header value of `tags`, as OpenTofu sends it: Go's `url.Values.Encode()`
 * (`configurePutObjectTags` in `internal/backend/remote-state/s3/client.go`), which sorts the keys
 * (byte order of their UTF-8) and escapes keys and values with `url.QueryEscape`. `undefined` for no
 * tags or an empty map: OpenTofu then sends no header.
 *
 * One deviation: a space is sent as `%20`, not Go's `+`. Ceph RGW decodes the header without
 * form semantics and stores OpenTofu's `+` as a literal plus (`test/client/object-tags.integration.test.ts`),
 * while `%20` is a space for every decoder, so the stored tag is the one the user wrote everywhere.
 */
export function encodeTagging(tags: Readonly<Record<string, string>> | undefined): string | undefined {
  if (!tags) return undefined;
  const keys = Object.keys(tags).sort((a, b) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
  if (keys.length === 0) return undefined;
  return keys.map((k) => `${escapeTagComponent(k)}=${escapeTagComponent(tags[k])}`).join('&');
}

/**
 * Go's `url.QueryEscape` (unreserved `A-Za-z0-9-_.~` kept, every other UTF-8 byte as `%XX`), except
 * that a space is `%20` (see {@link encodeTagging}).
 */
export function escapeTagComponent(s: string): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}
