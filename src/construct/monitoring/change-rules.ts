import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { IStateBackend } from '../state-backend-base';

const CLOUDTRAIL_API_CALL = 'AWS API Call via CloudTrail';

/** KMS management calls that can make the state unreadable or change who may read it. */
export const KEY_CHANGE_EVENTS = ['DisableKey', 'ScheduleKeyDeletion', 'PutKeyPolicy', 'DisableKeyRotation', 'CreateGrant', 'DeleteAlias', 'UpdateAlias'];

/** S3 management calls that change the state bucket's protection. */
export const BUCKET_CHANGE_EVENTS = [
  'PutBucketPolicy', 'DeleteBucketPolicy',
  'PutBucketVersioning',
  'PutBucketEncryption', 'DeleteBucketEncryption',
  'PutBucketPublicAccessBlock', 'DeleteBucketPublicAccessBlock',
  'PutBucketReplication', 'DeleteBucketReplication',
  'PutBucketLifecycle', 'DeleteBucketLifecycle',
  'PutObjectLockConfiguration',
  'PutBucketOwnershipControls', 'DeleteBucketOwnershipControls',
  'PutBucketAcl', 'PutBucketLogging', 'DeleteBucket',
];

/** DynamoDB management calls that weaken the lock table (deletion protection, PITR, the table itself). */
export const TABLE_CHANGE_EVENTS = ['DeleteTable', 'UpdateTable', 'UpdateContinuousBackups', 'PutResourcePolicy', 'DeleteResourcePolicy'];

/** S3 data events that write or delete a state object or lock file. */
export const OBJECT_WRITE_EVENTS = [
  'PutObject', 'DeleteObject', 'DeleteObjects', 'CopyObject', 'CompleteMultipartUpload', 'RestoreObject',
  'PutObjectRetention', 'PutObjectLegalHold', 'PutObjectAcl', 'PutObjectTagging', 'DeleteObjectTagging',
];

/** Options of {@link addChangeRules}. */
export interface ChangeRulesSettings {
  readonly backend: IStateBackend;
  readonly topic: sns.ITopic;
  readonly configurationChanges: boolean;
  readonly expectedWriters?: iam.IRole[];
}

/**
 * EventBridge rules on CloudTrail events, each sending the event to the topic:
 *
 * | rule | source | matches |
 * |---|---|---|
 * | KeyChangeRule | management events | {@link KEY_CHANGE_EVENTS} on the backend key (`resources[].ARN`) |
 * | BucketChangeRule | management events | {@link BUCKET_CHANGE_EVENTS} on the state bucket (`requestParameters.bucketName`) |
 * | TableChangeRule (with a table) | management events | {@link TABLE_CHANGE_EVENTS} on the lock table |
 * | UnexpectedWriterRule (with `expectedWriters`) | data events | {@link OBJECT_WRITE_EVENTS} by anyone but the expected roles |
 *
 * Management events reach EventBridge when any trail of the account logs them; data events only when a
 * trail records the bucket's data events (`dataEvents`).
 */
export function addChangeRules(scope: Construct, settings: ChangeRulesSettings): events.Rule[] {
  const { backend } = settings;
  const target = new targets.SnsTopic(settings.topic);
  const rule = (id: string, description: string, source: string, detail: Record<string, unknown>) => new events.Rule(scope, id, {
    description,
    eventPattern: { source: [source], detailType: [CLOUDTRAIL_API_CALL], detail },
    targets: [target],
  });
  const rules: events.Rule[] = [];
  if (settings.configurationChanges) {
    rules.push(rule('KeyChangeRule', `The key of Terraform state ${backend.node.path} was disabled, scheduled for deletion or its policy changed`, 'aws.kms',
      { eventSource: ['kms.amazonaws.com'], eventName: KEY_CHANGE_EVENTS, resources: { ARN: [backend.encryptionKey.keyArn] } }));
    rules.push(rule('BucketChangeRule',
      `The policy, versioning, encryption, public access block, replication or lifecycle of Terraform state ${backend.node.path} changed`, 'aws.s3',
      { eventSource: ['s3.amazonaws.com'], eventName: BUCKET_CHANGE_EVENTS, requestParameters: { bucketName: [backend.bucket.bucketName] } }));
    if (backend.lockTable) {
      rules.push(rule('TableChangeRule', `The lock table of Terraform state ${backend.node.path} was deleted or its protection changed`, 'aws.dynamodb',
        { eventSource: ['dynamodb.amazonaws.com'], eventName: TABLE_CHANGE_EVENTS, requestParameters: { tableName: [backend.lockTable.tableName] } }));
    }
  }
  if (settings.expectedWriters && settings.expectedWriters.length > 0) {
    const roleArns = settings.expectedWriters.map((r) => r.roleArn);
    rules.push(rule('UnexpectedWriterRule', `A state object of ${backend.node.path} was written or deleted by a principal outside the expected roles`, 'aws.s3', {
      eventSource: ['s3.amazonaws.com'],
      eventName: OBJECT_WRITE_EVENTS,
      requestParameters: { bucketName: [backend.bucket.bucketName] },
      // A role session outside the set, or any caller that is not a role session (IAM user, root,
      // federated user): `anything-but` alone would not match events without a session issuer.
      $or: [
        { userIdentity: { sessionContext: { sessionIssuer: { arn: [{ 'anything-but': roleArns }] } } } },
        { userIdentity: { type: [{ 'anything-but': ['AssumedRole'] }] } },
      ],
    }));
  }
  return rules;
}
