/**
 * Classification of AWS SDK failures by `error.name` and HTTP status, never by message text (S3
 * compatibles word their messages differently).
 */

interface SdkErrorShape {
  readonly name?: unknown;
  readonly Code?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: number };
  readonly $response?: { readonly statusCode?: number };
}

/** The SDK error name (`NoSuchKey`, `PreconditionFailed`...), or `''`. */
export function errorName(e: unknown): string {
  if (typeof e !== 'object' || e === null) return '';
  const s = e as SdkErrorShape;
  if (typeof s.name === 'string' && s.name !== 'Error') return s.name;
  return typeof s.Code === 'string' ? s.Code : '';
}

/** The HTTP status of the failed response, or `undefined` when there was none. */
export function httpStatus(e: unknown): number | undefined {
  if (typeof e !== 'object' || e === null) return undefined;
  const s = e as SdkErrorShape;
  return s.$metadata?.httpStatusCode ?? s.$response?.statusCode;
}

/** The bucket does not exist. */
export function isNoSuchBucket(e: unknown): boolean {
  return errorName(e) === 'NoSuchBucket';
}

/** The object does not exist (GET `NoSuchKey`, HEAD `NotFound`, or a bare 404 that is not a missing bucket). */
export function isNoSuchKey(e: unknown): boolean {
  const name = errorName(e);
  if (name === 'NoSuchKey' || name === 'NotFound') return true;
  return httpStatus(e) === 404 && name !== 'NoSuchBucket';
}

/** A conditional S3 write or delete was refused (412, or 409 `ConditionalRequestConflict`). */
export function isPreconditionFailed(e: unknown): boolean {
  const name = errorName(e);
  return name === 'PreconditionFailed' || name === 'ConditionalRequestConflict' || httpStatus(e) === 412 || httpStatus(e) === 409;
}

/** Access denied (`AccessDenied` or 403). */
export function isAccessDenied(e: unknown): boolean {
  return errorName(e) === 'AccessDenied' || httpStatus(e) === 403;
}

/** A DynamoDB condition expression did not hold. */
export function isConditionalCheckFailed(e: unknown): boolean {
  return errorName(e) === 'ConditionalCheckFailedException';
}

/** The request was aborted through its `AbortSignal`. */
export function isAbort(e: unknown): boolean {
  return errorName(e) === 'AbortError';
}

/** A short description of an SDK error for messages: `<name>: <message>` (status when no name). */
export function describeError(e: unknown): string {
  if (e instanceof Error) {
    const name = errorName(e);
    const status = httpStatus(e);
    const head = name || (status ? `HTTP ${status}` : 'Error');
    // The SDK's message for a response that carries none (a HEAD, or Ceph RGW's NoSuchBucket) says nothing.
    const message = e.message === SDK_NO_MESSAGE ? '' : e.message;
    return message && message !== name ? `${head}: ${message}` : head;
  }
  return String(e);
}

/** What the AWS SDK puts in `message` when the error response had no message of its own. */
const SDK_NO_MESSAGE = 'UnknownError';
