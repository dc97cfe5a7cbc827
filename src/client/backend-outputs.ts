import { ConfigValidationError } from './errors';
import type { BackendLockingMode, BackendOutputs } from './types';
import type { S3BackendConfig } from '../protocol/config';
import { errorDiag } from '../protocol/diagnostics';

const LOCKING_MODES: readonly BackendLockingMode[] = ['S3_LOCKFILE', 'DYNAMODB', 'BOTH'];

/** Choices a caller may make over what the outputs say. */
export interface BackendOutputsMappingOptions {
  /** `use_lockfile`, over what `lockingMode` implies. @default - from `lockingMode` */
  readonly useLockfile?: boolean;
  /** `workspace_key_prefix`, over the `workspaceKeyPrefix` output. @default - the output, else Terraform's `env:` */
  readonly workspaceKeyPrefix?: string;
}

/** Backend attributes (all but `key`) and what the caller should be told about how they were chosen. */
export interface BackendOutputsMapping {
  readonly attributes: Omit<S3BackendConfig, 'key'>;
  /** Set when the locking attributes were guessed (no `LockingMode` output) or an output was ignored. */
  readonly warnings: string[];
}

/**
 * Maps a `StateBackend` stack's outputs to S3 backend attributes: the one mapping that
 * `StateClient.fromBackendOutputs` and `tfstate --stack` share.
 *
 * | `lockingMode` | `use_lockfile` | `dynamodb_table` |
 * |---|---|---|
 * | `S3_LOCKFILE` | `true` | not set (a `lockTableName` is ignored, with a warning) |
 * | `DYNAMODB` | not set | `lockTableName` (required) |
 * | `BOTH` | `true` | `lockTableName` (required) |
 * | absent (stacks deployed before the output existed) | `true` | `lockTableName` when given; a warning says it is a guess |
 *
 * An explicit `options.useLockfile` wins over the table. `kmsKeyArn` sets `encrypt = true` and
 * `kms_key_id`; `roleArn` sets `assume_role.role_arn`; `lockTags` sets `lock_tags` (with `use_lockfile`).
 *
 * @throws ConfigValidationError for an unknown `lockingMode`, or `DYNAMODB`/`BOTH` without `lockTableName`
 */
export function backendAttributesFromOutputs(outputs: BackendOutputs, options: BackendOutputsMappingOptions = {}): BackendOutputsMapping {
  const warnings: string[] = [];
  const mode = outputs.lockingMode;
  if (mode !== undefined && !LOCKING_MODES.includes(mode)) {
    throw new ConfigValidationError([errorDiag('Invalid LockingMode output',
      `The LockingMode output is ${JSON.stringify(mode)}; expected one of ${LOCKING_MODES.join(', ')}. Pass the value of the stack's LockingMode output unchanged.`)]);
  }
  if ((mode === 'DYNAMODB' || mode === 'BOTH') && !outputs.lockTableName) {
    throw new ConfigValidationError([errorDiag('Missing LockTableName output',
      `LockingMode ${mode} locks with a DynamoDB table, but no lock table name was given. Pass the stack's LockTableName output as lockTableName.`)]);
  }
  let useLockfile: boolean;
  let table: string | undefined;
  if (mode === undefined) {
    useLockfile = true;
    table = outputs.lockTableName;
    if (options.useLockfile === undefined) {
      warnings.push(
        'The backend outputs have no LockingMode (a stack deployed before cdk-tfstate-backend published it), so the locking is a guess: ' +
        `use_lockfile = true${table ? ` and dynamodb_table = "${table}"` : ''}. Redeploy the stack to publish LockingMode and WorkspaceKeyPrefix, ` +
        'or set use_lockfile / dynamodb_table yourself.',
      );
    }
  } else {
    useLockfile = mode !== 'DYNAMODB';
    table = mode === 'S3_LOCKFILE' ? undefined : outputs.lockTableName;
    if (mode === 'S3_LOCKFILE' && outputs.lockTableName) {
      warnings.push(`LockingMode is S3_LOCKFILE, so the lock table "${outputs.lockTableName}" is not used (no dynamodb_table).`);
    }
  }
  useLockfile = options.useLockfile ?? useLockfile;
  const prefix = options.workspaceKeyPrefix ?? outputs.workspaceKeyPrefix;
  const attributes: Omit<S3BackendConfig, 'key'> = {
    bucket: outputs.bucketName,
    region: outputs.region,
    // A StateBackend bucket refuses `encrypt = true` without the key (it would ask for SSE-S3); with no key ARN the
    // bucket's default encryption applies, so send no SSE headers at all.
    ...(outputs.kmsKeyArn ? { encrypt: true, kms_key_id: outputs.kmsKeyArn } : {}),
    ...(table ? { dynamodb_table: table } : {}),
    ...(useLockfile ? { use_lockfile: true } : {}),
    ...(outputs.roleArn ? { assume_role: { role_arn: outputs.roleArn } } : {}),
    ...(prefix !== undefined ? { workspace_key_prefix: prefix } : {}),
    // OpenTofu tags only the lock file with lock_tags: without one, the tags have nothing to go on.
    ...(outputs.lockTags && useLockfile ? { lock_tags: { ...outputs.lockTags } } : {}),
  };
  if (outputs.lockTags && !useLockfile) {
    warnings.push('The LockTags output is not used: without use_lockfile there is no lock file to tag.');
  }
  return { attributes, warnings };
}
