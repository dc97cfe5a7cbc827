import { EXIT, io, type Io } from '../../src/cli/output';
import { formatLockAcquireError, reportError } from '../../src/cli/report-error';
import { ConfigValidationError, LockReleaseError, StateConflictError, StateLockedError, WorkspaceError } from '../../src/client/errors';
import { errorDiag } from '../../src/protocol/diagnostics';

/*
 * How `tfstate` prints the client's errors: where the error carries Terraform's text
 * (`terraformDiagnostics`), that text is printed once, as Terraform's CLI prints it
 * (internal/command/clistate/state.go: LockErrorMessage, UnlockErrorMessage). Constructed errors, no servers.
 */

const HOLDER = {
  ID: 'a1b2c3d4-e5f6-0718-293a-4b5c6d7e8f90',
  Operation: 'OperationTypeApply',
  Info: '',
  Who: 'alice@host1',
  Version: '1.10.0',
  Created: '2025-01-02T03:04:05.123456789Z',
  Path: 'b/path/to/terraform.tfstate',
};

const UNLOCK_ERROR = 'failed to delete the lock file s3://b/k.tflock: AccessDenied';
const releaseError = (cause?: unknown) => new LockReleaseError(
  `Error unlocking S3 state. Lock ID: ${HOLDER.ID}\n\nError: ${UNLOCK_ERROR}\n\nYou may have to force-unlock this state in order to use it again.`,
  HOLDER.ID,
  { cause: cause ?? new Error(UNLOCK_ERROR), unlockError: UNLOCK_ERROR },
);

/** The box Terraform prints for a failed release (UnlockErrorMessage, clistate.Locker.Unlock), without colour. */
const RELEASE_BOX = [
  '╷',
  '│ Error: Error releasing the state lock',
  '│',
  `│ Error message: ${UNLOCK_ERROR}`,
  '│',
  '│ Terraform acquires a lock when accessing your state to prevent others',
  '│ running Terraform to potentially modify the state at the same time. An',
  '│ error occurred while releasing this lock. This could mean that the lock',
  '│ did or did not release properly. If the lock didn\'t release properly,',
  '│ Terraform may not be able to run future commands since it\'ll appear as if',
  '│ the lock is held.',
  '│',
  '│ In this scenario, please call the "force-unlock" command to unlock the',
  '│ state manually. This is a very dangerous operation since if it is done',
  '│ erroneously it could result in two people modifying state at the same time.',
  '│ Only call this command if you\'re certain that the unlock above failed and',
  '│ that no one else is holding a lock.',
  '╵',
  '',
].join('\n');

const FORCE_UNLOCK_HINT = `\nOnly if no one else holds it, release the lock with: tfstate force-unlock ${HOLDER.ID}\n`;

let stderr: string;
let original: Io['stderr'];

beforeEach(() => {
  stderr = '';
  original = io.stderr;
  (io as { stderr: Io['stderr'] }).stderr = { isTTY: false, write: (chunk: string) => { stderr += chunk; return true; } } as unknown as Io['stderr'];
});

afterEach(() => {
  (io as { stderr: Io['stderr'] }).stderr = original;
});

const count = (text: string, part: string) => text.split(part).length - 1;

describe('reportError prints the client\'s Terraform texts once', () => {
  test('a held lock: the "Error acquiring the state lock" box (unchanged), the force-unlock hint, exit 3', () => {
    const e = new StateLockedError('the lock file s3://b/k.tflock already exists', HOLDER);
    expect(reportError(e)).toBe(EXIT.LOCKED);
    expect(stderr).toBe(formatLockAcquireError(e.message, { isTTY: false })
      + `\nIf that lock is stale (its holder is gone), release it with: tfstate force-unlock ${HOLDER.ID}\n`);
    expect(stderr.startsWith('╷\n│ Error: Error acquiring the state lock\n│\n│ Error message: the lock file s3://b/k.tflock already exists\n│ Lock Info:\n')).toBe(true);
    expect(count(stderr, 'Lock Info:')).toBe(1);
  });

  test('a failed release: Terraform\'s "Error releasing the state lock" box, then the concrete force-unlock command, exit 1', () => {
    expect(reportError(releaseError())).toBe(EXIT.ERROR);
    expect(stderr).toBe(RELEASE_BOX + FORCE_UNLOCK_HINT);
    // The unlock error is shown once; the backend's own "Error unlocking S3 state" wording is not a second copy.
    expect(count(stderr, UNLOCK_ERROR)).toBe(1);
    expect(stderr).not.toContain('Error unlocking S3 state');
  });

  test('an operation that failed and then could not release its lock: the operation\'s error first, then the release box', () => {
    const operation = new StateConflictError('cannot overwrite existing state with serial 3 with a different state that has the same serial');
    expect(reportError(releaseError(operation))).toBe(EXIT.ERROR);
    const first = stderr.indexOf('Failed to write state: cannot overwrite existing state');
    expect(first).toBeGreaterThanOrEqual(0);
    expect(stderr.indexOf(RELEASE_BOX)).toBeGreaterThan(first);
    expect(stderr.endsWith(RELEASE_BOX + FORCE_UNLOCK_HINT)).toBe(true);
    expect(count(stderr, UNLOCK_ERROR)).toBe(1);
  });

  test('a workspace refusal with Terraform\'s diagnostic prints that diagnostic, not the message a second time', () => {
    const e = new WorkspaceError('workspace "dev" is not empty', {
      diagnostic: { summary: 'Workspace is not empty', detail: 'Workspace "dev" is currently tracking the following resource instances:\n  - null_resource.a' },
    });
    expect(reportError(e)).toBe(EXIT.ERROR);
    expect(stderr).toBe([
      '╷',
      '│ Error: Workspace is not empty',
      '│',
      '│ Workspace "dev" is currently tracking the following resource instances:',
      '│   - null_resource.a',
      '╵',
      '',
    ].join('\n'));
  });

  test('a workspace refusal without a diagnostic of its own is "Error: <message>"', () => {
    expect(reportError(new WorkspaceError('can\'t delete default state'))).toBe(EXIT.ERROR);
    expect(stderr).toBe('Error: can\'t delete default state\n');
  });

  test('an invalid backend configuration prints its diagnostics and the remedy', () => {
    const e = new ConfigValidationError([errorDiag('Missing region value', 'The "region" attribute or the "AWS_REGION" or "AWS_DEFAULT_REGION" environment variables must be set.', ['region'])]);
    expect(reportError(e)).toBe(EXIT.ERROR);
    expect(stderr).toMatch(/^╷\n│ Error: Missing region value\n│   on backend attribute "region"\n│\n│ The "region" attribute/);
    expect(stderr).toMatch(/╵\nFix the backend configuration \(\*\.tf backend block or -backend-config\) and try again\.\n$/);
  });
});
