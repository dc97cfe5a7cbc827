import type { S3BackendConfig } from '../client';
import { StateClient } from '../client';
import { ConfigOptions, loadBackendAttributes } from './config';
import { dataDirPath, selectWorkspace } from './data-dir';
import { readEncryptionFiles } from './encryption-config';
import { CliError, EXIT, io, note, paint } from './output';
import { workspaceNameError } from '../protocol/workspace-rules';

/** Global options of every command. */
export interface GlobalOptions extends ConfigOptions {
  readonly workspace?: string;
  readonly json?: boolean;
}

/**
 * `-workspace`, else `TF_WORKSPACE`, else the workspace `terraform workspace select` recorded in the
 * data directory (`.terraform/environment`, or under `TF_DATA_DIR`), else `default` (see data-dir.ts).
 */
export function selectedWorkspace(opts: GlobalOptions, env: NodeJS.ProcessEnv = process.env): string {
  return selectWorkspace(opts.workspace, dataDirPath(opts.chdir ?? '.', env), env).name;
}

/** Fails with a usage error (Terraform's text) when `name` is not a valid Terraform workspace name. */
export function checkWorkspaceName(name: string): void {
  // Terraform's rule and text, plus the refusal of "." and ".." (protocol/workspace-rules.ts).
  const problem = workspaceNameError(name);
  if (problem) throw new CliError(problem, EXIT.USAGE);
}

/**
 * The configuration and a client for the selected workspace. Every command reaches S3 and DynamoDB
 * through the client's methods (`src/cli/` imports no SDK client: test/repo/cli-thin-shell.test.ts),
 * with the same credentials (profile, `assume_role`), endpoints, retries and headers as every other.
 */
export interface Session {
  readonly config: S3BackendConfig;
  readonly workspace: string;
  readonly client: StateClient;
  readonly sources: string[];
  close(): void;
}

/** Loads the configuration only (no client), for commands that never reach AWS. */
export async function loadConfig(opts: GlobalOptions): Promise<{ config: S3BackendConfig; sources: string[] }> {
  const loaded = await loadBackendAttributes(opts);
  return { config: loaded.attributes as unknown as S3BackendConfig, sources: loaded.sources };
}

/** Opens a session: configuration, validated by the client (Terraform diagnostics on failure). */
export async function openSession(opts: GlobalOptions): Promise<Session> {
  const workspace = selectedWorkspace(opts);
  const { config, sources } = await loadConfig(opts);
  const client = StateClient.fromConfig(config, {
    env: process.env,
    workspace,
    // OpenTofu state encryption: the encryption block of -chdir's files (TF_ENCRYPTION, TF_VAR_* come from env).
    encryptionFiles: readEncryptionFiles(opts.chdir),
    // What Terraform prints as warnings (deprecated attributes) or only logs (a failed digest write).
    logger: { warn: (m) => note(`${paint('yellow', 'Warning:', io.stderr)} ${m.replace(/^\[WARN\] /, '')}`) },
  });
  return {
    config,
    workspace,
    client,
    sources,
    close() {
      client.destroy();
    },
  };
}
