/**
 * `tfstate migrate-locking`: the plan for moving an S3 backend from DynamoDB locking to the S3 lock
 * file in two phases, as OpenTofu's and Terraform's S3 backend docs recommend: first both
 * (`use_lockfile = true` beside `dynamodb_table`, so that clients still on DynamoDB and clients on the
 * lock file exclude each other), then, once every user and pipeline runs the new configuration, the
 * lock file alone.
 *
 * Pure: the steps are data (an id and the text `-dry-run` prints); the command performs them in
 * order and stops at the first failed check, before any write.
 */
import { AttributeEdit, editBackendConfigFile, editS3BackendBlock, EditResult } from './backend-block-edit';
import { DEFAULT_WORKSPACE, DEFAULT_WORKSPACE_KEY_PREFIX } from './constants';
import { digestLockId, lockFileKey, lockId, stateObjectKey } from './paths';

/** `both`: add the lock file, keep DynamoDB. `lockfile-only`: drop DynamoDB. */
export type LockingMigrationPhase = 'both' | 'lockfile-only';

/** The backend settings the plan depends on (the resolved configuration). */
export interface LockingMigrationConfig {
  readonly bucket: string;
  readonly key: string;
  /** @default 'env:' */
  readonly workspaceKeyPrefix?: string;
  readonly dynamodbTable?: string;
  readonly useLockfile?: boolean;
  /** The workspaces whose states exist (the command lists them). @default ['default'] */
  readonly workspaces?: readonly string[];
  /** The file whose backend block is rewritten (`-chdir`); without it the snippet is printed. @default - print */
  readonly file?: string;
}

/** One step of the migration. */
export interface MigrationStep {
  /** Stable id the command dispatches on. */
  readonly id: 'check-no-lock' | 'probe-conditional-writes' | 'edit-backend' | 'print-snippet' | 'clean-digests' | 'reinit' | 'next';
  /** What `-dry-run` prints. */
  readonly text: string;
  /** DynamoDB `LockID`s or S3 keys the step touches, where it touches any (for display). */
  readonly targets?: readonly string[];
  /** `check-no-lock`: DynamoDB lock items (`LockID`) that must not exist. */
  readonly lockItems?: readonly string[];
  /** `check-no-lock`: lock file keys that must not exist. */
  readonly lockFiles?: readonly string[];
  /** `clean-digests`: DynamoDB digest items (`LockID`) to delete. */
  readonly digestItems?: readonly string[];
}

/** The configuration cannot take this phase; `code` is stable. */
export class LockingMigrationError extends Error {
  /** `NO_DYNAMODB`, `ALREADY_MIGRATED` or `PHASE_ORDER`. */
  public readonly code: 'NO_DYNAMODB' | 'ALREADY_MIGRATED' | 'PHASE_ORDER';

  constructor(code: LockingMigrationError['code'], message: string) {
    super(message);
    this.name = 'LockingMigrationError';
    this.code = code;
  }
}

/** The attribute edit of a phase. */
export function lockingMigrationEdit(phase: LockingMigrationPhase): AttributeEdit {
  return phase === 'both'
    ? { set: [['use_lockfile', 'true']], after: 'dynamodb_table' }
    : { set: [['use_lockfile', 'true']], remove: ['dynamodb_table'] };
}

/** Rewrites a `.tf` file's backend block (`kind: 'tf'`) or a `-backend-config` file (`kind: 'hcl'`) for `phase`. */
export function migrateBackendText(text: string, phase: LockingMigrationPhase, kind: 'tf' | 'hcl' = 'tf', file?: string): EditResult {
  const edit = lockingMigrationEdit(phase);
  return kind === 'tf' ? editS3BackendBlock(text, edit, file) : editBackendConfigFile(text, edit, file);
}

/**
 * The ordered steps of `phase` for `config`.
 *
 * @throws LockingMigrationError when the configuration has no DynamoDB locking to migrate, is already
 * migrated, or asks for the second phase before the first
 */
export function planLockingMigration(config: LockingMigrationConfig, phase: LockingMigrationPhase): MigrationStep[] {
  const table = config.dynamodbTable;
  if (!table) {
    if (config.useLockfile) {
      throw new LockingMigrationError('ALREADY_MIGRATED', 'The backend already locks with the S3 lock file alone (use_lockfile = true, no dynamodb_table); nothing to migrate.');
    }
    throw new LockingMigrationError('NO_DYNAMODB', 'The backend has no dynamodb_table, so there is no DynamoDB locking to migrate. To turn on locking, set use_lockfile = true.');
  }
  if (phase === 'lockfile-only' && !config.useLockfile) {
    throw new LockingMigrationError('PHASE_ORDER', 'Run "migrate-locking" without -lockfile-only first (use_lockfile = true beside dynamodb_table), let every user and pipeline run with it, then run "migrate-locking -lockfile-only".');
  }
  if (phase === 'both' && config.useLockfile) {
    throw new LockingMigrationError('ALREADY_MIGRATED', 'use_lockfile = true is already set beside dynamodb_table (the first phase is done). Once every user and pipeline runs this configuration, run "migrate-locking -lockfile-only".');
  }
  const prefix = config.workspaceKeyPrefix ?? DEFAULT_WORKSPACE_KEY_PREFIX;
  const stateKeys = (config.workspaces ?? [DEFAULT_WORKSPACE]).map((w) => stateObjectKey(config.key, w, prefix));
  const lockItems = stateKeys.map((k) => lockId(config.bucket, k));
  const lockFiles = stateKeys.map(lockFileKey);
  const digestItems = stateKeys.map((k) => digestLockId(config.bucket, k));
  const steps: MigrationStep[] = [];

  // Lock files are checked in the first phase too: a stray .tflock (someone trying use_lockfile early)
  // would make every run fail to lock once the lock file is on.
  steps.push({
    id: 'check-no-lock',
    text: `Check that no lock is held: no lock item in DynamoDB table "${table}" and no lock file in bucket "${config.bucket}" for ${plural(stateKeys.length, 'state')}.`,
    targets: [...lockItems, ...lockFiles],
    lockItems,
    lockFiles,
  });
  steps.push({
    id: 'probe-conditional-writes',
    text: `Check that bucket "${config.bucket}" honours conditional writes (If-None-Match: *), the lock file's only guard: the doctor's probe races writers on one scratch key and deletes it.`,
  });
  const change = phase === 'both' ? 'set use_lockfile = true and keep dynamodb_table' : 'remove dynamodb_table and keep use_lockfile = true';
  steps.push(config.file
    ? { id: 'edit-backend', text: `In ${config.file}, ${change} in the backend "s3" block; no other character of the file changes.`, targets: [config.file] }
    : { id: 'print-snippet', text: `Print the backend "s3" block with ${phase === 'both' ? 'use_lockfile = true beside dynamodb_table' : 'use_lockfile = true and no dynamodb_table'} (pass -chdir to rewrite the file instead).` });
  if (phase === 'lockfile-only') {
    steps.push({
      id: 'clean-digests',
      text: `Delete the state digest items (LockID "<bucket>/<state key>-md5") of ${plural(stateKeys.length, 'state')} from table "${table}": `
        + 'without DynamoDB nothing updates them, and a later return to dynamodb_table would compare every state with a stale digest '
        + 'and fail with "state data in S3 does not have the expected content". A missing digest is accepted.',
      targets: digestItems,
      digestItems,
    });
  }
  steps.push({
    id: 'reinit',
    text: 'Run "terraform init -reconfigure" (or "tofu init -reconfigure") in every working copy and pipeline: the backend settings changed, the state stays where it is.',
  });
  steps.push({
    id: 'next',
    text: phase === 'both'
      ? 'Let every user and pipeline run with both for a full release cycle (Terraform and OpenTofu before 1.10 do not know use_lockfile and fail at init), then run "migrate-locking -lockfile-only".'
      : `Done: table "${table}" is no longer used by this backend. Delete it only when no other backend locks with it, and drop the DynamoDB permissions from the roles that use this state.`,
  });
  return steps;
}

/** The `-dry-run` text of a plan, numbered. */
export function formatMigrationPlan(steps: readonly MigrationStep[]): string {
  return steps.map((s, i) => {
    const head = `${i + 1}. ${s.text}`;
    return s.targets && s.targets.length > 0 ? `${head}\n${s.targets.map((t) => `     - ${t}`).join('\n')}` : head;
  }).join('\n') + '\n';
}

function plural(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}
