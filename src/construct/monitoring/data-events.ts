import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cloudtrail from 'aws-cdk-lib/aws-cloudtrail';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { denyGrantsNotForAWSResources } from './key-grants';
import { protectTrailBucket } from './trail-bucket';
import type { IStateBackend } from '../state-backend-base';

/**
 * Where the object-level (data) events of the state bucket are recorded.
 */
export interface StateBackendDataEventsOptions {
  /**
   * A trail of this app that also records the state bucket's data events.
   *
   * @default - a new single-region trail with its own encrypted bucket and log group
   */
  readonly trail?: cloudtrail.Trail;

  /**
   * Whether the new trail also records management events (write only). The configuration-change
   * notifications need a trail that records them; landing zones usually have an organization trail.
   * Only without `trail`.
   *
   * @default false
   */
  readonly includeManagementEvents?: boolean;

  /**
   * How long the new trail's log files and CloudWatch Logs events are kept. Only without `trail`.
   *
   * @default Duration.days(365)
   */
  readonly retention?: Duration;

  /**
   * The bucket that receives the S3 server access logs of the new trail's bucket (prefix
   * `tfstate-data-events-trail/`), in the same account and region, not under a customer managed key.
   * Only without `trail`.
   *
   * @default - the backend's access-log bucket (`StateBackend.accessLogsBucket`); none when the backend has
   * no access logging or is imported
   */
  readonly accessLogsBucket?: s3.IBucket;
}

/**
 * Properties of `StateBackendDataEvents`.
 */
export interface StateBackendDataEventsProps extends StateBackendDataEventsOptions {
  /** The backend whose bucket is recorded. */
  readonly backend: IStateBackend;
}

/**
 * Records every read and write of the state bucket's objects (GetObject, PutObject, DeleteObject, ...)
 * in CloudTrail, so that each state read and write is attributable to a principal. Data events also
 * reach EventBridge, where `StateBackendMonitoring` watches for unexpected writers.
 *
 * Cost: $0.10 per 100,000 data events (each `terraform plan` is a few reads, each `apply` a few more
 * requests), plus the trail's S3 and CloudWatch Logs storage.
 *
 * @example
 * new StateBackend(stack, 'State', { dataEvents: {} });
 */
export class StateBackendDataEvents extends Construct {
  /** The trail that records the data events. */
  public readonly trail: cloudtrail.Trail;

  constructor(scope: Construct, id: string, props: StateBackendDataEventsProps) {
    super(scope, id);
    if (props.trail && (props.includeManagementEvents !== undefined || props.retention !== undefined || props.accessLogsBucket !== undefined)) {
      throw new Error(`StateBackendDataEvents '${this.node.path}': includeManagementEvents, retention and accessLogsBucket apply only to the trail this construct creates, ` +
        'but trail is given. Configure your trail yourself and remove them.');
    }
    this.trail = props.trail ?? this.createTrail(props);
    this.trail.addS3EventSelector([{ bucket: props.backend.bucket }], {
      readWriteType: cloudtrail.ReadWriteType.ALL,
      includeManagementEvents: false,
    });
  }

  private createTrail(props: StateBackendDataEventsProps): cloudtrail.Trail {
    const stack = Stack.of(this);
    const retention = props.retention ?? Duration.days(365);
    const key = new kms.Key(this, 'Key', {
      description: `Encrypts the CloudTrail data events of Terraform state ${props.backend.node.path}`,
      enableKeyRotation: true,
    });
    denyGrantsNotForAWSResources(key);
    key.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'CloudTrailEncryptLogs',
      principals: [new iam.ServicePrincipal('cloudtrail.amazonaws.com')],
      actions: ['kms:GenerateDataKey', 'kms:DescribeKey'],
      resources: ['*'],
      conditions: {
        StringEquals: { 'aws:SourceAccount': stack.account },
        StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': `arn:${stack.partition}:cloudtrail:*:${stack.account}:trail/*` },
      },
    }));
    key.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'CloudWatchLogsEncrypt',
      principals: [new iam.ServicePrincipal(`logs.${stack.region}.${stack.urlSuffix}`)],
      actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'],
      resources: ['*'],
      conditions: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:*` } },
    }));
    const bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: key,
      bucketKeyEnabled: true,
      versioned: true,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ id: 'ExpireTrailLogs', expiration: retention, noncurrentVersionExpiration: Duration.days(1) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const protection = protectTrailBucket(bucket, props.backend, props.accessLogsBucket);
    const noAccessLogs = protection.accessLogs ? [] : [
      { id: 'AwsSolutions-S1', reason: LOG_BUCKET_REASON },
      ...['HIPAA.Security', 'NIST.800.53.R5', 'PCI.DSS.321'].map((pack) => ({ id: `${pack}-S3BucketLoggingEnabled`, reason: LOG_BUCKET_REASON })),
    ];
    Validations.of(bucket).acknowledge(
      ...noAccessLogs,
      ...['HIPAA.Security', 'NIST.800.53.R5', 'PCI.DSS.321'].flatMap((pack) => [
        {
          id: `${pack}-S3BucketReplicationEnabled`,
          reason: 'The trail bucket is the audit record of one region; copying audit logs to a central log archive is the landing zone\'s job, ' +
            'and the bucket is versioned, KMS-encrypted and retained.',
        },
      ]),
    );
    const logGroup = new logs.LogGroup(this, 'Logs', {
      encryptionKey: key,
      retention: retentionDays(retention),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const trail = new cloudtrail.Trail(this, 'Trail', {
      bucket,
      encryptionKey: key,
      enableFileValidation: true,
      sendToCloudWatchLogs: true,
      cloudWatchLogGroup: logGroup,
      isMultiRegionTrail: false,
      includeGlobalServiceEvents: false,
      managementEvents: props.includeManagementEvents ? cloudtrail.ReadWriteType.WRITE_ONLY : cloudtrail.ReadWriteType.NONE,
    });
    // The Trail construct writes its CloudWatch Logs role policy inline; it allows exactly
    // CreateLogStream and PutLogEvents on this trail's log group.
    const logsRole = trail.node.tryFindChild('LogsRole');
    if (logsRole) {
      Validations.of(logsRole).acknowledge(...['HIPAA.Security', 'NIST.800.53.R5', 'PCI.DSS.321'].map((pack) => ({
        id: `${pack}-IAMNoInlinePolicy`,
        reason: 'The inline policy is the one aws-cdk\'s Trail construct writes for CloudTrail delivery to CloudWatch Logs: logs:CreateLogStream and ' +
          'logs:PutLogEvents on this trail\'s own log group only, attached to a role only CloudTrail can assume.',
      })));
    }
    return trail;
  }
}

const LOG_BUCKET_REASON = 'This bucket only receives CloudTrail log files, which CloudTrail signs (file validation) and which record every access to the ' +
  'state bucket; the backend has no access-log bucket (accessLogsEnabled false, or an imported backend) and none was given (accessLogsBucket).';

/** The shortest CloudWatch Logs retention that is at least `d`. */
function retentionDays(d: Duration): logs.RetentionDays {
  if (d.isUnresolved()) return logs.RetentionDays.ONE_YEAR;
  const days = d.toDays({ integral: false });
  const allowed = Object.values(logs.RetentionDays).filter((v): v is number => typeof v === 'number' && v > 0).sort((a, b) => a - b);
  return (allowed.find((v) => v >= days) ?? logs.RetentionDays.INFINITE) as logs.RetentionDays;
}
