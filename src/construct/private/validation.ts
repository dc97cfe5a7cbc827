import { Duration, RemovalPolicy, Token, ValidationError } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { IConstruct } from 'constructs';
import { validateWorkspaceKeyPrefix } from '../../protocol/paths';
import { LockingMode } from '../locking-mode';

/** S3 keeps at most this many newer noncurrent versions in a lifecycle rule (`NewerNoncurrentVersions`). */
export const MAX_NONCURRENT_VERSIONS_TO_RETAIN = 100;

/** The subset of `StateBackendProps` the validators look at (kept structural to avoid an import cycle). */
export interface ValidatedProps {
  readonly bucketName?: string;
  readonly lockingMode?: LockingMode;
  readonly lockTableName?: string;
  readonly workspaceKeyPrefix?: string;
  readonly noncurrentVersionsToRetain?: number;
  readonly noncurrentVersionExpiration?: Duration;
  readonly abortIncompleteMultipartUploadAfter?: Duration;
  readonly accessLogsEnabled?: boolean;
  readonly accessLogsBucket?: unknown;
  readonly accessLogsPrefix?: string;
  readonly accessLogsExpiration?: Duration;
  readonly encryptionKey?: unknown;
  readonly encryptionKeyAlias?: string;
  readonly removalPolicy?: RemovalPolicy;
  readonly autoDeleteObjects?: boolean;
  readonly restrictStateAccess?: boolean;
  readonly breakGlassPrincipals?: unknown[];
}

function fail(scope: IConstruct, id: string, message: string): never {
  // ValidationError carries the construct path, so the message names which backend is wrong.
  throw new ValidationError(id as any, message, scope);
}

function show(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/** A duration in whole days, at least one; tokens pass through unchecked. */
export function checkWholeDays(scope: IConstruct, prop: string, value: Duration | undefined): void {
  if (value === undefined || value.isUnresolved()) return;
  const days = value.toDays({ integral: false });
  if (!Number.isInteger(days) || days < 1) {
    fail(scope, `Invalid${prop[0].toUpperCase()}${prop.slice(1)}`,
      `Invalid ${prop}: ${value.toHumanString()}. S3 lifecycle rules count in whole days: use Duration.days(n) with n >= 1.`);
  }
}

/**
 * Checks the props of a `StateBackend` before any resource is created. Every message names the prop,
 * the value received and what is allowed.
 */
export function validateStateBackendProps(scope: IConstruct, props: ValidatedProps): void {
  const mode = props.lockingMode ?? LockingMode.S3_LOCKFILE;

  if (props.bucketName !== undefined && !Token.isUnresolved(props.bucketName)) {
    try {
      s3.Bucket.validateBucketName(props.bucketName);
    } catch (e) {
      // CDK's text lists every broken S3 naming rule; prefix it with the prop so the user knows where to look.
      fail(scope, 'InvalidBucketName', `Invalid bucketName: ${show(props.bucketName)}. ${(e as Error).message.replace(/\s+/g, ' ').trim()}`);
    }
  }

  if (props.lockTableName !== undefined && !Token.isUnresolved(props.lockTableName) && !/^[A-Za-z0-9_.-]{3,255}$/.test(props.lockTableName)) {
    fail(scope, 'InvalidLockTableName',
      `Invalid lockTableName: ${show(props.lockTableName)}. DynamoDB table names are 3 to 255 characters of A-Z, a-z, 0-9, "_", "-" and ".".`);
  }

  const alias = props.encryptionKeyAlias;
  if (alias !== undefined && !Token.isUnresolved(alias)) {
    const full = alias.startsWith('alias/') ? alias : `alias/${alias}`;
    if (!/^alias\/[A-Za-z0-9:/_-]+$/.test(full) || full.length > 256 || full.startsWith('alias/aws/')) {
      fail(scope, 'InvalidEncryptionKeyAlias',
        `Invalid encryptionKeyAlias: ${show(alias)}. An alias is "alias/" followed by up to 250 characters of A-Z, a-z, 0-9, ":", "/", "_" and "-", ` +
        'and must not start with "alias/aws/" (reserved for AWS managed keys).');
    }
  }

  if (props.lockTableName !== undefined && mode === LockingMode.S3_LOCKFILE) {
    fail(scope, 'LockTableNameWithoutTable',
      `Invalid lockTableName: ${show(props.lockTableName)} is set but lockingMode is S3_LOCKFILE, which creates no table. ` +
      'Remove lockTableName, or set lockingMode to LockingMode.DYNAMODB or LockingMode.BOTH.');
  }

  const prefix = props.workspaceKeyPrefix;
  if (prefix !== undefined && !Token.isUnresolved(prefix)) {
    const problem = validateWorkspaceKeyPrefix(prefix);
    if (problem !== undefined) {
      fail(scope, 'InvalidWorkspaceKeyPrefix',
        `Invalid workspaceKeyPrefix: ${show(prefix)}. ${problem} (Terraform rejects it too). ` +
        'Use a prefix such as "env:" or "team/env:", or "" for none.');
    }
  }

  const count = props.noncurrentVersionsToRetain;
  if (count !== undefined && !Token.isUnresolved(count)
    && (!Number.isInteger(count) || count < 1 || count > MAX_NONCURRENT_VERSIONS_TO_RETAIN)) {
    fail(scope, 'InvalidNoncurrentVersionsToRetain',
      `Invalid noncurrentVersionsToRetain: ${count}. It must be a whole number from 1 to ${MAX_NONCURRENT_VERSIONS_TO_RETAIN} ` +
      '(the S3 limit for NewerNoncurrentVersions).');
  }
  checkWholeDays(scope, 'noncurrentVersionExpiration', props.noncurrentVersionExpiration);
  checkWholeDays(scope, 'abortIncompleteMultipartUploadAfter', props.abortIncompleteMultipartUploadAfter);
  checkWholeDays(scope, 'accessLogsExpiration', props.accessLogsExpiration);

  if (props.accessLogsEnabled === false) {
    for (const [name, value] of [['accessLogsBucket', props.accessLogsBucket], ['accessLogsPrefix', props.accessLogsPrefix], ['accessLogsExpiration', props.accessLogsExpiration]] as const) {
      if (value !== undefined) {
        fail(scope, 'AccessLogsOptionWithoutLogs',
          `Invalid ${name}: it is set but accessLogsEnabled is false. Remove ${name}, or remove accessLogsEnabled: false to log access.`);
      }
    }
  }
  if (props.accessLogsBucket !== undefined && props.accessLogsExpiration !== undefined) {
    fail(scope, 'AccessLogsExpirationWithOwnBucket',
      `Invalid accessLogsExpiration: ${props.accessLogsExpiration.toHumanString()} applies only to the log bucket this construct creates, ` +
      'but accessLogsBucket is given. Configure expiration on your own log bucket and remove accessLogsExpiration.');
  }

  if (props.encryptionKey !== undefined && props.encryptionKeyAlias !== undefined) {
    fail(scope, 'EncryptionKeyAliasWithOwnKey',
      `Invalid encryptionKeyAlias: ${show(props.encryptionKeyAlias)} names an alias for the key this construct creates, but encryptionKey is given. ` +
      'Remove encryptionKeyAlias (alias your own key yourself), or remove encryptionKey.');
  }

  if (props.removalPolicy === RemovalPolicy.SNAPSHOT) {
    fail(scope, 'SnapshotRemovalPolicy',
      'Invalid removalPolicy: RemovalPolicy.SNAPSHOT. S3 buckets and KMS keys cannot be snapshotted, so CloudFormation would reject the stack. ' +
      'Use RemovalPolicy.RETAIN (the default), RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE or RemovalPolicy.DESTROY.');
  }

  if (props.breakGlassPrincipals !== undefined && props.restrictStateAccess !== true) {
    fail(scope, 'BreakGlassWithoutRestriction',
      `Invalid breakGlassPrincipals: ${props.breakGlassPrincipals.length} principal(s) given, but restrictStateAccess is ${props.restrictStateAccess ?? 'false (the default)'}, ` +
      'so nothing is restricted and a break-glass exemption means nothing. Set restrictStateAccess: true, or remove breakGlassPrincipals.');
  }

  if (props.autoDeleteObjects === true && (props.removalPolicy ?? RemovalPolicy.RETAIN) !== RemovalPolicy.DESTROY) {
    fail(scope, 'AutoDeleteObjectsWithoutDestroy',
      `Invalid autoDeleteObjects: true requires removalPolicy RemovalPolicy.DESTROY, got ${props.removalPolicy ?? 'RemovalPolicy.RETAIN (the default)'}. ` +
      'Set removalPolicy: RemovalPolicy.DESTROY, or remove autoDeleteObjects.');
  }
}
