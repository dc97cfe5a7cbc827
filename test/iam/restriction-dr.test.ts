import { App, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Decision, DeployedPolicies, SimRequest } from './simulate';
import { LockingMode, StateBackend, StateBackendReplica } from '../../src';
import { ensureMonitorHandlerCompiled } from '../support/monitor-handler';

/*
 * GIVEN a backend with restrictStateAccess (bucket, key and table policies deny by default) that replicates
 * into a StateBackendReplica, is in an AWS Backup plan and has the stale-lock monitor, all with S3 Bucket
 * Keys (encryption context = bucket ARN), and in the same account an administrator role (s3:*, kms:*,
 * dynamodb:*) that was never granted
 * WHEN the requests of the replication, backup and monitor roles are evaluated against the synthesized
 * identity, bucket, key and table policies (iam-simulate)
 * THEN the construct's own roles still do their work through the restriction, each within its own policy,
 * and the ungranted administrator is still denied.
 */

const ACCOUNT = '111111111111';
const REGION = 'eu-west-1';
const REPLICA_REGION = 'eu-central-1';
const BUCKET = 'tfstate-restricted-dr';
const REPLICA = 'tfstate-restricted-dr-replica';
const TABLE = 'tfstate-restricted-dr-locks';
const ADMIN = `arn:aws:iam::${ACCOUNT}:role/admin`;
const STATE = 'env:/prod/app.tfstate';
const LOCK = 'env:/prod/app.tfstate.tflock';

/*
 * The object-read and decrypt statements of the AWS managed policy AWSBackupServiceRolePolicyForS3Backup
 * (AWS Managed Policy reference, policy version v4), which the construct attaches to the backup role. A
 * template names a managed policy only by ARN, so the simulation is given these statements explicitly.
 */
const S3_BACKUP_MANAGED_POLICY = {
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:GetObjectAcl', 's3:GetObjectTagging', 's3:GetObjectVersion', 's3:GetObjectVersionAcl', 's3:GetObjectVersionTagging'],
      Resource: 'arn:aws:s3:::*/*',
    },
    { Effect: 'Allow', Action: ['kms:Decrypt', 'kms:DescribeKey'], Resource: '*', Condition: { StringLike: { 'kms:ViaService': 's3.*.amazonaws.com' } } },
  ],
};

let deployed: DeployedPolicies;
let replication: string;
let backup: string;
let monitor: string;
let key: string;
let table: string;

beforeAll(() => {
  ensureMonitorHandlerCompiled();
  const app = new App();
  const dr = new Stack(app, 'Replica', { env: { account: ACCOUNT, region: REPLICA_REGION } });
  const replica = new StateBackendReplica(dr, 'Replica', { bucketName: REPLICA });
  const stack = new Stack(app, 'Central', { env: { account: ACCOUNT, region: REGION } });
  const admin = new iam.Role(stack, 'Admin', { roleName: 'admin', assumedBy: new iam.AccountRootPrincipal() });
  admin.addToPolicy(new iam.PolicyStatement({ actions: ['s3:*', 'kms:*', 'dynamodb:*'], resources: ['*'] }));
  new StateBackend(stack, 'State', {
    bucketName: BUCKET,
    lockTableName: TABLE,
    lockingMode: LockingMode.BOTH,
    restrictStateAccess: true,
    replica,
    backup: {},
    monitoring: {},
  });

  deployed = DeployedPolicies.fromStacks([dr, stack]);
  replication = deployed.arn('AWS::IAM::Role', 'StateReplicationRole');
  backup = deployed.arn('AWS::IAM::Role', 'StateBackupPlanSelectionRole');
  monitor = deployed.arn('AWS::IAM::Role', 'StateMonitoringStaleLockMonitorRole');
  key = deployed.arn('AWS::KMS::Key', 'StateKey');
  table = deployed.arn('AWS::DynamoDB::Table', 'StateLockTable');
  deployed.attachPolicy(backup.split('/').pop()!, 'AWSBackupServiceRolePolicyForS3Backup', S3_BACKUP_MANAGED_POLICY);
});

const object = (r: () => string, action: string, objectKey: string) => (): SimRequest =>
  ({ role: r(), action, resource: `arn:aws:s3:::${BUCKET}/${objectKey}` });
/** kms:Decrypt as S3 calls it for an object under an S3 Bucket Key: the context is the bucket ARN. */
const decryptViaS3 = (r: () => string, context = `arn:aws:s3:::${BUCKET}`) => (): SimRequest => ({
  role: r(),
  action: 'kms:Decrypt',
  resource: key,
  context: { 'kms:ViaService': `s3.${REGION}.amazonaws.com`, 'kms:CallerAccount': ACCOUNT, 'kms:EncryptionContext:aws:s3:arn': context },
});
const scan = (r: () => string) => (): SimRequest => ({ role: r(), action: 'dynamodb:Scan', resource: table });

const REPLICATION = () => replication;
const BACKUP = () => backup;
const MONITOR = () => monitor;
const ADMIN_ROLE = () => ADMIN;

const matrix: Array<[string, () => SimRequest, Decision]> = [
  // S3 replicates as the replication role (aws:PrincipalIsAWSService is false for an assumed role session).
  ['the replication role reads a source state version for replication', object(REPLICATION, 's3:GetObjectVersionForReplication', STATE), 'Allowed'],
  ['the replication role reads a source lock-file version for replication', object(REPLICATION, 's3:GetObjectVersionForReplication', LOCK), 'Allowed'],
  ['the replication role reads the ACL of a source version', object(REPLICATION, 's3:GetObjectVersionAcl', STATE), 'Allowed'],
  ['the replication role reads the tags of a source version', object(REPLICATION, 's3:GetObjectVersionTagging', STATE), 'Allowed'],
  ['the replication role decrypts a source object through S3 (Bucket Key context)', decryptViaS3(REPLICATION), 'Allowed'],
  ['the replication role still cannot read the current state with GetObject', object(REPLICATION, 's3:GetObject', STATE), 'ImplicitlyDenied'],

  // The stale-lock monitor reads lock files, never state.
  ['the monitor reads a lock file', object(MONITOR, 's3:GetObject', LOCK), 'Allowed'],
  ['the monitor decrypts a lock file through S3 (Bucket Key context)', decryptViaS3(MONITOR), 'Allowed'],
  ['the monitor scans the lock table', scan(MONITOR), 'Allowed'],
  ['the monitor cannot read a state object', object(MONITOR, 's3:GetObject', STATE), 'ImplicitlyDenied'],
  ['the monitor cannot read an old version of a state object', object(MONITOR, 's3:GetObjectVersion', STATE), 'ImplicitlyDenied'],
  ['the monitor cannot delete a lock file', object(MONITOR, 's3:DeleteObject', LOCK), 'ImplicitlyDenied'],

  // AWS Backup reads every object version of the bucket with its role.
  ['the backup role reads a state object', object(BACKUP, 's3:GetObject', STATE), 'Allowed'],
  ['the backup role reads an old version of a state object', object(BACKUP, 's3:GetObjectVersion', STATE), 'Allowed'],
  ['the backup role reads a lock file', object(BACKUP, 's3:GetObject', LOCK), 'Allowed'],
  ['the backup role decrypts an object through S3 (Bucket Key context)', decryptViaS3(BACKUP), 'Allowed'],

  // The administrator that was never granted.
  ['an ungranted admin (s3:*, kms:*) cannot read a state object', object(ADMIN_ROLE, 's3:GetObject', STATE), 'ExplicitlyDenied'],
  ['an ungranted admin cannot read a lock file', object(ADMIN_ROLE, 's3:GetObject', LOCK), 'ExplicitlyDenied'],
  ['an ungranted admin cannot read a version for replication', object(ADMIN_ROLE, 's3:GetObjectVersionForReplication', STATE), 'ExplicitlyDenied'],
  ['an ungranted admin cannot decrypt through S3', decryptViaS3(ADMIN_ROLE), 'ExplicitlyDenied'],
  ['an ungranted admin cannot scan the lock table', scan(ADMIN_ROLE), 'ExplicitlyDenied'],
];

describe('restrictStateAccess with replica, backup and monitoring (IAM simulation)', () => {
  test.each(matrix)('%s', async (_name, request, expected) => {
    expect(await deployed.decide(request())).toBe(expected);
  });
});
