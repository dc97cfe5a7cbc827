import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { LOCK_FILE_SUFFIX } from '../../protocol/constants';
import { acknowledgeWildcardResources } from '../private/acknowledge';
import { allowThroughRestriction } from '../private/state-access-restriction';
import type { IStateBackend } from '../state-backend-base';

/** The compiled handler folder (`tsc -p src/tsconfig.monitor.json`), from src/construct/monitoring or lib/construct/monitoring. */
export const MONITOR_HANDLER_DIR = path.join(__dirname, '..', '..', '..', 'lib', 'monitor-handler');
export const MONITOR_HANDLER = 'monitor/stale-locks-handler.handler';

/** The metric the handler writes (Embedded Metric Format), mirrored from src/monitor/stale-locks.ts. */
export const STALE_LOCKS_METRIC = { namespace: 'TerraformState', metricName: 'StaleLocks' };

/** Options of {@link addStaleLockMonitor}. */
export interface StaleLockMonitorSettings {
  readonly backend: IStateBackend;
  readonly topic: sns.ITopic;
  readonly logKey: kms.IKey;
  /** The key of the topic, when this app knows it (SNS needs the publisher to use it). */
  readonly topicKey?: kms.IKey;
  readonly threshold: Duration;
  readonly interval: Duration;
  readonly logRetention: logs.RetentionDays;
  /** The VPC the function runs in (none: outside a VPC). */
  readonly vpc?: ec2.IVpc;
  readonly vpcSubnets?: ec2.SubnetSelection;
  readonly securityGroups?: ec2.ISecurityGroup[];
}

/**
 * What Lambda needs of the execution role to attach a function to a VPC (the actions of the AWS managed
 * policy AWSLambdaVPCAccessExecutionRole, without its logs actions): the network interfaces in the
 * function's subnets. The Describe actions have no resource-level permissions.
 */
const VPC_ACCESS_ACTIONS = [
  'ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets', 'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses',
];

/**
 * A function that runs every `interval`, lists the held locks of the backend with the runtime client's
 * lock report, writes the metrics `StaleLocks`, `HeldLocks` and `OldestLockAgeSeconds` and sends a
 * message naming each lock that became older than `threshold`; an alarm on `StaleLocks` and one on
 * the function's errors notify the topic.
 *
 * Its role reads only lock files (`*.tflock`), the listing, and the lock table (one Scan per run, projecting
 * `LockID` and `Info`; the digest items it could read hold MD5 sums, never state).
 */
export function addStaleLockMonitor(scope: Construct, s: StaleLockMonitorSettings): { fn: lambda.Function; alarm: cloudwatch.Alarm } {
  if (!existsSync(path.join(MONITOR_HANDLER_DIR, 'monitor', 'stale-locks-handler.js'))) {
    throw new Error(`The stale-lock monitor's code is missing from ${MONITOR_HANDLER_DIR}. It ships compiled in the package; ` +
      'in a clone of cdk-tfstate-backend run `npx projen compile` (or `npx tsc -p src/tsconfig.monitor.json`) first.');
  }
  const { backend } = s;
  const stack = Stack.of(scope);
  const logGroup = new logs.LogGroup(scope, 'StaleLockMonitorLogs', {
    retention: s.logRetention,
    encryptionKey: s.logKey,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  const role = new iam.Role(scope, 'StaleLockMonitorRole', {
    description: `Lists the held locks of Terraform state ${backend.node.path}`,
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
  });
  // It reads lock files (never state): with restrictStateAccess it must be on the allow list too.
  allowThroughRestriction(backend, role, 'the stale-lock monitor role');
  const s3Service = `s3.${Stack.of(backend).region}.${stack.urlSuffix}`;
  const bucketArn = backend.bucket.bucketArn;
  const policy = new iam.ManagedPolicy(scope, 'StaleLockMonitorPolicy', {
    roles: [role],
    statements: [
      new iam.PolicyStatement({ sid: 'ListKeys', actions: ['s3:ListBucket'], resources: [bucketArn] }),
      new iam.PolicyStatement({ sid: 'ReadLockFiles', actions: ['s3:GetObject'], resources: [`${bucketArn}/*${LOCK_FILE_SUFFIX}`] }),
      new iam.PolicyStatement({
        sid: 'DecryptLockFiles',
        actions: ['kms:Decrypt'],
        resources: [backend.encryptionKey.keyArn],
        conditions: {
          StringEquals: { 'kms:ViaService': s3Service },
          StringLike: { 'kms:EncryptionContext:aws:s3:arn': backend.bucketKeyEnabled ? [bucketArn, `${bucketArn}/*${LOCK_FILE_SUFFIX}`] : [`${bucketArn}/*${LOCK_FILE_SUFFIX}`] },
        },
      }),
      ...(backend.lockTable ? [
        new iam.PolicyStatement({
          sid: 'ScanLockItems',
          actions: ['dynamodb:Scan'],
          resources: [backend.lockTable.tableArn],
        }),
        new iam.PolicyStatement({
          sid: 'DecryptLockItems',
          actions: ['kms:Decrypt'],
          resources: [backend.encryptionKey.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `dynamodb.${Stack.of(backend).region}.${stack.urlSuffix}` } },
        }),
      ] : []),
      new iam.PolicyStatement({ sid: 'WriteLogs', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [`${logGroup.logGroupArn}:*`] }),
      new iam.PolicyStatement({ sid: 'PublishMessages', actions: ['sns:Publish'], resources: [s.topic.topicArn] }),
      ...(s.topicKey ? [new iam.PolicyStatement({ sid: 'EncryptMessages', actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [s.topicKey.keyArn] })] : []),
      ...(s.vpc ? [new iam.PolicyStatement({ sid: 'VpcNetworkInterfaces', actions: VPC_ACCESS_ACTIONS, resources: ['*'] })] : []),
    ],
  });
  acknowledgeWildcardResources(policy,
    'The monitor reads every lock file, named by the Terraform suffix (bucket/*.tflock), because locks exist for any key and workspace; ' +
    'log streams are created per invocation inside its own log group (log-group-arn:*)' +
    (s.vpc ? '; in a VPC, Lambda manages the function\'s network interfaces with its role (the actions of AWSLambdaVPCAccessExecutionRole, ' +
      'whose Describe actions have no resource-level permissions).' : '.'));

  const fn = new lambda.Function(scope, 'StaleLockMonitor', {
    description: `Alarms on Terraform state locks of ${backend.node.path} older than ${s.threshold.toHumanString()}`,
    runtime: lambda.Runtime.NODEJS_24_X,
    code: lambda.Code.fromAsset(MONITOR_HANDLER_DIR),
    handler: MONITOR_HANDLER,
    role,
    logGroup,
    memorySize: 256,
    timeout: Duration.minutes(2),
    reservedConcurrentExecutions: 1,
    vpc: s.vpc,
    vpcSubnets: s.vpcSubnets,
    securityGroups: s.securityGroups,
    environment: {
      TFSTATE_BUCKET: backend.bucket.bucketName,
      ...(backend.lockTable ? { TFSTATE_LOCK_TABLE: backend.lockTable.tableName } : {}),
      TFSTATE_WORKSPACE_KEY_PREFIX: backend.workspaceKeyPrefix,
      TFSTATE_STALE_AFTER_SECONDS: String(s.threshold.toSeconds()),
      TFSTATE_INTERVAL_SECONDS: String(s.interval.toSeconds()),
      TFSTATE_TOPIC_ARN: s.topic.topicArn,
    },
  });
  fn.node.addDependency(policy);
  Validations.of(fn).acknowledge(
    ...(s.vpc ? [] : ['HIPAA.Security', 'NIST.800.53.R5', 'PCI.DSS.321']).map((pack) => ({
      id: `${pack}-LambdaInsideVPC`,
      reason: 'The monitor only calls the S3, DynamoDB and SNS APIs over TLS with its own least-privilege role and holds no network-reachable endpoint; ' +
        'a VPC would need interface endpoints or a NAT for those APIs at a cost far above the function itself.',
    })),
    ...['HIPAA.Security', 'NIST.800.53.R5'].map((pack) => ({
      id: `${pack}-LambdaDLQ`,
      reason: 'The function is invoked by a schedule with an empty event: a failed run is repeated by the next schedule and alarmed by the ' +
        'StaleLockMonitorErrors alarm, so a dead-letter queue would only collect empty scheduled events.',
    })),
  );

  new events.Rule(scope, 'StaleLockSchedule', {
    description: `Runs the stale-lock monitor of ${backend.node.path}`,
    schedule: events.Schedule.rate(s.interval),
    targets: [new targets.LambdaFunction(fn, { retryAttempts: 0 })],
  });

  const alarmAction = new actions.SnsAction(s.topic);
  const alarm = new cloudwatch.Alarm(scope, 'StaleLockAlarm', {
    alarmDescription: `A Terraform state lock of ${backend.node.path} is older than ${s.threshold.toHumanString()}. ` +
      'The SNS message of the monitor names the key, workspace, holder, operation and age; `tfstate locks -older-than=...` lists them.',
    metric: new cloudwatch.Metric({
      ...STALE_LOCKS_METRIC,
      dimensionsMap: { Bucket: backend.bucket.bucketName },
      statistic: 'Maximum',
      period: s.interval,
    }),
    threshold: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods: 1,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  alarm.addAlarmAction(alarmAction);
  alarm.addOkAction(alarmAction);
  const errors = new cloudwatch.Alarm(scope, 'StaleLockMonitorErrors', {
    alarmDescription: `The stale-lock monitor of ${backend.node.path} failed: stale locks are not being checked. See its log group.`,
    metric: fn.metricErrors({ period: s.interval, statistic: 'Sum' }),
    threshold: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods: 1,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  errors.addAlarmAction(alarmAction);
  return { fn, alarm };
}
