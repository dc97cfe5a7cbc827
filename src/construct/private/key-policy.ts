import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';
import { denyGrantsNotForAWSResources } from './key-grant-deny';

/**
 * Key administration without use: manage, rotate, tag, alias and schedule deletion, but no
 * cryptographic operation. Exact actions (no wildcards) so that a reviewer can read what is allowed.
 */
export const KEY_ADMIN_ACTIONS = [
  'kms:CancelKeyDeletion',
  'kms:CreateAlias',
  'kms:DeleteAlias',
  'kms:DescribeKey',
  'kms:DisableKey',
  'kms:DisableKeyRotation',
  'kms:EnableKey',
  'kms:EnableKeyRotation',
  'kms:GetKeyPolicy',
  'kms:GetKeyRotationStatus',
  'kms:ListGrants',
  'kms:ListKeyPolicies',
  'kms:ListKeyRotations',
  'kms:ListResourceTags',
  'kms:PutKeyPolicy',
  'kms:RevokeGrant',
  'kms:RotateKeyOnDemand',
  'kms:ScheduleKeyDeletion',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:UpdateAlias',
  'kms:UpdateKeyDescription',
];

/** The cryptographic operations S3 (SSE-KMS) and DynamoDB make on a caller's behalf. */
export const KEY_USE_ACTIONS = [
  'kms:Decrypt',
  'kms:DescribeKey',
  'kms:Encrypt',
  'kms:GenerateDataKey',
  'kms:ReEncryptFrom',
  'kms:ReEncryptTo',
];

/**
 * The key policy of the key a `StateBackend` creates.
 *
 * The account is the principal in every statement, which delegates the decision of who may do what to
 * IAM policies in this account (the grants of the construct add those). The key policy itself only
 * bounds what any IAM policy can allow:
 *
 * | statement | actions | condition |
 * |---|---|---|
 * | KeyAdministration | manage the key, never use it | none |
 * | KeyUseThroughS3AndDynamoDB | encrypt/decrypt/data keys | `kms:ViaService` is S3 or DynamoDB in this region, `kms:CallerAccount` is this account |
 * | DynamoDBTableGrants (when a table exists) | `kms:CreateGrant` | same, DynamoDB only, and the grant is for an AWS resource |
 * | DenyGrantsNotForAWSResources (deny, anyone) | `kms:CreateGrant` | neither `kms:GrantIsForAWSResource` nor `aws:PrincipalIsAWSService` is true |
 */
export function stateKeyPolicy(scope: IConstruct, withTable: boolean): iam.PolicyDocument {
  const stack = Stack.of(scope);
  const account = new iam.AccountRootPrincipal();
  const s3Service = `s3.${stack.region}.${stack.urlSuffix}`;
  const dynamodbService = `dynamodb.${stack.region}.${stack.urlSuffix}`;

  const doc = new iam.PolicyDocument({
    statements: [
      new iam.PolicyStatement({
        sid: 'KeyAdministration',
        principals: [account],
        actions: KEY_ADMIN_ACTIONS,
        resources: ['*'],
      }),
      new iam.PolicyStatement({
        sid: 'KeyUseThroughS3AndDynamoDB',
        principals: [account],
        actions: KEY_USE_ACTIONS,
        resources: ['*'],
        conditions: {
          StringEquals: {
            'kms:CallerAccount': stack.account,
            'kms:ViaService': withTable ? [s3Service, dynamodbService] : [s3Service],
          },
        },
      }),
    ],
  });
  // A KMS grant is a second, invisible key policy: only AWS services integrated with KMS (DynamoDB for
  // the lock table) create grants, for the resources they encrypt.
  doc.addStatements(denyGrantsNotForAWSResources());
  if (withTable) {
    // DynamoDB encrypts a table with a customer managed key through a KMS grant it creates itself.
    doc.addStatements(new iam.PolicyStatement({
      sid: 'DynamoDBTableGrants',
      principals: [account],
      actions: ['kms:CreateGrant'],
      resources: ['*'],
      conditions: {
        StringEquals: {
          'kms:CallerAccount': stack.account,
          'kms:ViaService': dynamodbService,
        },
        Bool: { 'kms:GrantIsForAWSResource': 'true' },
      },
    }));
  }
  return doc;
}
