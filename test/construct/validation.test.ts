import { App, Duration, Errors, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { LockingMode, StateBackend, StateBackendProps } from '../../src';

function create(props: StateBackendProps | ((stack: Stack) => StateBackendProps)): () => StateBackend {
  return () => {
    const stack = new Stack(new App(), 'S');
    return new StateBackend(stack, 'Backend', typeof props === 'function' ? props(stack) : props);
  };
}

describe('StateBackend validation', () => {
  test('fails when workspaceKeyPrefix starts with "/"', () => {
    expect(create({ workspaceKeyPrefix: '/env:' })).toThrow(/Invalid workspaceKeyPrefix: "\/env:"\. The value must not start or end with "\/".*Use a prefix such as "env:"/);
  });

  test('fails when workspaceKeyPrefix ends with "/"', () => {
    expect(create({ workspaceKeyPrefix: 'team/env:/' })).toThrow(/Invalid workspaceKeyPrefix: "team\/env:\/"\. The value must not start or end with "\/"/);
  });

  test('fails when lockTableName is set with S3_LOCKFILE locking (explicit or default)', () => {
    expect(create({ lockTableName: 'locks' })).toThrow(/Invalid lockTableName: "locks" is set but lockingMode is S3_LOCKFILE.*LockingMode\.DYNAMODB or LockingMode\.BOTH/);
    expect(create({ lockTableName: 'locks', lockingMode: LockingMode.S3_LOCKFILE })).toThrow(/Invalid lockTableName/);
  });

  test.each([0, -1, 101, 2.5])('fails when noncurrentVersionsToRetain is %p', (count) => {
    expect(create({ noncurrentVersionsToRetain: count })).toThrow(new RegExp(`Invalid noncurrentVersionsToRetain: ${count}\\. It must be a whole number from 1 to 100`));
  });

  test.each([
    ['noncurrentVersionExpiration', { noncurrentVersionExpiration: Duration.hours(36) }, '1 day 12 hours'],
    ['noncurrentVersionExpiration', { noncurrentVersionExpiration: Duration.days(0) }, '0 days'],
    ['abortIncompleteMultipartUploadAfter', { abortIncompleteMultipartUploadAfter: Duration.minutes(30) }, '30 minutes'],
    ['accessLogsExpiration', { accessLogsExpiration: Duration.hours(12) }, '12 hours'],
  ] as const)('fails when %s is not whole days >= 1 (%#)', (prop, props, shown) => {
    expect(create(props)).toThrow(new RegExp(`Invalid ${prop}: (${shown})\\. S3 lifecycle rules count in whole days: use Duration\\.days\\(n\\) with n >= 1`));
  });

  test.each([
    ['accessLogsBucket', (stack: Stack) => ({ accessLogsEnabled: false, accessLogsBucket: new s3.Bucket(stack, 'Logs') })],
    ['accessLogsPrefix', () => ({ accessLogsEnabled: false, accessLogsPrefix: 'logs/' })],
    ['accessLogsExpiration', () => ({ accessLogsEnabled: false, accessLogsExpiration: Duration.days(30) })],
  ] as const)('fails when %s is set with accessLogsEnabled: false', (prop, props) => {
    expect(create(props)).toThrow(new RegExp(`Invalid ${prop}: it is set but accessLogsEnabled is false\\. Remove ${prop}`));
  });

  test('fails when accessLogsExpiration is set with a given accessLogsBucket', () => {
    expect(create((stack) => ({ accessLogsBucket: new s3.Bucket(stack, 'Logs'), accessLogsExpiration: Duration.days(30) })))
      .toThrow(/Invalid accessLogsExpiration: 30 days applies only to the log bucket this construct creates/);
  });

  test('fails when encryptionKeyAlias is set with a given encryptionKey', () => {
    expect(create((stack) => ({ encryptionKey: new kms.Key(stack, 'K'), encryptionKeyAlias: 'alias/mine' })))
      .toThrow(/Invalid encryptionKeyAlias: "alias\/mine" names an alias for the key this construct creates, but encryptionKey is given/);
  });

  test('fails when autoDeleteObjects is set without RemovalPolicy.DESTROY', () => {
    expect(create({ autoDeleteObjects: true })).toThrow(/Invalid autoDeleteObjects: true requires removalPolicy RemovalPolicy\.DESTROY, got RemovalPolicy\.RETAIN \(the default\)/);
    expect(create({ autoDeleteObjects: true, removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE })).toThrow(/got retain-on-update-or-delete/);
  });

  test('fails when removalPolicy is SNAPSHOT, which buckets and keys do not support', () => {
    expect(create({ removalPolicy: RemovalPolicy.SNAPSHOT }))
      .toThrow(/Invalid removalPolicy: RemovalPolicy\.SNAPSHOT\. S3 buckets and KMS keys cannot be snapshotted.*Use RemovalPolicy\.RETAIN \(the default\)/);
  });

  test('fails when bucketName breaks the S3 naming rules', () => {
    expect(create({ bucketName: 'My_TFState' })).toThrow(/Invalid bucketName: "My_TFState"\. Invalid S3 bucket name \(value: My_TFState\).*lowercase/);
  });

  test.each(['ab', 'locks with spaces', 'x'.repeat(256)])('fails when lockTableName is not a DynamoDB table name (%#)', (name) => {
    expect(create({ lockingMode: LockingMode.DYNAMODB, lockTableName: name }))
      .toThrow(/Invalid lockTableName: ".*"\. DynamoDB table names are 3 to 255 characters of A-Z, a-z, 0-9, "_", "-" and "\."/);
  });

  test.each(['alias/aws/s3', 'alias/has space', 'alias/'])('fails when encryptionKeyAlias is %p', (alias) => {
    expect(create({ encryptionKeyAlias: alias }))
      .toThrow(new RegExp(`Invalid encryptionKeyAlias: "${alias}"\\. An alias is "alias/" followed by .* must not start with "alias/aws/"`));
  });

  test('the error is a CDK ValidationError that carries the construct path of the offending backend', () => {
    let error: unknown;
    try {
      create({ workspaceKeyPrefix: '/' })();
    } catch (e) {
      error = e;
    }
    expect(Errors.isValidationError(error)).toBe(true);
    expect((error as { constructPath?: string }).constructPath).toBe('S/Backend');
  });

  test('accepts the boundaries: empty prefix, 1 and 100 versions, one day', () => {
    expect(create({ workspaceKeyPrefix: '' })).not.toThrow();
    const oneDay = Duration.days(1);
    expect(create({ noncurrentVersionsToRetain: 1, noncurrentVersionExpiration: oneDay, abortIncompleteMultipartUploadAfter: oneDay })).not.toThrow();
    expect(create({ noncurrentVersionsToRetain: 100, lockingMode: LockingMode.DYNAMODB, lockTableName: 'locks' })).not.toThrow();
  });
});
