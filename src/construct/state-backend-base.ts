import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct, IConstruct } from 'constructs';
import { createStateAccessRole, StateAccessRoleProps } from './access-role';
import { grantStateAccess } from './grants';
import { LockingMode } from './locking-mode';
import { AccessLevel } from './private/permissions';
import { StateScope } from './state-scope';

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

  /**
   * Grants what `terraform plan` needs on the states of `scope`: list workspaces, read state, take and
   * release the lock (lock object and/or DynamoDB lock item), read the digest, and use the key through
   * S3 (and DynamoDB) for those objects only. The state itself cannot be written.
   *
   * A principal that may take a lock may also delete another holder's lock: S3 and DynamoDB IAM cannot
   * tell lock holders apart. Use `grantReadWithoutLock` where that must not happen.
   *
   * A grantee in another account also gets matching bucket, key and table policy statements when this
   * app owns those resources.
   *
   * @param grantee the principal
   * @param scope the states covered
   * @default scope StateScope.all()
   */
  grantRead(grantee: iam.IGrantable, scope?: StateScope): iam.Grant;

  /**
   * Grants what `terraform plan -lock=false` needs on the states of `scope`, for untrusted branches and
   * pull requests: list workspaces, read state and lock objects (never write or delete them), read lock
   * and digest items, and decrypt through S3 (and DynamoDB). Unlike `grantRead`, the grantee cannot delete
   * another holder's lock.
   *
   * @param grantee the principal
   * @param scope the states covered
   * @default scope StateScope.all()
   */
  grantReadWithoutLock(grantee: iam.IGrantable, scope?: StateScope): iam.Grant;

  /**
   * Grants what `terraform apply` needs on the states of `scope`: everything of `grantRead`, plus
   * writing and deleting the state objects and recording the DynamoDB digest item.
   *
   * @param grantee the principal
   * @param scope the states covered
   * @default scope StateScope.all()
   */
  grantReadWrite(grantee: iam.IGrantable, scope?: StateScope): iam.Grant;

  /**
   * Creates an IAM role that may use this backend (read-only or read-write, on a scope), with its
   * permissions in a customer managed policy.
   *
   * @param id construct ID of the role (a child of this backend)
   */
  addAccessRole(id: string, props: StateAccessRoleProps): iam.Role;
}

/**
 * Shared base of `StateBackend` and imported state backends.
 *
 * Holds what every backend has, whether created here or imported, so that permission helpers work
 * the same way on both.
 */
export abstract class StateBackendBase extends Construct implements IStateBackend {
  /** The bucket that holds state objects and lock files. */
  public abstract readonly bucket: s3.IBucket;
  /** The KMS key that encrypts state, lock files and the lock table. */
  public abstract readonly encryptionKey: kms.IKey;
  /**
   * The DynamoDB lock table.
   *
   * @default - no table
   */
  public abstract readonly lockTable?: dynamodb.ITable;
  /** The `workspace_key_prefix` of the backend's clients. */
  public abstract readonly workspaceKeyPrefix: string;
  /** How clients lock state. */
  public abstract readonly lockingMode: LockingMode;
  /** Whether the bucket uses an S3 Bucket Key. */
  public abstract readonly bucketKeyEnabled: boolean;

  protected constructor(scope: Construct, id: string) {
    super(scope, id);
  }

  public grantRead(grantee: iam.IGrantable, scope?: StateScope): iam.Grant {
    return grantStateAccess(this, grantee, AccessLevel.READ, scope ?? StateScope.all());
  }

  public grantReadWithoutLock(grantee: iam.IGrantable, scope?: StateScope): iam.Grant {
    return grantStateAccess(this, grantee, AccessLevel.READ_WITHOUT_LOCK, scope ?? StateScope.all());
  }

  public grantReadWrite(grantee: iam.IGrantable, scope?: StateScope): iam.Grant {
    return grantStateAccess(this, grantee, AccessLevel.READ_WRITE, scope ?? StateScope.all());
  }

  public addAccessRole(id: string, props: StateAccessRoleProps): iam.Role {
    return createStateAccessRole(this, id, props);
  }
}
