import { App, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Decision, DeployedPolicies, SimRequest } from './simulate';
import { StateAccess, StateBackend, StateScope } from '../../src';

/*
 * GIVEN a backend with restrictStateAccess, and roles granted on app.tfstate in workspaces default and
 * prod at each access level, plus an ungranted administrator (s3:*),
 * WHEN the runtime client asks once whether DeleteObject honours If-Match (a lock cycle is then 4
 * requests, not 5: src/client/private/conditional-delete-probe.ts) by deleting
 * `<lock file>.if-match-probe`, a key that never exists, with an If-Match no object carries (AWS needs
 * s3:DeleteObject and s3:GetObject for a conditional delete, and the listing for a 404),
 * THEN every role that may lock may make that request, on its own probe keys only, and nothing else
 * on them; a role that may not lock, and the ungranted administrator, may not.
 */
const ACCOUNT = '111111111111';
const REGION = 'eu-west-1';
const BUCKET = 'tfstate-probe';
const role = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;
const APPLY = role('apply');
const PLAN = role('plan');
const NO_LOCK = role('plan-no-lock');
const ADMIN = role('admin');

let deployed: DeployedPolicies;

beforeAll(() => {
  const app = new App();
  const stack = new Stack(app, 'Central', { env: { account: ACCOUNT, region: REGION } });
  const admin = new iam.Role(stack, 'Admin', { roleName: 'admin', assumedBy: new iam.AccountRootPrincipal() });
  admin.addToPolicy(new iam.PolicyStatement({ actions: ['s3:*', 'kms:*'], resources: ['*'] }));
  const backend = new StateBackend(stack, 'State', { bucketName: BUCKET, restrictStateAccess: true });
  const account = new iam.AccountRootPrincipal();
  const scope = StateScope.keys(['app.tfstate']).workspaces(['default', 'prod']);
  backend.addAccessRole('Apply', { assumedBy: account, roleName: 'apply', access: StateAccess.READ_WRITE, scope });
  backend.addAccessRole('Plan', { assumedBy: account, roleName: 'plan', access: StateAccess.READ_ONLY, scope });
  backend.addAccessRole('NoLock', { assumedBy: account, roleName: 'plan-no-lock', access: StateAccess.READ_WITHOUT_LOCK, scope });
  deployed = DeployedPolicies.fromStacks([stack]);
});

const PROBE = 'app.tfstate.tflock.if-match-probe';
const obj = (key: string) => `arn:aws:s3:::${BUCKET}/${key}`;
const req = (r: string, action: string, key: string): SimRequest => ({ role: r, action, resource: obj(key), context: {} });
const list = (r: string, prefix: string): SimRequest =>
  ({ role: r, action: 's3:ListBucket', resource: `arn:aws:s3:::${BUCKET}`, context: { 's3:prefix': prefix } });

const matrix: Array<[string, () => SimRequest, Decision]> = [
  ['the apply role may delete its probe key', () => req(APPLY, 's3:DeleteObject', PROBE), 'Allowed'],
  ['the apply role may read its probe key (a conditional delete needs it)', () => req(APPLY, 's3:GetObject', PROBE), 'Allowed'],
  ['the apply role may list its probe key (its absence is then a 404)', () => list(APPLY, PROBE), 'Allowed'],
  ['the plan role (it locks) may delete its probe key', () => req(PLAN, 's3:DeleteObject', PROBE), 'Allowed'],
  ['the plan role may probe next to a workspace\'s lock file', () => req(PLAN, 's3:DeleteObject', `env:/prod/${PROBE}`), 'Allowed'],
  ['the plan role may read and list its probe key', () => req(PLAN, 's3:GetObject', `env:/prod/${PROBE}`), 'Allowed'],
  ['the plan role may list a workspace\'s probe key', () => list(PLAN, `env:/prod/${PROBE}`), 'Allowed'],
  // only that key, only that request
  ['the plan role cannot write an object at its probe key', () => req(PLAN, 's3:PutObject', PROBE), 'ImplicitlyDenied'],
  ['the plan role cannot delete another key next to its lock file', () => req(PLAN, 's3:DeleteObject', `${PROBE}-1`), 'ImplicitlyDenied'],
  ['the plan role cannot probe outside its workspaces', () => req(PLAN, 's3:DeleteObject', `env:/dev/${PROBE}`), 'ImplicitlyDenied'],
  ['the plan role still cannot delete a state', () => req(PLAN, 's3:DeleteObject', 'app.tfstate'), 'ImplicitlyDenied'],
  ['the plan role cannot delete a version of its probe key', () => req(PLAN, 's3:DeleteObjectVersion', PROBE), 'ImplicitlyDenied'],
  // who may not lock may not probe (the client then keeps Terraform's 5-request cycle)
  ['a role that may not lock cannot delete the probe key', () => req(NO_LOCK, 's3:DeleteObject', PROBE), 'ImplicitlyDenied'],
  ['an ungranted admin (s3:*) cannot delete the probe key', () => req(ADMIN, 's3:DeleteObject', PROBE), 'ExplicitlyDenied'],
];

describe('the conditional-delete probe of the runtime client (iam-simulate)', () => {
  test.each(matrix)('%s', async (_name, request, expected) => {
    expect(await deployed.decide(request())).toBe(expected);
  });
});
