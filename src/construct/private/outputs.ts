import { CfnOutput, Stack, Token } from 'aws-cdk-lib';
import type { IStateBackend } from '../state-backend-base';

/**
 * The stack outputs of a backend (no export names): `BucketName`, `Region`, `KmsKeyArn`, `LockTableName`
 * (with a table), `LockingMode`, `WorkspaceKeyPrefix` (unless the prefix is `""`) and `LockTags` (with
 * `lockTags`: the map as JSON).
 */
export function createBackendOutputs(backend: IStateBackend, lockTags?: { readonly [key: string]: string }): void {
  new CfnOutput(backend, 'BucketName', {
    description: 'Terraform S3 backend: bucket',
    value: backend.bucket.bucketName,
  });
  new CfnOutput(backend, 'Region', {
    description: 'Terraform S3 backend: region',
    value: Stack.of(backend).region,
  });
  new CfnOutput(backend, 'KmsKeyArn', {
    description: 'Terraform S3 backend: kms_key_id',
    value: backend.encryptionKey.keyArn,
  });
  if (backend.lockTable) {
    new CfnOutput(backend, 'LockTableName', {
      description: 'Terraform S3 backend: dynamodb_table',
      value: backend.lockTable.tableName,
    });
  }
  // Without these two, a reader of the outputs (`tfstate --stack`, `StateClient.fromBackendOutputs`) can only
  // guess the locking attributes from the presence of a table, and cannot know a non-default prefix at all.
  new CfnOutput(backend, 'LockingMode', {
    description: 'Terraform S3 backend: S3_LOCKFILE = use_lockfile, DYNAMODB = dynamodb_table, BOTH = both',
    value: backend.lockingMode,
  });
  // CloudFormation refuses an output with an empty value, so the empty prefix is written as no output: a stack
  // that has `LockingMode` but no `WorkspaceKeyPrefix` uses workspace_key_prefix = "".
  if (Token.isUnresolved(backend.workspaceKeyPrefix) || backend.workspaceKeyPrefix !== '') {
    new CfnOutput(backend, 'WorkspaceKeyPrefix', {
      description: 'Terraform S3 backend: workspace_key_prefix',
      value: backend.workspaceKeyPrefix,
    });
  }
  // Lock files without the tags escape the lifecycle rule that expires their old versions: a client that
  // configures itself from the outputs (`tfstate --stack`, `StateClient.fromBackendOutputs`) needs them.
  if (lockTags) {
    new CfnOutput(backend, 'LockTags', {
      description: 'Terraform S3 backend: lock_tags (OpenTofu 1.11 and later), as JSON',
      value: Stack.of(backend).toJsonString(lockTags),
    });
  }
}
