import { parseDuration } from '../argv';
import { CliError, EXIT, formatAge, out, printJson } from '../output';
import { GlobalOptions, openSession } from '../session';

/** Options of `lock`. */
export interface LockCommandOptions extends GlobalOptions {
  readonly operation?: string;
  readonly info?: string;
  readonly timeout?: string;
}

/** The default `Operation` of locks taken by `tfstate lock`, so that holders can tell them apart. */
export const MANUAL_LOCK_OPERATION = 'tfstate-lock';

/** `lock`: takes the lock and prints its ID (the lock is left held). */
export async function lockCommand(opts: LockCommandOptions): Promise<void> {
  let timeoutMs = 0;
  if (opts.timeout !== undefined) {
    const parsed = parseDuration(opts.timeout);
    if (parsed === undefined) {
      throw new CliError(`-timeout: "${opts.timeout}" is not a duration. Use Go duration syntax such as 30s, 2m or 1m30s.`, EXIT.USAGE);
    }
    timeoutMs = parsed;
  }
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

/** `unlock LOCK_ID` / `force-unlock LOCK_ID`: releases the lock if `LOCK_ID` is the holder's. */
export async function unlockCommand(lockId: string, opts: GlobalOptions): Promise<void> {
  if (lockId.trim() === '') {
    throw new CliError('unlock: the LOCK_ID is empty. Pass the ID printed by "tfstate lock" or shown by "tfstate lock-info".', EXIT.USAGE);
  }
  const s = await openSession(opts);
  try {
    await s.client.unlock(lockId);
    if (opts.json) printJson({ unlocked: lockId });
    else out('Terraform state has been successfully unlocked!');
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
