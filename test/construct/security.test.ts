import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { bucketPolicyStatements, KEY, LOCK_TABLE, LOG_BUCKET, resourceOf, STATE_BUCKET, synthBackend } from './helpers';
import { LockingMode, StateAccess, StateBackend, StateScope } from '../../src';

const sid = (statements: any[], id: string) => statements.find((s) => s.Sid === id);

describe('lock files only by conditional write', () => {
  const { template } = synthBackend();
  const bucket = resourceOf(template, 'AWS::S3::Bucket', STATE_BUCKET);

  test('the bucket policy denies a PutObject of a *.tflock key that carries no If-None-Match', () => {
    expect(sid(bucketPolicyStatements(template, bucket.logicalId), 'DenyUnconditionalLockWrites')).toEqual({
      Sid: 'DenyUnconditionalLockWrites',
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 's3:PutObject',
      Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucket.logicalId, 'Arn'] }, '/*.tflock']] },
      Condition: { Null: { 's3:if-none-match': 'true' } },
    });
  });
});

describe('SSE-C blocked at the bucket', () => {
  const { template } = synthBackend();

  test.each([STATE_BUCKET, LOG_BUCKET])('%s blocks SSE-C in its encryption rule', (prefix) => {
    const rules = resourceOf(template, 'AWS::S3::Bucket', prefix).resource.Properties.BucketEncryption.ServerSideEncryptionConfiguration;
    expect(rules).toHaveLength(1);
    expect(rules[0].BlockedEncryptionTypes).toEqual({ EncryptionType: ['SSE-C'] });
  });

  test('the policy deny of SSE-C stays as a second line', () => {
    const bucket = resourceOf(template, 'AWS::S3::Bucket', STATE_BUCKET);
    expect(sid(bucketPolicyStatements(template, bucket.logicalId), 'DenyCustomerProvidedKeys')).toBeDefined();
  });
});

describe('deleting the stack leaves protected buckets', () => {
  test('both bucket policies are retained with their buckets by default', () => {
    const { template } = synthBackend();
    const policies = Object.values(template.findResources('AWS::S3::BucketPolicy'));
    expect(policies).toHaveLength(2);
    for (const policy of policies) {
      expect(policy.DeletionPolicy).toBe('Retain');
      expect(policy.UpdateReplacePolicy).toBe('Retain');
    }
  });

  test('with RemovalPolicy.DESTROY the policies go with the buckets', () => {
    const { template } = synthBackend({ removalPolicy: RemovalPolicy.DESTROY });
    for (const policy of Object.values(template.findResources('AWS::S3::BucketPolicy'))) {
      expect(policy.DeletionPolicy).toBe('Delete');
    }
  });
});

describe('key policy', () => {
  test('denies kms:CreateGrant to anyone unless the grant is for an AWS resource', () => {
    const { template } = synthBackend();
    const statements = resourceOf(template, 'AWS::KMS::Key', KEY).resource.Properties.KeyPolicy.Statement;
    expect(sid(statements, 'DenyGrantsNotForAWSResources')).toEqual({
      Sid: 'DenyGrantsNotForAWSResources',
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 'kms:CreateGrant',
      Resource: '*',
      Condition: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
    });
  });
});

describe('restrictStateAccess', () => {
  function restricted(extra?: (backend: StateBackend, stack: Stack) => void, lockingMode = LockingMode.BOTH) {
    const app = new App();
    const stack = new Stack(app, 'S', { env: { account: '111111111111', region: 'eu-west-1' } });
    const backend = new StateBackend(stack, 'Backend', {
      lockingMode,
      restrictStateAccess: true,
      breakGlassPrincipals: [new iam.ArnPrincipal('arn:aws:iam::111111111111:role/break-glass')],
    });
    extra?.(backend, stack);
    return { stack, backend, template: Template.fromStack(stack) };
  }

  test('is off by default: no deny-by-default statement anywhere', () => {
    const { template } = synthBackend({ lockingMode: LockingMode.BOTH });
    expect(JSON.stringify(template.toJSON())).not.toMatch(/UngrantedPrincipals|aws:PrincipalArn/);
  });

  test('the bucket policy denies object reads, writes and deletes (versions included) to principals not granted', () => {
    const { template } = restricted((backend, stack) => {
      backend.addAccessRole('Plan', { assumedBy: new iam.AccountRootPrincipal(), roleName: 'plan' });
      // granted after construction, on a role of the same stack
      backend.grantReadWrite(new iam.Role(stack, 'Ci', { assumedBy: new iam.AccountRootPrincipal(), roleName: 'ci' }));
    });
    const bucket = resourceOf(template, 'AWS::S3::Bucket', STATE_BUCKET);
    const deny = sid(bucketPolicyStatements(template, bucket.logicalId), 'DenyStateAccessToUngrantedPrincipals');
    expect(deny.Effect).toBe('Deny');
    expect(deny.Principal).toEqual({ AWS: '*' });
    expect(deny.Action).toEqual(expect.arrayContaining(['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject', 's3:DeleteObject', 's3:DeleteObjectVersion']));
    expect(deny.Resource).toEqual({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucket.logicalId, 'Arn'] }, '/*']] });
    expect(deny.Condition.BoolIfExists).toEqual({ 'aws:PrincipalIsAWSService': 'false' });
    expect(deny.Condition.ArnNotLike['aws:PrincipalArn']).toEqual([
      'arn:aws:iam::111111111111:role/break-glass',
      { 'Fn::GetAtt': [resourceOf(template, 'AWS::IAM::Role', 'BackendPlan').logicalId, 'Arn'] },
      { 'Fn::GetAtt': [resourceOf(template, 'AWS::IAM::Role', 'Ci').logicalId, 'Arn'] },
    ]);
    expect(deny.Condition.StringNotEquals).toBeUndefined();
  });

  test('the key policy denies decrypt and data keys through S3 with the same exemptions', () => {
    const { template } = restricted();
    const deny = sid(resourceOf(template, 'AWS::KMS::Key', KEY).resource.Properties.KeyPolicy.Statement, 'DenyStateDecryptionToUngrantedPrincipals');
    expect(deny.Effect).toBe('Deny');
    expect(deny.Action).toEqual(expect.arrayContaining(['kms:Decrypt', 'kms:GenerateDataKey']));
    expect(deny.Condition.StringEquals['kms:ViaService']).toEqual({ 'Fn::Join': ['', ['s3.eu-west-1.', { Ref: 'AWS::URLSuffix' }]] });
    expect(deny.Condition.ArnNotLike['aws:PrincipalArn']).toEqual(['arn:aws:iam::111111111111:role/break-glass']);
  });

  test('the lock table policy denies item access with the same exemptions', () => {
    const { template } = restricted();
    const table = resourceOf(template, 'AWS::DynamoDB::Table', LOCK_TABLE).resource;
    const deny = sid(table.Properties.ResourcePolicy.PolicyDocument.Statement, 'DenyLockItemsToUngrantedPrincipals');
    expect(deny.Action).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:Scan']));
    expect(deny.Condition.ArnNotLike['aws:PrincipalArn']).toEqual(['arn:aws:iam::111111111111:role/break-glass']);
  });

  test('a whole account granted as AccountPrincipal is exempted by aws:PrincipalAccount', () => {
    const { template } = restricted((backend) => backend.grantRead(new iam.AccountPrincipal('222222222222'), StateScope.keys(['app.tfstate'])));
    const bucket = resourceOf(template, 'AWS::S3::Bucket', STATE_BUCKET);
    const deny = sid(bucketPolicyStatements(template, bucket.logicalId), 'DenyStateAccessToUngrantedPrincipals');
    expect(deny.Condition.StringNotEquals).toEqual({ 'aws:PrincipalAccount': ['222222222222'] });
  });

  test('without any grant or break-glass principal the deny has no exemption but AWS services', () => {
    const app = new App();
    const stack = new Stack(app, 'S');
    new StateBackend(stack, 'Backend', { restrictStateAccess: true });
    const template = Template.fromStack(stack);
    const deny = sid(bucketPolicyStatements(template, resourceOf(template, 'AWS::S3::Bucket', STATE_BUCKET).logicalId), 'DenyStateAccessToUngrantedPrincipals');
    expect(deny.Condition).toEqual({ BoolIfExists: { 'aws:PrincipalIsAWSService': 'false' } });
  });

  test('autoDeleteObjects keeps working: its provider role is exempted', () => {
    const app = new App();
    const stack = new Stack(app, 'S');
    new StateBackend(stack, 'Backend', { restrictStateAccess: true, removalPolicy: RemovalPolicy.DESTROY, autoDeleteObjects: true });
    const template = Template.fromStack(stack);
    const deny = sid(bucketPolicyStatements(template, resourceOf(template, 'AWS::S3::Bucket', STATE_BUCKET).logicalId), 'DenyStateAccessToUngrantedPrincipals');
    expect(deny.Condition.ArnNotLike['aws:PrincipalArn']).toEqual([{ 'Fn::GetAtt': ['CustomS3AutoDeleteObjectsCustomResourceProviderRole3B1BD092', 'Arn'] }]);
  });

  test('warns when the key is passed in and its policy cannot be changed', () => {
    const app = new App();
    const stack = new Stack(app, 'S', { env: { account: '111111111111', region: 'eu-west-1' } });
    new StateBackend(stack, 'Backend', {
      restrictStateAccess: true,
      encryptionKey: kms.Key.fromKeyArn(stack, 'Key', 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab'),
    });
    Annotations.fromStack(stack).hasWarning('/S/Backend', Match.stringLikeRegexp('restrictStateAccess cannot add its deny to the policy of the encryptionKey'));
  });

  test('fails when a granted role lives in another stack and has no fixed ARN (the stacks would depend on each other)', () => {
    const app = new App();
    const stack = new Stack(app, 'State');
    const backend = new StateBackend(stack, 'Backend', { restrictStateAccess: true });
    const role = new iam.Role(new Stack(app, 'Other'), 'Ci', { assumedBy: new iam.AccountRootPrincipal() });
    expect(() => backend.grantRead(role)).toThrow(/restrictStateAccess: the grantee .* is Other\/Ci, defined in stack Other, whose ARN is only known after deployment\..*iam\.Role\.fromRoleName/);
  });

  test('a role of another stack passed by name (its ARN needs no deployment) is allowed', () => {
    const app = new App();
    const stack = new Stack(app, 'State');
    const backend = new StateBackend(stack, 'Backend', { restrictStateAccess: true });
    backend.grantRead(iam.Role.fromRoleName(new Stack(app, 'Other'), 'Ci', 'ci-plan'));
    app.synth();
    const template = Template.fromStack(stack);
    const deny = sid(bucketPolicyStatements(template, resourceOf(template, 'AWS::S3::Bucket', STATE_BUCKET).logicalId), 'DenyStateAccessToUngrantedPrincipals');
    expect(JSON.stringify(deny.Condition.ArnNotLike)).toContain(':role/ci-plan');
  });

  test('fails when the grantee is a federated principal, which no policy condition can name', () => {
    const { backend } = restricted();
    expect(() => backend.grantRead(new iam.FederatedPrincipal('cognito-identity.amazonaws.com', {}))).toThrow(/is a Federated principal.*Grant the IAM role that this principal assumes/);
  });

  test('fails when breakGlassPrincipals is given without restrictStateAccess', () => {
    expect(() => new StateBackend(new Stack(new App(), 'S'), 'Backend', { breakGlassPrincipals: [new iam.AccountRootPrincipal()] }))
      .toThrow(/Invalid breakGlassPrincipals: 1 principal\(s\) given, but restrictStateAccess is false \(the default\).*Set restrictStateAccess: true/);
  });
});

describe('grants to service principals', () => {
  test('carry aws:SourceAccount, and the aws:SourceArn the caller gives on the principal', () => {
    const app = new App();
    const stack = new Stack(app, 'S', { env: { account: '111111111111', region: 'eu-west-1' } });
    const backend = new StateBackend(stack, 'Backend');
    const sourceArn = 'arn:aws:codebuild:eu-west-1:111111111111:project/plan';
    backend.grantRead(new iam.ServicePrincipal('codebuild.amazonaws.com', { conditions: { ArnLike: { 'aws:SourceArn': sourceArn } } }), StateScope.keys(['app.tfstate']));
    const template = Template.fromStack(stack);
    const allows = bucketPolicyStatements(template, resourceOf(template, 'AWS::S3::Bucket', STATE_BUCKET).logicalId).filter((s) => s.Effect === 'Allow');
    expect(allows.length).toBeGreaterThan(0);
    for (const s of allows) {
      expect(s.Principal).toEqual({ Service: 'codebuild.amazonaws.com' });
      expect(s.Condition.StringEquals['aws:SourceAccount']).toBe('111111111111');
      expect(s.Condition.ArnLike['aws:SourceArn']).toBe(sourceArn);
    }
    const keyAllows = resourceOf(template, 'AWS::KMS::Key', KEY).resource.Properties.KeyPolicy.Statement
      .filter((s: any) => s.Principal.Service);
    expect(keyAllows.length).toBeGreaterThan(0);
    for (const s of keyAllows) expect(s.Condition.StringEquals['aws:SourceAccount']).toBe('111111111111');
  });

  test('are refused on an imported backend, with how to grant them on the owning one', () => {
    const stack = new Stack(new App(), 'S', { env: { account: '111111111111', region: 'eu-west-1' } });
    const imported = StateBackend.fromStateBackendAttributes(stack, 'Imported', {
      bucketName: 'tfstate-central', encryptionKeyArn: 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    });
    expect(() => imported.grantRead(new iam.ServicePrincipal('codebuild.amazonaws.com')))
      .toThrow(/cannot grant state access to the service principal codebuild\.amazonaws\.com on an imported backend.*aws:SourceArn/);
  });
});

describe('StateAccess.READ_WITHOUT_LOCK', () => {
  function policyOf(lockingMode: LockingMode): any[] {
    const app = new App();
    const stack = new Stack(app, 'S', { env: { account: '111111111111', region: 'eu-west-1' } });
    const backend = new StateBackend(stack, 'Backend', { lockingMode });
    backend.addAccessRole('Untrusted', { assumedBy: new iam.AccountRootPrincipal(), access: StateAccess.READ_WITHOUT_LOCK });
    const template = Template.fromStack(stack);
    return Object.values(template.findResources('AWS::IAM::ManagedPolicy')).flatMap((p: any) => p.Properties.PolicyDocument.Statement);
  }

  test.each([LockingMode.S3_LOCKFILE, LockingMode.DYNAMODB, LockingMode.BOTH])('%s: reads, never writes or deletes a lock file or lock item', (mode) => {
    const statements = policyOf(mode);
    const actions = statements.flatMap((s) => [s.Action].flat());
    expect(actions).toEqual(expect.arrayContaining(['s3:ListBucket', 's3:GetObject', 'kms:Decrypt']));
    for (const forbidden of ['s3:PutObject', 's3:DeleteObject', 'dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:UpdateItem', 'kms:GenerateDataKey', 'kms:Encrypt']) {
      expect(actions).not.toContain(forbidden);
    }
    if (mode !== LockingMode.S3_LOCKFILE) expect(actions).toContain('dynamodb:GetItem');
  });

  test('grantReadWithoutLock gives the same statements as the role level', () => {
    const app = new App();
    const stack = new Stack(app, 'S', { env: { account: '111111111111', region: 'eu-west-1' } });
    const backend = new StateBackend(stack, 'Backend', { lockingMode: LockingMode.BOTH });
    const role = new iam.Role(stack, 'R', { assumedBy: new iam.AccountRootPrincipal() });
    backend.grantReadWithoutLock(role);
    const template = Template.fromStack(stack);
    const actions = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p: any) => p.Properties.PolicyDocument.Statement).flatMap((s: any) => [s.Action].flat());
    expect(actions.sort()).toEqual(policyOf(LockingMode.BOTH).flatMap((s) => [s.Action].flat()).sort());
  });
});

describe('object events', () => {
  test.each([STATE_BUCKET, LOG_BUCKET])('%s sends its object events to EventBridge natively (no custom resource)', (prefix) => {
    const { template } = synthBackend();
    expect(resourceOf(template, 'AWS::S3::Bucket', prefix).resource.Properties.NotificationConfiguration)
      .toEqual({ EventBridgeConfiguration: { EventBridgeEnabled: true } });
    template.resourceCountIs('Custom::S3BucketNotifications', 0);
  });
});
