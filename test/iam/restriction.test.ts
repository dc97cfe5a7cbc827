import { App, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Decision, DeployedPolicies, SimRequest } from './simulate';
import { LockingMode, StateAccess, StateBackend, StateScope } from '../../src';

/*
 * GIVEN a backend with restrictStateAccess (bucket, key and table policies deny by default), a second one
 * without it, and in the same account: a granted apply role, a plan role without locks, a role granted
 * after construction, a break-glass role with s3:*, kms:* and dynamodb:*, and an administrator role with
 * the same identity policy that was never granted.
 * WHEN each request is evaluated with the synthesized identity, bucket, key and table policies (iam-simulate),
 * THEN only granted and break-glass principals reach state, and lock files are created only conditionally.
 */

const ACCOUNT = '111111111111';
const REGION = 'eu-west-1';
const BUCKET = 'tfstate-restricted';
const TABLE = 'tfstate-restricted-locks';
const OPEN_BUCKET = 'tfstate-open';
const role = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;
const ADMIN = role('admin');
const BREAK_GLASS = role('break-glass');
const APPLY = role('apply');
const NO_LOCK = role('plan-no-lock');
const LATE = role('late');

let deployed: DeployedPolicies;
let keyArn: string;
let openKeyArn: string;

function everything(stack: Stack, id: string, roleName: string): iam.Role {
  const r = new iam.Role(stack, id, { roleName, assumedBy: new iam.AccountRootPrincipal() });
  r.addToPolicy(new iam.PolicyStatement({ actions: ['s3:*', 'kms:*', 'dynamodb:*'], resources: ['*'] }));
  return r;
}

beforeAll(() => {
  const app = new App();
  const stack = new Stack(app, 'Central', { env: { account: ACCOUNT, region: REGION } });
  const breakGlass = everything(stack, 'BreakGlass', 'break-glass');
  everything(stack, 'Admin', 'admin');
  const backend = new StateBackend(stack, 'State', {
    bucketName: BUCKET,
    lockTableName: TABLE,
    lockingMode: LockingMode.BOTH,
    bucketKeyEnabled: false,
    restrictStateAccess: true,
    breakGlassPrincipals: [breakGlass],
  });
  const account = new iam.AccountRootPrincipal();
  backend.addAccessRole('Apply', { assumedBy: account, roleName: 'apply', access: StateAccess.READ_WRITE });
  backend.addAccessRole('PlanNoLock', { assumedBy: account, roleName: 'plan-no-lock', access: StateAccess.READ_WITHOUT_LOCK, scope: StateScope.all() });
  backend.grantRead(new iam.Role(stack, 'Late', { roleName: 'late', assumedBy: account }), StateScope.keys(['app.tfstate']));
  // The control: the same administrator on a backend without the restriction.
  new StateBackend(stack, 'Open', { bucketName: OPEN_BUCKET, bucketKeyEnabled: false });

  deployed = DeployedPolicies.fromStacks([stack]);
  keyArn = deployed.arn('AWS::KMS::Key', 'StateKey');
  openKeyArn = deployed.arn('AWS::KMS::Key', 'OpenKey');
});

const obj = (bucket: string, key: string) => `arn:aws:s3:::${bucket}/${key}`;
const s3 = (r: string, action: string, key: string, context?: Record<string, string>, bucket = BUCKET): SimRequest =>
  ({ role: r, action, resource: obj(bucket, key), context });
const decrypt = (r: string, key: string, bucket = BUCKET, kmsKey = () => keyArn): SimRequest => ({
  role: r,
  action: 'kms:Decrypt',
  resource: kmsKey(),
  context: { 'kms:ViaService': `s3.${REGION}.amazonaws.com`, 'kms:CallerAccount': ACCOUNT, 'kms:EncryptionContext:aws:s3:arn': obj(bucket, key) },
});
const item = (r: string, action: string, lockId: string): SimRequest =>
  ({ role: r, action: `dynamodb:${action}`, resource: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${TABLE}`, context: { 'dynamodb:LeadingKeys': [lockId] as any } });

/** The lock-file PUT of each tool, as sent on the wire (reference §5, vector 16). */
const LOCK_WRITES: Array<[string, () => Record<string, string>]> = [
  // Terraform >= 1.10, `use_lockfile = true`, `encrypt = true` + `kms_key_id`
  ['Terraform 1.10+ (encrypt = true, kms_key_id)', () => ({
    's3:if-none-match': '*', 's3:x-amz-server-side-encryption': 'aws:kms', 's3:x-amz-server-side-encryption-aws-kms-key-id': keyArn,
  })],
  // OpenTofu >= 1.10, `use_lockfile = true`, `encrypt` unset: no SSE header
  ['OpenTofu 1.10+ (encrypt unset)', () => ({ 's3:if-none-match': '*' })],
  // this library's client (StateClient / tfstate lock)
  ['cdk-tfstate-backend client', () => ({ 's3:if-none-match': '*' })],
];

type Cell = [string, () => SimRequest, Decision];

const matrix: Cell[] = [
  // §3: the administrator with s3:*, kms:* and dynamodb:* that was never granted
  ['an ungranted admin (s3:*, kms:*) cannot read a state', () => s3(ADMIN, 's3:GetObject', 'app.tfstate'), 'ExplicitlyDenied'],
  ['an ungranted admin cannot read an old version of a state', () => s3(ADMIN, 's3:GetObjectVersion', 'app.tfstate'), 'ExplicitlyDenied'],
  ['an ungranted admin cannot overwrite a state', () => s3(ADMIN, 's3:PutObject', 'app.tfstate'), 'ExplicitlyDenied'],
  ['an ungranted admin cannot delete a state version', () => s3(ADMIN, 's3:DeleteObjectVersion', 'app.tfstate'), 'ExplicitlyDenied'],
  ['an ungranted admin cannot delete a lock file', () => s3(ADMIN, 's3:DeleteObject', 'app.tfstate.tflock'), 'ExplicitlyDenied'],
  ['an ungranted admin cannot decrypt a state through S3', () => decrypt(ADMIN, 'app.tfstate'), 'ExplicitlyDenied'],
  ['an ungranted admin cannot abort a state upload in progress', () => s3(ADMIN, 's3:AbortMultipartUpload', 'app.tfstate'), 'ExplicitlyDenied'],
  ['an ungranted admin cannot read a lock item', () => item(ADMIN, 'GetItem', `${BUCKET}/app.tfstate`), 'ExplicitlyDenied'],
  ['an ungranted admin cannot delete a lock item', () => item(ADMIN, 'DeleteItem', `${BUCKET}/app.tfstate`), 'ExplicitlyDenied'],
  ['an ungranted admin cannot scan the lock table', () => ({ role: ADMIN, action: 'dynamodb:Scan', resource: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${TABLE}` }), 'ExplicitlyDenied'],
  // the control: without the restriction, the same identity policy reads everything
  ['without restrictStateAccess the same admin reads a state', () => s3(ADMIN, 's3:GetObject', 'app.tfstate', undefined, OPEN_BUCKET), 'Allowed'],
  ['without restrictStateAccess the same admin decrypts through S3', () => decrypt(ADMIN, 'app.tfstate', OPEN_BUCKET, () => openKeyArn), 'Allowed'],

  // granted principals
  ['the granted apply role reads a state', () => s3(APPLY, 's3:GetObject', 'app.tfstate'), 'Allowed'],
  ['the granted apply role writes a state', () => s3(APPLY, 's3:PutObject', 'env:/prod/app.tfstate'), 'Allowed'],
  ['the granted apply role aborts its failed multipart upload', () => s3(APPLY, 's3:AbortMultipartUpload', 'env:/prod/app.tfstate'), 'Allowed'],
  ['the granted apply role decrypts through S3', () => decrypt(APPLY, 'app.tfstate'), 'Allowed'],
  ['the granted apply role takes a lock item', () => item(APPLY, 'PutItem', `${BUCKET}/app.tfstate`), 'Allowed'],
  ['a role granted after construction reads its state', () => s3(LATE, 's3:GetObject', 'app.tfstate'), 'Allowed'],
  ['a role granted after construction decrypts its state', () => decrypt(LATE, 'app.tfstate'), 'Allowed'],
  ['a role granted after construction stays within its scope', () => s3(LATE, 's3:GetObject', 'other.tfstate'), 'ImplicitlyDenied'],

  // break-glass
  ['the break-glass role reads a state', () => s3(BREAK_GLASS, 's3:GetObject', 'app.tfstate'), 'Allowed'],
  ['the break-glass role reads an old version', () => s3(BREAK_GLASS, 's3:GetObjectVersion', 'app.tfstate'), 'Allowed'],
  ['the break-glass role decrypts through S3', () => decrypt(BREAK_GLASS, 'app.tfstate'), 'Allowed'],
  ['the break-glass role deletes a stuck lock item', () => item(BREAK_GLASS, 'DeleteItem', `${BUCKET}/app.tfstate`), 'Allowed'],

  // §6: plan without locks
  ['READ_WITHOUT_LOCK reads a state', () => s3(NO_LOCK, 's3:GetObject', 'env:/prod/app.tfstate'), 'Allowed'],
  ['READ_WITHOUT_LOCK reads who holds the lock', () => s3(NO_LOCK, 's3:GetObject', 'env:/prod/app.tfstate.tflock'), 'Allowed'],
  ['READ_WITHOUT_LOCK decrypts through S3', () => decrypt(NO_LOCK, 'env:/prod/app.tfstate'), 'Allowed'],
  ['READ_WITHOUT_LOCK lists workspaces', () => ({ role: NO_LOCK, action: 's3:ListBucket', resource: `arn:aws:s3:::${BUCKET}`, context: { 's3:prefix': 'env:/' } }), 'Allowed'],
  ['READ_WITHOUT_LOCK cannot delete a running apply\'s lock file', () => s3(NO_LOCK, 's3:DeleteObject', 'env:/prod/app.tfstate.tflock'), 'ImplicitlyDenied'],
  ['READ_WITHOUT_LOCK cannot create a lock file', () => s3(NO_LOCK, 's3:PutObject', 'env:/prod/app.tfstate.tflock', { 's3:if-none-match': '*' }), 'ImplicitlyDenied'],
  ['READ_WITHOUT_LOCK cannot delete a lock item', () => item(NO_LOCK, 'DeleteItem', `${BUCKET}/env:/prod/app.tfstate`), 'ImplicitlyDenied'],
  ['READ_WITHOUT_LOCK cannot put a lock item', () => item(NO_LOCK, 'PutItem', `${BUCKET}/env:/prod/app.tfstate`), 'ImplicitlyDenied'],
  ['READ_WITHOUT_LOCK reads a lock item', () => item(NO_LOCK, 'GetItem', `${BUCKET}/env:/prod/app.tfstate`), 'Allowed'],
  ['READ_WITHOUT_LOCK reads the digest', () => item(NO_LOCK, 'GetItem', `${BUCKET}/env:/prod/app.tfstate-md5`), 'Allowed'],

  // §4: lock files only by conditional write, whatever the identity policy allows
  ...LOCK_WRITES.map(([tool, context]): Cell => [`${tool} creates a lock file`, () => s3(APPLY, 's3:PutObject', 'env:/prod/app.tfstate.tflock', context()), 'Allowed']),
  ['an unconditional PutObject of a lock file is denied to a granted role', () => s3(APPLY, 's3:PutObject', 'env:/prod/app.tfstate.tflock'), 'ExplicitlyDenied'],
  ['an unconditional PutObject of a lock file is denied to the break-glass role', () => s3(BREAK_GLASS, 's3:PutObject', 'app.tfstate.tflock'), 'ExplicitlyDenied'],
  ['an unconditional PutObject of a lock file is denied without restrictStateAccess too', () => s3(ADMIN, 's3:PutObject', 'app.tfstate.tflock', undefined, OPEN_BUCKET), 'ExplicitlyDenied'],
  ['a conditional PutObject of a lock file is allowed without restrictStateAccess', () => s3(ADMIN, 's3:PutObject', 'app.tfstate.tflock', { 's3:if-none-match': '*' }, OPEN_BUCKET), 'Allowed'],
  ['state objects are written unconditionally, as Terraform does', () => s3(APPLY, 's3:PutObject', 'env:/prod/app.tfstate'), 'Allowed'],
];

describe('deny-by-default state access and conditional lock writes (IAM simulation)', () => {
  test.each(matrix)('%s', async (_name, request, expected) => {
    expect(await deployed.decide(request())).toBe(expected);
  });

  test('the deny does not apply to a request an AWS service makes with its own principal (aws:PrincipalIsAWSService)', async () => {
    // Log delivery and replication by the S3 service: aws:PrincipalIsAWSService is true.
    const request = { ...s3(ADMIN, 's3:GetObject', 'app.tfstate'), context: { 'aws:PrincipalIsAWSService': 'true' } };
    expect(await deployed.decide(request)).toBe('Allowed');
  });
});
