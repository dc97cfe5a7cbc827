import { Duration, PhysicalName, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { LockingMode } from './locking-mode';
import { StateBackend } from './state-backend';

/**
 * Properties of a `StateBackendReplica`.
 */
export interface StateBackendReplicaProps {
  /**
   * Physical name of the replica bucket.
   *
   * @default - a name CDK generates from the stack and construct path, so that a backend in another
   * region can name it without a cross-region reference
   */
  readonly bucketName?: string;

  /**
   * Alias of the replica key. `alias/` is added when missing. The primary's replication role and
   * replication rule name the key by this alias, because its key ARN is not known in another region.
   *
   * @default - `alias/tfstate-replica/<construct path>`
   */
  readonly encryptionKeyAlias?: string;

  /**
   * Whether the replica bucket uses an S3 Bucket Key.
   *
   * @default true
   */
  readonly bucketKeyEnabled?: boolean;

  /**
   * The `workspace_key_prefix` of the replicated backend (for failover snippets and grants).
   *
   * @default "env:"
   */
  readonly workspaceKeyPrefix?: string;

  /**
   * How many noncurrent versions of each replicated state object to keep regardless of age.
   *
   * @default 100
   */
  readonly noncurrentVersionsToRetain?: number;

  /**
   * How long a replicated state version is kept after it became noncurrent. Whole days.
   *
   * @default Duration.days(90)
   */
  readonly noncurrentVersionExpiration?: Duration;

  /**
   * Object Lock (governance) default retention of the replica. Required when the primary has
   * `objectLockRetention`: S3 replicates locked objects only into a bucket with Object Lock.
   *
   * @default - Object Lock is not enabled
   */
  readonly objectLockRetention?: Duration;

  /**
   * The bucket that receives the replica bucket's access logs, in the replica's account and region.
   *
   * @default - a dedicated log bucket in the replica's region
   */
  readonly accessLogsBucket?: s3.IBucket;

  /**
   * What happens to the replica bucket, log bucket and key when they leave the stack.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * Empty the buckets when the stack is deleted. Requires `removalPolicy: RemovalPolicy.DESTROY`.
   *
   * @default false
   */
  readonly autoDeleteObjects?: boolean;
}

/**
 * The standby copy of a `StateBackend` in another region: a `StateBackend` with lock-file locking, its
 * own customer managed key in its region, and the same bucket policy, TLS, public access, lifecycle and
 * logging settings as any backend. A primary replicates into it with its `replica` prop.
 *
 * Put it in a stack of its own with an explicit `env` (another region, same account). Nothing in it
 * refers to the primary, so it deploys first; the primary names its bucket by physical name and its key
 * by alias, so no cross-region reference (and no custom resource) is needed.
 *
 * During a regional outage, point Terraform at the replica with `backendConfig()` (README: "Failover to
 * the replica"). Grant the roles that run Terraform on it (`grantReadWrite`, `addAccessRole`) in advance.
 *
 * @example
 * const app = new App();
 * const dr = new Stack(app, 'StateReplica', { env: { account: '111111111111', region: 'eu-central-1' } });
 * const replica = new StateBackendReplica(dr, 'Replica');
 * const main = new Stack(app, 'State', { env: { account: '111111111111', region: 'eu-west-1' } });
 * new StateBackend(main, 'Backend', { replica, replicationTimeControl: true });
 */
export class StateBackendReplica extends StateBackend {
  /** The alias of the replica key, as the primary names it (`alias/...`). */
  public readonly encryptionKeyAliasName: string;

  constructor(scope: Construct, id: string, props: StateBackendReplicaProps = {}) {
    const alias = replicaAlias(scope, id, props.encryptionKeyAlias);
    super(scope, id, {
      bucketName: props.bucketName ?? PhysicalName.GENERATE_IF_NEEDED,
      encryptionKeyAlias: alias,
      bucketKeyEnabled: props.bucketKeyEnabled,
      lockingMode: LockingMode.S3_LOCKFILE,
      workspaceKeyPrefix: props.workspaceKeyPrefix,
      noncurrentVersionsToRetain: props.noncurrentVersionsToRetain,
      noncurrentVersionExpiration: props.noncurrentVersionExpiration,
      accessLogsBucket: props.accessLogsBucket,
      objectLockRetention: props.objectLockRetention,
      removalPolicy: props.removalPolicy,
      autoDeleteObjects: props.autoDeleteObjects,
    });
    this.encryptionKeyAliasName = alias;
    const stack = Stack.of(this);
    if (Token.isUnresolved(stack.region) || Token.isUnresolved(stack.account)) {
      throw new Error(`StateBackendReplica '${this.node.path}': its stack needs an explicit env (account and region), got ${stack.account}/${stack.region}. ` +
        'The primary names the replica bucket, key and region in its replication rule: give the replica stack env: { account, region }.');
    }
  }

  /** The ARN of the replica key's alias, as the primary's replication rule names it. */
  public get encryptionKeyAliasArn(): string {
    const stack = Stack.of(this);
    return `arn:${stack.partition}:kms:${stack.region}:${stack.account}:${this.encryptionKeyAliasName}`;
  }
}

/** `alias/tfstate-replica/<path>`: unique per construct, only characters KMS allows in alias names. */
function replicaAlias(scope: Construct, id: string, given: string | undefined): string {
  if (given !== undefined) return given.startsWith('alias/') ? given : `alias/${given}`;
  const path = [...scope.node.scopes.map((s) => s.node.id).filter((s) => s !== ''), id].join('/');
  return `alias/tfstate-replica/${path.replace(/[^A-Za-z0-9:/_-]/g, '-')}`.slice(0, 256);
}
