import type { LockingOptions } from '../../client';
import { parseGoDuration } from '../../protocol/go-time';
import { notADuration } from '../argv';
import { CliError, EXIT } from '../output';

/** Terraform's `-lock` and `-lock-timeout` flags of every command that locks. */
export interface LockFlags {
  /** `-lock=false` runs without the lock. @default true */
  readonly lock?: boolean | string;
  /** `-lock-timeout=DURATION` (Go syntax: `30s`, `1m30s`). @default '0s' */
  readonly lockTimeout?: string;
}

/** The client's {@link LockingOptions} for the flags; a bad duration is a usage error naming it. */
export function lockingOptions(flags: LockFlags): LockingOptions {
  const lock = flags.lock === undefined ? true : flags.lock !== false && flags.lock !== 'false';
  if (flags.lockTimeout === undefined) return { lock };
  let nanos: number;
  try {
    nanos = parseGoDuration(flags.lockTimeout);
  } catch {
    throw new CliError(notADuration('-lock-timeout', flags.lockTimeout), EXIT.USAGE);
  }
  return { lock, lockTimeoutMs: Math.max(0, Math.round(nanos / 1e6)) };
}
