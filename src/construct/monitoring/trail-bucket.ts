import { Names, Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { logDeliveryStatement, sendEventsToEventBridge } from '../private/bucket-policy';
import type { IStateBackend } from '../state-backend-base';

/** Where the trail bucket's own S3 server access logs go in the log bucket. */
export const TRAIL_ACCESS_LOGS_PREFIX = 'tfstate-data-events-trail/';

/** What {@link protectTrailBucket} turned on, for the acknowledgements of the caller. */
export interface TrailBucketProtection {
  readonly accessLogs: boolean;
  readonly objectLock: boolean;
}

/**
 * Brings the bucket of the data-events trail to the state bucket's level, as far as the backend allows:
 *
 * | protection | when | how |
 * |---|---|---|
 * | S3 server access logs (CT.S3.PR.2) | `logs` given, or the backend has an access-log bucket | into that bucket under {@link TRAIL_ACCESS_LOGS_PREFIX}, delivery granted to this bucket only (`aws:SourceArn`) |
 * | object events to EventBridge | always | on the L1 (`eventBridgeEnabled` would add a custom-resource function) |
 * | Object Lock (CT.S3.PR.9) | the state bucket has Object Lock (`objectLockRetention`) | the same default retention (governance mode) |
 *
 * Object Lock stays the backend's opt-in: it can only be set on a new bucket and holds every version for
 * the retention period.
 */
export function protectTrailBucket(bucket: s3.Bucket, backend: IStateBackend, logs: s3.IBucket | undefined): TrailBucketProtection {
  const l1 = bucket.node.defaultChild as s3.CfnBucket;
  sendEventsToEventBridge(bucket);

  const target = logs ?? (backend as { accessLogsBucket?: s3.IBucket }).accessLogsBucket;
  if (target) {
    if (Stack.of(target) !== Stack.of(bucket)) {
      // The log bucket's delivery grant names this bucket; a reference to it from the log bucket's stack
      // would make the two stacks depend on each other, so the bucket gets a name known at synth time
      // (as the state bucket does, `private/state-bucket.ts`).
      const stack = Stack.of(bucket);
      const unique = Names.uniqueResourceName(bucket, { maxLength: 24, separator: '', allowedSpecialCharacters: '' }).toLowerCase();
      l1.bucketName = `tftrail-${unique}-${stack.account}-${stack.region}`;
    }
    l1.loggingConfiguration = { destinationBucketName: target.bucketName, logFilePrefix: TRAIL_ACCESS_LOGS_PREFIX };
    target.addToResourcePolicy(logDeliveryStatement(target, bucket, TRAIL_ACCESS_LOGS_PREFIX, l1));
  }

  const stateL1 = backend.bucket.node.defaultChild;
  const objectLock = stateL1 instanceof s3.CfnBucket && stateL1.objectLockEnabled === true && stateL1.objectLockConfiguration !== undefined;
  if (objectLock) {
    l1.objectLockEnabled = true;
    l1.objectLockConfiguration = stateL1.objectLockConfiguration;
  }
  return { accessLogs: target !== undefined, objectLock };
}
