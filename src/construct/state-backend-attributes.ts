import { LockingMode } from './locking-mode';

/**
 * The identity of a state backend defined elsewhere: the values of its stack outputs.
 */
export interface StateBackendAttributes {
  /**
   * Name of the state bucket (output `BucketName`).
   */
  readonly bucketName: string;

  /**
   * ARN of the KMS key (output `KmsKeyArn`). Must be a key ARN, not an alias: grants name the key.
   */
  readonly encryptionKeyArn: string;

  /**
   * Name of the DynamoDB lock table (output `LockTableName`). The table is assumed to be encrypted with
   * the same key, as `StateBackend` creates it.
   *
   * @default - no table
   */
  readonly lockTableName?: string;

  /**
   * The account that owns the bucket, key and table.
   *
   * @default - the account of the key ARN
   */
  readonly account?: string;

  /**
   * The region of the bucket, key and table (output `Region`).
   *
   * @default - the region of the key ARN
   */
  readonly region?: string;

  /**
   * How clients lock state.
   *
   * @default - `LockingMode.BOTH` when `lockTableName` is given, else `LockingMode.S3_LOCKFILE`
   */
  readonly lockingMode?: LockingMode;

  /**
   * The `workspace_key_prefix` the clients use.
   *
   * @default "env:"
   */
  readonly workspaceKeyPrefix?: string;

  /**
   * Whether the bucket uses an S3 Bucket Key (changes the KMS encryption context that grants allow).
   *
   * @default true
   */
  readonly bucketKeyEnabled?: boolean;
}
