import { goQuote } from './go-time';
import { StateFile, isStateEmpty, newLineage, statesMarshalEqual } from './state';

/**
 * Terraform's rules for replacing a remote state with another one (`terraform state push`) and for
 * the serial a write carries (`remote.State.PersistState`). The S3 backend itself enforces none of
 * this: every rule lives in Terraform's CLI state manager, so a client that writes state must apply
 * them itself to keep a team's Terraform from seeing a state go backwards.
 *
 * @see https://github.com/hashicorp/terraform/blob/main/internal/states/statemgr/migrate.go
 * @see https://github.com/hashicorp/terraform/blob/main/internal/states/remote/state.go
 */

/** Why a push was refused. */
export type StatePushRejection =
  /** Both lineages are set and differ. */
  | 'unrelated-lineage'
  /** Same lineage, lower serial than the remote. */
  | 'older-serial'
  /** Same lineage and serial, different content. */
  | 'same-serial-different-content';

/** Outcome of {@link checkStatePush}. */
export type StatePushCheck =
  | { readonly ok: true }
  | {
    readonly ok: false;
    readonly reason: StatePushRejection;
    /** Terraform's error text, e.g. `cannot import state with serial 4 over newer state with serial 5`. */
    readonly message: string;
  };

/** Options of {@link checkStatePush}. */
export interface StatePushOptions {
  /** `terraform state push -force`: skip every check. @default false */
  readonly force?: boolean;
}

/**
 * Terraform's `statemgr.CheckValidImport`, the check `terraform state push` runs without `-force`.
 *
 * | remote                          | pushed                          | result |
 * |---------------------------------|---------------------------------|--------|
 * | none, or no resources/outputs   | anything                        | allowed |
 * | lineage empty                   | anything                        | allowed (legacy) |
 * | anything                        | lineage empty                   | allowed (legacy) |
 * | lineage L                       | lineage M ≠ L                   | `cannot import state with lineage "M" over unrelated state with lineage "L"` |
 * | L, serial S                     | L, serial < S                   | `cannot import state with serial N over newer state with serial S` |
 * | L, serial S                     | L, serial S, other content      | `cannot overwrite existing state with serial S with a different state that has the same serial` |
 * | L, serial S                     | L, serial S identical, or > S   | allowed |
 *
 * @param pushed the state being pushed
 * @param remote the state currently stored, `undefined` when there is none
 */
export function checkStatePush(pushed: StateFile, remote: StateFile | undefined, options: StatePushOptions = {}): StatePushCheck {
  const head = remote && { lineage: remote.lineage, serial: remote.serial, empty: isStateEmpty(remote) };
  return checkStatePushIdentity(pushed, head, () => statesMarshalEqual(pushed, remote!), options);
}

/** What the push rules need of a state whose content is not parsed whole (a streamed push). */
export interface StateIdentity {
  readonly lineage: string;
  readonly serial: number;
}

/** The remote side of {@link checkStatePushIdentity}: identity plus Terraform's `State.Empty()`. */
export interface RemoteStateIdentity extends StateIdentity {
  readonly empty: boolean;
}

/**
 * {@link checkStatePush} on identities, with "same content" decided by the caller (`sameContent` is
 * only called for the same lineage and serial): the one home of the rules and their texts, for the
 * in-memory push (semantic comparison) and the streamed one (bytes compared by MD5).
 */
export function checkStatePushIdentity(
  pushed: StateIdentity,
  remote: RemoteStateIdentity | undefined,
  sameContent: () => boolean,
  options: StatePushOptions = {},
): StatePushCheck {
  if (options.force || remote === undefined || remote.empty) return { ok: true };
  if (pushed.lineage === '' || remote.lineage === '') return { ok: true };
  if (pushed.lineage !== remote.lineage) {
    return {
      ok: false,
      reason: 'unrelated-lineage',
      message: `cannot import state with lineage ${goQuote(pushed.lineage)} over unrelated state with lineage ${goQuote(remote.lineage)}`,
    };
  }
  if (pushed.serial > remote.serial) return { ok: true };
  if (pushed.serial < remote.serial) {
    return {
      ok: false,
      reason: 'older-serial',
      message: `cannot import state with serial ${pushed.serial} over newer state with serial ${remote.serial}`,
    };
  }
  if (sameContent()) return { ok: true };
  return {
    ok: false,
    reason: 'same-serial-different-content',
    message: `cannot overwrite existing state with serial ${pushed.serial} with a different state that has the same serial`,
  };
}

/** How Terraform's `state push` prints a refused push (`Failed to write state: <err>`). */
export function statePushFailureText(check: StatePushCheck): string | undefined {
  return check.ok ? undefined : `Failed to write state: ${check.message}`;
}

/** Outcome of {@link nextSerialForWrite}. */
export type SerialDecision =
  /** Nothing changed since the read: Terraform skips the PUT. */
  | { readonly write: false }
  /** Write with this lineage and serial. */
  | { readonly write: true; readonly lineage: string; readonly serial: number };

/**
 * The lineage and serial Terraform's `remote.State.PersistState` writes, given what was last read from
 * the backend and the state about to be written.
 *
 * My reading of `states/remote/state.go`:
 * - An object was read (`read` given): if lineage (non-empty), serial (non-zero) and content all equal
 *   the read ones, nothing is written. Otherwise the serial of the state being written is incremented,
 *   whatever it was: a `state push` of serial N over a different remote is stored as N+1, a normal
 *   apply (serial = read serial) as read serial + 1. The lineage is the one being written.
 * - Nothing was read (no object, or a 0-byte one): Terraform re-reads, finds nothing, forgets the lineage
 *   and serial it was given, and writes a fresh lineage with serial 1 (`newLineage` lets tests fix it).
 *   So pushing into an empty workspace keeps the content but not the pushed lineage or serial.
 */
export function nextSerialForWrite(
  next: StateFile,
  read: StateFile | undefined,
  newLineageFn: () => string = newLineage,
): SerialDecision {
  return nextSerialForIdentity(next, read, () => statesMarshalEqual(next, read!), newLineageFn);
}

/**
 * {@link nextSerialForWrite} on identities, "unchanged content" decided by the caller (`sameContent`
 * is only called when lineage and serial are unchanged).
 */
export function nextSerialForIdentity(
  next: StateIdentity,
  read: StateIdentity | undefined,
  sameContent: () => boolean,
  newLineageFn: () => string = newLineage,
): SerialDecision {
  if (read === undefined) {
    return { write: true, lineage: newLineageFn(), serial: 1 };
  }
  const lineageUnchanged = read.lineage !== '' && next.lineage === read.lineage;
  const serialUnchanged = read.serial !== 0 && next.serial === read.serial;
  if (lineageUnchanged && serialUnchanged && sameContent()) return { write: false };
  return { write: true, lineage: next.lineage, serial: next.serial + 1 };
}
