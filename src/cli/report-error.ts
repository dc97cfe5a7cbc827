/**
 * How `tfstate` prints a failure, and its exit code. Loaded only when something failed, so that a
 * successful start never loads the client's error module.
 */
import { CliError, EXIT, formatDiagnostic, io, note, paint } from './output';
import {
  isBucketNotFoundError,
  isConfigValidationError,
  isLockIdMismatchError,
  isStateBackendError,
  isStateConflictError,
  isStateLockedError,
} from '../client/errors';
import { lockAcquireErrorDetail } from '../protocol/lock-info';

/**
 * The diagnostic Terraform prints when the state lock cannot be acquired (`command/clistate/state.go`:
 * summary "Error acquiring the state lock", detail `LockErrorMessage` around the lock error's text).
 * For a held lock that text is `statemgr.LockError.Error()`: the cause, a newline, then
 * `LockInfo.String()`, which ends in a newline of its own, so two empty lines precede
 * "Terraform acquires a state lock".
 */
export function formatLockAcquireError(lockErrorText: string, stream: { isTTY?: boolean; columns?: number } = io.stderr): string {
  return formatDiagnostic({ severity: 'error', summary: 'Error acquiring the state lock', detail: lockAcquireErrorDetail(lockErrorText) }, stream);
}

/** Maps any error to its message on stderr and an exit code. */
export function reportError(e: unknown): number {
  if (e instanceof CliError) {
    note(`${paint('red', 'Error:', io.stderr)} ${e.message}`);
    return e.exitCode;
  }
  if (isConfigValidationError(e)) {
    for (const d of e.diagnostics) io.stderr.write(formatDiagnostic(d));
    note('Fix the backend configuration (*.tf backend block or -backend-config) and try again.');
    return EXIT.ERROR;
  }
  if (isStateLockedError(e)) {
    io.stderr.write(formatLockAcquireError(e.message));
    const id = e.lockInfo?.ID;
    if (id) note(`\nIf that lock is stale (its holder is gone), release it with: tfstate force-unlock ${id}`);
    return EXIT.LOCKED;
  }
  if (isLockIdMismatchError(e)) {
    note(`${paint('red', 'Error:', io.stderr)} ${e.message}\nThe lock is held by ID ${e.existingLockId}; check "tfstate lock-info" and pass that ID if you really mean to release it.`);
    return EXIT.ERROR;
  }
  if (isStateConflictError(e)) {
    note(`${paint('red', 'Error:', io.stderr)} Failed to write state: ${e.message}\nNothing was written. Pull the current state and reconcile, or pass -force to overwrite it.`);
    return EXIT.ERROR;
  }
  if (isBucketNotFoundError(e)) {
    note(`${paint('red', 'Error:', io.stderr)} ${e.message}\nCheck "bucket" and "region", or deploy the StateBackend stack.`);
    return EXIT.ERROR;
  }
  if (isStateBackendError(e)) {
    note(`${paint('red', 'Error:', io.stderr)} ${e.message}`);
    return EXIT.ERROR;
  }
  const err = e as Error & { $metadata?: { httpStatusCode?: number } };
  const hint = err?.name === 'CredentialsProviderError'
    ? '\nNo AWS credentials found: set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY.'
    : err?.$metadata?.httpStatusCode === 403 ? '\nAccess denied: check the credentials and the IAM permissions for the bucket and table.' : '';
  note(`${paint('red', 'Error:', io.stderr)} ${err?.name && err.name !== 'Error' ? `${err.name}: ` : ''}${err?.message ?? String(e)}${hint}`);
  return EXIT.ERROR;
}
