import { LockOptions, notADuration, parseDuration } from '../argv';
import { CliError, EXIT, formatAge, io, note, out, paint, printJson } from '../output';
import { askLine } from '../prompt';
import { GlobalOptions, openSession } from '../session';

/** Options of `lock`. */
export interface LockCommandOptions extends GlobalOptions, Pick<LockOptions, 'lockTimeout'> {
  readonly operation?: string;
  readonly info?: string;
  /** The older spelling of `lockTimeout`. */
  readonly timeout?: string;
}

/** The default `Operation` of locks taken by `tfstate lock`, so that holders can tell them apart. */
export const MANUAL_LOCK_OPERATION = 'tfstate-lock';

/** `lock`: takes the lock and prints its ID (the lock is left held). */
export async function lockCommand(opts: LockCommandOptions): Promise<void> {
  const text = opts.lockTimeout ?? opts.timeout;
  const timeoutMs = text === undefined ? 0 : parseDuration(text);
  if (timeoutMs === undefined) throw new CliError(notADuration(opts.lockTimeout !== undefined ? '-lock-timeout' : '-timeout', text!), EXIT.USAGE);
  const s = await openSession(opts);
  try {
    const id = await s.client.lock({ operation: opts.operation ?? MANUAL_LOCK_OPERATION, info: opts.info ?? '', timeoutMs });
    if (id === '') {
      // Terraform's backend returns an empty ID when no locking is configured: nothing was locked.
      throw new CliError('lock: no locking is configured, so nothing was locked. Set use_lockfile=true and/or dynamodb_table=NAME.', EXIT.USAGE);
    }
    if (opts.json) printJson({ id, path: s.client.paths.lockId });
    else out(id);
  } finally {
    s.close();
  }
}

function checkLockId(command: string, lockId: string): void {
  if (lockId.trim() === '') {
    throw new CliError(`${command}: the LOCK_ID is empty. Pass the ID printed by "tfstate lock" or shown by "tfstate lock-info".`, EXIT.USAGE);
  }
}

/** Terraform's `outputUnlockSuccess` (`command/unlock.go`). */
function printUnlocked(lockId: string, json: boolean | undefined): void {
  if (json) {
    printJson({ unlocked: lockId });
    return;
  }
  out(paint('bold', paint('green', 'Terraform state has been successfully unlocked!')));
  out('');
  out('The state has been unlocked, and Terraform commands should now be able to');
  out('obtain a new lock on the remote state.');
}

/** `unlock LOCK_ID`: releases the lock if `LOCK_ID` is the holder's, without asking. */
export async function unlockCommand(lockId: string, opts: GlobalOptions): Promise<void> {
  checkLockId('unlock', lockId);
  const s = await openSession(opts);
  try {
    await s.client.unlock(lockId);
    printUnlocked(lockId, opts.json);
  } finally {
    s.close();
  }
}

/** Terraform's confirmation for `force-unlock` (`command/unlock.go`, `UnlockCommand.Run`). */
export const FORCE_UNLOCK_QUERY = 'Do you really want to force-unlock?';
export const FORCE_UNLOCK_DESCRIPTION = 'Terraform will remove the lock on the remote state.\n' +
  'This will allow local Terraform commands to modify this state, even though it\n' +
  'may still be in use. Only \'yes\' will be accepted to confirm.';

/**
 * `force-unlock LOCK_ID [-force]`: Terraform's `force-unlock`. Without `-force` it asks for "yes" on
 * stdin after loading the configuration and before any request, as Terraform does: on a terminal
 * the user types it; otherwise one line is read from stdin, and a stdin that ends first is
 * "Error asking for confirmation: EOF" (exit 1). Any other answer is "force-unlock cancelled." (exit 1).
 */
export async function forceUnlockCommand(lockId: string, opts: GlobalOptions & { force?: boolean }): Promise<number | void> {
  checkLockId('force-unlock', lockId);
  const s = await openSession(opts);
  try {
    if (!opts.force) {
      // The question goes where Terraform puts it (stdout), except under -json, whose stdout is data.
      const output = opts.json ? io.stderr : io.stdout;
      let answer: string;
      try {
        answer = await askLine(FORCE_UNLOCK_QUERY, FORCE_UNLOCK_DESCRIPTION, { input: process.stdin, output });
      } catch (e) {
        note(`Error asking for confirmation: ${(e as Error).message}`);
        note('force-unlock reads the answer from stdin. Pass -force to release the lock without asking.');
        return EXIT.ERROR;
      }
      if (answer !== 'yes') {
        output.write('force-unlock cancelled.\n');
        return EXIT.ERROR;
      }
    }
    await s.client.unlock(lockId);
    printUnlocked(lockId, opts.json);
  } finally {
    s.close();
  }
}

/** `lock-info`: who holds the lock, for what, since when. */
export async function lockInfoCommand(opts: GlobalOptions): Promise<void> {
  const s = await openSession(opts);
  try {
    const info = await s.client.getLockInfo();
    if (!info) {
      if (opts.json) printJson({ locked: false });
      else out(`The state of workspace "${s.workspace}" is not locked.`);
      return;
    }
    const created = Date.parse(info.Created);
    const age = Number.isNaN(created) ? 'unknown' : formatAge(Date.now() - created);
    if (opts.json) {
      printJson({ locked: true, ...info, ageSeconds: Number.isNaN(created) ? undefined : Math.floor((Date.now() - created) / 1000) });
      return;
    }
    out(`Locked by:  ${info.Who}`);
    out(`Operation:  ${info.Operation}`);
    out(`Age:        ${age} (since ${info.Created})`);
    out(`Version:    ${info.Version}`);
    out(`Lock ID:    ${info.ID}`);
    out(`Path:       ${info.Path}`);
    if (info.Info) out(`Info:       ${info.Info}`);
  } finally {
    s.close();
  }
}
