import { App, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Decision, DeployedPolicies, SimRequest } from './simulate';
import { StateAccess, StateBackend } from '../../src';

/*
 * GIVEN a backend with lockTags and restrictStateAccess, an apply role (READ_WRITE), a plan role (READ),
 * a break-glass role and an ungranted administrator (s3:*),
 * WHEN OpenTofu 1.11 writes state with state_tags and lock files with lock_tags (PutObject with
 * x-amz-tagging, which also needs s3:PutObjectTagging; client.go configurePutObjectTags),
 * THEN granted writers may tag what they write, nobody may put the lock tags on a state object (its
 * versions would expire with the lock files), and the ungranted administrator cannot tag at all.
 */
const ACCOUNT = '111111111111';
const REGION = 'eu-west-1';
const BUCKET = 'tfstate-tags';
const role = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;
const APPLY = role('apply');
const PLAN = role('plan');
const ADMIN = role('admin');
const BREAK_GLASS = role('break-glass');

let deployed: DeployedPolicies;

beforeAll(() => {
  const app = new App();
  const stack = new Stack(app, 'Central', { env: { account: ACCOUNT, region: REGION } });
  const everything = (id: string, roleName: string) => {
    const r = new iam.Role(stack, id, { roleName, assumedBy: new iam.AccountRootPrincipal() });
    r.addToPolicy(new iam.PolicyStatement({ actions: ['s3:*', 'kms:*'], resources: ['*'] }));
    return r;
  };
  const breakGlass = everything('BreakGlass', 'break-glass');
  everything('Admin', 'admin');
  const backend = new StateBackend(stack, 'State', {
    bucketName: BUCKET,
    bucketKeyEnabled: false,
    lockTags: { 'object:type': 'lock' },
    restrictStateAccess: true,
    breakGlassPrincipals: [breakGlass],
  });
  const account = new iam.AccountRootPrincipal();
  backend.addAccessRole('Apply', { assumedBy: account, roleName: 'apply', access: StateAccess.READ_WRITE });
  backend.addAccessRole('Plan', { assumedBy: account, roleName: 'plan', access: StateAccess.READ_ONLY });
  deployed = DeployedPolicies.fromStacks([stack]);
});

const obj = (key: string) => `arn:aws:s3:::${BUCKET}/${key}`;
const req = (r: string, action: string, key: string, context: Record<string, string> = {}): SimRequest =>
  ({ role: r, action, resource: obj(key), context });
const LOCK_WRITE = { 's3:if-none-match': '*' };
const LOCK_TAG = { 's3:RequestObjectTag/object:type': 'lock' };
const STATE_TAG = { 's3:RequestObjectTag/object:type': 'state' };

const matrix: Array<[string, () => SimRequest, Decision]> = [
  // the writes OpenTofu 1.11 makes with state_tags / lock_tags
  ['the apply role writes a state with state_tags', () => req(APPLY, 's3:PutObject', 'app.tfstate', STATE_TAG), 'Allowed'],
  ['the apply role has s3:PutObjectTagging on the state (x-amz-tagging on PutObject)', () => req(APPLY, 's3:PutObjectTagging', 'app.tfstate', STATE_TAG), 'Allowed'],
  ['the apply role takes a lock with lock_tags', () => req(APPLY, 's3:PutObject', 'app.tfstate.tflock', { ...LOCK_WRITE, ...LOCK_TAG }), 'Allowed'],
  ['the apply role has s3:PutObjectTagging on the lock file', () => req(APPLY, 's3:PutObjectTagging', 'app.tfstate.tflock', LOCK_TAG), 'Allowed'],
  ['the plan role takes a lock with lock_tags', () => req(PLAN, 's3:PutObjectTagging', 'app.tfstate.tflock', LOCK_TAG), 'Allowed'],
  ['the plan role cannot tag a state', () => req(PLAN, 's3:PutObjectTagging', 'app.tfstate', STATE_TAG), 'ImplicitlyDenied'],
  // the lock tags stay on lock files
  ['a granted writer cannot write a state carrying the lock tags', () => req(APPLY, 's3:PutObject', 'app.tfstate', LOCK_TAG), 'ExplicitlyDenied'],
  ['a granted writer cannot tag a state with the lock tags', () => req(APPLY, 's3:PutObjectTagging', 'env:/prod/app.tfstate', LOCK_TAG), 'ExplicitlyDenied'],
  ['the break-glass role cannot tag a state version with the lock tags', () => req(BREAK_GLASS, 's3:PutObjectVersionTagging', 'app.tfstate', LOCK_TAG), 'ExplicitlyDenied'],
  ['the break-glass role may retag a state otherwise', () => req(BREAK_GLASS, 's3:PutObjectTagging', 'app.tfstate', STATE_TAG), 'Allowed'],
  // restrictStateAccess covers the tagging actions
  ['an ungranted admin (s3:*) cannot tag a state', () => req(ADMIN, 's3:PutObjectTagging', 'app.tfstate', STATE_TAG), 'ExplicitlyDenied'],
  ['an ungranted admin cannot remove a lock file\'s tags', () => req(ADMIN, 's3:DeleteObjectTagging', 'app.tfstate.tflock'), 'ExplicitlyDenied'],
];

describe('lockTags and the tagging grants (iam-simulate)', () => {
  test.each(matrix)('%s', async (_name, request, expected) => {
    expect(await deployed.decide(request())).toBe(expected);
  });
});
