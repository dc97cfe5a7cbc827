/**
 * A landing-zone layout for Terraform/OpenTofu state, as a CDK app.
 *
 * - `LogArchive`: one access-log bucket per region that every state bucket of the account logs into.
 * - `TerraformStateReplica`: the standby copy of the state in a second region (failover target), with
 *   each team's failover roles (same keys and trust as on the primary) in place before they are needed.
 * - `TerraformState`: the shared state backend of the platform team. It still has teams on Terraform
 *   < 1.10 that lock with DynamoDB, so it runs in `BOTH` mode while they upgrade to `use_lockfile`.
 *   Each team gets a role scoped to its own state keys; CI applies, developers only plan. Access is
 *   denied by default (`restrictStateAccess`): only those roles and the break-glass role reach state.
 *   Every disaster-recovery and detection option is on: cross-region replication with Replication Time
 *   Control, Object Lock (governance), AWS Backup, CloudTrail data events, and notifications (key and
 *   bucket changes, writes by anyone but the CI roles, stale locks, replication failures).
 *
 * Synthesize it offline: `npx cdk synth --app "npx ts-node --transpile-only examples/landing-zone.ts"`.
 */
import { App, Duration, Stack, StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { LockingMode, StateAccess, StateBackend, StateBackendMonitoring, StateBackendReplica, StateScope } from '../src';

/** The log archive of the account and region: retained, versioned, TLS only, SSE-S3 (log delivery cannot use a CMK). */
export class LogArchiveStack extends Stack {
  public readonly accessLogs: s3.Bucket;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    this.accessLogs = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      versioned: true,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: Duration.days(400), noncurrentVersionExpiration: Duration.days(30) }],
    });
    // Object events to EventBridge (Control Tower's event-notification control). Set on the L1:
    // `eventBridgeEnabled` would add a custom-resource Lambda function to do the same.
    (this.accessLogs.node.defaultChild as s3.CfnBucket).notificationConfiguration = { eventBridgeConfiguration: { eventBridgeEnabled: true } };
  }
}

/** Props of the state stack: where the logs go and which teams own which state keys. */
export interface TerraformStateStackProps extends StackProps {
  readonly accessLogs: s3.IBucket;
  /** The account's break-glass role: it reaches state without a grant (restrictStateAccess). */
  readonly breakGlassRoleName: string;
  readonly replica: StateBackendReplica;
  readonly teams: Record<string, { readonly ciAccount: string; readonly developerAccount: string }>;
}

/** The shared Terraform state backend of the landing zone. */
export class TerraformStateStack extends Stack {
  public readonly backend: StateBackend;

  constructor(scope: Construct, id: string, props: TerraformStateStackProps) {
    super(scope, id, props);
    this.backend = new StateBackend(this, 'Backend', {
      lockingMode: LockingMode.BOTH,
      accessLogsBucket: props.accessLogs,
      accessLogsPrefix: 'tfstate/',
      noncurrentVersionsToRetain: 50,
      noncurrentVersionExpiration: Duration.days(180),
      // Deny by default: only the roles below and the break-glass role reach state, whatever an
      // administrator's or another team's identity policy allows.
      restrictStateAccess: true,
      breakGlassPrincipals: [iam.Role.fromRoleName(this, 'BreakGlass', props.breakGlassRoleName)],
      replica: props.replica,
      replicationTimeControl: true,
      objectLockRetention: Duration.days(14),
      backup: { snapshotRetention: Duration.days(365) },
      dataEvents: {},
    });

    const writers: iam.IRole[] = [];
    for (const [team, accounts] of Object.entries(props.teams)) {
      const teamStates = StateScope.keys([`${team}/*`]).allWorkspaces();
      writers.push(this.backend.addAccessRole(`${team}Apply`, {
        assumedBy: new iam.AccountPrincipal(accounts.ciAccount),
        access: StateAccess.READ_WRITE,
        scope: teamStates,
      }));
      this.backend.addAccessRole(`${team}Plan`, {
        assumedBy: new iam.AccountPrincipal(accounts.developerAccount),
        access: StateAccess.READ_ONLY,
        scope: teamStates,
      });
    }

    // Created after the roles: a state write by anyone else is notified.
    new StateBackendMonitoring(this, 'Monitoring', {
      backend: this.backend,
      expectedWriters: writers,
      staleLockThreshold: Duration.hours(2),
    });
  }
}

/** The teams of the landing zone: each owns the state keys `<team>/*` and has a CI and a developer account. */
export const TEAMS: Record<string, { readonly ciAccount: string; readonly developerAccount: string }> = {
  network: { ciAccount: '222222222222', developerAccount: '333333333333' },
  payments: { ciAccount: '444444444444', developerAccount: '555555555555' },
};

/** Props of the replica stack: the teams that fail over to it. */
export interface TerraformStateReplicaStackProps extends StackProps {
  readonly teams: Record<string, { readonly ciAccount: string; readonly developerAccount: string }>;
}

/**
 * The standby copy of the state in a second region, with the failover roles already in place: during a
 * regional outage nobody can create roles in a hurry (IAM's control plane is in us-east-1), and the
 * primary's roles are not granted on the replica bucket or key. Each team gets the same roles as on the
 * primary (same keys, same trust), assumed only for failover.
 */
export class TerraformStateReplicaStack extends Stack {
  public readonly replica: StateBackendReplica;

  constructor(scope: Construct, id: string, props: TerraformStateReplicaStackProps) {
    super(scope, id, props);
    this.replica = new StateBackendReplica(this, 'Replica', { objectLockRetention: Duration.days(14) });
    for (const [team, accounts] of Object.entries(props.teams)) {
      const teamStates = StateScope.keys([`${team}/*`]).allWorkspaces();
      this.replica.addAccessRole(`${team}FailoverApply`, {
        roleName: `tfstate-failover-${team}-apply`,
        assumedBy: new iam.AccountPrincipal(accounts.ciAccount),
        access: StateAccess.READ_WRITE,
        scope: teamStates,
      });
      this.replica.addAccessRole(`${team}FailoverPlan`, {
        roleName: `tfstate-failover-${team}-plan`,
        assumedBy: new iam.AccountPrincipal(accounts.developerAccount),
        access: StateAccess.READ_ONLY,
        scope: teamStates,
      });
    }
  }
}

/** Builds the landing-zone app; exported so that tests can synthesize it. */
export function landingZoneApp(app = new App()): App {
  const env = { account: '111111111111', region: 'eu-west-1' };
  const logs = new LogArchiveStack(app, 'LogArchive', { env });
  const dr = new TerraformStateReplicaStack(app, 'TerraformStateReplica', { env: { ...env, region: 'eu-central-1' }, teams: TEAMS });
  new TerraformStateStack(app, 'TerraformState', {
    env,
    accessLogs: logs.accessLogs,
    breakGlassRoleName: 'BreakGlassAdmin',
    replica: dr.replica,
    teams: TEAMS,
  });
  return app;
}

if (require.main === module) {
  landingZoneApp().synth();
}
