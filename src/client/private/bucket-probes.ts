/**
 * Pure checks of a live bucket's settings, for `tfstate doctor`: each takes what an S3 call returned
 * (`GetBucketPolicy`'s `Policy` string, `GetBucketEncryption`'s configuration) and says whether the bucket
 * enforces a protection that `StateBackend` deploys. No I/O: the caller makes the calls with its own
 * clients and permissions (an AccessDenied there is the caller's "could not check").
 */

/** The outcome of one probe: `PASS`, or `FAIL` with what is missing and what to do. */
export interface BucketProbeResult {
  readonly status: 'PASS' | 'FAIL';
  readonly detail: string;
}

interface Statement {
  readonly Effect?: string;
  readonly Action?: string | string[];
  readonly Resource?: string | string[];
  readonly Principal?: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

/** The shape of `GetBucketEncryption`'s `ServerSideEncryptionConfiguration` that the probes read. */
export interface EncryptionConfigurationLike {
  readonly Rules?: ReadonlyArray<{ readonly BlockedEncryptionTypes?: { readonly EncryptionType?: readonly string[] } }>;
}

const LOCK_FILE_SUFFIX = '.tflock';

function statements(policy: string | undefined): Statement[] {
  if (!policy) return [];
  const doc = JSON.parse(policy) as { Statement?: Statement | Statement[] };
  return doc.Statement === undefined ? [] : [doc.Statement].flat();
}

const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : [v].flat());
const anyone = (p: unknown) => p === '*' || (typeof p === 'object' && p !== null && [(p as { AWS?: unknown }).AWS].flat().includes('*'));
const coversPut = (s: Statement) => list(s.Action).some((a) => ['s3:PutObject', 's3:*', '*'].includes(a));

/** Whether `pattern` (IAM `*` and `?`) matches every lock file key, i.e. `<bucket>/*.tflock` or `<bucket>/*`. */
function coversLockFiles(resources: string[], bucket: string): boolean {
  return resources.some((r) => {
    const key = r.replace(/^arn:[^:]+:s3:::/, '');
    return key === `${bucket}/*` || key === `${bucket}/*${LOCK_FILE_SUFFIX}`;
  });
}

/**
 * Does the bucket policy deny a `PutObject` of a lock file that carries no `If-None-Match` header?
 *
 * Looks for a Deny of `s3:PutObject` to any principal, on `<bucket>/*.tflock` (or every object), with the
 * condition `Null: { "s3:if-none-match": "true" }`, which is what `StateBackend` deploys
 * (`DenyUnconditionalLockWrites`).
 */
export function probeConditionalLockWrites(bucket: string, policy: string | undefined): BucketProbeResult {
  const found = statements(policy).some((s) => s.Effect === 'Deny' && anyone(s.Principal) && coversPut(s)
    && coversLockFiles(list(s.Resource), bucket)
    && String(s.Condition?.Null?.['s3:if-none-match']) === 'true');
  return found
    ? { status: 'PASS', detail: 'the bucket policy denies lock-file writes without If-None-Match (a held lock cannot be overwritten)' }
    : {
      status: 'FAIL',
      detail: 'the bucket policy does not deny unconditional lock-file writes: any principal allowed to lock can overwrite a held lock. ' +
        `Add a Deny of s3:PutObject on arn:aws:s3:::${bucket}/*${LOCK_FILE_SUFFIX} with Condition Null s3:if-none-match = true (StateBackend does).`,
    };
}

/**
 * Is SSE-C blocked at the bucket (`BlockedEncryptionTypes` contains `SSE-C`) and, as a second line,
 * denied by the bucket policy (a Deny of `s3:PutObject` when the SSE-C algorithm header is present)?
 */
export function probeSseCBlocked(encryption: EncryptionConfigurationLike | undefined, policy: string | undefined): BucketProbeResult {
  const blocked = (encryption?.Rules ?? []).some((r) => (r.BlockedEncryptionTypes?.EncryptionType ?? []).includes('SSE-C'));
  const denied = statements(policy).some((s) => s.Effect === 'Deny' && coversPut(s)
    && String(s.Condition?.Null?.['s3:x-amz-server-side-encryption-customer-algorithm']) === 'false');
  if (blocked) {
    return { status: 'PASS', detail: `SSE-C is blocked by the bucket's encryption configuration${denied ? ' and denied by the bucket policy' : ''}` };
  }
  return {
    status: 'FAIL',
    detail: 'the bucket does not block SSE-C (BlockedEncryptionTypes): an upload with a customer-provided key would bypass the KMS key and its key policy' +
      `${denied ? ' if the policy deny were removed' : ''}. Set BlockedEncryptionTypes = [SSE-C] in the bucket's default encryption (PutBucketEncryption).`,
  };
}
