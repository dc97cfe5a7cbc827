import { Duration, Stack, ValidationError } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct, IConstruct } from 'constructs';
import { acknowledgeWildcardResources } from '../private/acknowledge';
import type { StateBackendReplica } from '../replica';

/** The S3 encryption context key of SSE-KMS (object ARN, or bucket ARN with an S3 Bucket Key). */
const S3_CONTEXT = 'kms:EncryptionContext:aws:s3:arn';

/** What the replication role may do on the source bucket (exact actions, AWS's documented minimum). */
export const REPLICATION_SOURCE_BUCKET_ACTIONS = ['s3:GetReplicationConfiguration', 's3:ListBucket'];
export const REPLICATION_SOURCE_OBJECT_ACTIONS = ['s3:GetObjectVersionForReplication', 's3:GetObjectVersionAcl', 's3:GetObjectVersionTagging'];
/** What it may do on the replica bucket: write replicas, delete markers and tags. */
export const REPLICATION_DESTINATION_ACTIONS = ['s3:ReplicateObject', 's3:ReplicateDelete', 's3:ReplicateTags'];

/** Options of {@link configureReplication}. */
export interface ReplicationSettings {
  readonly replica: StateBackendReplica;
  readonly sourceKey: kms.IKey;
  readonly sourceBucketKeyEnabled: boolean;
  readonly replicationTimeControl: boolean;
  readonly replicationMetrics: boolean;
  /** Whether the source bucket has Object Lock. */
  readonly sourceObjectLock: boolean;
}

/** Both encryption contexts S3 may use for objects of `bucketArn`: with a Bucket Key the bucket ARN, else the object ARN. */
function contexts(bucketArn: string, bucketKey: boolean): string[] {
  return bucketKey ? [bucketArn, `${bucketArn}/*`] : [`${bucketArn}/*`];
}

/**
 * Replicates every version of every object (delete markers included) of `bucket` into the replica,
 * encrypted with the replica's key, through a role that can do nothing else.
 *
 * | statement | actions | resource | condition |
 * |---|---|---|---|
 * | SourceBucket | GetReplicationConfiguration, ListBucket | source bucket | |
 * | SourceVersions | GetObjectVersionForReplication, -Acl, -Tagging | source objects | |
 * | DecryptSource | kms:Decrypt | source key | via S3 in the source region, context = source bucket (Bucket Key) or its objects |
 * | WriteReplicas | ReplicateObject, ReplicateDelete, ReplicateTags | replica objects | |
 * | EncryptReplicas | kms:Encrypt, kms:GenerateDataKey | keys of the replica region | key has the replica alias, via S3 in the replica region, context = replica bucket or its objects |
 *
 * The replica key is named by alias (`kms:ResourceAliases`) because its key ARN does not exist in the
 * source region at synthesis. The trust policy admits S3 in this account only.
 */
export function configureReplication(scope: Construct, bucket: s3.Bucket, settings: ReplicationSettings): iam.Role {
  const stack = Stack.of(scope);
  const replicaStack = Stack.of(settings.replica);
  if (replicaStack.region === stack.region) {
    throw new Error(`StateBackend '${scope.node.path}': replica '${settings.replica.node.path}' is in the same region (${stack.region}). ` +
      'Cross-region replication needs the replica in another region: give its stack env: { region: <another region> }.');
  }
  if (replicaStack.account !== stack.account) {
    throw new Error(`StateBackend '${scope.node.path}': replica '${settings.replica.node.path}' is in account ${replicaStack.account}, the backend in ${stack.account}. ` +
      'Only same-account replicas are supported: deploy the replica stack in the same account.');
  }
  const replicaLocked = (settings.replica.bucket.node.defaultChild as s3.CfnBucket).objectLockEnabled === true;
  if (settings.sourceObjectLock && !replicaLocked) {
    throw new Error(`StateBackend '${scope.node.path}': objectLockRetention is set, but replica '${settings.replica.node.path}' has no Object Lock. ` +
      'S3 replicates objects under Object Lock only into a bucket with Object Lock: give the replica objectLockRetention too.');
  }
  if (replicaStack !== stack) stack.addDependency(replicaStack, 'the replication rule names the replica bucket and key alias, which must exist first');

  const replicaBucketArn = settings.replica.bucket.bucketArn;
  const replicaKeys = `arn:${stack.partition}:kms:${replicaStack.region}:${replicaStack.account}:key/*`;
  const role = new iam.Role(scope, 'ReplicationRole', {
    description: `S3 replication of ${scope.node.path} into ${settings.replica.node.path}`,
    assumedBy: new iam.ServicePrincipal('s3.amazonaws.com', {
      // aws:SourceArn would name the bucket, which names the role in its replication rule: a cycle.
      conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
    }),
  });
  const policy = new iam.ManagedPolicy(scope, 'ReplicationPolicy', {
    roles: [role],
    statements: [
      new iam.PolicyStatement({ sid: 'SourceBucket', actions: REPLICATION_SOURCE_BUCKET_ACTIONS, resources: [bucket.bucketArn] }),
      new iam.PolicyStatement({
        sid: 'SourceVersions',
        // With Object Lock, S3 also reads each version's retention and legal hold to copy them.
        actions: [...REPLICATION_SOURCE_OBJECT_ACTIONS, ...(settings.sourceObjectLock ? ['s3:GetObjectRetention', 's3:GetObjectLegalHold'] : [])],
        resources: [bucket.arnForObjects('*')],
      }),
      new iam.PolicyStatement({
        sid: 'DecryptSource',
        actions: ['kms:Decrypt'],
        resources: [settings.sourceKey.keyArn],
        conditions: {
          StringEquals: { 'kms:ViaService': `s3.${stack.region}.${stack.urlSuffix}` },
          StringLike: { [S3_CONTEXT]: contexts(bucket.bucketArn, settings.sourceBucketKeyEnabled) },
        },
      }),
      new iam.PolicyStatement({ sid: 'WriteReplicas', actions: REPLICATION_DESTINATION_ACTIONS, resources: [`${replicaBucketArn}/*`] }),
      new iam.PolicyStatement({
        sid: 'EncryptReplicas',
        actions: ['kms:Encrypt', 'kms:GenerateDataKey'],
        resources: [replicaKeys],
        conditions: {
          'ForAnyValue:StringEquals': { 'kms:ResourceAliases': [settings.replica.encryptionKeyAliasName] },
          'StringEquals': { 'kms:ViaService': `s3.${replicaStack.region}.${stack.urlSuffix}` },
          'StringLike': { [S3_CONTEXT]: contexts(replicaBucketArn, settings.replica.bucketKeyEnabled) },
        },
      }),
    ],
  });
  acknowledgeWildcardResources(policy,
    'Replication reads every version of every object of the state bucket and writes every replica (bucket/*), as S3 replication requires; ' +
    'the replica key is named as key/* in the replica region because its ARN is unknown at synthesis, pinned by kms:ResourceAliases to the replica alias.');

  const cfn = bucket.node.defaultChild as s3.CfnBucket;
  const timed = settings.replicationTimeControl;
  const metrics = timed || settings.replicationMetrics;
  cfn.replicationConfiguration = {
    role: role.roleArn,
    rules: [{
      id: 'ReplicateEveryVersion',
      status: 'Enabled',
      priority: 0,
      filter: { prefix: '' },
      deleteMarkerReplication: { status: 'Enabled' },
      sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: 'Enabled' } },
      destination: {
        bucket: replicaBucketArn,
        encryptionConfiguration: { replicaKmsKeyId: settings.replica.encryptionKeyAliasArn },
        ...(timed ? { replicationTime: { status: 'Enabled', time: { minutes: 15 } } } : {}),
        ...(metrics ? { metrics: { status: 'Enabled', eventThreshold: { minutes: 15 } } } : {}),
      },
    }],
  };
  return role;
}

/** The disaster-recovery props of `StateBackendProps` (structural, to avoid an import cycle). */
export interface DisasterRecoveryProps {
  readonly replica?: unknown;
  readonly replicationTimeControl?: boolean;
  readonly replicationMetrics?: boolean;
  readonly objectLockRetention?: Duration;
}

/** Checks the replication and Object Lock props; messages name the prop, the value and the fix. */
export function validateDisasterRecoveryProps(scope: IConstruct, props: DisasterRecoveryProps): void {
  if (props.replica === undefined) {
    for (const name of ['replicationTimeControl', 'replicationMetrics'] as const) {
      if (props[name] !== undefined) {
        throw new ValidationError('ReplicationOptionWithoutReplica' as any,
          `Invalid ${name}: ${props[name]} is set but replica is not. Pass replica: a StateBackendReplica in another region, or remove ${name}.`, scope);
      }
    }
  }
  if (props.replicationTimeControl === true && props.replicationMetrics === false) {
    throw new ValidationError('ReplicationTimeControlWithoutMetrics' as any,
      'Invalid replicationMetrics: false, but replicationTimeControl is true and S3 Replication Time Control requires replication metrics. Remove replicationMetrics.', scope);
  }
  const retention = props.objectLockRetention;
  if (retention !== undefined && !retention.isUnresolved()) {
    const days = retention.toDays({ integral: false });
    if (!Number.isInteger(days) || days < 1) {
      throw new ValidationError('InvalidObjectLockRetention' as any,
        `Invalid objectLockRetention: ${retention.toHumanString()}. Object Lock default retention counts in whole days: use Duration.days(n) with n >= 1.`, scope);
    }
  }
}
