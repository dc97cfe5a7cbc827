import { App, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { DeployedPolicies } from './simulate';
import { StateBackend } from '../../src';
import { ensureMonitorHandlerCompiled } from '../support/monitor-handler';

/*
 * GIVEN a backend with dataEvents and monitoring (their own keys: trail, topic) and an administrator
 * role (kms:*) in the same account
 * WHEN kms:CreateGrant on those keys is evaluated against the role and key policies (iam-simulate)
 * THEN a grant that is not for an AWS resource is refused by the keys' DenyGrantsNotForAWSResources
 * (CT.KMS.PR.3), a grant for an AWS resource stays possible, and the administrator's other key use is
 * what the key policy allowed before (the deny is only on CreateGrant).
 */
const ACCOUNT = '111111111111';
const ADMIN = `arn:aws:iam::${ACCOUNT}:role/admin`;
let deployed: DeployedPolicies;
let keys: Record<string, string>;

beforeAll(() => {
  ensureMonitorHandlerCompiled();
  const stack = new Stack(new App(), 'S', { env: { account: ACCOUNT, region: 'eu-west-1' } });
  const admin = new iam.Role(stack, 'Admin', { roleName: 'admin', assumedBy: new iam.AccountRootPrincipal() });
  admin.addToPolicy(new iam.PolicyStatement({ actions: ['kms:*'], resources: ['*'] }));
  new StateBackend(stack, 'Backend', { dataEvents: {}, monitoring: {} });
  deployed = DeployedPolicies.fromStacks([stack]);
  keys = { trail: deployed.arn('AWS::KMS::Key', 'BackendDataEventsKey'), topic: deployed.arn('AWS::KMS::Key', 'BackendMonitoringKey') };
});

describe.each(['trail', 'topic'])('the %s key', (name) => {
  test('an administrator cannot create a grant that is not for an AWS resource', async () => {
    expect(await deployed.decide({ role: ADMIN, action: 'kms:CreateGrant', resource: keys[name], context: { 'kms:GrantIsForAWSResource': 'false' } }))
      .toBe('ExplicitlyDenied');
    expect(await deployed.decide({ role: ADMIN, action: 'kms:CreateGrant', resource: keys[name] })).toBe('ExplicitlyDenied');
  });

  test('a grant for an AWS resource is not denied (an integrated service on the caller\'s behalf)', async () => {
    expect(await deployed.decide({ role: ADMIN, action: 'kms:CreateGrant', resource: keys[name], context: { 'kms:GrantIsForAWSResource': 'true' } }))
      .toBe('Allowed');
  });

  test('the deny is only on CreateGrant: the administrator still describes the key', async () => {
    expect(await deployed.decide({ role: ADMIN, action: 'kms:DescribeKey', resource: keys[name] })).toBe('Allowed');
  });
});
