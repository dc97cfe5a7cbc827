import { Annotations, RemovalPolicy, Stack, ValidationError, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { BackendConfig, BackendConfigOptions } from './backend-config';
import { StateBackendBackup } from './dr/backup';
import { configureReplication, validateDisasterRecoveryProps } from './dr/replication';
import { LockingMode } from './locking-mode';
import { StateBackendDataEvents } from './monitoring/data-events';
import { StateBackendMonitoring } from './monitoring/state-backend-monitoring';
import { createAccessLogsBucket } from './private/access-logs-bucket';
import { COMPLIANCE_PACKS } from './private/compliance-packs';
import { ImportedStateBackend } from './private/imported-state-backend';
import { createLockTable } from './private/lock-table';
import { validateLockTags } from './private/lock-tags';
import { createBackendOutputs } from './private/outputs';
import { allowThroughRestriction, restrictStateAccess, StateAccessRestriction } from './private/state-access-restriction';
import { createStateBucket } from './private/state-bucket';
import { createStateKey } from './private/state-key';
import { validateStateBackendProps } from './private/validation';
import type { StateBackendAttributes } from './state-backend-attributes';
import { IStateBackend, StateBackendBase } from './state-backend-base';
import type { StateBackendProps } from './state-backend-props';
import { DEFAULT_WORKSPACE_KEY_PREFIX } from '../protocol/constants';

/**
 * A secure Terraform/OpenTofu S3 state backend.
 *
 * Creates a versioned S3 bucket encrypted with a customer managed KMS key, a bucket policy that refuses
 * plain HTTP, TLS below 1.2, uploads naming another encryption and lock-file writes without
 * `If-None-Match`, SSE-C blocked at the bucket, lifecycle rules that keep state history by count and age,
 * access logging to a dedicated bucket, and, for `LockingMode.DYNAMODB` or `LockingMode.BOTH`, a DynamoDB
 * lock table. Stateful resources and the bucket policies are retained by default. With
 * `restrictStateAccess`, only principals granted through the construct (or break-glass) reach state.
 *
 * Outputs, without export names: `BucketName`, `Region`, `KmsKeyArn`, `LockingMode` (`S3_LOCKFILE`, `DYNAMODB`
 * or `BOTH`), `WorkspaceKeyPrefix` (absent when the prefix is `""`: CloudFormation refuses empty output values),
 * with a table `LockTableName`, and with `lockTags` `LockTags` (the map as JSON).
 *
 * Client encryption settings: the bucket policy only refuses SSE headers a PUT actually sends, and S3
 * reports a refusal as a bare `AccessDenied`.
 *
 * | backend "s3" settings | result |
 * |---|---|
 * | no `encrypt` (or `false`) | works: no SSE header, the bucket default (SSE-KMS with the key) applies |
 * | `encrypt = true` + `kms_key_id = <KmsKeyArn>` | works (what `backendConfig()` renders) |
 * | `encrypt = true` alone | refused: Terraform asks for SSE-S3 (`AES256`) |
 * | `kms_key_id` = another key, or an alias or bare key ID | refused: the policy compares the key ARN |
 * | `sse_customer_key` / `AWS_SSE_CUSTOMER_KEY` (SSE-C) | refused: it would bypass the key and its key policy |
 *
 * @example
 * declare const stack: Stack;
 * // Migrating from DynamoDB locking to the S3 lock file: clients may set both
 * // `use_lockfile = true` and `dynamodb_table` while they upgrade.
 * const backend = new StateBackend(stack, 'TerraformState', {
 *   lockingMode: LockingMode.BOTH,
 * });
 * // The outputs BucketName, Region, KmsKeyArn, LockTableName, LockingMode, WorkspaceKeyPrefix and (with
 * // lockTags) LockTags fill the backend "s3" block: bucket, region, kms_key_id (with encrypt = true),
 * // dynamodb_table, use_lockfile, workspace_key_prefix and lock_tags.
 */
export class StateBackend extends StateBackendBase {
  /**
   * References a state backend defined elsewhere (another stack, app or account), with the same grant
   * methods. Pass the values of the owning stack's outputs.
   *
   * Across accounts, the grants here only write identity policies: the owning app must also call
   * `grantRead`/`grantReadWrite` with the same principal, which adds the bucket, key and table policy
   * statements (README: "Cross-account access without assuming a central role").
   */
  public static fromStateBackendAttributes(scope: Construct, id: string, attrs: StateBackendAttributes): IStateBackend {
    return new ImportedStateBackend(scope, id, attrs);
  }

  /** The state bucket (construct ID `Bucket`). */
  public readonly bucket: s3.IBucket;

  /** The key that encrypts the bucket and the lock table: created here (construct ID `Key`) or the one passed in. */
  public readonly encryptionKey: kms.IKey;

  /**
   * The DynamoDB lock table (construct ID `LockTable`).
   *
   * @default - none: `lockingMode` is `LockingMode.S3_LOCKFILE`
   */
  public readonly lockTable?: dynamodb.ITable;

  /** The `workspace_key_prefix` clients of this backend use. */
  public readonly workspaceKeyPrefix: string;

  /** How clients lock state in this backend. */
  public readonly lockingMode: LockingMode;

  /** Whether the bucket uses an S3 Bucket Key. */
  public readonly bucketKeyEnabled: boolean;

  /**
   * The tags of the lock files (`lock_tags`), which the lock-file lifecycle rule filters on.
   *
   * @default - none: no `lockTags`
   */
  public readonly lockTags?: { [key: string]: string };

  /**
   * The bucket that receives the state bucket's access logs.
   *
   * @default - none: access logging is disabled
   */
  public readonly accessLogsBucket?: s3.IBucket;

  /** Whether the bucket, key and table policies deny state access to principals not granted through the construct. */
  public readonly restrictStateAccess: boolean;

  /**
   * The role S3 replicates into the replica with (construct ID `ReplicationRole`).
   *
   * @default - none: no `replica`
   */
  public readonly replicationRole?: iam.IRole;

  /**
   * The AWS Backup plan of the bucket and table.
   *
   * @default - none: no `backup`
   */
  public readonly backup?: StateBackendBackup;

  /**
   * The CloudTrail data events of the bucket.
   *
   * @default - none: no `dataEvents`
   */
  public readonly dataEvents?: StateBackendDataEvents;

  /**
   * The notifications of the backend.
   *
   * @default - none: no `monitoring`
   */
  public readonly monitoring?: StateBackendMonitoring;

  constructor(scope: Construct, id: string, props: StateBackendProps = {}) {
    super(scope, id);
    validateStateBackendProps(this, props);
    validateDisasterRecoveryProps(this, props);
    validateLockTags(this, props);

    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const autoDeleteObjects = props.autoDeleteObjects ?? false;
    this.lockingMode = props.lockingMode ?? LockingMode.S3_LOCKFILE;
    this.workspaceKeyPrefix = props.workspaceKeyPrefix ?? DEFAULT_WORKSPACE_KEY_PREFIX;
    this.bucketKeyEnabled = props.bucketKeyEnabled ?? true;
    this.lockTags = props.lockTags;
    const withTable = this.lockingMode !== LockingMode.S3_LOCKFILE;

    this.encryptionKey = props.encryptionKey ?? createStateKey(this, props.encryptionKeyAlias, withTable, removalPolicy);
    this.accessLogsBucket = createAccessLogsBucket(this, props, removalPolicy, autoDeleteObjects);
    const bucket = createStateBucket(this, props, {
      encryptionKey: this.encryptionKey,
      bucketKeyEnabled: this.bucketKeyEnabled,
      accessLogsBucket: this.accessLogsBucket,
      removalPolicy,
      autoDeleteObjects,
    });
    this.bucket = bucket;
    if (withTable) this.lockTable = createLockTable(this, props, this.encryptionKey, removalPolicy);

    this.restrictStateAccess = props.restrictStateAccess ?? false;
    if (this.restrictStateAccess) {
      const restriction = new StateAccessRestriction(this);
      props.breakGlassPrincipals?.forEach((p, i) => restriction.allow(p, `breakGlassPrincipals[${i}]`));
      const { keyPolicyOwned } = restrictStateAccess(restriction, bucket, this.encryptionKey, this.lockTable as dynamodb.Table | undefined);
      if (!keyPolicyOwned) {
        Annotations.of(this).addWarningV2('cdk-tfstate-backend:restrict-own-key',
          'restrictStateAccess cannot add its deny to the policy of the encryptionKey you passed (imported). Add the statement DenyStateDecryptionToUngrantedPrincipals ' +
          '(see the README section "Deny-by-default state access") to that key policy, or let the construct create the key.');
      }
    }

    if (props.replica) {
      this.replicationRole = configureReplication(this, bucket, {
        replica: props.replica,
        sourceKey: this.encryptionKey,
        sourceBucketKeyEnabled: this.bucketKeyEnabled,
        replicationTimeControl: props.replicationTimeControl ?? false,
        replicationMetrics: props.replicationMetrics ?? props.replicationTimeControl ?? false,
        sourceObjectLock: props.objectLockRetention !== undefined,
      });
      // S3 replicates as this role: with restrictStateAccess it must be on the allow list.
      allowThroughRestriction(this, this.replicationRole, 'the replication role');
    } else {
      Validations.of(bucket).acknowledge(
        ...COMPLIANCE_PACKS.map((pack) => ({
          id: `${pack}-S3BucketReplicationEnabled`,
          reason: 'Cross-region replication needs a destination bucket and key in another region, which this single-region construct cannot own; ' +
          'state is protected by versioning with retained history, a retained bucket and key, and can be replicated by adding a replication configuration.',
        })),
      );
    }

    // Grouped options rather than flat props: each is one opt-in feature with its own defaults, and its
    // construct can also be used on its own.
    if (props.backup) this.backup = new StateBackendBackup(this, 'Backup', { backend: this, ...props.backup });
    if (props.dataEvents) this.dataEvents = new StateBackendDataEvents(this, 'DataEvents', { backend: this, ...props.dataEvents });
    if (props.monitoring) this.monitoring = new StateBackendMonitoring(this, 'Monitoring', { backend: this, ...props.monitoring });

    createBackendOutputs(this, this.lockTags);
  }

  /**
   * The S3 backend configuration of one Terraform configuration (one state `key`) in this backend,
   * rendered on demand as a Terraform block, a `-backend-config` file, a Terragrunt `remote_state`
   * block, CDKTF `S3Backend` props or JSON.
   *
   * The locking mode decides the locking attributes: `S3_LOCKFILE` gives `use_lockfile = true`,
   * `DYNAMODB` gives `dynamodb_table`, `BOTH` gives both. Names chosen at deploy time stay tokens;
   * call `addOutput()` on the result to get the resolved snippet as a stack output.
   *
   * @example
   * backend.backendConfig({ key: 'network/terraform.tfstate' }).addOutput(this, 'NetworkBackend');
   */
  public backendConfig(options: BackendConfigOptions): BackendConfig {
    const lockTags = this.lockTags;
    if (lockTags && options.stateTags && Object.entries(lockTags).every(([k, v]) => options.stateTags![k] === v)) {
      throw new ValidationError('StateTagsMatchLockTags' as any,
        `backendConfig({ key: ${JSON.stringify(options.key)} }): stateTags carry every lock tag (${JSON.stringify(lockTags)}), so the state's old versions would expire ` +
        'after a day with the lock files (and the bucket policy refuses the write). Use state tags that differ from lockTags in at least one key or value.', this);
    }
    const prefix = options.workspaceKeyPrefix ?? this.workspaceKeyPrefix;
    return new BackendConfig({
      bucketName: this.bucket.bucketName,
      key: options.key,
      region: Stack.of(this).region,
      encrypt: true,
      kmsKeyId: this.encryptionKey.keyArn,
      useLockfile: this.lockingMode !== LockingMode.DYNAMODB,
      dynamodbTable: this.lockingMode !== LockingMode.S3_LOCKFILE ? this.lockTable?.tableName : undefined,
      workspaceKeyPrefix: prefix === DEFAULT_WORKSPACE_KEY_PREFIX ? undefined : prefix,
      roleArn: options.role?.roleArn,
      stateTags: options.stateTags,
      lockTags: this.lockTags,
    });
  }
}
