import { Duration, Names, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { retainPolicy } from './access-logs-bucket';
import {
  blockSseC, encryptionHeaderDenyStatements, lockFileConditionalWriteStatement, logDeliveryStatement, sendEventsToEventBridge,
} from './bucket-policy';
import { lockFileLifecycleRule, lockTagsOnStateDenyStatement } from './lock-tags';

/** The state-bucket props of `StateBackendProps` (structural, to avoid an import cycle). */
export interface StateBucketProps {
  readonly bucketName?: string;
  readonly noncurrentVersionsToRetain?: number;
  readonly noncurrentVersionExpiration?: Duration;
  readonly abortIncompleteMultipartUploadAfter?: Duration;
  readonly accessLogsPrefix?: string;
  readonly objectLockRetention?: Duration;
  readonly lockTags?: { [key: string]: string };
  readonly lockFileNoncurrentVersionExpiration?: Duration;
}

/** What the state bucket is built from besides the props. */
export interface StateBucketContext {
  readonly encryptionKey: kms.IKey;
  readonly bucketKeyEnabled: boolean;
  readonly accessLogsBucket?: s3.IBucket;
  readonly removalPolicy: RemovalPolicy;
  readonly autoDeleteObjects: boolean;
}

/**
 * The state bucket (construct ID `Bucket` under `scope`): versioned, SSE-KMS with the key, TLS 1.2 only,
 * public access blocked, history lifecycle, the encryption, lock-file and SSE-C statements, and access
 * logging to `ctx.accessLogsBucket` when there is one.
 */
export function createStateBucket(scope: Construct, props: StateBucketProps, ctx: StateBucketContext): s3.Bucket {
  const { removalPolicy } = ctx;
  const lockRule = lockFileLifecycleRule(props);
  const bucket = new s3.Bucket(scope, 'Bucket', {
    bucketName: props.bucketName ?? nameForLogsInAnotherStack(scope, ctx.accessLogsBucket),
    versioned: true,
    encryption: s3.BucketEncryption.KMS,
    encryptionKey: ctx.encryptionKey,
    bucketKeyEnabled: ctx.bucketKeyEnabled,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    enforceSSL: true,
    minimumTLSVersion: 1.2,
    lifecycleRules: [
      {
        id: 'StateHistory',
        noncurrentVersionsToRetain: props.noncurrentVersionsToRetain ?? 100,
        noncurrentVersionExpiration: props.noncurrentVersionExpiration ?? Duration.days(90),
        expiredObjectDeleteMarker: true,
      },
      {
        id: 'AbortIncompleteMultipartUploads',
        abortIncompleteMultipartUploadAfter: props.abortIncompleteMultipartUploadAfter ?? Duration.days(7),
      },
      ...(lockRule ? [lockRule] : []),
    ],
    removalPolicy,
    autoDeleteObjects: ctx.autoDeleteObjects,
    ...(props.objectLockRetention
      ? { objectLockEnabled: true, objectLockDefaultRetention: s3.ObjectLockRetention.governance(props.objectLockRetention) }
      : {}),
  });
  for (const statement of encryptionHeaderDenyStatements(bucket, ctx.encryptionKey)) {
    bucket.addToResourcePolicy(statement);
  }
  bucket.addToResourcePolicy(lockFileConditionalWriteStatement(bucket));
  if (props.lockTags) bucket.addToResourcePolicy(lockTagsOnStateDenyStatement(bucket, props.lockTags));
  blockSseC(bucket);
  sendEventsToEventBridge(bucket);
  retainPolicy(bucket, removalPolicy);

  const logs = ctx.accessLogsBucket;
  if (logs) {
    // Set on the L1 rather than through `serverAccessLogsBucket`: for a bucket passed in, CDK would grant
    // delivery with ACLs unless the app sets a feature flag, and ACLs are disabled by BucketOwnerEnforced.
    const l1 = bucket.node.defaultChild as s3.CfnBucket;
    l1.loggingConfiguration = {
      destinationBucketName: logs.bucketName,
      logFilePrefix: props.accessLogsPrefix,
    };
    logs.addToResourcePolicy(logDeliveryStatement(logs, bucket, props.accessLogsPrefix, l1));
  }
  return bucket;
}

/**
 * A log bucket of another stack can only scope its delivery grant to the state bucket (`aws:SourceArn`)
 * if it can name the bucket without referencing this stack, which already references the log bucket
 * (the two stacks would depend on each other). So the state bucket then gets a name known at synth time:
 * `tfstate-<unique id>-<account>-<region>`, unique per construct, account and region.
 */
function nameForLogsInAnotherStack(scope: Construct, logs: s3.IBucket | undefined): string | undefined {
  if (!logs || Stack.of(logs) === Stack.of(scope)) return undefined;
  const stack = Stack.of(scope);
  const unique = Names.uniqueResourceName(scope, { maxLength: 24, separator: '', allowedSpecialCharacters: '' }).toLowerCase();
  return `tfstate-${unique}-${stack.account}-${stack.region}`;
}
