import { App, Stack } from 'aws-cdk-lib';
import { Decision, DeployedPolicies, SimRequest } from './simulate';
import { StateBackend, StateBackendReplica } from '../../src';

/*
 * GIVEN a backend in eu-west-1 replicating into a StateBackendReplica in eu-central-1 (same account),
 * both with S3 Bucket Keys (encryption context = bucket ARN: what broke AFT's replication role),
 * WHEN the requests S3 makes with the replication role are evaluated against the synthesized identity
 * policy and key policies (iam-simulate),
 * THEN replication is allowed, and nothing else the role could be abused for.
 */

const ACCOUNT = '111111111111';
const SOURCE_REGION = 'eu-west-1';
const REPLICA_REGION = 'eu-central-1';
const SOURCE = 'tfstate-primary';
const REPLICA = 'tfstate-replica';

let deployed: DeployedPolicies;
let roleArn: string;
let sourceKey: string;
let replicaKey: string;
let replicaAlias: string;

function build(bucketKeys: boolean): void {
  const app = new App();
  const dr = new Stack(app, 'Replica', { env: { account: ACCOUNT, region: REPLICA_REGION } });
  const replica = new StateBackendReplica(dr, 'Replica', { bucketName: REPLICA, bucketKeyEnabled: bucketKeys });
  const main = new Stack(app, 'Primary', { env: { account: ACCOUNT, region: SOURCE_REGION } });
  new StateBackend(main, 'State', { bucketName: SOURCE, replica, bucketKeyEnabled: bucketKeys });
  deployed = DeployedPolicies.fromStacks([dr, main]);
  roleArn = deployed.arn('AWS::IAM::Role', 'StateReplicationRole');
  sourceKey = deployed.arn('AWS::KMS::Key', 'StateKey');
  replicaKey = deployed.arn('AWS::KMS::Key', 'ReplicaKey');
  replicaAlias = replica.encryptionKeyAliasName;
}

const s3 = (bucket: string, key = '') => `arn:aws:s3:::${bucket}${key ? `/${key}` : ''}`;

function viaS3(region: string, context: string, extra: Record<string, string | string[]> = {}): Record<string, string | string[]> {
  return { 'kms:ViaService': `s3.${region}.amazonaws.com`, 'kms:CallerAccount': ACCOUNT, 'kms:EncryptionContext:aws:s3:arn': context, ...extra };
}

async function decide(req: Omit<SimRequest, 'role'>): Promise<Decision> {
  return deployed.decide({ role: roleArn, ...req });
}

describe.each([
  ['with S3 Bucket Keys (context = bucket ARN)', true],
  ['without Bucket Keys (context = object ARN)', false],
])('replication role %s', (_name, bucketKeys) => {
  beforeAll(() => build(bucketKeys as boolean));
  const ctx = (bucket: string) => (bucketKeys ? s3(bucket) : s3(bucket, 'env:/prod/app.tfstate'));

  test.each<[string, () => Omit<SimRequest, 'role'>, Decision]>([
    ['reads the replication rule of the source bucket', () => ({ action: 's3:GetReplicationConfiguration', resource: s3(SOURCE) }), 'Allowed'],
    ['lists the source bucket', () => ({ action: 's3:ListBucket', resource: s3(SOURCE) }), 'Allowed'],
    ['reads any source version for replication', () => ({ action: 's3:GetObjectVersionForReplication', resource: s3(SOURCE, 'env:/prod/app.tfstate') }), 'Allowed'],
    ['reads the tags of a source version', () => ({ action: 's3:GetObjectVersionTagging', resource: s3(SOURCE, 'app.tfstate.tflock') }), 'Allowed'],
    ['decrypts a source object through S3 in the source region', () => ({ action: 'kms:Decrypt', resource: sourceKey, context: viaS3(SOURCE_REGION, ctx(SOURCE)) }), 'Allowed'],
    ['writes a replica', () => ({ action: 's3:ReplicateObject', resource: s3(REPLICA, 'env:/prod/app.tfstate') }), 'Allowed'],
    ['replicates a delete marker', () => ({ action: 's3:ReplicateDelete', resource: s3(REPLICA, 'app.tfstate.tflock') }), 'Allowed'],
    ['encrypts a replica with the replica key through S3 in the replica region', () => ({
      action: 'kms:Encrypt', resource: replicaKey, context: viaS3(REPLICA_REGION, ctx(REPLICA), { 'kms:ResourceAliases': [replicaAlias] }),
    }), 'Allowed'],
    ['generates a data key with the replica key (Bucket Key)', () => ({
      action: 'kms:GenerateDataKey', resource: replicaKey, context: viaS3(REPLICA_REGION, ctx(REPLICA), { 'kms:ResourceAliases': [replicaAlias] }),
    }), 'Allowed'],
  ])('%s', async (_n, req, expected) => {
    expect(await decide(req())).toBe(expected);
  });

  test.each<[string, () => Omit<SimRequest, 'role'>]>([
    ['cannot read the current state with GetObject', () => ({ action: 's3:GetObject', resource: s3(SOURCE, 'app.tfstate') })],
    ['cannot write the source bucket', () => ({ action: 's3:PutObject', resource: s3(SOURCE, 'app.tfstate') })],
    ['cannot write the replica with PutObject', () => ({ action: 's3:PutObject', resource: s3(REPLICA, 'app.tfstate') })],
    ['cannot delete replica versions', () => ({ action: 's3:DeleteObjectVersion', resource: s3(REPLICA, 'app.tfstate') })],
    ['cannot replicate into another bucket of the account', () => ({ action: 's3:ReplicateObject', resource: s3(deployed.ref('AWS::S3::Bucket', 'StateAccessLogsBucket'), 'x') })],
    ['cannot decrypt objects of another bucket with the source key', () => ({ action: 'kms:Decrypt', resource: sourceKey, context: viaS3(SOURCE_REGION, s3('other-bucket', 'x')) })],
    ['cannot decrypt with the source key outside S3', () => ({
      action: 'kms:Decrypt', resource: sourceKey, context: { 'kms:CallerAccount': ACCOUNT, 'kms:EncryptionContext:aws:s3:arn': ctx(SOURCE) },
    })],
    ['cannot decrypt with the replica key', () => ({
      action: 'kms:Decrypt', resource: replicaKey, context: viaS3(REPLICA_REGION, ctx(REPLICA), { 'kms:ResourceAliases': [replicaAlias] }),
    })],
    ['cannot encrypt with another key of the replica region (no replica alias)', () => ({
      action: 'kms:Encrypt',
      resource: `arn:aws:kms:${REPLICA_REGION}:${ACCOUNT}:key/0000aaaa-1111-2222-3333-444455556666`,
      context: viaS3(REPLICA_REGION, ctx(REPLICA), { 'kms:ResourceAliases': ['alias/something-else'] }),
    })],
    ['cannot encrypt replicas of another bucket with the replica key', () => ({
      action: 'kms:Encrypt', resource: replicaKey, context: viaS3(REPLICA_REGION, s3('other-bucket'), { 'kms:ResourceAliases': [replicaAlias] }),
    })],
  ])('%s', async (_n, req) => {
    expect(await decide(req())).not.toBe('Allowed');
  });
});
