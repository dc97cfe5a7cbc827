import { Duration, Token, ValidationError } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { IConstruct } from 'constructs';
import { checkWholeDays } from './validation';
import { S3_OBJECT_TAG_LIMITS } from '../../protocol/config/tags';
import { LOCK_FILE_SUFFIX } from '../../protocol/constants';
import { LockingMode } from '../locking-mode';

/** The lock-tag props of `StateBackendProps` (structural, to avoid an import cycle). */
export interface LockTagsProps {
  readonly lockingMode?: LockingMode;
  readonly lockTags?: { [key: string]: string };
  readonly lockFileNoncurrentVersionExpiration?: Duration;
}

/** ID of the lifecycle rule that expires noncurrent lock-file versions. */
export const LOCK_FILE_RULE_ID = 'ExpireLockFileVersions';

function fail(scope: IConstruct, id: string, message: string): never {
  throw new ValidationError(id as any, message, scope);
}

/**
 * `lockTags` must be a non-empty map that S3 accepts as object tags, on a backend with lock files:
 * an empty filter would expire the noncurrent versions of every object, state history included.
 */
export function validateLockTags(scope: IConstruct, props: LockTagsProps): void {
  const tags = props.lockTags;
  if (tags === undefined) {
    if (props.lockFileNoncurrentVersionExpiration !== undefined) {
      fail(scope, 'LockFileExpirationWithoutTags',
        'lockFileNoncurrentVersionExpiration is set but lockTags is not. The lifecycle rule finds lock files by their tags (S3 filters cannot match the ".tflock" suffix): set lockTags too.');
    }
    return;
  }
  checkWholeDays(scope, 'lockFileNoncurrentVersionExpiration', props.lockFileNoncurrentVersionExpiration);
  if ((props.lockingMode ?? LockingMode.S3_LOCKFILE) === LockingMode.DYNAMODB) {
    fail(scope, 'LockTagsWithoutLockFile', 'lockTags is set but lockingMode is DYNAMODB, which writes no lock files. Use LockingMode.S3_LOCKFILE or LockingMode.BOTH, or remove lockTags.');
  }
  const keys = Object.keys(tags);
  if (keys.length === 0) {
    fail(scope, 'EmptyLockTags', 'lockTags is empty. A lifecycle rule without a tag filter would expire the noncurrent versions of every object, state history included: give at least one tag, e.g. { "object:type": "lock" }.');
  }
  if (keys.length > S3_OBJECT_TAG_LIMITS.maxTags) {
    fail(scope, 'TooManyLockTags', `lockTags has ${keys.length} tags; S3 allows at most ${S3_OBJECT_TAG_LIMITS.maxTags} on an object. Remove tags.`);
  }
  for (const key of keys) {
    if (Token.isUnresolved(key) || Token.isUnresolved(tags[key])) continue;
    const keyLength = [...key].length;
    if (keyLength === 0 || keyLength > S3_OBJECT_TAG_LIMITS.maxKeyLength || key.toLowerCase().startsWith('aws:')) {
      fail(scope, 'InvalidLockTagKey', `Invalid lockTags key ${JSON.stringify(key)}: S3 tag keys are 1 to ${S3_OBJECT_TAG_LIMITS.maxKeyLength} characters and must not start with "aws:".`);
    }
    if ([...tags[key]].length > S3_OBJECT_TAG_LIMITS.maxValueLength) {
      fail(scope, 'InvalidLockTagValue', `Invalid lockTags value of ${JSON.stringify(key)}: S3 tag values are at most ${S3_OBJECT_TAG_LIMITS.maxValueLength} characters.`);
    }
  }
}

/**
 * The lifecycle rule that deletes noncurrent versions of the objects that carry every lock tag: lock
 * files churn one version per lock in a versioned bucket (hashicorp/terraform#36445). S3 lifecycle
 * filters match prefixes and tags, never a suffix, so the tags are what find the lock files.
 */
export function lockFileLifecycleRule(props: LockTagsProps): s3.LifecycleRule | undefined {
  if (!props.lockTags) return undefined;
  return {
    id: LOCK_FILE_RULE_ID,
    tagFilters: props.lockTags,
    noncurrentVersionExpiration: props.lockFileNoncurrentVersionExpiration ?? Duration.days(1),
  };
}

/**
 * Refuses a write that would put the lock tags on any object other than a lock file: otherwise a
 * principal that may write (or tag) a state could make its versions match the lock-file rule and
 * expire after a day. The conditions of one `StringEquals` block must all match, as the rule's
 * filter does.
 */
export function lockTagsOnStateDenyStatement(bucket: s3.IBucket, lockTags: { [key: string]: string }): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'DenyLockTagsOnOtherObjects',
    effect: iam.Effect.DENY,
    principals: [new iam.AnyPrincipal()],
    actions: ['s3:PutObject', 's3:PutObjectTagging', 's3:PutObjectVersionTagging'],
    notResources: [bucket.arnForObjects(`*${LOCK_FILE_SUFFIX}`)],
    conditions: {
      StringEquals: Object.fromEntries(Object.entries(lockTags).map(([k, v]) => [`s3:RequestObjectTag/${k}`, v])),
    },
  });
}
