import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { CliError, EXIT } from './output';
import type { RecordedBackendBlock } from '../protocol/backend-change';
import { isValidWorkspaceName } from '../protocol/paths';
import { workspaceNameError } from '../protocol/workspace-rules';

/**
 * Terraform's working-directory data (`.terraform`, or `TF_DATA_DIR`): the backend configuration
 * `terraform init` recorded, and the selected workspace.
 *
 * - `<data dir>/terraform.tfstate`: `workdir.BackendStateFile` (version 3), whose `backend.config`
 *   holds every attribute of the backend's schema as `terraform init` resolved it, `-backend-config`
 *   values included (unset attributes are `null`).
 * - `<data dir>/environment`: the selected workspace's name (`Meta.WorkspaceOverridden`, `SetWorkspace`).
 *
 * `TF_DATA_DIR` is relative to the working directory (`-chdir`), as in Terraform, which changes
 * directory before reading it.
 */

/** Terraform's `local.DefaultWorkspaceFile`. */
export const WORKSPACE_FILE = 'environment';
/** Terraform's `DefaultStateFilename` inside the data directory. */
export const BACKEND_STATE_FILE = 'terraform.tfstate';

/** The data directory of `workingDir`: `TF_DATA_DIR` (relative to it) or `.terraform`. */
export function dataDirPath(workingDir: string, env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(workingDir, env.TF_DATA_DIR || '.terraform');
}

/** The backend configuration recorded by `terraform init`. */
export interface RecordedBackend {
  /** The attributes, with unset (`null`) ones left out. */
  readonly attributes: Record<string, unknown>;
  readonly file: string;
  /** As recorded: every attribute of the recording schema, `null` when unset, and the block's hash. */
  readonly recorded: RecordedBackendBlock;
}

/**
 * Reads `<data dir>/terraform.tfstate`. `undefined` when there is none, it is empty, or the directory
 * was initialized without a backend; refuses another backend type, a `state_store`, and what
 * Terraform's `ParseBackendStateFile` refuses (with its texts).
 */
export function readRecordedBackend(dataDir: string): RecordedBackend | undefined {
  const file = path.join(dataDir, BACKEND_STATE_FILE);
  if (!existsSync(file)) return undefined;
  const raw = readFileSync(file, 'utf8');
  if (raw.trim() === '') return undefined;
  const fail = (why: string) => new CliError(`Cannot read the backend configuration recorded by "terraform init" in ${file}: ${why}\n`
    + 'Run "terraform init" again (or -reconfigure), or remove the file and pass the configuration with -backend-config.');
  let parsed: any;
  try {
    parsed = JSON.parse(raw);
  } catch (e) {
    throw fail(`invalid syntax: ${(e as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || !parsed.version) throw fail('invalid syntax: no format version number');
  if (parsed.version !== 3) {
    throw fail(`unsupported backend state version ${parsed.version}; you may need to use Terraform CLI v${parsed.terraform_version ?? ''} to work in this directory`);
  }
  if (parsed.state_store) {
    throw new CliError(`${file}: the working directory was initialized with a "state_store" block; tfstate only works with the "s3" backend.`);
  }
  const backend = parsed.backend;
  if (!backend || !backend.type) {
    if (parsed.remote) throw fail('this working directory uses legacy remote state and so must first be upgraded using Terraform v0.9');
    return undefined;
  }
  if (backend.type !== 's3') {
    throw new CliError(`${file}: the working directory was initialized with a "${backend.type}" backend; tfstate only works with the "s3" backend.`);
  }
  if (typeof backend.config !== 'object' || backend.config === null || Array.isArray(backend.config)) {
    throw fail('the "backend.config" object is missing');
  }
  const attributes = Object.fromEntries(Object.entries(backend.config as Record<string, unknown>).filter(([, v]) => v !== null));
  const hash = typeof backend.hash === 'number' ? backend.hash : undefined;
  return { attributes, file, recorded: { type: backend.type, config: backend.config, ...(hash !== undefined ? { hash } : {}) } };
}

/** Where the selected workspace came from, in Terraform's precedence (the `-workspace` flag is tfstate's own, and wins). */
export type WorkspaceSource = 'flag' | 'TF_WORKSPACE' | 'data dir' | 'default';

/** The selected workspace and where it came from. */
export interface SelectedWorkspace {
  readonly name: string;
  readonly source: WorkspaceSource;
}

/**
 * `-workspace`, else `TF_WORKSPACE`, else `<data dir>/environment` (trimmed), else `default`, each
 * refused when invalid with Terraform's text (`Meta.WorkspaceOverridden`). `allowInvalidFile` is
 * Terraform's `bypassWorkspaceNameValidityCheck`, for `workspace select` to recover from a bad file.
 */
export function selectWorkspace(flag: string | undefined, dataDir: string, env: NodeJS.ProcessEnv = process.env,
  allowInvalidFile = false): SelectedWorkspace {
  if (flag !== undefined) {
    const problem = workspaceNameError(flag);
    if (problem) throw new CliError(problem, EXIT.USAGE);
    return { name: flag, source: 'flag' };
  }
  const fromEnv = env.TF_WORKSPACE;
  if (fromEnv) {
    if (!isValidWorkspaceName(fromEnv)) {
      throw new CliError('Invalid workspace name set using TF_WORKSPACE\nSet TF_WORKSPACE to a valid workspace name, or unset it.', EXIT.USAGE);
    }
    return { name: fromEnv, source: 'TF_WORKSPACE' };
  }
  const file = path.join(dataDir, WORKSPACE_FILE);
  let current = '';
  try {
    current = readFileSync(file, 'utf8').trim();
  } catch {
    // Terraform falls back to the default workspace when the file cannot be read.
  }
  if (current === '') return { name: 'default', source: 'default' };
  if (!allowInvalidFile && !isValidWorkspaceName(current)) {
    throw new CliError(`Invalid workspace name: The selected workspace described in ${JSON.stringify(file)} has an invalid name. `
      + 'This suggests that the file contents were edited by something other than Terraform. To select a different, valid workspace name '
      + 'use commands `terraform workspace select` or `terraform workspace select -or-create`.', EXIT.USAGE);
  }
  return { name: current, source: 'data dir' };
}

/** Terraform's `Meta.SetWorkspace`: creates the data directory if needed and writes the name (no newline). */
export function writeSelectedWorkspace(dataDir: string, name: string): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o755 });
  writeFileSync(path.join(dataDir, WORKSPACE_FILE), name, { mode: 0o644 });
}
