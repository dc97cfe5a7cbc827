import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { blockSseC, sendEventsToEventBridge } from './bucket-policy';
import { COMPLIANCE_PACKS } from './compliance-packs';

/** The access-log props of `StateBackendProps` (structural, to avoid an import cycle). */
export interface AccessLogsProps {
  readonly accessLogsEnabled?: boolean;
  readonly accessLogsBucket?: s3.IBucket;
  readonly accessLogsExpiration?: Duration;
}

/**
 * A retained bucket keeps its policy: without it, a bucket left behind by a deleted stack would lose the
 * TLS, encryption, lock-file and deny-by-default statements.
 */
export function retainPolicy(bucket: s3.Bucket, removalPolicy: RemovalPolicy): void {
  bucket.policy?.applyRemovalPolicy(removalPolicy);
}

/**
 * The bucket that receives the state bucket's access logs: none when logging is off, the one passed in,
 * or a dedicated one (construct ID `AccessLogsBucket` under `scope`).
 */
export function createAccessLogsBucket(
  scope: Construct, props: AccessLogsProps, removalPolicy: RemovalPolicy, autoDeleteObjects: boolean,
): s3.IBucket | undefined {
  if (props.accessLogsEnabled === false) return undefined;
  if (props.accessLogsBucket) return props.accessLogsBucket;

  const logs = new s3.Bucket(scope, 'AccessLogsBucket', {
    // S3 server access log delivery cannot write to a bucket whose default encryption is a customer managed key.
    encryption: s3.BucketEncryption.S3_MANAGED,
    versioned: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    enforceSSL: true,
    minimumTLSVersion: 1.2,
    lifecycleRules: [
      {
        id: 'AbortIncompleteMultipartUploads',
        abortIncompleteMultipartUploadAfter: Duration.days(7),
      },
      ...(props.accessLogsExpiration
        ? [{ id: 'ExpireLogs', expiration: props.accessLogsExpiration, noncurrentVersionExpiration: Duration.days(1) }]
        : []),
    ],
    removalPolicy,
    autoDeleteObjects,
  });
  blockSseC(logs);
  sendEventsToEventBridge(logs);
  retainPolicy(logs, removalPolicy);
  // cdk-nag counts a bucket that receives another bucket's access logs as logged, so only the encryption
  // and replication findings need a reason here.
  Validations.of(logs).acknowledge(
    ...COMPLIANCE_PACKS.flatMap((pack) => [
      {
        id: `${pack}-S3DefaultEncryptionKMS`,
        reason: 'S3 server access log delivery does not support a destination bucket encrypted with a customer managed KMS key; ' +
          'the logs are encrypted with SSE-S3 (AES-256) and hold request metadata, never state content.',
      },
      {
        id: `${pack}-S3BucketReplicationEnabled`,
        reason: 'Access logs are the audit trail of a bucket in this region; they are versioned and retained, ' +
          'and copying them to a central log archive is the landing zone\'s job, not this construct\'s.',
      },
    ]),
  );
  return logs;
}
