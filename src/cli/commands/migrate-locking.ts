import { renderSnippet, SnippetValues } from '../../construct/backend-config-render';
import { findBackendBlocks, findS3BackendFile } from '../../protocol/backend-block-edit';
import type { LockInfo } from '../../protocol/lock-info';
import {
  formatMigrationPlan,
  LockingMigrationConfig,
  LockingMigrationPhase,
  migrateBackendText,
  MigrationStep,
  planLockingMigration,
} from '../../protocol/locking-migration';
import { CliError, EXIT } from '../output';

/**
 * What `migrate-locking` needs from the outside world. The command wiring builds these from the
 * session's client (same credentials, endpoints and retries as every command); tests pass fakes.
 */
export interface MigrateLockingPorts {
  /** Workspaces that have a state (the client's workspace listing). */
  listWorkspaces(): Promise<string[]>;
  /** The holder of the DynamoDB lock item `lockId`, or `undefined` when there is none. */
  dynamodbLockHolder(lockId: string): Promise<LockInfo | undefined>;
  /** The holder recorded in lock file `key`, or `undefined` when there is none. */
  lockFileHolder(key: string): Promise<LockInfo | undefined>;
  /** The doctor's If-None-Match probe on the bucket. */
  probeConditionalWrites(): Promise<{ readonly ok: boolean; readonly detail: string }>;
  /** Deletes digest item `lockId`; `false` when it did not exist. */
  deleteDigestItem(lockId: string): Promise<boolean>;
  /** The `.tf` files of `dir` (names relative to it) and their text. */
  readTfFiles(dir: string): Promise<{ name: string; text: string }[]>;
  /** Replaces `name` in `dir` with `text` (the wiring writes a temporary file and renames it). */
  writeTfFile(dir: string, name: string, text: string): Promise<void>;
  /** A line of output. */
  out(line: string): void;
}

/** Options of {@link runMigrateLocking}. */
export interface MigrateLockingOptions {
  readonly phase: LockingMigrationPhase;
  /** Print every step and the file change, perform nothing. */
  readonly dryRun?: boolean;
  /** Rewrite the backend block of the root module in this directory instead of printing a snippet. */
  readonly chdir?: string;
  /** The resolved backend configuration (workspaces are listed by the command). */
  readonly config: Omit<LockingMigrationConfig, 'workspaces' | 'file'>;
  /** The snippet values of the configuration (for the printed snippet). */
  readonly snippet: SnippetValues;
  /**
   * Attributes set by `-backend-config` files or arguments, which override the `.tf` block at init.
   * @default - none
   */
  readonly overridden?: readonly string[];
}

/**
 * `migrate-locking [-lockfile-only] [-chdir DIR] [-dry-run]`: plans, prints the plan, and (unless dry)
 * performs the steps in order. Every check runs before the first write; a failed check writes nothing.
 */
export async function runMigrateLocking(opts: MigrateLockingOptions, ports: MigrateLockingPorts): Promise<void> {
  const workspaces = await ports.listWorkspaces();
  let edit: { name: string; text: string; changes: readonly string[] } | undefined;
  if (opts.chdir !== undefined) {
    const files = await ports.readTfFiles(opts.chdir);
    const name = findS3BackendFile(files);
    const text = files.find((f) => f.name === name)!.text;
    const result = migrateBackendText(text, opts.phase, 'tf', name);
    edit = { name, text: result.text, changes: result.changes };
    // Editing the .tf block is not enough when -backend-config supplies these: init would still use
    // the override (a kept use_lockfile = false, a kept dynamodb_table).
    const inBlock = new Set(findBackendBlocks(text, name).backends[0].block.items.flatMap((i) => (i.kind === 'attribute' ? [i.name] : [])));
    const elsewhere = ['use_lockfile', 'dynamodb_table'].filter((a) => (opts.overridden ?? []).includes(a) || (a === 'dynamodb_table' && opts.config.dynamodbTable && !inBlock.has(a)));
    if (elsewhere.length > 0) {
      throw new CliError(`migrate-locking: ${elsewhere.join(' and ')} ${elsewhere.length === 1 ? 'is' : 'are'} set by -backend-config, not in ${name}; `
        + 'rewriting the backend block would not change what init uses. Edit the -backend-config file or arguments instead (run without -chdir to print the block). Nothing was changed.', EXIT.USAGE);
    }
  }
  let steps: MigrationStep[];
  try {
    steps = planLockingMigration({ ...opts.config, workspaces: workspaces.length > 0 ? workspaces : undefined, file: edit?.name }, opts.phase);
  } catch (e) {
    throw new CliError(`migrate-locking: ${(e as Error).message}`, EXIT.USAGE);
  }

  if (opts.dryRun) {
    ports.out('migrate-locking -dry-run: nothing is changed. The steps:');
    ports.out(formatMigrationPlan(steps).trimEnd());
    if (edit) ports.out(`Changes to ${edit.name}:\n${edit.changes.map((c) => `  ${c}`).join('\n')}`);
    else ports.out(`The backend block to use:\n${snippetFor(opts)}`);
    return;
  }

  for (const step of steps) {
    switch (step.id) {
      case 'check-no-lock': {
        for (const id of step.lockItems ?? []) {
          const holder = await ports.dynamodbLockHolder(id);
          if (holder) throw locked(`the DynamoDB lock ${id}`, holder);
        }
        for (const key of step.lockFiles ?? []) {
          const holder = await ports.lockFileHolder(key);
          if (holder) throw locked(`the lock file ${key}`, holder);
        }
        ports.out(`✓ No lock is held (${step.lockItems?.length ?? 0} DynamoDB items, ${step.lockFiles?.length ?? 0} lock files checked).`);
        break;
      }
      case 'probe-conditional-writes': {
        const probe = await ports.probeConditionalWrites();
        if (!probe.ok) {
          throw new CliError(`migrate-locking: the bucket does not honour conditional writes (${probe.detail}). The lock file would not exclude concurrent runs; keep DynamoDB locking. Nothing was changed.`);
        }
        ports.out(`✓ Conditional writes honoured (${probe.detail}).`);
        break;
      }
      case 'edit-backend':
        await ports.writeTfFile(opts.chdir!, edit!.name, edit!.text);
        ports.out(edit!.changes.length > 0 ? `✓ ${edit!.name}: ${edit!.changes.join('; ')}.` : `✓ ${edit!.name} already has this configuration.`);
        break;
      case 'print-snippet':
        ports.out(`The backend block to use:\n${snippetFor(opts)}`);
        break;
      case 'clean-digests': {
        let deleted = 0;
        for (const id of step.digestItems ?? []) if (await ports.deleteDigestItem(id)) deleted++;
        ports.out(`✓ Deleted ${deleted} stale digest item${deleted === 1 ? '' : 's'} (${(step.digestItems?.length ?? 0) - deleted} did not exist).`);
        break;
      }
      case 'reinit':
      case 'next':
        ports.out(`→ ${step.text}`);
        break;
    }
  }
}

function snippetFor(opts: MigrateLockingOptions): string {
  const values = opts.phase === 'both'
    ? { ...opts.snippet, useLockfile: true }
    : { ...opts.snippet, useLockfile: true, dynamodbTable: undefined };
  return renderSnippet(values, 'tf').trimEnd();
}

function locked(what: string, holder: LockInfo): CliError {
  return new CliError(
    `migrate-locking: ${what} is held by ${holder.Who} (${holder.Operation}, ID ${holder.ID}, since ${holder.Created}). `
    + `Wait for that run to finish, or release a stale lock with "tfstate force-unlock ${holder.ID}", then run again. Nothing was changed.`,
    EXIT.LOCKED,
  );
}
