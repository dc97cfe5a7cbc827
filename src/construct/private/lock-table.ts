import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { LOCK_TABLE_PARTITION_KEY } from '../../protocol/constants';

/** The lock-table props of `StateBackendProps` (structural, to avoid an import cycle). */
export interface LockTableProps {
  readonly lockTableName?: string;
  readonly lockTableDeletionProtection?: boolean;
}

/**
 * The DynamoDB lock table (construct ID `LockTable` under `scope`): `LockID` partition key, on demand,
 * point-in-time recovery, encrypted with the backend's key, deletion protection unless destroyed.
 */
export function createLockTable(scope: Construct, props: LockTableProps, encryptionKey: kms.IKey, removalPolicy: RemovalPolicy): dynamodb.Table {
  const table = new dynamodb.Table(scope, 'LockTable', {
    tableName: props.lockTableName,
    partitionKey: { name: LOCK_TABLE_PARTITION_KEY, type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    deletionProtection: props.lockTableDeletionProtection ?? removalPolicy !== RemovalPolicy.DESTROY,
    encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
    encryptionKey,
    removalPolicy,
  });
  Validations.of(table).acknowledge(
    ...['HIPAA.Security', 'NIST.800.53.R5'].map((pack) => ({
      id: `${pack}-DynamoDBInBackupPlan`,
      reason: 'The lock table holds only short-lived lock items and state digests that Terraform rewrites on every state write; ' +
        'point-in-time recovery (35 days) and deletion protection are enabled, so an AWS Backup plan adds no recoverable data.',
    })),
  );
  return table;
}
