import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct, IConstruct } from 'constructs';
import { LockingMode } from './locking-mode';

/**
 * A Terraform/OpenTofu S3 state backend: the bucket that holds state, the key that encrypts it and,
 * depending on the locking mode, the DynamoDB lock table.
 *
 * Implemented by `StateBackend` (which creates the resources) and by imported backends.
 */
export interface IStateBackend extends IConstruct {
  /**
   * The bucket that holds state objects and lock files (`bucket` in the backend configuration).
   */
  readonly bucket: s3.IBucket;

  /**
   * The KMS key that encrypts state objects, lock files and the lock table (`kms_key_id`).
   */
  readonly encryptionKey: kms.IKey;

  /**
   * The DynamoDB lock table (`dynamodb_table`).
   *
   * @default - no table: the locking mode is `LockingMode.S3_LOCKFILE`
   */
  readonly lockTable?: dynamodb.ITable;

  /**
   * The prefix under which non-default workspaces store their state (`workspace_key_prefix`).
   */
  readonly workspaceKeyPrefix: string;

  /**
   * How clients lock state in this backend.
   */
  readonly lockingMode: LockingMode;

  /**
   * Whether the bucket uses an S3 Bucket Key for SSE-KMS, which changes the KMS encryption context
   * (the bucket ARN instead of the object ARN) that grants must allow.
   */
  readonly bucketKeyEnabled: boolean;
}

/**
 * Shared base of `StateBackend` and imported state backends.
 *
 * Holds what every backend has, whether created here or imported, so that permission helpers work
 * the same way on both.
 */
export abstract class StateBackendBase extends Construct implements IStateBackend {
  public abstract readonly bucket: s3.IBucket;
  public abstract readonly encryptionKey: kms.IKey;
  public abstract readonly lockTable?: dynamodb.ITable;
  public abstract readonly workspaceKeyPrefix: string;
  public abstract readonly lockingMode: LockingMode;
  public abstract readonly bucketKeyEnabled: boolean;

  protected constructor(scope: Construct, id: string) {
    super(scope, id);
  }
}
