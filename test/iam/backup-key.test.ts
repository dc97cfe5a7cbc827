import { App, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Decision, DeployedPolicies } from './simulate';
import { LockingMode, StateBackend } from '../../src';

/*
 * GIVEN a backend in an AWS Backup plan whose new vault is encrypted with the backend key (or with a
 * given vaultKey), an administrator role (kms:*) and a role with no permission, in the same account
 * WHEN the KMS requests AWS Backup makes with the selection's role on the vault key are evaluated
 * against the synthesized role and key policies (iam-simulate)
 * THEN the role can create and read recovery points (GenerateDataKey, Decrypt, DescribeKey, and a
 * CreateGrant for an AWS resource, all through backup.<region>), and nothing else: no use outside AWS
 * Backup, no grant for a non-AWS resource, no use of the key through AWS Backup by a principal whose
 * own policy does not allow it.
 *
 * Context as AWS Backup sends it: kms:ViaService = backup.<region>.amazonaws.com, kms:CallerAccount =
 * the role's account, and on CreateGrant kms:GrantIsForAWSResource = true (AWS Backup developer guide,
 * "Encryption for backups in AWS Backup": the job's IAM role must have access to the vault key).
 */

const ACCOUNT = '111111111111';
const REGION = 'eu-west-1';
const BACKUP = `backup.${REGION}.amazonaws.com`;
const ADMIN = `arn:aws:iam::${ACCOUNT}:role/admin`;
const NOBODY = `arn:aws:iam::${ACCOUNT}:role/nobody`;

interface Built { deployed: DeployedPolicies; role: string; backendKey: string; vaultKey: string }

function build(withVaultKey: boolean): Built {
  const app = new App();
  const stack = new Stack(app, 'State', { env: { account: ACCOUNT, region: REGION } });
  const admin = new iam.Role(stack, 'Admin', { roleName: 'admin', assumedBy: new iam.AccountRootPrincipal() });
  admin.addToPolicy(new iam.PolicyStatement({ actions: ['kms:*'], resources: ['*'] }));
  new iam.Role(stack, 'Nobody', { roleName: 'nobody', assumedBy: new iam.AccountRootPrincipal() });
  const vaultKey = withVaultKey ? new kms.Key(stack, 'VaultKey', { enableKeyRotation: true }) : undefined;
  new StateBackend(stack, 'Backend', { bucketName: 'tfstate-backup', lockingMode: LockingMode.BOTH, backup: { vaultKey } });
  const deployed = DeployedPolicies.fromStacks([stack]);
  const backendKey = deployed.arn('AWS::KMS::Key', 'BackendKey');
  return {
    deployed,
    role: deployed.arn('AWS::IAM::Role', 'BackendBackupPlanSelectionRole'),
    backendKey,
    vaultKey: withVaultKey ? deployed.arn('AWS::KMS::Key', 'VaultKey') : backendKey,
  };
}

const viaBackup = (extra: Record<string, string> = {}) => ({ 'kms:ViaService': BACKUP, 'kms:CallerAccount': ACCOUNT, ...extra });
const forAwsResource = (yes: boolean) => viaBackup({ 'kms:GrantIsForAWSResource': yes ? 'true' : 'false' });

type Case = [string, (b: Built) => { role: string; action: string; resource: string; context?: Record<string, string> }, Decision];

/** `nonAwsGrant`: the decision on a grant for a non-AWS resource, which depends on the vault key's own policy. */
const vaultKeyCases = (nonAwsGrant: Decision): Case[] => [
  ['the backup role generates a data key for a recovery point through AWS Backup', (b) => ({ role: b.role, action: 'kms:GenerateDataKey', resource: b.vaultKey, context: viaBackup() }), 'Allowed'],
  ['the backup role decrypts a recovery point through AWS Backup (restore)', (b) => ({ role: b.role, action: 'kms:Decrypt', resource: b.vaultKey, context: viaBackup() }), 'Allowed'],
  ['the backup role describes the vault key through AWS Backup', (b) => ({ role: b.role, action: 'kms:DescribeKey', resource: b.vaultKey, context: viaBackup() }), 'Allowed'],
  ['the backup role creates a grant for an AWS resource through AWS Backup', (b) => ({ role: b.role, action: 'kms:CreateGrant', resource: b.vaultKey, context: forAwsResource(true) }), 'Allowed'],
  ['the backup role cannot create a grant that is not for an AWS resource', (b) => ({ role: b.role, action: 'kms:CreateGrant', resource: b.vaultKey, context: forAwsResource(false) }), nonAwsGrant],
  ['the backup role cannot decrypt with the vault key outside AWS Backup', (b) => ({ role: b.role, action: 'kms:Decrypt', resource: b.vaultKey, context: { 'kms:CallerAccount': ACCOUNT } }), 'ImplicitlyDenied'],
  ['the backup role cannot re-encrypt with the vault key', (b) => ({ role: b.role, action: 'kms:ReEncryptFrom', resource: b.vaultKey, context: viaBackup() }), 'ImplicitlyDenied'],
  ['a role without a KMS permission cannot use the vault key through AWS Backup', (b) => ({ role: NOBODY, action: 'kms:GenerateDataKey', resource: b.vaultKey, context: viaBackup() }), 'ImplicitlyDenied'],
];

describe('AWS Backup vault encrypted with the backend key (IAM simulation)', () => {
  let built: Built;
  beforeAll(() => { built = build(false); });

  // A grant for a non-AWS resource is refused by the key policy's explicit deny (DenyGrantsNotForAWSResources).
  test.each(vaultKeyCases('ExplicitlyDenied'))('%s', async (_name, request, expected) => {
    expect(await built.deployed.decide(request(built))).toBe(expected);
  });

  // The key policy delegates to IAM in this account (the account is its principal), limited to AWS Backup here.
  test.each<Case>([
    ['an administrator (kms:*) may use the key through AWS Backup: the key policy delegates to IAM in the account', (b) => ({ role: ADMIN, action: 'kms:GenerateDataKey', resource: b.backendKey, context: viaBackup() }), 'Allowed'],
    ['an administrator (kms:*) cannot decrypt with the key directly', (b) => ({ role: ADMIN, action: 'kms:Decrypt', resource: b.backendKey, context: { 'kms:CallerAccount': ACCOUNT } }), 'ImplicitlyDenied'],
    ['an administrator cannot decrypt through AWS Backup from another account', (b) => ({ role: ADMIN, action: 'kms:Decrypt', resource: b.backendKey, context: viaBackup({ 'kms:CallerAccount': '999999999999' }) }), 'ImplicitlyDenied'],
    ['an administrator cannot create a grant through S3 (only AWS Backup and DynamoDB create grants)', (b) => ({ role: ADMIN, action: 'kms:CreateGrant', resource: b.backendKey, context: { 'kms:ViaService': `s3.${REGION}.amazonaws.com`, 'kms:CallerAccount': ACCOUNT, 'kms:GrantIsForAWSResource': 'true' } }), 'ImplicitlyDenied'],
  ])('%s', async (_name, request, expected) => {
    expect(await built.deployed.decide(request(built))).toBe(expected);
  });
});

describe('AWS Backup vault encrypted with a given vaultKey (IAM simulation)', () => {
  let built: Built;
  beforeAll(() => { built = build(true); });

  // A given key keeps its own policy (here CDK's default: the account may do anything): no deny there,
  // but the role's own policy allows only grants for AWS resources.
  test.each(vaultKeyCases('ImplicitlyDenied'))('%s', async (_name, request, expected) => {
    expect(await built.deployed.decide(request(built))).toBe(expected);
  });

  test('the backend key is not opened to AWS Backup when the vault has its own key', async () => {
    expect(await built.deployed.decide({ role: built.role, action: 'kms:GenerateDataKey', resource: built.backendKey, context: viaBackup() })).toBe('ImplicitlyDenied');
    expect(await built.deployed.decide({ role: ADMIN, action: 'kms:GenerateDataKey', resource: built.backendKey, context: viaBackup() })).toBe('ImplicitlyDenied');
  });
});
