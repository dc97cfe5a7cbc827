/**
 * The client's error hierarchy.
 *
 * Every error has a stable `name` and `code`, keeps the underlying SDK error as `cause`, and carries a
 * brand under `Symbol.for(...)` so that the `isXxx()` guards work even when two copies of this package
 * are loaded (where `instanceof` fails).
 */

import { type Diagnostic, errorDiag, formatDiagnosticPlain } from '../protocol/diagnostics';
import { LockInfo, formatLockInfoHuman, lockAcquireErrorDetail, lockReleaseErrorDetail } from '../protocol/lock-info';
import { describeError } from './private/aws-errors';

const BRAND = Symbol.for('cdk-tfstate-backend/client/error-codes');

/** A Terraform-style diagnostic, as produced by the backend configuration validation (`protocol/config.ts`). */
export type ConfigDiagnostic = Diagnostic;

/** Options common to every error of the hierarchy. */
export interface StateBackendErrorOptions {
  /** The underlying error (usually an AWS SDK error). */
  readonly cause?: unknown;
}

function brandOf(x: unknown): readonly string[] | undefined {
  if (typeof x !== 'object' || x === null) return undefined;
  const codes = (x as Record<symbol, unknown>)[BRAND];
  return Array.isArray(codes) ? codes : undefined;
}

/** Base class of every error the client throws on purpose. */
export class StateBackendError extends Error {
  /** Stable machine-readable code; subclasses override it. */
  public readonly code: string;

  constructor(message: string, options: StateBackendErrorOptions = {}, code = 'STATE_BACKEND_ERROR') {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'StateBackendError';
    this.code = code;
    const codes = code === 'STATE_BACKEND_ERROR' ? [code] : ['STATE_BACKEND_ERROR', code];
    Object.defineProperty(this, BRAND, { value: codes, enumerable: false, configurable: true });
  }

  /**
   * The error as Terraform's CLI reports it, as diagnostics (summary and detail): a plain error is
   * one diagnostic whose summary is the message (Terraform's `diags.Append(err)`); lock errors carry
   * Terraform's `Error acquiring the state lock` / `Error releasing the state lock` blocks.
   */
  public get terraformDiagnostics(): Diagnostic[] {
    return [errorDiag(this.message, '')];
  }

  /** {@link terraformDiagnostics} printed as Terraform prints them without colour (trailing newlines included). */
  public get terraformMessage(): string {
    return this.terraformDiagnostics.map(formatDiagnosticPlain).join('');
  }
}

/** The backend configuration has at least one error-level diagnostic. No AWS call was made. */
export class ConfigValidationError extends StateBackendError {
  /** Every diagnostic, errors and warnings, in Terraform's order. */
  public readonly diagnostics: readonly ConfigDiagnostic[];

  constructor(diagnostics: readonly ConfigDiagnostic[]) {
    const errors = diagnostics.filter((d) => d.severity === 'error');
    const lines = errors.map((d) => {
      const where = d.attribute ? ` (${d.attribute})` : '';
      return `${d.summary}${where}: ${d.detail}`;
    });
    super(`Invalid S3 backend configuration:\n${lines.join('\n')}`, {}, 'CONFIG_INVALID');
    this.name = 'ConfigValidationError';
    this.diagnostics = diagnostics;
  }

  public get terraformDiagnostics(): Diagnostic[] {
    return [...this.diagnostics];
  }
}

/**
 * The state is locked by someone else (or the lock could not be acquired). `lockInfo` is the holder's
 * LockInfo when it could be read; Terraform only retries a lock wait when it is known.
 */
export class StateLockedError extends StateBackendError {
  /** The current holder, or `undefined` when it could not be read. */
  public readonly lockInfo: LockInfo | undefined;

  constructor(message: string, lockInfo: LockInfo | undefined, options: StateBackendErrorOptions = {}) {
    // Terraform's `LockError.Error()`: the cause, then the holder's "Lock Info:" block (which ends with a newline).
    super(lockInfo ? `${message}\n${formatLockInfoHuman(lockInfo)}` : message, options, 'STATE_LOCKED');
    this.name = 'StateLockedError';
    this.lockInfo = lockInfo;
  }

  /** Terraform's `Error acquiring the state lock` diagnostic (`clistate.Locker.Lock`). */
  public get terraformDiagnostics(): Diagnostic[] {
    return [errorDiag('Error acquiring the state lock', lockAcquireErrorDetail(this.message))];
  }
}

/** Unlock was asked with an ID that is not the holder's. Nothing was deleted. */
export class LockIdMismatchError extends StateBackendError {
  /** The ID given to unlock. */
  public readonly lockId: string;
  /** The ID of the current holder. */
  public readonly existingLockId: string;

  constructor(message: string, lockId: string, existingLockId: string) {
    super(message, {}, 'LOCK_ID_MISMATCH');
    this.name = 'LockIdMismatchError';
    this.lockId = lockId;
    this.existingLockId = existingLockId;
  }
}

/**
 * Releasing a lock failed; the message is Terraform's backend text (`Error unlocking S3 state. Lock
 * ID: …`) naming the lock ID and the remedy (force-unlock).
 */
export class LockReleaseError extends StateBackendError {
  /** The ID of the lock that may still be held. */
  public readonly lockId: string;
  /** The unlock failure itself (the locker's error text). */
  public readonly unlockError: string;

  constructor(message: string, lockId: string, options: StateBackendErrorOptions & { readonly unlockError?: string } = {}) {
    super(message, options, 'LOCK_RELEASE_FAILED');
    this.name = 'LockReleaseError';
    this.lockId = lockId;
    this.unlockError = options.unlockError ?? message;
  }

  /** Terraform's `Error releasing the state lock` diagnostic (`clistate.Locker.Unlock`). */
  public get terraformDiagnostics(): Diagnostic[] {
    return [errorDiag('Error releasing the state lock', lockReleaseErrorDetail(this.unlockError))];
  }
}

/** The state object's MD5 does not match the digest in DynamoDB (Terraform's text, with the remedy). */
export class StateChecksumMismatchError extends StateBackendError {
  /** Hex MD5 of the object read, `''` when the object is missing or empty. */
  public readonly calculatedChecksum: string;
  /** Hex digest stored in DynamoDB. */
  public readonly storedChecksum: string;

  constructor(message: string, calculatedChecksum: string, storedChecksum: string) {
    super(message, {}, 'STATE_CHECKSUM_MISMATCH');
    this.name = 'StateChecksumMismatchError';
    this.calculatedChecksum = calculatedChecksum;
    this.storedChecksum = storedChecksum;
  }
}

/** The configured bucket does not exist (Terraform's text). */
export class BucketNotFoundError extends StateBackendError {
  /** The bucket name. */
  public readonly bucket: string;

  constructor(bucket: string, options: StateBackendErrorOptions = {}) {
    // The SDK error's name and message ("NoSuchBucket: The specified bucket does not exist"), as
    // Terraform ends the text with the SDK's error.
    const err = options.cause === undefined ? '' : describeError(options.cause);
    super(
      `S3 bucket "${bucket}" does not exist.\n\n` +
      'The referenced S3 bucket must have been previously created. If the S3 bucket\n' +
      'was created within the last minute, please wait for a minute or two and try\n' +
      `again.\n\nError: ${err}`,
      options,
      'BUCKET_NOT_FOUND',
    );
    this.name = 'BucketNotFoundError';
    this.bucket = bucket;
  }
}

/** A push was refused by Terraform's state push rules (lineage/serial). */
export class StateConflictError extends StateBackendError {
  constructor(message: string) {
    super(message, {}, 'STATE_CONFLICT');
    this.name = 'StateConflictError';
  }
}

/** The object is an OpenTofu-encrypted state envelope, which this client cannot decrypt. */
export class EncryptedStateError extends StateBackendError {
  constructor(message: string) {
    super(message, {}, 'ENCRYPTED_STATE');
    this.name = 'EncryptedStateError';
  }
}

/** The object is not a readable Terraform state (bad JSON, no `version`, unsupported version). */
export class InvalidStateError extends StateBackendError {
  constructor(message: string, options: StateBackendErrorOptions = {}) {
    super(message, options, 'INVALID_STATE');
    this.name = 'InvalidStateError';
  }
}

/** A workspace operation was refused (invalid name, exists, default, non-empty state). */
export class WorkspaceError extends StateBackendError {
  private readonly diagnostic: Diagnostic | undefined;

  /** @param options.diagnostic Terraform's diagnostic for the refusal, when it prints one (summary and detail) */
  constructor(
    message: string,
    options: StateBackendErrorOptions & { readonly diagnostic?: { readonly summary: string; readonly detail: string } } = {},
  ) {
    super(message, options, 'WORKSPACE_ERROR');
    this.name = 'WorkspaceError';
    this.diagnostic = options.diagnostic && errorDiag(options.diagnostic.summary, options.diagnostic.detail);
  }

  public get terraformDiagnostics(): Diagnostic[] {
    return this.diagnostic ? [this.diagnostic] : super.terraformDiagnostics;
  }
}

/** A version of the state object that does not exist (or is a delete marker, or empty). */
export class StateVersionNotFoundError extends StateBackendError {
  /** The version asked for. */
  public readonly versionId: string;

  constructor(message: string, versionId: string, options: StateBackendErrorOptions = {}) {
    super(message, options, 'STATE_VERSION_NOT_FOUND');
    this.name = 'StateVersionNotFoundError';
    this.versionId = versionId;
  }
}

function hasCode(x: unknown, code: string): boolean {
  return brandOf(x)?.includes(code) ?? false;
}

/** True for any error of this hierarchy, from any copy of the package. */
export function isStateBackendError(x: unknown): x is StateBackendError {
  return hasCode(x, 'STATE_BACKEND_ERROR');
}
/** True for a {@link ConfigValidationError}. */
export function isConfigValidationError(x: unknown): x is ConfigValidationError {
  return hasCode(x, 'CONFIG_INVALID');
}
/** True for a {@link StateLockedError}. */
export function isStateLockedError(x: unknown): x is StateLockedError {
  return hasCode(x, 'STATE_LOCKED');
}
/** True for a {@link LockIdMismatchError}. */
export function isLockIdMismatchError(x: unknown): x is LockIdMismatchError {
  return hasCode(x, 'LOCK_ID_MISMATCH');
}
/** True for a {@link LockReleaseError}. */
export function isLockReleaseError(x: unknown): x is LockReleaseError {
  return hasCode(x, 'LOCK_RELEASE_FAILED');
}
/** True for a {@link StateChecksumMismatchError}. */
export function isStateChecksumMismatchError(x: unknown): x is StateChecksumMismatchError {
  return hasCode(x, 'STATE_CHECKSUM_MISMATCH');
}
/** True for a {@link BucketNotFoundError}. */
export function isBucketNotFoundError(x: unknown): x is BucketNotFoundError {
  return hasCode(x, 'BUCKET_NOT_FOUND');
}
/** True for a {@link StateConflictError}. */
export function isStateConflictError(x: unknown): x is StateConflictError {
  return hasCode(x, 'STATE_CONFLICT');
}
/** True for an {@link EncryptedStateError}. */
export function isEncryptedStateError(x: unknown): x is EncryptedStateError {
  return hasCode(x, 'ENCRYPTED_STATE');
}
/** True for an {@link InvalidStateError}. */
export function isInvalidStateError(x: unknown): x is InvalidStateError {
  return hasCode(x, 'INVALID_STATE');
}
/** True for a {@link WorkspaceError}. */
export function isWorkspaceError(x: unknown): x is WorkspaceError {
  return hasCode(x, 'WORKSPACE_ERROR');
}
/** True for a {@link StateVersionNotFoundError}. */
export function isStateVersionNotFoundError(x: unknown): x is StateVersionNotFoundError {
  return hasCode(x, 'STATE_VERSION_NOT_FOUND');
}
