import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { acknowledgeFindings } from '../private/acknowledge';
import { allowThroughRestriction } from '../private/state-access-restriction';
import type { IStateBackend } from '../state-backend-base';

/** What AWS Backup does with the vault key (the actions of AWS's own `aws/backup` key policy, without CreateGrant). */
const VAULT_KEY_USE_ACTIONS = ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:ReEncryptFrom', 'kms:ReEncryptTo'];

/**
 * How a state backend is put into AWS Backup.
 */
export interface StateBackendBackupOptions {
  /**
   * The vault that holds the recovery points.
   *
   * @default - a new vault encrypted with `vaultKey`, whose recovery points cannot be deleted by anyone
   */
  readonly vault?: backup.IBackupVault;

  /**
   * The key of the new vault. Only without `vault`.
   *
   * @default - the backend key (its key policy gets a statement allowing use through AWS Backup in this account and region)
   */
  readonly vaultKey?: kms.IKey;

  /**
   * How long continuous backups (point-in-time restore of the bucket) are kept. 1 to 35 days.
   *
   * @default Duration.days(35)
   */
  readonly continuousRetention?: Duration;

  /**
   * How long the daily snapshots (bucket and lock table) are kept.
   *
   * @default Duration.days(90)
   */
  readonly snapshotRetention?: Duration;
}

/**
 * Properties of `StateBackendBackup`.
 */
export interface StateBackendBackupProps extends StateBackendBackupOptions {
  /** The backend to back up. */
  readonly backend: IStateBackend;
}

/**
 * An AWS Backup plan for a state backend: continuous backup of the bucket (point-in-time restore to
 * any second of the retention) and daily snapshots of the bucket and the lock table, in a vault whose
 * recovery points are protected from deletion.
 *
 * The bucket must be versioned (every `StateBackend` is). AWS Backup charges per GB-month stored and
 * per object-level request of the initial and incremental backups (README: "Cost of the options").
 *
 * @example
 * new StateBackend(stack, 'State', { backup: { snapshotRetention: Duration.days(365) } });
 */
export class StateBackendBackup extends Construct {
  /** The plan (construct ID `Plan`). */
  public readonly plan: backup.BackupPlan;

  /** The vault of the recovery points. */
  public readonly vault: backup.IBackupVault;

  constructor(scope: Construct, id: string, props: StateBackendBackupProps) {
    super(scope, id);
    const continuous = props.continuousRetention ?? Duration.days(35);
    const snapshots = props.snapshotRetention ?? Duration.days(90);
    if (!continuous.isUnresolved()) {
      const days = continuous.toDays({ integral: false });
      if (!Number.isInteger(days) || days < 1 || days > 35) {
        throw new Error(`StateBackendBackup '${this.node.path}': invalid continuousRetention: ${continuous.toHumanString()}. ` +
          'AWS Backup keeps continuous backups for 1 to 35 whole days: use Duration.days(n) with 1 <= n <= 35.');
      }
    }
    if (props.vault && props.vaultKey) {
      throw new Error(`StateBackendBackup '${this.node.path}': vaultKey is set but vault is given. A key applies only to the vault this construct creates; remove one of them.`);
    }
    const stack = Stack.of(this);
    const key = props.vaultKey ?? props.backend.encryptionKey;
    const backupService = `backup.${stack.region}.${stack.urlSuffix}`;
    if (!props.vault && !props.vaultKey) {
      // The backend key's policy allows use through S3 and DynamoDB only; AWS Backup encrypts the vault's
      // recovery points through its own service. A no-op for an imported key (its policy is yours).
      key.addToResourcePolicy(new iam.PolicyStatement({
        sid: 'KeyUseThroughAwsBackup',
        principals: [new iam.AccountRootPrincipal()],
        actions: VAULT_KEY_USE_ACTIONS,
        resources: ['*'],
        conditions: { StringEquals: { 'kms:CallerAccount': stack.account, 'kms:ViaService': backupService } },
      }));
      // Grants only for AWS resources (what AWS Backup creates for its recovery points), in the form
      // Control Tower's CT.KMS.PR.3 expects of every CreateGrant allow.
      key.addToResourcePolicy(new iam.PolicyStatement({
        sid: 'KeyGrantsForAwsBackup',
        principals: [new iam.AccountRootPrincipal()],
        actions: ['kms:CreateGrant'],
        resources: ['*'],
        conditions: {
          StringEquals: { 'kms:CallerAccount': stack.account, 'kms:ViaService': backupService },
          Bool: { 'kms:GrantIsForAWSResource': 'true' },
        },
      }));
    }
    this.vault = props.vault ?? new backup.BackupVault(this, 'Vault', {
      encryptionKey: key,
      blockRecoveryPointDeletion: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.plan = new backup.BackupPlan(this, 'Plan', {
      backupVault: this.vault,
      backupPlanRules: [
        new backup.BackupPlanRule({
          ruleName: 'Continuous',
          enableContinuousBackup: true,
          deleteAfter: continuous,
          scheduleExpression: events.Schedule.cron({ minute: '0', hour: '5' }),
        }),
        new backup.BackupPlanRule({
          ruleName: 'DailySnapshots',
          deleteAfter: snapshots,
          scheduleExpression: events.Schedule.cron({ minute: '0', hour: '3' }),
        }),
      ],
    });
    const selection = this.plan.addSelection('Selection', {
      resources: [
        backup.BackupResource.fromArn(props.backend.bucket.bucketArn),
        ...(props.backend.lockTable ? [backup.BackupResource.fromDynamoDbTable(props.backend.lockTable)] : []),
      ],
      allowRestores: true,
    });
    // AWS Backup for S3 needs its S3 service-role policies in addition to the default ones.
    const role = selection.grantPrincipal as iam.Role;
    // Backup and restore jobs read and write state objects: with restrictStateAccess the role is let through.
    allowThroughRestriction(props.backend, role, 'the AWS Backup role');
    if (!props.vault) {
      // "Your IAM role must have access to the KMS key being used to back up and restore the object"
      // (AWS Backup developer guide, "Encryption for backups"): the vault key, through AWS Backup only.
      new iam.ManagedPolicy(this, 'VaultKeyPolicy', {
        roles: [role],
        statements: [
          new iam.PolicyStatement({
            sid: 'VaultKeyUse',
            actions: ['kms:Decrypt', 'kms:DescribeKey', 'kms:GenerateDataKey'],
            resources: [key.keyArn],
            conditions: { StringEquals: { 'kms:ViaService': backupService } },
          }),
          new iam.PolicyStatement({
            sid: 'VaultKeyGrants',
            actions: ['kms:CreateGrant'],
            resources: [key.keyArn],
            conditions: { StringEquals: { 'kms:ViaService': backupService }, Bool: { 'kms:GrantIsForAWSResource': 'true' } },
          }),
        ],
      });
    }
    for (const name of ['AWSBackupServiceRolePolicyForS3Backup', 'AWSBackupServiceRolePolicyForS3Restore']) {
      role.addManagedPolicy(iam.ManagedPolicy.fromAwsManagedPolicyName(name));
    }
    const managed = ['service-role/AWSBackupServiceRolePolicyForBackup', 'service-role/AWSBackupServiceRolePolicyForRestores',
      'AWSBackupServiceRolePolicyForS3Backup', 'AWSBackupServiceRolePolicyForS3Restore'];
    for (const name of managed) {
      acknowledgeFindings(role, {
        id: `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/${name}]`,
        reason: 'AWS Backup documents its service-role managed policies as the permissions its backup and restore jobs need (S3 needs the S3-specific pair); ' +
        'AWS keeps them current as the services change, which a copied inline policy would not.',
      });
    }
  }
}
