import { App, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Decision, DeployedPolicies, SimRequest } from './simulate';
import { GitHubActionsIdentityProvider, LockingMode, StateAccess, StateBackend, StateScope } from '../../src';

/*
 * GIVEN a landing zone: a central backend (account 111111111111) with DynamoDB + lock file, no Bucket
 * Key, and a second central backend with a Bucket Key; roles for prod plan/apply, a team prefix, a
 * GitHub Actions plan role; a workload account (222222222222) that imports the backend.
 * WHEN each request of the matrix is evaluated with the synthesized identity, bucket, key and table
 * policies (iam-simulate),
 * THEN every decision matches what Terraform needs and nothing more.
 */

const CENTRAL = '111111111111';
const WORKLOAD = '222222222222';
const REGION = 'eu-west-1';
const BUCKET = 'tfstate-central';
const BK_BUCKET = 'tfstate-bucketkey';
const TABLE = 'tfstate-locks';
const DDB_BUCKET = 'tfstate-dynamodb';
const DDB_TABLE = 'tfstate-dynamodb-locks';
const obj = (bucket: string, key: string) => `arn:aws:s3:::${bucket}/${key}`;
const role = (account: string, name: string) => `arn:aws:iam::${account}:role/${name}`;
const PROD = StateScope.keys(['app.tfstate', 'network/terraform.tfstate']).workspaces(['default', 'prod']);

let deployed: DeployedPolicies;
let keyArn: string;
let bkKeyArn: string;
let ddbKeyArn: string;

beforeAll(() => {
  const central = new App();
  const stack = new Stack(central, 'Central', { env: { account: CENTRAL, region: REGION } });
  const backend = new StateBackend(stack, 'State', {
    bucketName: BUCKET, lockingMode: LockingMode.BOTH, lockTableName: TABLE, bucketKeyEnabled: false,
  });
  const account = new iam.AccountRootPrincipal();
  backend.addAccessRole('ProdPlan', { assumedBy: account, roleName: 'prod-plan', scope: PROD });
  backend.addAccessRole('ProdApply', { assumedBy: account, roleName: 'prod-apply', scope: PROD, access: StateAccess.READ_WRITE });
  const teamA = StateScope.keys(['team-a/*']).allWorkspaces();
  backend.addAccessRole('TeamAApply', { assumedBy: account, roleName: 'team-a-apply', scope: teamA, access: StateAccess.READ_WRITE });
  backend.addAccessRole('TeamAPlan', { assumedBy: account, roleName: 'team-a-plan', scope: teamA });
  const github = new GitHubActionsIdentityProvider(stack, 'GitHub');
  backend.addAccessRole('GitHubPlan', {
    assumedBy: github.principal({ repository: 'acme/infra', branch: 'main' }), roleName: 'github-plan', scope: PROD,
  });
  // The owning side of the cross-account grant: bucket, key and table policies for the workload role.
  backend.grantRead(new iam.ArnPrincipal(role(WORKLOAD, 'workload-plan')), PROD);

  const bk = new StateBackend(stack, 'BucketKeyState', { bucketName: BK_BUCKET, bucketKeyEnabled: true });
  bk.addAccessRole('Plan', { assumedBy: account, roleName: 'bk-plan', scope: PROD });

  const ddbOnly = new StateBackend(stack, 'DynamoDBState', {
    bucketName: DDB_BUCKET, lockingMode: LockingMode.DYNAMODB, lockTableName: DDB_TABLE, bucketKeyEnabled: false,
  });
  ddbOnly.addAccessRole('Plan', { assumedBy: account, roleName: 'ddb-plan', scope: PROD });

  const first = DeployedPolicies.fromStacks([stack]);
  keyArn = first.arn('AWS::KMS::Key', 'StateKey');
  bkKeyArn = first.arn('AWS::KMS::Key', 'BucketKeyStateKey');
  ddbKeyArn = first.arn('AWS::KMS::Key', 'DynamoDBStateKey');

  const workloadApp = new App();
  const workload = new Stack(workloadApp, 'Workload', { env: { account: WORKLOAD, region: REGION } });
  const imported = StateBackend.fromStateBackendAttributes(workload, 'Central', {
    bucketName: BUCKET, encryptionKeyArn: keyArn, lockTableName: TABLE, bucketKeyEnabled: false,
  });
  imported.addAccessRole('Plan', { assumedBy: new iam.AccountRootPrincipal(), roleName: 'workload-plan', scope: PROD });
  // Same identity policy, but the central account never granted this role.
  imported.addAccessRole('Rogue', { assumedBy: new iam.AccountRootPrincipal(), roleName: 'workload-rogue', scope: PROD });

  deployed = DeployedPolicies.fromStacks([stack, workload]);
});

const s3Get = (r: string, key: string, context?: Record<string, string>): SimRequest =>
  ({ role: r, action: 's3:GetObject', resource: obj(BUCKET, key), context });
const s3Put = (r: string, key: string, context?: Record<string, string>): SimRequest =>
  ({ role: r, action: 's3:PutObject', resource: obj(BUCKET, key), context });
/** A lock-file PUT as Terraform >= 1.10, OpenTofu >= 1.10 and this library's client send it: `If-None-Match: *`. */
const lockPut = (r: string, key: string, context?: Record<string, string>): SimRequest => s3Put(r, key, { 's3:if-none-match': '*', ...context });
const s3Delete = (r: string, key: string): SimRequest => ({ role: r, action: 's3:DeleteObject', resource: obj(BUCKET, key) });
/** Terraform's uploader and this client abort a failed multipart upload of a large state. */
const s3Abort = (r: string, key: string, context?: Record<string, string>): SimRequest =>
  ({ role: r, action: 's3:AbortMultipartUpload', resource: obj(BUCKET, key), context });
const s3List = (r: string, prefix?: string): SimRequest =>
  ({ role: r, action: 's3:ListBucket', resource: `arn:aws:s3:::${BUCKET}`, context: prefix === undefined ? {} : { 's3:prefix': prefix } });
const ddb = (r: string, action: string, lockId: string, context: Record<string, string> = {}): SimRequest =>
  ({ role: r, action: `dynamodb:${action}`, resource: `arn:aws:dynamodb:${REGION}:${CENTRAL}:table/${TABLE}`, context: { 'dynamodb:LeadingKeys': [lockId] as any, ...context } });
const kmsViaS3 = (r: string, action: string, contextArn: string, callerAccount = CENTRAL, key = () => keyArn): SimRequest => ({
  role: r,
  action,
  resource: key(),
  context: { 'kms:ViaService': `s3.${REGION}.amazonaws.com`, 'kms:CallerAccount': callerAccount, 'kms:EncryptionContext:aws:s3:arn': contextArn },
});
const sseKms = () => ({ 's3:x-amz-server-side-encryption': 'aws:kms', 's3:x-amz-server-side-encryption-aws-kms-key-id': keyArn });

const PLAN = role(CENTRAL, 'prod-plan');
const APPLY = role(CENTRAL, 'prod-apply');
const TEAM_A = role(CENTRAL, 'team-a-apply');
const TEAM_A_PLAN = role(CENTRAL, 'team-a-plan');
const GITHUB = role(CENTRAL, 'github-plan');
const BK_PLAN = role(CENTRAL, 'bk-plan');
const DDB_PLAN = role(CENTRAL, 'ddb-plan');
const WORKLOAD_PLAN = role(WORKLOAD, 'workload-plan');
const ROGUE = role(WORKLOAD, 'workload-rogue');

type Cell = [string, () => SimRequest, Decision];

const matrix: Cell[] = [
  // prod read-only role: what `terraform plan` does in workspace prod
  ['plan lists workspaces (Prefix env:/)', () => s3List(PLAN, 'env:/'), 'Allowed'],
  ['plan reads env:/prod/app.tfstate', () => s3Get(PLAN, 'env:/prod/app.tfstate'), 'Allowed'],
  ['plan reads the default-workspace app.tfstate', () => s3Get(PLAN, 'app.tfstate'), 'Allowed'],
  ['plan reads network/terraform.tfstate in prod', () => s3Get(PLAN, 'env:/prod/network/terraform.tfstate'), 'Allowed'],
  ['plan creates the prod lock object with SSE-KMS headers', () => lockPut(PLAN, 'env:/prod/app.tfstate.tflock', sseKms()), 'Allowed'],
  // Terraform/OpenTofu with `encrypt` unset send no SSE header; the bucket default applies the key (opentofu#2970).
  ['plan creates the prod lock object without SSE headers (encrypt unset)', () => lockPut(PLAN, 'env:/prod/app.tfstate.tflock'), 'Allowed'],
  ['plan reads the prod lock object', () => s3Get(PLAN, 'env:/prod/app.tfstate.tflock'), 'Allowed'],
  ['plan deletes the prod lock object', () => s3Delete(PLAN, 'env:/prod/app.tfstate.tflock'), 'Allowed'],
  ['plan cannot PUT the prod state', () => s3Put(PLAN, 'env:/prod/app.tfstate', sseKms()), 'ImplicitlyDenied'],
  ['plan cannot delete the prod state', () => s3Delete(PLAN, 'env:/prod/app.tfstate'), 'ImplicitlyDenied'],
  ['plan cannot abort a multipart upload of the prod state', () => s3Abort(PLAN, 'env:/prod/app.tfstate'), 'ImplicitlyDenied'],
  ['plan cannot read env:/dev/app.tfstate', () => s3Get(PLAN, 'env:/dev/app.tfstate'), 'ImplicitlyDenied'],
  ['plan cannot lock env:/dev/app.tfstate', () => lockPut(PLAN, 'env:/dev/app.tfstate.tflock', sseKms()), 'ImplicitlyDenied'],
  ['plan cannot read another key', () => s3Get(PLAN, 'team-a/app.tfstate'), 'ImplicitlyDenied'],
  ['plan cannot list another prefix', () => s3List(PLAN, 'team-a/'), 'ImplicitlyDenied'],
  // S3 decides 404 vs 403 for a missing key by evaluating s3:ListBucket with s3:prefix = that key
  ['plan may learn that the prod state does not exist yet (404, not 403)', () => s3List(PLAN, 'env:/prod/app.tfstate'), 'Allowed'],
  ['plan may learn that the prod state is not locked (404 on the .tflock)', () => s3List(PLAN, 'env:/prod/app.tfstate.tflock'), 'Allowed'],
  ['plan may not probe for dev state objects', () => s3List(PLAN, 'env:/dev/app.tfstate'), 'ImplicitlyDenied'],
  ['plan cannot list the dev workspace folder', () => s3List(PLAN, 'env:/dev/'), 'ImplicitlyDenied'],
  ['plan cannot list the whole bucket (no prefix)', () => s3List(PLAN), 'ImplicitlyDenied'],
  ['plan takes the DynamoDB lock of prod', () => ddb(PLAN, 'PutItem', `${BUCKET}/env:/prod/app.tfstate`), 'Allowed'],
  ['plan releases the DynamoDB lock of prod', () => ddb(PLAN, 'DeleteItem', `${BUCKET}/env:/prod/app.tfstate`), 'Allowed'],
  ['plan reads the digest of prod', () => ddb(PLAN, 'GetItem', `${BUCKET}/env:/prod/app.tfstate-md5`), 'Allowed'],
  ['plan cannot write the digest of prod', () => ddb(PLAN, 'PutItem', `${BUCKET}/env:/prod/app.tfstate-md5`), 'ImplicitlyDenied'],
  ['plan cannot take the DynamoDB lock of dev', () => ddb(PLAN, 'PutItem', `${BUCKET}/env:/dev/app.tfstate`), 'ImplicitlyDenied'],
  ['plan cannot scan the table', () => ({ role: PLAN, action: 'dynamodb:Scan', resource: `arn:aws:dynamodb:${REGION}:${CENTRAL}:table/${TABLE}` }), 'ImplicitlyDenied'],
  ['plan decrypts the prod state through S3', () => kmsViaS3(PLAN, 'kms:Decrypt', obj(BUCKET, 'env:/prod/app.tfstate')), 'Allowed'],
  ['plan gets a data key for the prod lock object', () => kmsViaS3(PLAN, 'kms:GenerateDataKey', obj(BUCKET, 'env:/prod/app.tfstate.tflock')), 'Allowed'],
  ['plan gets no data key for the prod state object', () => kmsViaS3(PLAN, 'kms:GenerateDataKey', obj(BUCKET, 'env:/prod/app.tfstate')), 'ImplicitlyDenied'],
  ['plan cannot decrypt the dev state', () => kmsViaS3(PLAN, 'kms:Decrypt', obj(BUCKET, 'env:/dev/app.tfstate')), 'ImplicitlyDenied'],
  ['plan cannot decrypt directly (not via S3)', () => ({ role: PLAN, action: 'kms:Decrypt', resource: keyArn, context: { 'kms:CallerAccount': CENTRAL, 'kms:EncryptionContext:aws:s3:arn': obj(BUCKET, 'env:/prod/app.tfstate') } }), 'ImplicitlyDenied'],
  ['plan uses the key through DynamoDB for the lock table', () => ({
    role: PLAN,
    action: 'kms:Decrypt',
    resource: keyArn,
    context: { 'kms:ViaService': `dynamodb.${REGION}.amazonaws.com`, 'kms:CallerAccount': CENTRAL, 'kms:EncryptionContext:aws:dynamodb:tableName': TABLE, 'kms:EncryptionContext:aws:dynamodb:subscriberId': CENTRAL },
  }), 'Allowed'],
  ['plan cannot use the key through DynamoDB for another table', () => ({
    role: PLAN,
    action: 'kms:Decrypt',
    resource: keyArn,
    context: { 'kms:ViaService': `dynamodb.${REGION}.amazonaws.com`, 'kms:CallerAccount': CENTRAL, 'kms:EncryptionContext:aws:dynamodb:tableName': 'other', 'kms:EncryptionContext:aws:dynamodb:subscriberId': CENTRAL },
  }), 'ImplicitlyDenied'],

  // prod read-write role: what `terraform apply` and `workspace delete` do
  ['apply writes the prod state with the backend key', () => s3Put(APPLY, 'env:/prod/app.tfstate', sseKms()), 'Allowed'],
  // SSE denies apply only to headers a request sends: `encrypt` unset → no header → the bucket default (the key).
  ['apply writes the prod state without SSE headers (encrypt unset)', () => s3Put(APPLY, 'env:/prod/app.tfstate'), 'Allowed'],
  ['apply cannot write the dev state without SSE headers either', () => s3Put(APPLY, 'env:/dev/app.tfstate'), 'ImplicitlyDenied'],
  ['a PUT naming this key by ARN with aws:kms is allowed', () => s3Put(APPLY, 'env:/prod/app.tfstate', {
    's3:x-amz-server-side-encryption': 'aws:kms', 's3:x-amz-server-side-encryption-aws-kms-key-id': keyArn,
  }), 'Allowed'],
  ['a PUT with aws:kms and no key ID (S3 would use aws/s3) is denied', () => s3Put(APPLY, 'env:/prod/app.tfstate', { 's3:x-amz-server-side-encryption': 'aws:kms' }), 'ExplicitlyDenied'],
  ['a PUT naming this key by bare key ID is denied (the condition compares ARNs)', () => s3Put(APPLY, 'env:/prod/app.tfstate', {
    's3:x-amz-server-side-encryption': 'aws:kms', 's3:x-amz-server-side-encryption-aws-kms-key-id': keyArn.split('/')[1],
  }), 'ExplicitlyDenied'],
  ['a PUT with DSSE-KMS and this key is denied (another SSE type)', () => s3Put(APPLY, 'env:/prod/app.tfstate', {
    's3:x-amz-server-side-encryption': 'aws:kms:dsse', 's3:x-amz-server-side-encryption-aws-kms-key-id': keyArn,
  }), 'ExplicitlyDenied'],
  ['a PUT naming another KMS key is denied', () => s3Put(APPLY, 'env:/prod/app.tfstate', {
    's3:x-amz-server-side-encryption': 'aws:kms', 's3:x-amz-server-side-encryption-aws-kms-key-id': `arn:aws:kms:${REGION}:${CENTRAL}:key/11111111-2222-4333-8444-555555555555`,
  }), 'ExplicitlyDenied'],
  ['a PUT with SSE-S3 (AES256, encrypt = true without kms_key_id) is denied', () => s3Put(APPLY, 'env:/prod/app.tfstate', { 's3:x-amz-server-side-encryption': 'AES256' }), 'ExplicitlyDenied'],
  ['a PUT with SSE-C (sse_customer_key) is denied', () => s3Put(APPLY, 'env:/prod/app.tfstate', { 's3:x-amz-server-side-encryption-customer-algorithm': 'AES256' }), 'ExplicitlyDenied'],
  ['apply deletes the prod state (workspace delete)', () => s3Delete(APPLY, 'env:/prod/app.tfstate'), 'Allowed'],
  ['apply records the digest of prod', () => ddb(APPLY, 'PutItem', `${BUCKET}/env:/prod/app.tfstate-md5`), 'Allowed'],
  ['apply gets a data key for the prod state', () => kmsViaS3(APPLY, 'kms:GenerateDataKey', obj(BUCKET, 'env:/prod/app.tfstate')), 'Allowed'],
  ['apply aborts a failed multipart upload of the prod state', () => s3Abort(APPLY, 'env:/prod/app.tfstate'), 'Allowed'],
  ['apply aborts a failed multipart upload of the default-workspace network state', () => s3Abort(APPLY, 'network/terraform.tfstate'), 'Allowed'],
  ['apply cannot abort an upload of the dev state (outside the scope)', () => s3Abort(APPLY, 'env:/dev/app.tfstate'), 'ImplicitlyDenied'],
  ['apply cannot abort an upload of a lock object (lock files are never multipart)', () => s3Abort(APPLY, 'env:/prod/app.tfstate.tflock'), 'ImplicitlyDenied'],
  ['apply cannot abort an upload over HTTP (the bucket denies it)', () => s3Abort(APPLY, 'env:/prod/app.tfstate', { 'aws:SecureTransport': 'false' }), 'ExplicitlyDenied'],
  ['apply cannot write the dev state', () => s3Put(APPLY, 'env:/dev/app.tfstate', sseKms()), 'ImplicitlyDenied'],
  ['apply cannot write the dev digest', () => ddb(APPLY, 'PutItem', `${BUCKET}/env:/dev/app.tfstate-md5`), 'ImplicitlyDenied'],

  // key patterns
  ['team-a writes any key under team-a/', () => s3Put(TEAM_A, 'team-a/net/terraform.tfstate', sseKms()), 'Allowed'],
  ['team-a writes team-a keys in any workspace', () => s3Put(TEAM_A, 'env:/dev/team-a/net.tfstate', sseKms()), 'Allowed'],
  ['team-a aborts an upload of any key under team-a/', () => s3Abort(TEAM_A, 'team-a/net/terraform.tfstate'), 'Allowed'],
  ['team-a read-only cannot abort an upload under team-a/', () => s3Abort(TEAM_A_PLAN, 'team-a/net/terraform.tfstate'), 'ImplicitlyDenied'],
  ['team-a cannot read team-b', () => s3Get(TEAM_A, 'team-b/net.tfstate'), 'ImplicitlyDenied'],
  ['team-a lists its own keys', () => s3List(TEAM_A, 'team-a/net.tfstate'), 'Allowed'],
  ['team-a read-only cannot overwrite a digest through the lock-item pattern', () => ddb(TEAM_A_PLAN, 'PutItem', `${BUCKET}/team-a/net.tfstate-md5`), 'ImplicitlyDenied'],
  ['team-a read-only takes the lock item', () => ddb(TEAM_A_PLAN, 'PutItem', `${BUCKET}/team-a/net.tfstate`), 'Allowed'],

  // GitHub Actions role has the plan permissions
  ['github plan reads the prod state', () => s3Get(GITHUB, 'env:/prod/app.tfstate'), 'Allowed'],
  ['github plan cannot write the prod state', () => s3Put(GITHUB, 'env:/prod/app.tfstate', sseKms()), 'ImplicitlyDenied'],

  // plain HTTP: nothing, for any role
  ...[PLAN, APPLY, TEAM_A, GITHUB].flatMap((r): Cell[] => [
    [`${r} cannot read over HTTP`, () => s3Get(r, r === TEAM_A ? 'team-a/x.tfstate' : 'env:/prod/app.tfstate', { 'aws:SecureTransport': 'false' }), 'ExplicitlyDenied'],
    [`${r} cannot lock over HTTP`, () => s3Put(r, r === TEAM_A ? 'team-a/x.tfstate.tflock' : 'env:/prod/app.tfstate.tflock', { 'aws:SecureTransport': 'false' }), 'ExplicitlyDenied'],
    [`${r} cannot list over HTTP`, () => ({ ...s3List(r, 'env:/'), context: { 's3:prefix': 'env:/', 'aws:SecureTransport': 'false' } }), 'ExplicitlyDenied'],
    [`${r} cannot use DynamoDB over HTTP`, () => ddb(r, 'PutItem', `${BUCKET}/${r === TEAM_A ? 'team-a/x.tfstate' : 'env:/prod/app.tfstate'}`, { 'aws:SecureTransport': 'false' }), 'ImplicitlyDenied'],
  ]),

  // S3 Bucket Key: the KMS encryption context is the bucket ARN
  ['bucket-key plan decrypts with the bucket ARN as context', () => kmsViaS3(BK_PLAN, 'kms:Decrypt', `arn:aws:s3:::${BK_BUCKET}`, CENTRAL, () => bkKeyArn), 'Allowed'],
  ['bucket-key plan gets a data key with the bucket ARN as context', () => kmsViaS3(BK_PLAN, 'kms:GenerateDataKey', `arn:aws:s3:::${BK_BUCKET}`, CENTRAL, () => bkKeyArn), 'Allowed'],
  ['bucket-key plan cannot use the key with another bucket as context', () => kmsViaS3(BK_PLAN, 'kms:Decrypt', `arn:aws:s3:::${BUCKET}`, CENTRAL, () => bkKeyArn), 'ImplicitlyDenied'],
  ['bucket-key plan cannot use the other backend key', () => kmsViaS3(BK_PLAN, 'kms:Decrypt', `arn:aws:s3:::${BK_BUCKET}`), 'ImplicitlyDenied'],
  ['bucket-key plan decrypts a prod state written before the Bucket Key (object context)', () => kmsViaS3(BK_PLAN, 'kms:Decrypt', obj(BK_BUCKET, 'env:/prod/app.tfstate'), CENTRAL, () => bkKeyArn), 'Allowed'],
  ['bucket-key plan cannot decrypt a dev state written before the Bucket Key', () => kmsViaS3(BK_PLAN, 'kms:Decrypt', obj(BK_BUCKET, 'env:/dev/app.tfstate'), CENTRAL, () => bkKeyArn), 'ImplicitlyDenied'],
  ['without a Bucket Key the bucket ARN context is refused', () => kmsViaS3(PLAN, 'kms:Decrypt', `arn:aws:s3:::${BUCKET}`), 'ImplicitlyDenied'],

  // DynamoDB-only locking: a reader writes nothing in S3, not even a lock object
  ['dynamodb-only plan reads the prod state', () => ({ role: DDB_PLAN, action: 's3:GetObject', resource: obj(DDB_BUCKET, 'env:/prod/app.tfstate') }), 'Allowed'],
  ['dynamodb-only plan cannot create a lock object', () => ({
    role: DDB_PLAN,
    action: 's3:PutObject',
    resource: obj(DDB_BUCKET, 'env:/prod/app.tfstate.tflock'),
    context: { 's3:if-none-match': '*', 's3:x-amz-server-side-encryption': 'aws:kms', 's3:x-amz-server-side-encryption-aws-kms-key-id': ddbKeyArn },
  }), 'ImplicitlyDenied'],
  ['dynamodb-only plan takes the DynamoDB lock', () => ({
    role: DDB_PLAN,
    action: 'dynamodb:PutItem',
    resource: `arn:aws:dynamodb:${REGION}:${CENTRAL}:table/${DDB_TABLE}`,
    context: { 'dynamodb:LeadingKeys': [`${DDB_BUCKET}/env:/prod/app.tfstate`] as any },
  }), 'Allowed'],
  ['dynamodb-only plan cannot lock in the other backend\'s table', () => ddb(DDB_PLAN, 'PutItem', `${BUCKET}/env:/prod/app.tfstate`), 'ImplicitlyDenied'],

  // cross-account: identity policy in the workload account + bucket/key/table policy in the central one
  ['workload plan reads the prod state across accounts', () => s3Get(WORKLOAD_PLAN, 'env:/prod/app.tfstate'), 'Allowed'],
  ['workload plan locks prod across accounts', () => lockPut(WORKLOAD_PLAN, 'env:/prod/app.tfstate.tflock', sseKms()), 'Allowed'],
  ['workload plan locks prod across accounts without SSE headers', () => lockPut(WORKLOAD_PLAN, 'env:/prod/app.tfstate.tflock'), 'Allowed'],
  ['workload plan lists workspaces across accounts', () => s3List(WORKLOAD_PLAN, 'env:/'), 'Allowed'],
  ['workload plan cannot list another prefix across accounts', () => s3List(WORKLOAD_PLAN, 'team-a/'), 'ImplicitlyDenied'],
  ['workload plan cannot write the prod state', () => s3Put(WORKLOAD_PLAN, 'env:/prod/app.tfstate', sseKms()), 'ImplicitlyDenied'],
  ['workload plan cannot abort an upload of the prod state', () => s3Abort(WORKLOAD_PLAN, 'env:/prod/app.tfstate'), 'ImplicitlyDenied'],
  ['workload plan cannot read dev', () => s3Get(WORKLOAD_PLAN, 'env:/dev/app.tfstate'), 'ImplicitlyDenied'],
  ['workload plan decrypts the prod state through S3', () => kmsViaS3(WORKLOAD_PLAN, 'kms:Decrypt', obj(BUCKET, 'env:/prod/app.tfstate'), WORKLOAD), 'Allowed'],
  ['workload plan cannot decrypt dev', () => kmsViaS3(WORKLOAD_PLAN, 'kms:Decrypt', obj(BUCKET, 'env:/dev/app.tfstate'), WORKLOAD), 'ImplicitlyDenied'],
  ['workload plan takes the DynamoDB lock across accounts', () => ddb(WORKLOAD_PLAN, 'PutItem', `${BUCKET}/env:/prod/app.tfstate`), 'Allowed'],
  ['workload plan cannot read over HTTP', () => s3Get(WORKLOAD_PLAN, 'env:/prod/app.tfstate', { 'aws:SecureTransport': 'false' }), 'ExplicitlyDenied'],
  ['a workload role the central account never granted reads nothing', () => s3Get(ROGUE, 'env:/prod/app.tfstate'), 'ImplicitlyDenied'],
  ['a workload role the central account never granted cannot use the key', () => kmsViaS3(ROGUE, 'kms:Decrypt', obj(BUCKET, 'env:/prod/app.tfstate'), WORKLOAD), 'ImplicitlyDenied'],
];

describe('IAM policy simulation of the synthesized policies', () => {
  test.each(matrix)('%s', async (_name, request, expected) => {
    expect(await deployed.decide(request())).toBe(expected);
  });
});
