import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import type { S3BackendConfig } from '../client';
import { StateClient } from '../client';
import { BackendAttributes, ConfigOptions, loadBackendAttributes } from './config';
import { CliError, EXIT, io, note, paint } from './output';

/** Global options of every command. */
export interface GlobalOptions extends ConfigOptions {
  readonly workspace?: string;
  readonly json?: boolean;
}

/** Terraform's workspace name rule (Go `url.PathEscape(name) == name`). */
const WORKSPACE_NAME = /^[A-Za-z0-9\-_.~$&+:=@]+$/;

/** `-workspace`, else `TF_WORKSPACE`, else `default`. */
export function selectedWorkspace(opts: GlobalOptions, env: NodeJS.ProcessEnv = process.env): string {
  const ws = opts.workspace ?? (env.TF_WORKSPACE || undefined) ?? 'default';
  checkWorkspaceName(ws);
  return ws;
}

/** Fails with a usage error when `name` is not a valid Terraform workspace name. */
export function checkWorkspaceName(name: string): void {
  if (!WORKSPACE_NAME.test(name)) {
    throw new CliError(
      `The workspace name "${name}" is not allowed. The name must contain only URL safe characters, and no path separators.\n` +
      'Use letters, digits and - _ . ~ $ & + : = @ only.',
      EXIT.USAGE,
    );
  }
}

/** The configuration, a client for the selected workspace, and raw SDK clients for checks the client does not offer. */
export interface Session {
  readonly config: S3BackendConfig;
  readonly workspace: string;
  readonly client: StateClient;
  readonly sources: string[];
  sdk(): { s3: S3Client; dynamodb: DynamoDBClient };
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
    // What Terraform prints as warnings (deprecated attributes) or only logs (a failed digest write).
    logger: { warn: (m) => note(`${paint('yellow', 'Warning:', io.stderr)} ${m.replace(/^\[WARN\] /, '')}`) },
  });
  let raw: { s3: S3Client; dynamodb: DynamoDBClient } | undefined;
  return {
    config,
    workspace,
    client,
    sources,
    sdk() {
      raw ??= buildSdkClients(config as unknown as BackendAttributes);
      return raw;
    },
    close() {
      client.destroy();
      raw?.s3.destroy();
      raw?.dynamodb.destroy();
    },
  };
}

/**
 * SDK clients for the raw checks of `doctor`, `history` and `digest repair`. Region, endpoints and
 * path style follow the backend configuration; credentials come from static keys, a profile or the
 * default chain (environment, shared files). STS-based `assume_role` is not applied here.
 */
export function buildSdkClients(a: BackendAttributes, env: NodeJS.ProcessEnv = process.env): { s3: S3Client; dynamodb: DynamoDBClient } {
  const region = (a.region as string | undefined) || env.AWS_REGION || env.AWS_DEFAULT_REGION;
  const endpoints = (a.endpoints ?? {}) as Record<string, string | undefined>;
  const credentials = a.access_key && a.secret_key
    ? { accessKeyId: a.access_key as string, secretAccessKey: a.secret_key as string, sessionToken: a.token as string | undefined }
    : undefined;
  const common = {
    region,
    ...(credentials ? { credentials } : {}),
    ...(a.profile ? { profile: a.profile as string } : {}),
    maxAttempts: typeof a.max_retries === 'number' ? a.max_retries + 1 : undefined,
  };
  const s3 = new S3Client({
    ...common,
    endpoint: endpoints.s3 ?? (a.endpoint as string | undefined),
    forcePathStyle: Boolean(a.use_path_style ?? a.force_path_style),
    // S3-compatible stores (Ceph RGW) reject the SDK's default streaming checksum trailer.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const dynamodb = new DynamoDBClient({
    ...common,
    endpoint: endpoints.dynamodb ?? (a.dynamodb_endpoint as string | undefined),
  });
  return { s3, dynamodb };
}
