import * as path from 'path';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { App, Duration, IPolicyValidationContextBeta1, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudtrail from 'aws-cdk-lib/aws-cloudtrail';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { LockingMode, StateBackend, StateBackendMonitoring, StateBackendProps } from '../../src';
import { ensureMonitorHandlerCompiled } from '../support/monitor-handler';
import { findings as nagFindings, packs } from '../support/nag';

/*
 * The monitoring options (dataEvents, monitoring) against AWS Control Tower's proactive controls
 * (cfn-guard rules of @cdklabs/cdk-validator-cfnguard) and cdk-nag: their keys deny grants not for AWS
 * resources (CT.KMS.PR.3), the trail bucket logs its access, sends its object events to EventBridge and
 * gets Object Lock with the state bucket's, and the stale-lock function runs in a VPC when given one.
 */

beforeAll(ensureMonitorHandlerCompiled);

const ENV = { account: '111111111111', region: 'eu-west-1' };

function synth(props: StateBackendProps, withVpc = false): { app: App; stack: Stack; t: Template } {
  const app = new App();
  const stack = new Stack(app, 'S', { env: ENV });
  const vpc = withVpc ? importedVpc(stack) : undefined;
  new StateBackend(stack, 'Backend', { ...props, monitoring: props.monitoring && { ...props.monitoring, staleLockMonitorVpc: vpc } });
  return { app, stack, t: Template.fromStack(stack) };
}

/** A VPC of the landing zone, imported: no VPC resources in the template, only the function's. */
function importedVpc(stack: Stack): ec2.IVpc {
  return ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
    vpcId: 'vpc-0123456789abcdef0',
    availabilityZones: ['eu-west-1a', 'eu-west-1b'],
    privateSubnetIds: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0bbbbbbbbbbbbbbb2'],
  });
}

type Finding = string; // "<rule> <logical ID>"

function controlTower(app: App): Finding[] {
  const assembly = app.synth();
  const context: IPolicyValidationContextBeta1 = {
    appConstruct: app,
    templatePaths: assembly.stacks.map((s) => path.join(assembly.directory, s.templateFile)),
  };
  return new CfnGuardValidator({}).validate(context).violations
    .flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} ${r.resourceLogicalId}`))
    .sort();
}

const DENY_GRANTS = {
  Sid: 'DenyGrantsNotForAWSResources',
  Effect: 'Deny',
  Principal: { AWS: '*' },
  Action: 'kms:CreateGrant',
  Resource: '*',
  Condition: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
};

describe('monitoring options and AWS Control Tower proactive controls', () => {
  test('the trail key and the topic key deny grants not for AWS resources (CT.KMS.PR.3), next to the service statements they keep', () => {
    const { t } = synth({ dataEvents: {}, monitoring: {} });
    const keys = t.findResources('AWS::KMS::Key');
    const sids = (id: string) => (keys[id].Properties.KeyPolicy.Statement as Array<{ Sid?: string }>).map((s) => s.Sid);
    const trailKey = Object.keys(keys).find((k) => k.startsWith('BackendDataEventsKey'))!;
    const topicKey = Object.keys(keys).find((k) => k.startsWith('BackendMonitoringKey'))!;
    for (const id of [trailKey, topicKey]) {
      expect(keys[id].Properties.KeyPolicy.Statement).toContainEqual(DENY_GRANTS);
    }
    expect(sids(trailKey)).toEqual(expect.arrayContaining(['CloudTrailEncryptLogs', 'CloudWatchLogsEncrypt']));
    expect(sids(topicKey)).toEqual(expect.arrayContaining(['PublishEncryptedNotifications', 'EncryptMonitorLogs']));
  });

  test('the trail bucket logs into the backend\'s log bucket, which admits only it, and sends its events to EventBridge on the L1', () => {
    const { t } = synth({ dataEvents: {} });
    const trailBucket = Object.keys(t.findResources('AWS::S3::Bucket')).find((k) => k.startsWith('BackendDataEventsBucket'))!;
    t.hasResourceProperties('AWS::S3::Bucket', {
      LoggingConfiguration: { DestinationBucketName: { Ref: Match.stringLikeRegexp('^BackendAccessLogsBucket') }, LogFilePrefix: 'tfstate-data-events-trail/' },
      NotificationConfiguration: { EventBridgeConfiguration: { EventBridgeEnabled: true } },
      ObjectLockEnabled: Match.absent(),
    });
    t.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: Match.stringLikeRegexp('^BackendAccessLogsBucket') },
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Principal: { Service: 'logging.s3.amazonaws.com' },
          Action: 's3:PutObject',
          Condition: { ArnLike: { 'aws:SourceArn': { 'Fn::GetAtt': [trailBucket, 'Arn'] } }, StringEquals: { 'aws:SourceAccount': ENV.account } },
        })]),
      },
    });
    // No custom resource (what `eventBridgeEnabled: true` on the L2 would add).
    expect(Object.keys(t.findResources('Custom::S3BucketNotifications'))).toEqual([]);
  });

  test('with the backend\'s Object Lock, the trail bucket gets the same default retention', () => {
    const { t } = synth({ objectLockRetention: Duration.days(14), dataEvents: {} });
    const buckets = t.findResources('AWS::S3::Bucket');
    const lock = (prefix: string) => {
      const b = buckets[Object.keys(buckets).find((k) => k.startsWith(prefix))!].Properties;
      return [b.ObjectLockEnabled, b.ObjectLockConfiguration];
    };
    expect(lock('BackendDataEventsBucket')).toEqual([true, { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 14 } } }]);
    expect(lock('BackendDataEventsBucket')).toEqual(lock('BackendBucket'));
  });

  test('the trail bucket logs into a given bucket, and not at all when the backend has no access logs', () => {
    const app = new App();
    const stack = new Stack(app, 'S', { env: ENV });
    const logs = new s3.Bucket(stack, 'Logs', { encryption: s3.BucketEncryption.S3_MANAGED });
    new StateBackend(stack, 'Given', { accessLogsEnabled: false, dataEvents: { accessLogsBucket: logs } });
    new StateBackend(stack, 'None', { accessLogsEnabled: false, dataEvents: {} });
    const buckets = Template.fromStack(stack).findResources('AWS::S3::Bucket');
    const logging = (prefix: string) => buckets[Object.keys(buckets).find((k) => k.startsWith(prefix))!].Properties.LoggingConfiguration;
    expect(logging('GivenDataEventsBucket')).toEqual({ DestinationBucketName: { Ref: expect.stringMatching(/^Logs/) }, LogFilePrefix: 'tfstate-data-events-trail/' });
    expect(logging('NoneDataEventsBucket')).toBeUndefined();
    // With a trail of the app, the bucket is the user's: the option is refused rather than ignored.
    const trail = new cloudtrail.Trail(stack, 'OrgTrail');
    expect(() => new StateBackend(stack, 'OwnTrail', { dataEvents: { trail, accessLogsBucket: logs } }))
      .toThrow(/includeManagementEvents, retention and accessLogsBucket apply only to the trail this construct creates/);
  });

  test('a log bucket in another stack: the trail bucket gets a name known at synth time, so the stacks do not depend on each other', () => {
    const app = new App();
    const archive = new Stack(app, 'Archive', { env: ENV });
    const logs = new s3.Bucket(archive, 'Logs', { encryption: s3.BucketEncryption.S3_MANAGED, objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED });
    const state = new Stack(app, 'State', { env: ENV });
    new StateBackend(state, 'Backend', { accessLogsBucket: logs, dataEvents: {} });
    app.synth(); // a dependency cycle would throw here
    const buckets = Template.fromStack(state).findResources('AWS::S3::Bucket');
    const name = buckets[Object.keys(buckets).find((k) => k.startsWith('BackendDataEventsBucket'))!].Properties.BucketName as string;
    expect(name).toMatch(/^tftrail-[a-z0-9]+-111111111111-eu-west-1$/);
    expect(name.length).toBeLessThanOrEqual(63);
    Template.fromStack(archive).hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Condition: Match.objectLike({ ArnLike: { 'aws:SourceArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:s3:::${name}`]] } } }) })]) },
    });
    expect(state.dependencies.map((s) => s.stackName)).toEqual(['Archive']);
  });

  test('the stale-lock function runs in the given VPC, with the network-interface actions Lambda needs only then', () => {
    const statements = (t: Template) => Object.values(t.findResources('AWS::IAM::ManagedPolicy'))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as Array<{ Sid: string; Action: unknown }>);
    const inVpc = synth({ monitoring: {} }, true).t;
    inVpc.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'monitor/stale-locks-handler.handler',
      VpcConfig: { SubnetIds: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0bbbbbbbbbbbbbbb2'], SecurityGroupIds: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('StaleLockMonitorSecurityGroup'), 'GroupId'] }] },
    });
    expect(statements(inVpc).find((s) => s.Sid === 'VpcNetworkInterfaces')?.Action).toEqual([
      'ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets', 'ec2:DeleteNetworkInterface',
      'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses',
    ]);
    const outside = synth({ monitoring: {} }).t;
    outside.hasResourceProperties('AWS::Lambda::Function', { Handler: 'monitor/stale-locks-handler.handler', VpcConfig: Match.absent() });
    expect(statements(outside).map((s) => s.Sid)).not.toContain('VpcNetworkInterfaces');
  });

  test('the VPC options are refused without the function or without a VPC', () => {
    const stack = new Stack(new App(), 'S', { env: ENV });
    const backend = new StateBackend(stack, 'Backend');
    const vpc = importedVpc(stack);
    expect(() => new StateBackendMonitoring(stack, 'NoFunction', { backend, staleLocks: false, staleLockMonitorVpc: vpc }))
      .toThrow(/staleLockMonitorVpc configure the stale-lock function, but staleLocks is false/);
    expect(() => new StateBackendMonitoring(stack, 'NoVpc', { backend, staleLockMonitorSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED } }))
      .toThrow(/staleLockMonitorSubnets and staleLockMonitorSecurityGroups need staleLockMonitorVpc/);
  });

  test('every option on, Object Lock and a VPC: the monitoring resources pass every control; only the log bucket\'s documented exceptions remain', () => {
    const { app } = synth({ lockingMode: LockingMode.BOTH, objectLockRetention: Duration.days(7), dataEvents: {}, monitoring: {} }, true);
    expect(controlTower(app)).toEqual([
      's3_bucket_default_encryption_kms_check BackendAccessLogsBucketFD7D37B9',
      's3_bucket_logging_enabled_check BackendAccessLogsBucketFD7D37B9',
      's3_bucket_object_lock_enabled_check BackendAccessLogsBucketFD7D37B9',
    ]);
  });

  test('without Object Lock and a VPC: the trail bucket shares the state bucket\'s opt-in Object Lock exception, the function its VPC exception', () => {
    const { app } = synth({ lockingMode: LockingMode.BOTH, dataEvents: {}, monitoring: {} });
    expect(controlTower(app)).toEqual([
      'lambda_inside_vpc_check BackendMonitoringStaleLockMonitorD1BD089D',
      's3_bucket_default_encryption_kms_check BackendAccessLogsBucketFD7D37B9',
      's3_bucket_logging_enabled_check BackendAccessLogsBucketFD7D37B9',
      's3_bucket_object_lock_enabled_check BackendAccessLogsBucketFD7D37B9',
      's3_bucket_object_lock_enabled_check BackendBucketD5FA350F',
      's3_bucket_object_lock_enabled_check BackendDataEventsBucket9C069A1E',
    ]);
  });

  test.each(packs())('cdk-nag %s: nothing with the function in a VPC', (_name, pack) => {
    const { app } = synth({ lockingMode: LockingMode.BOTH, objectLockRetention: Duration.days(7), dataEvents: {}, monitoring: {} }, true);
    app.synth();
    expect(nagFindings(pack, app)).toEqual([]);
  });
});
