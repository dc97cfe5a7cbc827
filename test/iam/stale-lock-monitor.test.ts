import { App, Stack } from 'aws-cdk-lib';
import { DeployedPolicies } from './simulate';
import { LockingMode, StateBackend } from '../../src';
import { ensureMonitorHandlerCompiled } from '../support/monitor-handler';

/*
 * GIVEN a backend (Bucket Key on, DynamoDB + lock file) with the stale-lock monitor
 * WHEN the monitor's requests are evaluated against its role's policy and the key policy (iam-simulate)
 * THEN it can list, read lock files and scan the table, and can read no state.
 */
const ACCOUNT = '111111111111';
const REGION = 'eu-west-1';
const BUCKET = 'tfstate-monitored';
let deployed: DeployedPolicies;
let role: string;
let key: string;
let table: string;

beforeAll(() => {
  ensureMonitorHandlerCompiled();
  const app = new App();
  const stack = new Stack(app, 'S', { env: { account: ACCOUNT, region: REGION } });
  new StateBackend(stack, 'State', { bucketName: BUCKET, lockingMode: LockingMode.BOTH, lockTableName: 'locks', monitoring: {} });
  deployed = DeployedPolicies.fromStacks([stack]);
  role = deployed.arn('AWS::IAM::Role', 'StateMonitoringStaleLockMonitorRole');
  key = deployed.arn('AWS::KMS::Key', 'StateKey');
  table = deployed.arn('AWS::DynamoDB::Table', 'StateLockTable');
});

const viaS3 = (context: string) => ({ 'kms:ViaService': `s3.${REGION}.amazonaws.com`, 'kms:CallerAccount': ACCOUNT, 'kms:EncryptionContext:aws:s3:arn': context });

test.each([
  ['lists the bucket', 's3:ListBucket', () => `arn:aws:s3:::${BUCKET}`, undefined],
  ['reads a lock file of a workspace', 's3:GetObject', () => `arn:aws:s3:::${BUCKET}/env:/prod/app.tfstate.tflock`, undefined],
  ['decrypts a lock file (Bucket Key context)', 'kms:Decrypt', () => key, viaS3(`arn:aws:s3:::${BUCKET}`)],
  ['scans the lock table', 'dynamodb:Scan', () => table, undefined],
])('the monitor %s', async (_n, action, resource, context) => {
  expect(await deployed.decide({ role, action, resource: resource(), context })).toBe('Allowed');
});

test.each([
  ['read a state object', 's3:GetObject', () => `arn:aws:s3:::${BUCKET}/env:/prod/app.tfstate`],
  ['write a lock file', 's3:PutObject', () => `arn:aws:s3:::${BUCKET}/app.tfstate.tflock`],
  ['delete a lock (force-unlock)', 's3:DeleteObject', () => `arn:aws:s3:::${BUCKET}/app.tfstate.tflock`],
  ['delete a lock item', 'dynamodb:DeleteItem', () => table],
])('the monitor cannot %s', async (_n, action, resource) => {
  expect(await deployed.decide({ role, action, resource: resource() })).not.toBe('Allowed');
});

test('the monitor cannot decrypt a state object without a Bucket Key context (object ARN of a state)', async () => {
  expect(await deployed.decide({ role, action: 'kms:Decrypt', resource: key, context: viaS3(`arn:aws:s3:::${BUCKET}/app.tfstate`) })).not.toBe('Allowed');
});
