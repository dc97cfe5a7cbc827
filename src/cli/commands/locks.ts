import type { HeldLock } from '../../client/lock-report';
import { validateConfig } from '../../protocol/config';
import { formatGoDuration, parseGoDuration } from '../../protocol/go-time';
import { CliError, EXIT, formatAge, out, printJson, printTable } from '../output';
import { GlobalOptions, loadConfig, openSession } from '../session';

/** Options of `locks`. */
export interface LocksCommandOptions extends GlobalOptions {
  readonly olderThan?: string;
}

/**
 * The key the session needs when the configuration names none: `locks` is bucket-wide, and the
 * S3 backend refuses a configuration without `key`.
 */
const ANY_KEY = 'terraform.tfstate';

function parseOlderThan(text: string | undefined): number {
  if (text === undefined) return 0;
  let nanos: number;
  try {
    nanos = parseGoDuration(text);
  } catch (e) {
    throw new CliError(`-older-than: ${(e as Error).message}. Use Go duration syntax such as 30m, 2h or 1h30m.`, EXIT.USAGE);
  }
  if (nanos < 0) throw new CliError(`-older-than: "${text}" is negative. Use a positive duration such as 2h.`, EXIT.USAGE);
  return nanos / 1e6;
}

function toJson(lock: HeldLock) {
  return {
    source: lock.source,
    key: lock.key,
    workspace: lock.workspace ?? null,
    stateKey: lock.stateKey,
    lockKey: lock.lockKey,
    id: lock.lockInfo?.ID ?? null,
    who: lock.lockInfo?.Who ?? null,
    operation: lock.lockInfo?.Operation ?? null,
    version: lock.lockInfo?.Version ?? null,
    info: lock.lockInfo?.Info ?? null,
    created: lock.created?.toISOString() ?? null,
    ageSeconds: lock.ageMs === undefined ? null : Math.floor(lock.ageMs / 1000),
    ...(lock.problem ? { problem: lock.problem } : {}),
  };
}

/**
 * `locks [-older-than=DURATION]`: every held lock of the backend (all keys and workspaces; lock files
 * and DynamoDB lock items), oldest first. Exit 0 when none matches, {@link EXIT.LOCKS_FOUND} otherwise.
 */
export async function locksCommand(opts: LocksCommandOptions): Promise<number> {
  const olderThanMs = parseOlderThan(opts.olderThan);
  const { config } = await loadConfig(opts);
  const withKey = { ...opts, backendConfig: [...(opts.backendConfig ?? []), ...(config.key ? [] : [`key=${ANY_KEY}`])] };
  const s = await openSession(withKey);
  try {
    const resolved = validateConfig(s.config, process.env).config;
    const report = await s.client.listHeldLocks();
    // A lock of unknown age (a broken lock item) always matches: nobody can say it is recent.
    const matching = report.locks.filter((l) => l.ageMs === undefined || l.ageMs >= olderThanMs);
    if (opts.json) {
      printJson({
        bucket: resolved.bucket,
        ...(opts.olderThan !== undefined ? { olderThan: formatGoDuration(olderThanMs * 1e6) } : {}),
        held: report.locks.length,
        locks: matching.map(toJson),
      });
    } else if (matching.length === 0) {
      out(report.locks.length === 0
        ? `No lock is held in bucket ${resolved.bucket}.`
        : `${report.locks.length} lock(s) held in bucket ${resolved.bucket}, none older than ${opts.olderThan}.`);
    } else {
      printTable(['AGE', 'KEY', 'WORKSPACE', 'WHO', 'OPERATION', 'LOCK', 'ID'], matching.map((l) => [
        l.ageMs === undefined ? '?' : formatAge(l.ageMs),
        l.key,
        l.workspace ?? '?',
        l.lockInfo?.Who ?? `? (${l.problem})`,
        l.lockInfo?.Operation ?? '?',
        l.source,
        l.lockInfo?.ID ?? '?',
      ]));
    }
    return matching.length === 0 ? EXIT.OK : EXIT.LOCKS_FOUND;
  } finally {
    s.close();
  }
}
