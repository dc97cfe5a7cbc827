import { randomBytes } from 'node:crypto';
import * as os from 'node:os';
import { GoJsonValue, goFoldKey, goJsonTypeName, marshalGoJson, parseGoJson } from './go-json';
import { GO_ZERO_TIME, GoTime, formatGoTimeString, formatRfc3339Nano, goQuote, goTimeFromDate, parseRfc3339 } from './go-time';

/**
 * The Terraform core version this library writes into `LockInfo.Version` by default.
 *
 * Terraform writes its own core version there (`version.Version`, no prerelease suffix). Nothing reads
 * it back for a decision; it is shown to people in "Lock Info" blocks. We claim the first version
 * that has `use_lockfile` (1.10.0), the feature level we emulate, so a colleague's Terraform prints a
 * plausible value. Override per lock with `newLockInfo({ version })`.
 */
export const EMULATED_TERRAFORM_VERSION = '1.10.0';

/**
 * Terraform's `statemgr.LockInfo`, field for field, in the order Go marshals it.
 *
 * @see https://github.com/hashicorp/terraform/blob/main/internal/states/statemgr/locker.go
 */
export interface LockInfo {
  /** Lock ID: 16 random bytes as `8-4-4-4-12` lower hex. */
  readonly ID: string;
  /** What is being done, e.g. `OperationTypeApply`, `init`, `state-push`. */
  readonly Operation: string;
  /** Free text, usually empty. */
  readonly Info: string;
  /** `user@host` of the holder. */
  readonly Who: string;
  /** Terraform core version of the holder. */
  readonly Version: string;
  /** Creation time in Go's RFC 3339 with up to 9 fraction digits, trailing zeros trimmed, e.g. `2025-01-02T03:04:05.1Z`. */
  readonly Created: string;
  /** `<bucket>/<state key>`; set by the backend when it locks. */
  readonly Path: string;
}

const FIELDS = ['ID', 'Operation', 'Info', 'Who', 'Version', 'Created', 'Path'] as const;

/** Options of {@link newLockInfo}. */
export interface NewLockInfoOptions {
  /** `Operation` field, e.g. `OperationTypeApply`, `init`, `state-push`. */
  readonly operation: string;
  /** @default '' */
  readonly info?: string;
  /** @default - `<os user>@<hostname>`, or `@<hostname>` when the user cannot be determined */
  readonly who?: string;
  /** @default EMULATED_TERRAFORM_VERSION */
  readonly version?: string;
  /** Creation time; sub-millisecond digits come from `process.hrtime.bigint()`. @default - now */
  readonly now?: Date;
  /** @default - 16 random bytes formatted as Terraform does */
  readonly id?: string;
  /** `<bucket>/<state key>`; the backend sets it when locking. @default '' */
  readonly path?: string;
}

/** Terraform's lock ID: 16 random bytes printed `%x-%x-%x-%x-%x` (no RFC 4122 version bits). */
export function newLockId(): string {
  const h = randomBytes(16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** The user name, looked up once per process (see {@link defaultLockWho}); `''` when the lookup failed. */
let currentUser: string | undefined;

/**
 * `user@host` as Terraform's `NewLockInfo` builds it (`@host` when the user lookup fails). The user
 * is looked up once per process, as Go's `os/user.Current` caches it ("The first call will cache the
 * current user information", os/user/lookup.go): a lookup can go through NSS (LDAP, SSSD) and
 * Terraform makes it once too. The host name is read each time, as Go's `os.Hostname`.
 */
export function defaultLockWho(): string {
  if (currentUser === undefined) {
    try {
      currentUser = os.userInfo().username;
    } catch {
      // Go's user.Current() fails in some containers; Terraform then writes "@host".
      currentUser = '';
    }
  }
  let host = '';
  try {
    host = os.hostname();
  } catch {
    // Terraform ignores the hostname error too.
  }
  return `${currentUser}@${host}`;
}

/**
 * A new LockInfo as Terraform's CLI builds it (`statemgr.NewLockInfo`): random ID, `Who`, core
 * version, `Created` = now in UTC with nanosecond digits.
 */
export function newLockInfo(options: NewLockInfoOptions): LockInfo {
  const created = options.now
    ? formatGoTime(options.now)
    : formatGoTime(new Date(), process.hrtime.bigint());
  return {
    ID: options.id ?? newLockId(),
    Operation: options.operation,
    Info: options.info ?? '',
    Who: options.who ?? defaultLockWho(),
    Version: options.version ?? EMULATED_TERRAFORM_VERSION,
    Created: created,
    Path: options.path ?? '',
  };
}

/**
 * A JS `Date` in Go's `time.RFC3339Nano` as `json.Marshal` writes a UTC `time.Time`:
 * `2025-01-02T03:04:05.123456789Z`, trailing fraction zeros trimmed, no dot for whole seconds.
 *
 * `Date` has millisecond precision; pass `extraNanos` for more: a bigint from `process.hrtime.bigint()`
 * (its sub-millisecond digits are used), a number of nanoseconds below one millisecond, or a string of
 * up to 9 fraction digits that replaces the milliseconds.
 */
export function formatGoTime(date: Date, extraNanos?: bigint | number | string): string {
  return formatRfc3339Nano(goTimeFromDate(date, extraNanos));
}

/**
 * The exact bytes Go's `json.Marshal(LockInfo)` produces: compact, fields in struct order, `<>&` and
 * U+2028/U+2029 escaped. This is the lock file body and the DynamoDB `Info` attribute; OpenTofu's
 * conditional unlock compares it byte for byte.
 */
export function marshalLockInfo(info: LockInfo): string {
  const ordered: Record<string, string> = {};
  for (const f of FIELDS) {
    const v = info[f];
    if (typeof v !== 'string') throw new TypeError(`LockInfo.${f} must be a string, got ${typeof v}`);
    ordered[f] = v;
  }
  // Go marshals a time.Time, not a string: normalise what the caller gave to Go's canonical form.
  ordered.Created = formatRfc3339Nano(parseRfc3339(info.Created));
  return marshalGoJson(ordered);
}

/**
 * Parses LockInfo JSON as Go's `json.Unmarshal` into `statemgr.LockInfo` would: keys matched
 * case-insensitively (exact match preferred), unknown keys ignored, `null` leaves a field empty,
 * `Created` parsed as a time and kept in Go's canonical text (missing → `0001-01-01T00:00:00Z`), so
 * `marshalLockInfo(parseLockInfo(x))` equals what Go would re-marshal.
 *
 * @throws Error with Go's text: `unexpected end of JSON input` (empty or truncated input),
 *   `invalid character ...`, `json: cannot unmarshal <type> into Go value of type statemgr.LockInfo`,
 *   `json: cannot unmarshal <type> into Go struct field LockInfo.<Field> of type string`.
 */
export function parseLockInfo(text: string | Uint8Array): LockInfo {
  const doc = parseGoJson(text);
  if (doc === null) {
    // Go leaves the struct at its zero value for a top-level null.
    return zeroLockInfo();
  }
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new Error(`json: cannot unmarshal ${goJsonTypeName(doc)} into Go value of type statemgr.LockInfo`);
  }
  const out: Record<string, string> = {};
  let created: GoTime = GO_ZERO_TIME;
  let firstError: Error | undefined;
  for (const [key, value] of Object.entries(doc)) {
    const field = FIELDS.find((f) => f === key) ?? FIELDS.find((f) => goFoldKey(f) === goFoldKey(key));
    if (!field || value === null) continue;
    if (typeof value !== 'string') {
      // Go keeps decoding after a type error and reports the first one.
      firstError ??= new Error(`json: cannot unmarshal ${goJsonTypeName(value as GoJsonValue)} into Go struct field LockInfo.${field} of type ${field === 'Created' ? 'time.Time' : 'string'}`);
      continue;
    }
    if (field === 'Created') {
      created = parseRfc3339(value);
    } else {
      out[field] = value;
    }
  }
  if (firstError) throw firstError;
  return {
    ID: out.ID ?? '',
    Operation: out.Operation ?? '',
    Info: out.Info ?? '',
    Who: out.Who ?? '',
    Version: out.Version ?? '',
    Created: formatRfc3339Nano(created),
    Path: out.Path ?? '',
  };
}

/**
 * {@link parseLockInfo}, falling back, where Go's decoder would fail on a lock another tool wrote (a
 * field of another type, a `Created` that is not RFC 3339), to the fields that can be read: string
 * fields are kept (keys matched as Go matches them), anything else is left empty and an unreadable
 * `Created` is Go's zero time. Used to read a holder and to release a lock, so that such a lock can
 * always be inspected and released by its ID. Input that is not a JSON object still fails with Go's text.
 */
export function parseLockInfoLenient(text: string | Uint8Array): LockInfo {
  try {
    return parseLockInfo(text);
  } catch (strictError) {
    const doc = parseGoJson(text);
    if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw strictError;
    const out: Record<string, string> = {};
    for (const [key, value] of Object.entries(doc)) {
      const field = FIELDS.find((f) => f === key) ?? FIELDS.find((f) => goFoldKey(f) === goFoldKey(key));
      if (field && typeof value === 'string') out[field] = value;
    }
    let created = formatRfc3339Nano(GO_ZERO_TIME);
    try {
      if (out.Created !== undefined) created = formatRfc3339Nano(parseRfc3339(out.Created));
    } catch {
      // Not a time Go can read: Go's zero time, as for a missing field.
    }
    return { ...zeroLockInfo(), ...out, Created: created };
  }
}

function zeroLockInfo(): LockInfo {
  return { ID: '', Operation: '', Info: '', Who: '', Version: '', Created: formatRfc3339Nano(GO_ZERO_TIME), Path: '' };
}

/**
 * Terraform's `LockInfo.String()`: the "Lock Info:" block printed under lock errors, with `Created`
 * in Go's `Time.String()` form (`2021-09-27 00:10:27.424064363 +0000 UTC`). Ends with a newline.
 */
export function formatLockInfoHuman(info: LockInfo): string {
  let created: string;
  try {
    created = formatGoTimeString(parseRfc3339(info.Created));
  } catch {
    // A hand-made LockInfo with a non-RFC 3339 time: show it as is rather than hide the whole block.
    created = info.Created;
  }
  return [
    'Lock Info:',
    `  ID:        ${info.ID}`,
    `  Path:      ${info.Path}`,
    `  Operation: ${info.Operation}`,
    `  Who:       ${info.Who}`,
    `  Version:   ${info.Version}`,
    `  Created:   ${created}`,
    `  Info:      ${info.Info}`,
    '',
  ].join('\n');
}

/**
 * The text Terraform's CLI prints when a lock cannot be acquired (`clistate/state.go`): summary
 * `Error acquiring the state lock`, and this detail (`err` is the lock error's own text, which for a
 * held lock is its cause plus "\n" plus {@link formatLockInfoHuman}).
 */
export function lockAcquireErrorDetail(err: string): string {
  return `Error message: ${err}\n\n`
    + 'Terraform acquires a state lock to protect the state from being written\n'
    + 'by multiple users at the same time. Please resolve the issue above and try\n'
    + 'again. For most commands, you can disable locking with the "-lock=false"\n'
    + 'flag, but this is not recommended.';
}

/**
 * The text Terraform's CLI prints when a lock cannot be released (`clistate/state.go`): summary
 * `Error releasing the state lock`, and this detail (`err` is the unlock error's text).
 */
export function lockReleaseErrorDetail(err: string): string {
  return `Error message: ${err}\n\n`
    + 'Terraform acquires a lock when accessing your state to prevent others\n'
    + 'running Terraform to potentially modify the state at the same time. An\n'
    + 'error occurred while releasing this lock. This could mean that the lock\n'
    + 'did or did not release properly. If the lock didn\'t release properly,\n'
    + 'Terraform may not be able to run future commands since it\'ll appear as if\n'
    + 'the lock is held.\n\n'
    + 'In this scenario, please call the "force-unlock" command to unlock the\n'
    + 'state manually. This is a very dangerous operation since if it is done\n'
    + 'erroneously it could result in two people modifying state at the same time.\n'
    + 'Only call this command if you\'re certain that the unlock above failed and\n'
    + 'that no one else is holding a lock.';
}

/** Which lock an unlock was refused by, and whose wording to use. */
export type LockMismatchSource = 'lockfile' | 'dynamodb' | 'tofu-lockfile' | 'tofu-dynamodb';

/**
 * The error text when `unlock(given)` finds another holder (§10 vector 20):
 *
 * | source | text |
 * |---|---|
 * | `lockfile` (Terraform) | `lock ID 'B' does not match the existing lock ID 'A'` |
 * | `dynamodb` (Terraform) | `lock ID "B" does not match existing lock ("A")` |
 * | `tofu-lockfile` | `lock id "B" from s3 does not match existing lock` |
 * | `tofu-dynamodb` | `lock id "B" does not match existing lock` |
 */
export function lockIdMismatchMessage(source: LockMismatchSource, given: string, existing: string): string {
  switch (source) {
    case 'lockfile': return `lock ID '${given}' does not match the existing lock ID '${existing}'`;
    case 'dynamodb': return `lock ID ${goQuote(given)} does not match existing lock (${goQuote(existing)})`;
    case 'tofu-lockfile': return `lock id ${goQuote(given)} from s3 does not match existing lock`;
    case 'tofu-dynamodb': return `lock id ${goQuote(given)} does not match existing lock`;
  }
}

/**
 * Terraform's text when the DynamoDB lock item is missing or its `Info` is not LockInfo JSON at unlock
 * (`failed to retrieve lock info for lock ID "<id>": <json error>`); a missing item parses as `""`,
 * hence `unexpected end of JSON input`.
 */
export function lockInfoRetrieveMessage(id: string, jsonError = 'unexpected end of JSON input'): string {
  return `failed to retrieve lock info for lock ID ${goQuote(id)}: ${jsonError}`;
}
