/**
 * How `tfstate` prints a failure, and its exit code. Loaded only when something failed, so that a
 * successful start never loads the client's error module.
 */
import { CliError, EXIT, formatDiagnostic, io, isBrokenStdout, note, paint } from './output';
import {
  isBucketNotFoundError,
  isConfigValidationError,
  isLockIdMismatchError,
  isLockReleaseError,
  isStateBackendError,
  isStateConflictError,
  isStateLockedError,
} from '../client/errors';
import type { Diagnostic } from '../protocol/diagnostics';
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

/** Writes Terraform's boxes for `diags` on stderr (coloured and wrapped as the terminal allows). */
function writeDiagnostics(diags: readonly Diagnostic[]): void {
  for (const d of diags) io.stderr.write(formatDiagnostic(d));
}

/**
 * Whether the client's error carries a Terraform text of its own (a diagnostic with a detail), rather
 * than the plain `Error: <message>` every error has.
 */
function hasTerraformText(diags: readonly Diagnostic[]): boolean {
  return diags.some((d) => d.detail !== '');
}

/**
 * The operation's own error kept as a LockReleaseError's cause, or `undefined` when the cause is the
 * unlock failure itself (whose text the release block already shows: each text is printed once).
 */
function operationErrorOf(e: { readonly cause?: unknown; readonly unlockError: string }): unknown {
  if (e.cause === undefined) return undefined;
  const text = e.cause instanceof Error ? e.cause.message : String(e.cause);
  return text === e.unlockError ? undefined : e.cause;
}

/**
 * Maps any error to its message on stderr and an exit code. Where the client's error carries
 * Terraform's text (`terraformDiagnostics`: lock errors, workspace refusals, backend configuration),
 * that text is printed as Terraform prints it, not composed a second time here.
 */
export function reportError(e: unknown): number {
  // The reader of stdout went away (`| head`): not an error to print (see output.ts watchStdout).
  if (isBrokenStdout(e)) return EXIT.BROKEN_PIPE;
  if (e instanceof CliError) {
    note(`${paint('red', 'Error:', io.stderr)} ${e.message}`);
    return e.exitCode;
  }
  if (isConfigValidationError(e)) {
    writeDiagnostics(e.terraformDiagnostics);
    note('Fix the backend configuration (*.tf backend block or -backend-config) and try again.');
    return EXIT.ERROR;
  }
  if (isStateLockedError(e)) {
    // "Error acquiring the state lock" (clistate.Locker.Lock), the same box as formatLockAcquireError.
    writeDiagnostics(e.terraformDiagnostics);
    const id = e.lockInfo?.ID;
    if (id) note(`\nIf that lock is stale (its holder is gone), release it with: tfstate force-unlock ${id}`);
    return EXIT.LOCKED;
  }
  if (isLockReleaseError(e)) {
    // Terraform prints the operation's own diagnostics first, then "Error releasing the state lock"
    // (clistate.Locker.Unlock, UnlockErrorMessage); the operation failing or not, the exit code is 1.
    const operationError = operationErrorOf(e);
    if (operationError !== undefined) reportError(operationError);
    writeDiagnostics(e.terraformDiagnostics);
    note(`\nOnly if no one else holds it, release the lock with: tfstate force-unlock ${e.lockId}`);
    return EXIT.ERROR;
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
  if (isStateBackendError(e) && hasTerraformText(e.terraformDiagnostics)) {
    writeDiagnostics(e.terraformDiagnostics);
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
