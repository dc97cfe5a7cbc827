import { existsSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudtrail from 'aws-cdk-lib/aws-cloudtrail';
import * as iam from 'aws-cdk-lib/aws-iam';
import { LockingMode, StateBackend, StateBackendProps, StateBackendReplica } from '../../src';
import { MONITOR_HANDLER_DIR, ensureMonitorHandlerCompiled } from '../support/monitor-handler';

beforeAll(ensureMonitorHandlerCompiled);

function synth(props: StateBackendProps): { app: App; stack: Stack; backend: StateBackend; t: Template } {
  const app = new App();
  const stack = new Stack(app, 'S', { env: { account: '111111111111', region: 'eu-west-1' } });
  const backend = new StateBackend(stack, 'Backend', props);
  return { app, stack, backend, t: Template.fromStack(stack) };
}

describe('monitoring', () => {
  test('stale-lock monitor: the compiled handler from the package, scheduled, with the backend in its environment and an alarm on its metric', () => {
    const monitoring = { staleLockThreshold: Duration.hours(1), staleLockCheckInterval: Duration.minutes(10) };
    const { t, app } = synth({ lockingMode: LockingMode.BOTH, monitoring });
    t.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Handler: 'monitor/stale-locks-handler.handler',
      ReservedConcurrentExecutions: 1,
      Environment: {
        Variables: {
          TFSTATE_BUCKET: { Ref: Match.stringLikeRegexp('^BackendBucket') },
          TFSTATE_LOCK_TABLE: { Ref: Match.stringLikeRegexp('^BackendLockTable') },
          TFSTATE_WORKSPACE_KEY_PREFIX: 'env:',
          TFSTATE_STALE_AFTER_SECONDS: '3600',
          TFSTATE_INTERVAL_SECONDS: '600',
          TFSTATE_TOPIC_ARN: { Ref: Match.stringLikeRegexp('^BackendMonitoringTopic') },
        },
      },
    });
    t.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(10 minutes)' });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'TerraformState',
      MetricName: 'StaleLocks',
      Threshold: 1,
      Period: 600,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Dimensions: [{ Name: 'Bucket', Value: { Ref: Match.stringLikeRegexp('^BackendBucket') } }],
    });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Errors', Namespace: 'AWS/Lambda' });
    t.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    // The asset is the compiled folder: the handler and the client files it imports, nothing else.
    const assembly = app.synth();
    const asset = readdirSync(assembly.directory).filter((d) => d.startsWith('asset.'));
    expect(asset).toHaveLength(1);
    const files = readdirSync(path.join(assembly.directory, asset[0]), { recursive: true }).map(String).filter((f) => f.endsWith('.js')).sort();
    expect(files).toContain(path.join('monitor', 'stale-locks-handler.js'));
    expect(files).toContain(path.join('client', 'lock-report.js'));
    expect(files.filter((f) => f.startsWith(`construct${path.sep}`) || f.startsWith(`cli${path.sep}`))).toEqual([]);
    expect(existsSync(path.join(MONITOR_HANDLER_DIR, 'monitor', 'stale-locks-handler.js'))).toBe(true);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    expect(typeof require(path.join(MONITOR_HANDLER_DIR, 'monitor', 'stale-locks-handler.js')).handler).toBe('function');
  });

  test('the monitor role lists the bucket, reads only lock files and scans the table', () => {
    const { t } = synth({ lockingMode: LockingMode.BOTH, monitoring: {} });
    t.resourceCountIs('AWS::IAM::Policy', 0);
    const [policy] = Object.entries(t.findResources('AWS::IAM::ManagedPolicy')).filter(([id]) => id.startsWith('BackendMonitoringStaleLockMonitorPolicy')).map(([, p]) => p as any);
    const bySid = Object.fromEntries(policy.Properties.PolicyDocument.Statement.map((s: any) => [s.Sid, s]));
    expect(Object.keys(bySid).sort()).toEqual(['DecryptLockFiles', 'DecryptLockItems', 'EncryptMessages', 'ListKeys', 'PublishMessages', 'ReadLockFiles', 'ScanLockItems', 'WriteLogs']);
    expect(bySid.ReadLockFiles.Action).toBe('s3:GetObject');
    expect(JSON.stringify(bySid.ReadLockFiles.Resource)).toMatch(/\/\*\.tflock"/);
    expect(bySid.ScanLockItems.Action).toBe('dynamodb:Scan');
    const lockfileOnly = synth({ monitoring: {} }).t;
    lockfileOnly.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ TFSTATE_LOCK_TABLE: Match.absent() }) } });
  });

  test('EventBridge rules on key, bucket and table changes, and on writers outside the expected roles', () => {
    const app = new App();
    const stack = new Stack(app, 'S', { env: { account: '111111111111', region: 'eu-west-1' } });
    const ci = new iam.Role(stack, 'Ci', { assumedBy: new iam.AccountRootPrincipal(), roleName: 'ci-apply' });
    new StateBackend(stack, 'Backend', { lockingMode: LockingMode.DYNAMODB, monitoring: { expectedWriters: [ci], staleLocks: false } });
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::Lambda::Function', 0);
    t.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        'source': ['aws.kms'],
        'detail-type': ['AWS API Call via CloudTrail'],
        'detail': { eventName: Match.arrayWith(['DisableKey', 'ScheduleKeyDeletion', 'PutKeyPolicy']), resources: { ARN: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^BackendKey'), 'Arn'] }] } },
      },
    });
    t.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.s3'],
        detail: Match.objectLike({
          eventName: Match.arrayWith(['PutBucketPolicy', 'PutBucketVersioning', 'PutBucketEncryption', 'DeleteBucketPublicAccessBlock', 'PutBucketReplication']),
        }),
      },
    });
    t.hasResourceProperties('AWS::Events::Rule', { EventPattern: { source: ['aws.dynamodb'], detail: Match.objectLike({ eventName: Match.arrayWith(['DeleteTable', 'UpdateContinuousBackups']) }) } });
    t.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.s3'],
        detail: Match.objectLike({
          eventName: Match.arrayWith(['PutObject', 'DeleteObject', 'CompleteMultipartUpload']),
          $or: [
            { userIdentity: { sessionContext: { sessionIssuer: { arn: [{ 'anything-but': [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^Ci'), 'Arn'] }] }] } } } },
            { userIdentity: { type: [{ 'anything-but': ['AssumedRole'] }] } },
          ],
        }),
      },
    });
    t.resourceCountIs('AWS::Events::Rule', 4);
  });

  test('a replication failure alarm exists when the backend replicates with metrics', () => {
    const app = new App();
    const dr = new Stack(app, 'Dr', { env: { account: '111111111111', region: 'eu-central-1' } });
    const replica = new StateBackendReplica(dr, 'Replica');
    const main = new Stack(app, 'Main', { env: { account: '111111111111', region: 'eu-west-1' } });
    new StateBackend(main, 'Backend', { replica, replicationTimeControl: true, monitoring: { staleLocks: false } });
    Template.fromStack(main).hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/S3',
      MetricName: 'OperationsFailedReplication',
      Dimensions: Match.arrayWith([{ Name: 'RuleId', Value: 'ReplicateEveryVersion' }]),
    });
    const plain = synth({ monitoring: { staleLocks: false } }).t;
    expect(Object.values(plain.findResources('AWS::CloudWatch::Alarm'))).toEqual([]);
  });

  test('fails when the check interval is longer than the threshold, or not whole minutes', () => {
    expect(() => synth({ monitoring: { staleLockThreshold: Duration.minutes(30), staleLockCheckInterval: Duration.hours(1) } }))
      .toThrow(/staleLockCheckInterval \(1 hour\) is longer than staleLockThreshold \(30 minutes\)/);
    expect(() => synth({ monitoring: { staleLockCheckInterval: Duration.seconds(90) } })).toThrow(/invalid staleLockCheckInterval: 1 minute 30 seconds\. Use whole minutes/);
  });
});

describe('AWS Backup', () => {
  test('continuous backup and daily snapshots of the bucket and table into a new vault encrypted with the backend key', () => {
    const { t } = synth({ lockingMode: LockingMode.BOTH, backup: { snapshotRetention: Duration.days(365) } });
    t.hasResourceProperties('AWS::Backup::BackupPlan', {
      BackupPlan: {
        BackupPlanRule: [
          Match.objectLike({ RuleName: 'Continuous', EnableContinuousBackup: true, Lifecycle: { DeleteAfterDays: 35 } }),
          Match.objectLike({ RuleName: 'DailySnapshots', Lifecycle: { DeleteAfterDays: 365 } }),
        ],
      },
    });
    t.hasResourceProperties('AWS::Backup::BackupVault', { EncryptionKeyArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^BackendKey'), 'Arn'] } });
    t.hasResourceProperties('AWS::Backup::BackupSelection', {
      BackupSelection: Match.objectLike({
        Resources: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^BackendBucket'), 'Arn'] }, { 'Fn::GetAtt': [Match.stringLikeRegexp('^BackendLockTable'), 'Arn'] }],
      }),
    });
    t.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([Match.objectLike({
          Sid: 'KeyUseThroughAwsBackup', Condition: { StringEquals: { 'kms:CallerAccount': '111111111111', 'kms:ViaService': { 'Fn::Join': ['', ['backup.eu-west-1.', { Ref: 'AWS::URLSuffix' }]] } } },
        })]),
      },
    });
    t.hasResourceProperties('AWS::IAM::Role', {
      ManagedPolicyArns: Match.arrayWith([Match.objectLike({
        'Fn::Join': ['', Match.arrayWith([':iam::aws:policy/AWSBackupServiceRolePolicyForS3Backup'])],
      })]),
    });
  });

  test('fails for a continuous retention above 35 days', () => {
    expect(() => synth({ backup: { continuousRetention: Duration.days(36) } })).toThrow(/invalid continuousRetention: 36 days\. AWS Backup keeps continuous backups for 1 to 35/);
  });
});

describe('CloudTrail data events', () => {
  test('a new trail records reads and writes of the state bucket objects only', () => {
    const { t } = synth({ dataEvents: {} });
    t.hasResourceProperties('AWS::CloudTrail::Trail', {
      EnableLogFileValidation: true,
      IsMultiRegionTrail: false,
      KMSKeyId: Match.anyValue(),
      EventSelectors: [{
        DataResources: [{ Type: 'AWS::S3::Object', Values: [{ 'Fn::Join': ['', [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^BackendBucket'), 'Arn'] }, '/']] }] }],
        IncludeManagementEvents: false,
        ReadWriteType: 'All',
      }],
    });
  });

  test('a given trail gets the event selector; options of the new trail are refused with it', () => {
    const app = new App();
    const stack = new Stack(app, 'S');
    const trail = new cloudtrail.Trail(stack, 'OrgTrail');
    new StateBackend(stack, 'Backend', { dataEvents: { trail } });
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::CloudTrail::Trail', 1);
    t.hasResourceProperties('AWS::CloudTrail::Trail', { EventSelectors: [Match.objectLike({ ReadWriteType: 'All' })] });
    expect(() => new StateBackend(stack, 'Other', { dataEvents: { trail, retention: Duration.days(30) } })).toThrow(/apply only to the trail this construct creates/);
  });
});
