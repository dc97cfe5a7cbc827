import { createHash } from 'node:crypto';

/**
 * The DynamoDB digest item (`<bucket>/<key>-md5`, attribute `Digest`): lower-case hex MD5 of the exact
 * S3 object bytes, and the texts Terraform and OpenTofu print when it does not match.
 */

/** Lower-case hex MD5 of `bytes`, the form Terraform stores in `Digest`. */
export function md5Hex(bytes: Uint8Array | string): string {
  return createHash('md5').update(bytes).digest('hex');
}

/** An incremental MD5 for streamed bodies. */
export interface Digest {
  /** Feeds more bytes; returns itself for chaining. */
  update(chunk: Uint8Array | string): Digest;
  /** Lower-case hex of everything fed so far. Call once. */
  digest(): string;
}

/** Starts an incremental MD5 (`update(...)` then `digest()`). */
export function createDigest(): Digest {
  const hash = createHash('md5');
  const self: Digest = {
    update(chunk) {
      hash.update(chunk);
      return self;
    },
    digest() {
      return hash.digest('hex');
    },
  };
  return self;
}

/**
 * Validates a stored `Digest` value the way Terraform's `getMD5` does: it must be a string that
 * hex-decodes to exactly 16 bytes. Returns the value in lower case, or `undefined` for anything else
 * (missing, not a string, not hex, wrong length): Terraform logs "invalid md5" and skips the check.
 */
export function parseStoredDigest(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  // Go's hex.DecodeString accepts both cases; compare in lower case like the hex Terraform writes.
  if (!/^[0-9a-fA-F]{32}$/.test(value)) return undefined;
  return value.toLowerCase();
}

/** Inputs of the checksum-mismatch texts. */
export interface ChecksumMismatch {
  readonly bucket: string;
  /** The state object key. */
  readonly key: string;
  /** Hex MD5 of the S3 body; `''` when the object is missing or empty. */
  readonly calculated: string;
  /** Hex digest from DynamoDB. */
  readonly stored: string;
}

/**
 * Terraform's `badChecksumError` text. When the object is missing or empty (`calculated === ''`) the
 * resolution asks to remove the `Digest`; otherwise to set it to the calculated value.
 */
export function checksumMismatchMessage(m: ChecksumMismatch): string {
  const resolution = m.calculated === ''
    ? 'If this problem persists, and neither S3 nor DynamoDB are experiencing an\n'
      + 'outage, you may need to manually verify the remote state and remove the Digest\n'
      + 'value stored in the DynamoDB table'
    : 'If this problem persists, and neither S3 nor DynamoDB are experiencing an\n'
      + 'outage, you may need to manually verify the remote state and update the Digest\n'
      + `value stored in the DynamoDB table to the following value: ${m.calculated}`;
  return 'state data in S3 does not have the expected content.\n\n'
    + 'The checksum calculated for the state stored in S3 does not match the checksum\n'
    + 'stored in DynamoDB.\n\n'
    + `Bucket: ${m.bucket}\n`
    + `Key:    ${m.key}\n`
    + `Calculated checksum: ${m.calculated}\n`
    + `Stored checksum:     ${m.stored}\n\n`
    + 'This may be caused by unusually long delays in S3 processing a previous state\n'
    + 'update. Please wait for a minute or two and try again.\n\n'
    + resolution;
}

/** OpenTofu's `errBadChecksumFmt` text (one variant: always "update the Digest value"). */
export function checksumMismatchMessageTofu(calculated: string): string {
  return 'state data in S3 does not have the expected content.\n\n'
    + 'This may be caused by unusually long delays in S3 processing a previous state\n'
    + 'update.  Please wait for a minute or two and try again. If this problem\n'
    + 'persists, and neither S3 nor DynamoDB are experiencing an outage, you may need\n'
    + 'to manually verify the remote state and update the Digest value stored in the\n'
    + `DynamoDB table to the following value: ${calculated}`;
}
