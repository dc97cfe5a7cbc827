import { Arn, ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { addChangeRules } from './change-rules';
import { denyGrantsNotForAWSResources } from './key-grants';
import { addStaleLockMonitor } from './stale-lock-monitor';
import type { IStateBackend } from '../state-backend-base';

/**
 * What `StateBackendMonitoring` watches and where it sends notifications.
 */
export interface StateBackendMonitoringOptions {
  /**
   * The topic that receives every notification. A topic you pass must let EventBridge
   * (`events.amazonaws.com`) and CloudWatch (`cloudwatch.amazonaws.com`) publish, and its key (if any) let them use it.
   *
   * @default - a new topic encrypted with a new customer managed key, TLS-only publishing
   */
  readonly topic?: sns.ITopic;

  /**
   * Roles expected to write or delete state objects and lock files. With it, a write or delete by any
   * other principal is notified (needs the bucket's data events in a trail: `dataEvents`).
   *
   * @default - no notification on unexpected writers
   */
  readonly expectedWriters?: iam.IRole[];

  /**
   * Whether changes to the key, the bucket (policy, versioning, encryption, public access block,
   * replication, lifecycle) and the lock table are notified (EventBridge rules on CloudTrail events).
   *
   * @default true
   */
  readonly configurationChanges?: boolean;

  /**
   * Whether a scheduled function alarms on locks older than `staleLockThreshold`.
   *
   * @default true
   */
  readonly staleLocks?: boolean;

  /**
   * Age from which a held lock is stale. Longer than your longest `terraform apply`.
   *
   * @default Duration.hours(2)
   */
  readonly staleLockThreshold?: Duration;

  /**
   * How often the locks are checked (one S3 listing per 1,000 keys, one GET per lock, one Scan per run).
   *
   * @default Duration.minutes(15)
   */
  readonly staleLockCheckInterval?: Duration;

  /**
   * The VPC the stale-lock function runs in. It calls only the S3, DynamoDB and SNS APIs (its logs and
   * metrics leave through Lambda, not the VPC): the subnets need a route to them (gateway endpoints for S3
   * and DynamoDB and an interface endpoint for SNS, or a NAT). Only with `staleLocks`.
   *
   * @default - the function runs outside a VPC
   */
  readonly staleLockMonitorVpc?: ec2.IVpc;

  /**
   * The subnets of `staleLockMonitorVpc` the function runs in. Only with `staleLockMonitorVpc`.
   *
   * @default - the private subnets of the VPC
   */
  readonly staleLockMonitorSubnets?: ec2.SubnetSelection;

  /**
   * The security groups of the function in `staleLockMonitorVpc`. Only with `staleLockMonitorVpc`.
   *
   * @default - a new security group with outbound traffic only
   */
  readonly staleLockMonitorSecurityGroups?: ec2.ISecurityGroup[];

  /**
   * How long the monitor's logs are kept.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * Properties of `StateBackendMonitoring`.
 */
export interface StateBackendMonitoringProps extends StateBackendMonitoringOptions {
  /** The backend to watch. */
  readonly backend: IStateBackend;
}

/**
 * Notifications an SRE on call wants about a state backend, each opt-out, sent to one SNS topic:
 *
 * - the backend key disabled, scheduled for deletion or its policy changed; the bucket's policy,
 *   versioning, encryption, public access block, replication or lifecycle changed; the lock table
 *   deleted or its protection changed (EventBridge rules on CloudTrail management events);
 * - a state object or lock file written or deleted by a principal outside `expectedWriters` (data events);
 * - stale locks: a scheduled function (the package's runtime client, no bundling) writes the metric
 *   `TerraformState/StaleLocks` and names each newly stale lock (key, workspace, holder, operation, age);
 *   alarms on that metric and on the function's errors;
 * - replication failures, when the backend replicates with metrics (`OperationsFailedReplication`).
 *
 * Create it through `StateBackendProps.monitoring`, or on its own for a backend of this app.
 *
 * @example
 * new StateBackend(stack, 'State', {
 *   monitoring: { expectedWriters: [ciRole], staleLockThreshold: Duration.hours(1) },
 * });
 */
export class StateBackendMonitoring extends Construct {
  /** The topic every notification goes to. */
  public readonly topic: sns.ITopic;

  /**
   * The alarm on stale locks (construct ID `StaleLockAlarm`).
   *
   * @default - none: `staleLocks` is false
   */
  public readonly staleLockAlarm?: cloudwatch.IAlarm;

  constructor(scope: Construct, id: string, props: StateBackendMonitoringProps) {
    super(scope, id);
    const threshold = props.staleLockThreshold ?? Duration.hours(2);
    const interval = props.staleLockCheckInterval ?? Duration.minutes(15);
    for (const [name, d, min] of [['staleLockThreshold', threshold, 60], ['staleLockCheckInterval', interval, 60]] as const) {
      if (!d.isUnresolved() && (d.toSeconds({ integral: false }) < min || !Number.isInteger(d.toMinutes({ integral: false })))) {
        throw new Error(`StateBackendMonitoring '${this.node.path}': invalid ${name}: ${d.toHumanString()}. Use whole minutes, at least Duration.minutes(1).`);
      }
    }
    validateVpcProps(this, props);
    if (!threshold.isUnresolved() && !interval.isUnresolved() && interval.toSeconds() > threshold.toSeconds()) {
      throw new Error(`StateBackendMonitoring '${this.node.path}': staleLockCheckInterval (${interval.toHumanString()}) is longer than staleLockThreshold ` +
        `(${threshold.toHumanString()}): a lock could be stale for longer than the threshold before it is seen. Check at least as often as the threshold.`);
    }

    const key = new kms.Key(this, 'Key', {
      description: `Encrypts the notifications and monitor logs of Terraform state ${props.backend.node.path}`,
      enableKeyRotation: true,
    });
    const stack = Stack.of(this);
    key.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'PublishEncryptedNotifications',
      principals: [new iam.ServicePrincipal('events.amazonaws.com'), new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: ['*'],
      conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
    }));
    key.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'EncryptMonitorLogs',
      principals: [new iam.ServicePrincipal(`logs.${stack.region}.${stack.urlSuffix}`)],
      actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'],
      resources: ['*'],
      conditions: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:*` } },
    }));
    denyGrantsNotForAWSResources(key);

    this.topic = props.topic ?? new sns.Topic(this, 'Topic', {
      displayName: 'Terraform state alerts',
      masterKey: key,
      enforceSSL: true,
    });

    addChangeRules(this, {
      backend: props.backend,
      topic: this.topic,
      configurationChanges: props.configurationChanges ?? true,
      expectedWriters: props.expectedWriters,
    });

    if (props.staleLocks ?? true) {
      this.staleLockAlarm = addStaleLockMonitor(this, {
        backend: props.backend,
        topic: this.topic,
        logKey: key,
        topicKey: props.topic ? undefined : key,
        threshold,
        interval,
        logRetention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
        vpc: props.staleLockMonitorVpc,
        vpcSubnets: props.staleLockMonitorSubnets,
        securityGroups: props.staleLockMonitorSecurityGroups,
      }).alarm;
    }

    this.addReplicationAlarm(props.backend);
  }

  /** With replication metrics on (a rule of `StateBackend`'s `replica`), S3 reports failed operations per rule: alarm on any. */
  private addReplicationAlarm(backend: IStateBackend): void {
    const cfn = backend.bucket.node.defaultChild;
    if (!(cfn instanceof s3.CfnBucket)) return;
    const config = cfn.replicationConfiguration as s3.CfnBucket.ReplicationConfigurationProperty | undefined;
    const rules = config?.rules as s3.CfnBucket.ReplicationRuleProperty[] | undefined;
    const destination = rules?.[0]?.destination as s3.CfnBucket.ReplicationDestinationProperty | undefined;
    if ((destination?.metrics as s3.CfnBucket.MetricsProperty | undefined)?.status !== 'Enabled') return;
    const replica = Arn.split(destination!.bucket, ArnFormat.NO_RESOURCE_NAME).resource;
    const alarm = new cloudwatch.Alarm(this, 'ReplicationFailedAlarm', {
      alarmDescription: `Objects of Terraform state ${backend.node.path} failed to replicate to ${replica}. ` +
        'Check the replication role, both keys and the replica bucket; failed objects replicate again only after a new write or S3 Batch Replication.',
      metric: new cloudwatch.Metric({
        namespace: 'AWS/S3',
        metricName: 'OperationsFailedReplication',
        dimensionsMap: { SourceBucket: backend.bucket.bucketName, DestinationBucket: replica, RuleId: 'ReplicateEveryVersion' },
        statistic: 'Sum',
        period: Duration.minutes(5),
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new actions.SnsAction(this.topic));
  }
}

/** The VPC options of the stale-lock function need the function (`staleLocks`) and, for subnets and security groups, a VPC. */
function validateVpcProps(scope: Construct, props: StateBackendMonitoringOptions): void {
  const vpcOptions = (['staleLockMonitorVpc', 'staleLockMonitorSubnets', 'staleLockMonitorSecurityGroups'] as const).filter((k) => props[k] !== undefined);
  if (props.staleLocks === false && vpcOptions.length > 0) {
    throw new Error(`StateBackendMonitoring '${scope.node.path}': ${vpcOptions.join(', ')} configure the stale-lock function, but staleLocks is false. ` +
      'Remove them, or turn staleLocks on.');
  }
  if (!props.staleLockMonitorVpc && (props.staleLockMonitorSubnets || props.staleLockMonitorSecurityGroups)) {
    throw new Error(`StateBackendMonitoring '${scope.node.path}': staleLockMonitorSubnets and staleLockMonitorSecurityGroups need staleLockMonitorVpc. ` +
      'Give the VPC the function runs in, or remove them.');
  }
}
