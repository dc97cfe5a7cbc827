import { Annotations, Arn, ArnFormat, Stack, Token } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { DEFAULT_WORKSPACE_KEY_PREFIX } from '../../protocol/constants';
import { validateWorkspaceKeyPrefix } from '../../protocol/paths';
import { LockingMode } from '../locking-mode';
import type { StateBackendAttributes } from '../state-backend-attributes';
import { StateBackendBase } from '../state-backend-base';

/** What `StateBackend.fromStateBackendAttributes` returns: references to the resources, no new ones. */
export class ImportedStateBackend extends StateBackendBase {
  public readonly bucket: s3.IBucket;
  public readonly encryptionKey: kms.IKey;
  public readonly lockTable?: dynamodb.ITable;
  public readonly workspaceKeyPrefix: string;
  public readonly lockingMode: LockingMode;
  public readonly bucketKeyEnabled: boolean;

  constructor(scope: Construct, id: string, attrs: StateBackendAttributes) {
    super(scope, id);
    let keyAccount: string | undefined;
    let keyRegion: string | undefined;
    if (!Token.isUnresolved(attrs.encryptionKeyArn)) {
      const parts = attrs.encryptionKeyArn.startsWith('arn:')
        ? Arn.split(attrs.encryptionKeyArn, ArnFormat.SLASH_RESOURCE_NAME)
        : undefined;
      if (!parts || parts.service !== 'kms' || parts.resource !== 'key') {
        throw new Error(`StateBackend.fromStateBackendAttributes('${id}'): encryptionKeyArn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>), got ${JSON.stringify(attrs.encryptionKeyArn)}. ` +
          'Aliases and key IDs cannot be used in IAM policies; pass the KmsKeyArn output of the owning stack.');
      }
      keyAccount = parts.account;
      keyRegion = parts.region;
    }
    const workspaceKeyPrefix = attrs.workspaceKeyPrefix ?? DEFAULT_WORKSPACE_KEY_PREFIX;
    const prefixProblem = Token.isUnresolved(workspaceKeyPrefix) ? undefined : validateWorkspaceKeyPrefix(workspaceKeyPrefix);
    if (prefixProblem) {
      throw new Error(`StateBackend.fromStateBackendAttributes('${id}'): workspaceKeyPrefix ${JSON.stringify(workspaceKeyPrefix)} is invalid: ${prefixProblem}. Use e.g. "env:" or "".`);
    }
    const account = attrs.account ?? keyAccount ?? Stack.of(this).account;
    const region = attrs.region ?? keyRegion ?? Stack.of(this).region;

    this.workspaceKeyPrefix = workspaceKeyPrefix;
    this.bucketKeyEnabled = attrs.bucketKeyEnabled ?? true;
    this.lockingMode = attrs.lockingMode ?? (attrs.lockTableName ? LockingMode.BOTH : LockingMode.S3_LOCKFILE);
    this.encryptionKey = kms.Key.fromKeyArn(this, 'Key', attrs.encryptionKeyArn);
    this.bucket = s3.Bucket.fromBucketAttributes(this, 'Bucket', {
      bucketName: attrs.bucketName,
      account,
      region,
      encryptionKey: this.encryptionKey,
    });
    if (attrs.lockTableName) {
      this.lockTable = dynamodb.Table.fromTableAttributes(this, 'LockTable', {
        tableArn: Arn.format({ service: 'dynamodb', resource: 'table', resourceName: attrs.lockTableName, account, region }, Stack.of(this)),
        encryptionKey: this.encryptionKey,
      });
    }
    if (this.lockingMode === LockingMode.S3_LOCKFILE && attrs.lockTableName) {
      Annotations.of(this).addWarningV2('cdk-tfstate-backend:unused-lock-table',
        'lockTableName is set but lockingMode is S3_LOCKFILE, so grants include no DynamoDB permission. Use LockingMode.BOTH or LockingMode.DYNAMODB if clients set dynamodb_table.');
    }
  }
}
