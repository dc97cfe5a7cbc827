import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { StateBackend, StateBackendReplica } from '../../src';

const ACCOUNT = '111111111111';
const partitionArn = (rest: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, rest]] });

function pair(props: Record<string, unknown> = {}, replicaRegion = 'eu-central-1') {
  const app = new App();
  const dr = new Stack(app, 'Dr', { env: { account: ACCOUNT, region: replicaRegion } });
  const replica = new StateBackendReplica(dr, 'Replica');
  const main = new Stack(app, 'Main', { env: { account: ACCOUNT, region: 'eu-west-1' } });
  const backend = new StateBackend(main, 'Backend', { replica, ...props });
  return { app, dr, main, replica, backend };
}

describe('StateBackendReplica and replication', () => {
  test('the primary replicates every version and delete markers into the replica bucket, encrypted with the replica key alias', () => {
    const { dr, main, replica } = pair();
    const t = Template.fromStack(main);
    const r = Template.fromStack(dr);
    // Named by physical name (generated because the primary references it from another region): no export.
    const replicaName = (Object.values(r.findResources('AWS::S3::Bucket')).find((b: any) => b.Properties.LoggingConfiguration) as any).Properties.BucketName;
    expect(replicaName).toMatch(/^dr[a-z0-9.-]+$/);
    expect(replica.node.path).toBe('Dr/Replica');
    t.hasResourceProperties('AWS::S3::Bucket', {
      ReplicationConfiguration: {
        Role: { 'Fn::GetAtt': [Match.stringLikeRegexp('^BackendReplicationRole'), 'Arn'] },
        Rules: [{
          Id: 'ReplicateEveryVersion',
          Status: 'Enabled',
          Priority: 0,
          Filter: { Prefix: '' },
          DeleteMarkerReplication: { Status: 'Enabled' },
          SourceSelectionCriteria: { SseKmsEncryptedObjects: { Status: 'Enabled' } },
          Destination: {
            Bucket: partitionArn(`:s3:::${replicaName}`),
            EncryptionConfiguration: { ReplicaKmsKeyID: partitionArn(`:kms:eu-central-1:${ACCOUNT}:alias/tfstate-replica/Dr/Replica`) },
          },
        }],
      },
    });
    t.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 's3.amazonaws.com' }, Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT } } })] },
    });
    expect(main.dependencies).toContain(dr);
    // The replica is a full backend: versioned, its own key and alias, lock-file locking, outputs for failover.
    r.hasResourceProperties('AWS::S3::Bucket', { BucketName: replicaName, VersioningConfiguration: { Status: 'Enabled' } });
    r.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/tfstate-replica/Dr/Replica' });
    expect(Object.values(r.findOutputs('*')).map((o: any) => o.Value)).toContain('S3_LOCKFILE');
    r.resourceCountIs('AWS::IAM::Role', 0);
  });

  test('Replication Time Control turns on metrics; metrics alone are possible', () => {
    const timed = Template.fromStack(pair({ replicationTimeControl: true }).main);
    timed.hasResourceProperties('AWS::S3::Bucket', {
      ReplicationConfiguration: {
        Rules: [Match.objectLike({
          Destination: Match.objectLike({
            ReplicationTime: { Status: 'Enabled', Time: { Minutes: 15 } },
            Metrics: { Status: 'Enabled', EventThreshold: { Minutes: 15 } },
          }),
        })],
      },
    });
    const metrics = Template.fromStack(pair({ replicationMetrics: true }).main);
    const dest = Object.values(metrics.findResources('AWS::S3::Bucket')).find((b: any) => b.Properties.ReplicationConfiguration) as any;
    expect(dest.Properties.ReplicationConfiguration.Rules[0].Destination.Metrics).toEqual({ Status: 'Enabled', EventThreshold: { Minutes: 15 } });
    expect(dest.Properties.ReplicationConfiguration.Rules[0].Destination.ReplicationTime).toBeUndefined();
  });

  test('the replica backend renders a failover snippet for its own bucket, region and key', () => {
    const { dr, replica } = pair();
    const snippet = JSON.stringify(dr.resolve(replica.backendConfig({ key: 'network/terraform.tfstate' }).toTerraformBlock()));
    expect(snippet).toContain('region       = \\"eu-central-1\\"');
    expect(snippet).toContain('use_lockfile = true');
    expect(snippet).toMatch(/ReplicaKey/);
  });

  test('fails when the replica is in the same region', () => {
    expect(() => pair({}, 'eu-west-1')).toThrow(/replica 'Dr\/Replica' is in the same region \(eu-west-1\)/);
  });

  test('fails when the replica stack has no explicit env', () => {
    const app = new App();
    expect(() => new StateBackendReplica(new Stack(app, 'NoEnv'), 'Replica')).toThrow(/its stack needs an explicit env/);
  });

  test('fails when a replication option is given without a replica, or metrics are turned off under Time Control', () => {
    const stack = new Stack(new App(), 'S');
    expect(() => new StateBackend(stack, 'A', { replicationTimeControl: true })).toThrow(/Invalid replicationTimeControl: true is set but replica is not/);
    expect(() => pair({ replicationTimeControl: true, replicationMetrics: false })).toThrow(/requires replication metrics/);
  });

  test('Object Lock: governance default retention on the bucket; fails for partial days', () => {
    const { template } = (() => {
      const stack = new Stack(new App(), 'S');
      new StateBackend(stack, 'Backend', { objectLockRetention: Duration.days(30) });
      return { template: Template.fromStack(stack) };
    })();
    template.hasResourceProperties('AWS::S3::Bucket', {
      ObjectLockEnabled: true,
      ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 30 } } },
      VersioningConfiguration: { Status: 'Enabled' },
    });
    expect(() => new StateBackend(new Stack(new App(), 'T'), 'B', { objectLockRetention: Duration.hours(12) }))
      .toThrow(/Invalid objectLockRetention: 12 hours\. Object Lock default retention counts in whole days/);
  });
});

describe('replication with Object Lock', () => {
  test('the role also reads retention and legal hold, and the replica must have Object Lock', () => {
    const app = new App();
    const dr = new Stack(app, 'Dr', { env: { account: ACCOUNT, region: 'eu-central-1' } });
    const replica = new StateBackendReplica(dr, 'Replica', { objectLockRetention: Duration.days(7) });
    const main = new Stack(app, 'Main', { env: { account: ACCOUNT, region: 'eu-west-1' } });
    new StateBackend(main, 'Backend', { replica, objectLockRetention: Duration.days(7) });
    Template.fromStack(main).hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Sid: 'SourceVersions',
          Action: ['s3:GetObjectVersionForReplication', 's3:GetObjectVersionAcl', 's3:GetObjectVersionTagging', 's3:GetObjectRetention', 's3:GetObjectLegalHold'],
        })]),
      },
    });
    Template.fromStack(dr).hasResourceProperties('AWS::S3::Bucket', { ObjectLockEnabled: true });

    const app2 = new App();
    const unlocked = new StateBackendReplica(new Stack(app2, 'Dr', { env: { account: ACCOUNT, region: 'eu-central-1' } }), 'Replica');
    expect(() => new StateBackend(new Stack(app2, 'Main', { env: { account: ACCOUNT, region: 'eu-west-1' } }), 'Backend', { replica: unlocked, objectLockRetention: Duration.days(7) }))
      .toThrow(/objectLockRetention is set, but replica 'Dr\/Replica' has no Object Lock/);
  });
});
