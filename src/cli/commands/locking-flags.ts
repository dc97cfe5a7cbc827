import type { LockingOptions } from '../../client';
import { type LockOptions, notADuration, parseDuration } from '../argv';
import { CliError, EXIT } from '../output';

/**
 * The client's {@link LockingOptions} for Terraform's `-lock` and `-lock-timeout` ({@link LockOptions},
 * as commander parses them); a bad duration is a usage error naming it.
 */
export function lockingOptions(flags: LockOptions): LockingOptions {
  const lock = flags.lock ?? true;
  if (flags.lockTimeout === undefined) return { lock };
  const lockTimeoutMs = parseDuration(flags.lockTimeout);
  if (lockTimeoutMs === undefined) throw new CliError(notADuration('-lock-timeout', flags.lockTimeout), EXIT.USAGE);
  return { lock, lockTimeoutMs };
}
