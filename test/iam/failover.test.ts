import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Decision, DeployedPolicies, SimRequest } from './simulate';
import { landingZoneApp, TEAMS } from '../../examples/landing-zone';
import { ensureMonitorHandlerCompiled } from '../support/monitor-handler';

/*
 * GIVEN the landing-zone example: the primary backend in eu-west-1 and its replica in eu-central-1, where
 * each team has failover roles (apply and plan) created in advance on the replica
 * WHEN the requests Terraform makes during a failover (README "Failover to the replica": backend pointed
 * at the replica bucket and key, use_lockfile = true) are evaluated against the replica's synthesized
 * role, bucket and key policies (iam-simulate)
 * THEN each team's apply role reads and writes its own states and lock files in the replica and uses the
 * replica key through S3 (Bucket Key: context = bucket ARN); the plan role reads and locks but does not
 * write state; neither reaches another team's states; the primary's roles are not granted on the replica.
 * (The primary stack imports the log archive with Fn::ImportValue, which the resolver does not model: its
 * roles are checked on the template.)
 */

const ACCOUNT = '111111111111';
const REPLICA_REGION = 'eu-central-1';
const role = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;
const APPLY = role('tfstate-failover-network-apply');
const PLAN = role('tfstate-failover-network-plan');
const STATE = 'network/vpc.tfstate';
const WORKSPACE_STATE = 'env:/prod/network/vpc.tfstate';
const LOCK = `${STATE}.tflock`;

let app: App;
let deployed: DeployedPolicies;
let bucket: string;
let key: string;

beforeAll(() => {
  ensureMonitorHandlerCompiled();
  app = landingZoneApp();
  deployed = DeployedPolicies.fromStacks([app.node.findChild('TerraformStateReplica') as Stack]);
  bucket = deployed.ref('AWS::S3::Bucket', 'ReplicaBucket');
  key = deployed.arn('AWS::KMS::Key', 'ReplicaKey');
});

const object = (who: () => string, action: string, objectKey: string, context?: Record<string, string>) => (): SimRequest =>
  ({ role: who(), action, resource: `arn:aws:s3:::${bucket}/${objectKey}`, context });
/** Lock files are created with If-None-Match: * (the bucket policy refuses any other PutObject of a .tflock). */
const createLock = (who: () => string) => object(who, 's3:PutObject', LOCK, { 's3:if-none-match': '*' });
const viaS3 = (who: () => string, action: string) => (): SimRequest => ({
  role: who(),
  action,
  resource: key,
  context: { 'kms:ViaService': `s3.${REPLICA_REGION}.amazonaws.com`, 'kms:CallerAccount': ACCOUNT, 'kms:EncryptionContext:aws:s3:arn': `arn:aws:s3:::${bucket}` },
});
const list = (who: () => string, prefix: string) => (): SimRequest =>
  ({ role: who(), action: 's3:ListBucket', resource: `arn:aws:s3:::${bucket}`, context: { 's3:prefix': prefix } });

const A = () => APPLY;
const P = () => PLAN;

const matrix: Array<[string, () => SimRequest, Decision]> = [
  ['the apply role reads its state in the replica', object(A, 's3:GetObject', STATE), 'Allowed'],
  ['the apply role writes its state in the replica', object(A, 's3:PutObject', STATE), 'Allowed'],
  ['the apply role writes a workspace state in the replica', object(A, 's3:PutObject', WORKSPACE_STATE), 'Allowed'],
  ['the apply role creates a lock file', createLock(A), 'Allowed'],
  ['the apply role reads a lock file (force-unlock of a lock replicated from the primary)', object(A, 's3:GetObject', LOCK), 'Allowed'],
  ['the apply role deletes a lock file (unlock)', object(A, 's3:DeleteObject', LOCK), 'Allowed'],
  ['the apply role lists its workspaces', list(A, 'env:/'), 'Allowed'],
  ['the apply role decrypts with the replica key through S3', viaS3(A, 'kms:Decrypt'), 'Allowed'],
  ['the apply role generates a data key with the replica key through S3', viaS3(A, 'kms:GenerateDataKey'), 'Allowed'],
  ['the apply role cannot read another team\'s state', object(A, 's3:GetObject', 'payments/api.tfstate'), 'ImplicitlyDenied'],
  ['the apply role cannot overwrite a lock file without If-None-Match', object(A, 's3:PutObject', LOCK), 'ExplicitlyDenied'],

  ['the plan role reads its state in the replica', object(P, 's3:GetObject', STATE), 'Allowed'],
  ['the plan role takes a lock', createLock(P), 'Allowed'],
  ['the plan role decrypts with the replica key through S3', viaS3(P, 'kms:Decrypt'), 'Allowed'],
  ['the plan role cannot write state', object(P, 's3:PutObject', STATE), 'ImplicitlyDenied'],

  ['a role of the account without a failover grant cannot read state in the replica', object(() => role('admin'), 's3:GetObject', STATE), 'ImplicitlyDenied'],
];

describe('failover to the replica in the landing-zone example (IAM simulation)', () => {
  test.each(matrix)('%s', async (_name, request, expected) => {
    expect(await deployed.decide(request())).toBe(expected);
  });

  test('the primary\'s team roles are not granted on the replica (its bucket is not named in their policies)', () => {
    const primary = Template.fromStack(app.node.findChild('TerraformState') as Stack);
    const policies = JSON.stringify(primary.findResources('AWS::IAM::ManagedPolicy', { Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^BackendnetworkApply') }] } }));
    expect(policies).toContain('s3:PutObject');
    expect(policies).not.toContain(bucket);
  });

  test('every team has an apply and a plan role on the replica, trusting the same accounts as on the primary', () => {
    const t = Template.fromStack(app.node.findChild('TerraformStateReplica') as Stack);
    for (const [team, accounts] of Object.entries(TEAMS)) {
      for (const [kind, account] of [['apply', accounts.ciAccount], ['plan', accounts.developerAccount]]) {
        const roles = t.findResources('AWS::IAM::Role', { Properties: { RoleName: `tfstate-failover-${team}-${kind}` } });
        expect(Object.keys(roles)).toHaveLength(1);
        expect(JSON.stringify(Object.values(roles)[0].Properties.AssumeRolePolicyDocument)).toContain(`:iam::${account}:root`);
      }
    }
  });
});
