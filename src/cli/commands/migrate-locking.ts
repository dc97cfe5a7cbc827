import type { LockRecord } from '../../client/types';
import { renderSnippet, SnippetValues } from '../../construct/backend-config-render';
import { BackendBlockError, findBackendBlocks, findS3BackendFile } from '../../protocol/backend-block-edit';
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
  /** The DynamoDB lock item `lockId` (its holder, when readable), or `undefined` when there is none. */
  dynamodbLockHolder(lockId: string): Promise<LockRecord | undefined>;
  /** The lock file `key` (its holder, when readable), or `undefined` when there is none. */
  lockFileHolder(key: string): Promise<LockRecord | undefined>;
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

/** What {@link runMigrateLocking} did (the `-json` output). */
export interface MigrateLockingResult {
  readonly phase: LockingMigrationPhase;
  readonly dryRun: boolean;
  /** The plan, in order. */
  readonly steps: readonly MigrationStep[];
  /** The rewritten file (`-chdir`): its name, the changes, whether it was written (not on `-dry-run`). */
  file?: { readonly name: string; readonly changes: readonly string[]; written: boolean };
  /** The backend block to use (without `-chdir`). */
  snippet?: string;
  /** Locks checked (none was held, or the command failed). */
  locksChecked?: { readonly lockItems: number; readonly lockFiles: number };
  /** The conditional-write probe. */
  probe?: { readonly ok: boolean; readonly detail: string };
  /** Digest items deleted, and those that did not exist (`lockfile-only`). */
  digests?: { readonly deleted: readonly string[]; readonly missing: readonly string[] };
}

/**
 * `migrate-locking [-lockfile-only] [-chdir DIR] [-dry-run]`: plans, prints the plan, and (unless dry)
 * performs the steps in order. Every check runs before the first write; a failed check writes nothing.
 */
export async function runMigrateLocking(opts: MigrateLockingOptions, ports: MigrateLockingPorts): Promise<MigrateLockingResult> {
  const workspaces = await ports.listWorkspaces();
  let edit: { name: string; text: string; changes: readonly string[] } | undefined;
  if (opts.chdir !== undefined) {
    const files = await ports.readTfFiles(opts.chdir);
    let name: string;
    let text: string;
    try {
      name = findS3BackendFile(files);
      text = files.find((f) => f.name === name)!.text;
      const result = migrateBackendText(text, opts.phase, 'tf', name);
      edit = { name, text: result.text, changes: result.changes };
    } catch (e) {
      if (e instanceof BackendBlockError) throw new CliError(`migrate-locking: ${e.message} Nothing was changed.`, EXIT.USAGE);
      throw e;
    }
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

  const result: MigrateLockingResult = {
    phase: opts.phase,
    dryRun: opts.dryRun === true,
    steps,
    ...(edit ? { file: { name: edit.name, changes: edit.changes, written: false } } : { snippet: snippetFor(opts) }),
  };
  if (opts.dryRun) {
    ports.out('migrate-locking -dry-run: nothing is changed. The steps:');
    ports.out(formatMigrationPlan(steps).trimEnd());
    if (edit) ports.out(`Changes to ${edit.name}:\n${edit.changes.map((c) => `  ${c}`).join('\n')}`);
    else ports.out(`The backend block to use:\n${snippetFor(opts)}`);
    return result;
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
        result.locksChecked = { lockItems: step.lockItems?.length ?? 0, lockFiles: step.lockFiles?.length ?? 0 };
        ports.out(`✓ No lock is held (${result.locksChecked.lockItems} DynamoDB items, ${result.locksChecked.lockFiles} lock files checked).`);
        break;
      }
      case 'probe-conditional-writes': {
        const probe = await ports.probeConditionalWrites();
        result.probe = { ok: probe.ok, detail: probe.detail };
        if (!probe.ok) {
          throw new CliError(`migrate-locking: the bucket does not honour conditional writes (${probe.detail}). The lock file would not exclude concurrent runs; keep DynamoDB locking. Nothing was changed.`);
        }
        ports.out(`✓ Conditional writes honoured (${probe.detail}).`);
        break;
      }
      case 'edit-backend':
        await ports.writeTfFile(opts.chdir!, edit!.name, edit!.text);
        result.file!.written = true;
        ports.out(edit!.changes.length > 0 ? `✓ ${edit!.name}: ${edit!.changes.join('; ')}.` : `✓ ${edit!.name} already has this configuration.`);
        break;
      case 'print-snippet':
        ports.out(`The backend block to use:\n${snippetFor(opts)}`);
        break;
      case 'clean-digests': {
        const deleted: string[] = [];
        const missing: string[] = [];
        for (const id of step.digestItems ?? []) (await ports.deleteDigestItem(id) ? deleted : missing).push(id);
        result.digests = { deleted, missing };
        ports.out(`✓ Deleted ${deleted.length} stale digest item${deleted.length === 1 ? '' : 's'} (${missing.length} did not exist).`);
        break;
      }
      case 'reinit':
      case 'next':
        ports.out(`→ ${step.text}`);
        break;
    }
  }
  return result;
}

function snippetFor(opts: MigrateLockingOptions): string {
  const values = opts.phase === 'both'
    ? { ...opts.snippet, useLockfile: true }
    : { ...opts.snippet, useLockfile: true, dynamodbTable: undefined };
  return renderSnippet(values, 'tf').trimEnd();
}

function locked(what: string, held: LockRecord): CliError {
  const holder = held.lockInfo;
  if (!holder) {
    return new CliError(
      `migrate-locking: ${what} is held, by an unknown holder: ${held.problem ?? 'its body is not LockInfo'}. `
      + 'Find out who wrote it (tfstate locks), remove it once no run uses it, then run again. Nothing was changed.',
      EXIT.LOCKED,
    );
  }
  return new CliError(
    `migrate-locking: ${what} is held by ${holder.Who} (${holder.Operation}, ID ${holder.ID}, since ${holder.Created}). `
    + `Wait for that run to finish, or release a stale lock with "tfstate force-unlock ${holder.ID}", then run again. Nothing was changed.`,
    EXIT.LOCKED,
  );
}
