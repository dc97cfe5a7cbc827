import { App, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { resolveTemplate } from './resolve';
import { GitHubActionsIdentityProvider, LockingMode, StateBackend, StateScope } from '../../src';

const CENTRAL = '111111111111';
const WORKLOAD = '222222222222';
const KEY_ARN = `arn:aws:kms:eu-west-1:${CENTRAL}:key/1234abcd-12ab-44cd-96ef-1234567890ab`;

/** The template with intrinsics resolved to concrete ARNs, for exact comparisons. */
function resolved(s: Stack): Template {
  return Template.fromJSON(resolveTemplate(Template.fromStack(s).toJSON() as any, { account: s.account, region: s.region }).template);
}

function stack(account = CENTRAL) {
  return new Stack(new App(), 'Stack', { env: { account, region: 'eu-west-1' } });
}

describe('addAccessRole', () => {
  test('sets trust, external IDs, session duration and permissions boundary', () => {
    const s = stack();
    const backend = new StateBackend(s, 'State');
    const boundary = iam.ManagedPolicy.fromManagedPolicyName(s, 'Boundary', 'landing-zone-boundary');
    backend.addAccessRole('Plan', {
      assumedBy: new iam.AccountPrincipal(WORKLOAD),
      externalIds: ['tf-plan-ext'],
      maxSessionDuration: Duration.hours(2),
      permissionsBoundary: boundary,
      roleName: 'tf-plan',
    });
    resolved(s).hasResourceProperties('AWS::IAM::Role', {
      RoleName: 'tf-plan',
      MaxSessionDuration: 7200,
      PermissionsBoundary: `arn:aws:iam::${CENTRAL}:policy/landing-zone-boundary`,
      AssumeRolePolicyDocument: {
        Statement: [{
          Action: 'sts:AssumeRole',
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${WORKLOAD}:root` },
          Condition: { StringEquals: { 'sts:ExternalId': 'tf-plan-ext' } },
        }],
      },
    });
  });

  test('defaults to read-only on every state, one hour sessions, a managed (not inline) policy', () => {
    const s = stack();
    const backend = new StateBackend(s, 'State');
    backend.addAccessRole('Plan', { assumedBy: new iam.AccountRootPrincipal() });
    const t = Template.fromStack(s);
    t.hasResourceProperties('AWS::IAM::Role', { MaxSessionDuration: 3600 });
    t.resourceCountIs('AWS::IAM::Policy', 0);
    t.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      Description: 'Terraform state access (READ_ONLY) to Stack/State',
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Action: ['s3:PutObject', 's3:PutObjectTagging'],
          Resource: { 'Fn::Join': ['', [Match.anyValue(), '/*.tflock']] },
        })]),
      },
    });
  });

  test('fails when the session duration is outside IAM limits', () => {
    const backend = new StateBackend(stack(), 'State');
    expect(() => backend.addAccessRole('Plan', { assumedBy: new iam.AccountRootPrincipal(), maxSessionDuration: Duration.minutes(30) }))
      .toThrow(/maxSessionDuration must be between 1 and 12 hours.*got 30 minutes/);
  });

  test('fails when external IDs are combined with a federated principal', () => {
    const s = stack();
    const backend = new StateBackend(s, 'State');
    const github = new GitHubActionsIdentityProvider(s, 'GitHub');
    expect(() => backend.addAccessRole('Ci', { assumedBy: github.principal({ repository: 'acme/infra' }), externalIds: ['abc'] }))
      .toThrow(/externalIds cannot be combined with a federated principal.*never carries an external ID/);
  });

  test('fails when an external ID is too short for STS', () => {
    const backend = new StateBackend(stack(), 'State');
    expect(() => backend.addAccessRole('Plan', { assumedBy: new iam.AccountRootPrincipal(), externalIds: ['x'] }))
      .toThrow(/external ID must be 2 to 1224 characters.*\["x"\]/);
  });
});

describe('grantRead / grantReadWrite', () => {
  test('return a successful iam.Grant for a role in the same account (identity policy only)', () => {
    const s = stack();
    const backend = new StateBackend(s, 'State');
    const role = new iam.Role(s, 'Role', { assumedBy: new iam.AccountRootPrincipal() });
    const grant = backend.grantReadWrite(role, StateScope.keys(['app.tfstate']));
    expect(grant.success).toBe(true);
    expect(grant.principalStatements.length).toBeGreaterThan(0);
    expect(grant.resourceStatements).toHaveLength(0);
  });

  test('a principal of another account gets bucket and key policy statements, conditions included', () => {
    const s = stack();
    const backend = new StateBackend(s, 'State', { lockingMode: LockingMode.BOTH });
    backend.grantRead(new iam.ArnPrincipal(`arn:aws:iam::${WORKLOAD}:role/plan`), StateScope.keys(['app.tfstate']).workspaces(['prod']));
    const t = resolved(s);
    t.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([{
          Action: 's3:ListBucket',
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${WORKLOAD}:role/plan` },
          Resource: Match.anyValue(),
          Condition: { Bool: { 'aws:SecureTransport': 'true' }, StringLike: { 's3:prefix': ['env:/', 'env:/prod/app.tfstate', 'env:/prod/app.tfstate.tflock', 'env:/prod/app.tfstate.tflock.if-match-probe'] } },
        }]),
      },
    });
    t.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([{
          Action: 'kms:Decrypt',
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${WORKLOAD}:role/plan` },
          Resource: '*',
          Condition: { StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' } },
        }]),
      },
    });
    t.hasResourceProperties('AWS::DynamoDB::Table', {
      ResourcePolicy: {
        PolicyDocument: {
          Statement: Match.arrayWith([Match.objectLike({
            Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'],
            Principal: { AWS: `arn:aws:iam::${WORKLOAD}:role/plan` },
            Resource: '*',
          })]),
        },
      },
    });
  });
});

describe('StateBackend.fromStateBackendAttributes', () => {
  test('takes account and region from the key ARN and defaults to BOTH when a table is named', () => {
    const s = stack(WORKLOAD);
    const backend = StateBackend.fromStateBackendAttributes(s, 'Central', { bucketName: 'tfstate', encryptionKeyArn: KEY_ARN, lockTableName: 'locks' });
    expect(backend.lockingMode).toBe(LockingMode.BOTH);
    expect(backend.bucket.env.account).toBe(CENTRAL);
    expect(backend.lockTable?.tableArn).toBe(`arn:${s.partition}:dynamodb:eu-west-1:${CENTRAL}:table/locks`);
    expect(backend.workspaceKeyPrefix).toBe('env:');
    expect(backend.bucketKeyEnabled).toBe(true);
  });

  test('grants on an imported backend of another account write the identity side and say what the owner must add', () => {
    const s = stack(WORKLOAD);
    const backend = StateBackend.fromStateBackendAttributes(s, 'Central', { bucketName: 'tfstate', encryptionKeyArn: KEY_ARN });
    const role = backend.addAccessRole('Plan', { assumedBy: new iam.AccountRootPrincipal(), scope: StateScope.keys(['app.tfstate']) });
    const t = resolved(s);
    t.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 's3:GetObject', Resource: ['arn:aws:s3:::tfstate/app.tfstate', 'arn:aws:s3:::tfstate/app.tfstate.tflock'] })]) },
    });
    Annotations.fromStack(s).hasInfo('/Stack/Central', Match.stringLikeRegexp(`access role .*Plan is in account ${WORKLOAD}, the bucket in ${CENTRAL}`));
    expect(role.node.scope).toBe(backend);

    const grantee = new iam.Role(s, 'Other', { assumedBy: new iam.AccountRootPrincipal() });
    const grant = backend.grantRead(grantee);
    expect(grant.principalStatements.length).toBeGreaterThan(0);
    Annotations.fromStack(s).hasInfo('/Stack/Central', Match.stringLikeRegexp('crosses accounts, but this app cannot change the policies of Stack/Central/Bucket, Stack/Central/Key'));
  });

  test('fails when the key is given as an alias', () => {
    expect(() => StateBackend.fromStateBackendAttributes(stack(), 'Central', {
      bucketName: 'tfstate', encryptionKeyArn: `arn:aws:kms:eu-west-1:${CENTRAL}:alias/tfstate`,
    })).toThrow(/encryptionKeyArn must be a KMS key ARN.*alias\/tfstate.*Aliases and key IDs cannot be used/);
    expect(() => StateBackend.fromStateBackendAttributes(stack(), 'Central2', { bucketName: 'tfstate', encryptionKeyArn: '1234abcd-12ab-44cd-96ef-1234567890ab' }))
      .toThrow(/must be a KMS key ARN/);
  });

  test('fails when the workspace key prefix ends with a slash', () => {
    expect(() => StateBackend.fromStateBackendAttributes(stack(), 'Central', { bucketName: 'tfstate', encryptionKeyArn: KEY_ARN, workspaceKeyPrefix: 'env/' }))
      .toThrow(/workspaceKeyPrefix "env\/" is invalid: The value must not start or end with "\/"/);
  });
});

describe('synth-time warnings', () => {
  test('warns about scope keys Terraform rejects', () => {
    const s = stack();
    const backend = new StateBackend(s, 'State');
    backend.addAccessRole('Plan', { assumedBy: new iam.AccountRootPrincipal(), scope: StateScope.keys(['team-a/', 'a//b']) });
    const annotations = Annotations.fromStack(s);
    annotations.hasWarning('/Stack/State', Match.stringLikeRegexp('"team-a/" starts or ends with "/".*"team-a/\\*"'));
    annotations.hasWarning('/Stack/State', Match.stringLikeRegexp('"a//b" contains "//"'));
  });

  test('warns when a DynamoDB locking mode has no table to grant on', () => {
    const s = stack(WORKLOAD);
    const backend = StateBackend.fromStateBackendAttributes(s, 'Central', { bucketName: 'tfstate', encryptionKeyArn: KEY_ARN, lockingMode: LockingMode.DYNAMODB });
    const role = new iam.Role(s, 'Role', { assumedBy: new iam.AccountRootPrincipal() });
    backend.grantRead(role);
    Annotations.fromStack(s).hasWarning('/Stack/Central', Match.stringLikeRegexp('locking mode is DYNAMODB.*no lock table.*Terraform will fail to lock'));
  });

  test('warns that an empty workspace key prefix exposes every object name to listing', () => {
    const s = stack();
    const backend = new StateBackend(s, 'State', { workspaceKeyPrefix: '' });
    backend.addAccessRole('Plan', { assumedBy: new iam.AccountRootPrincipal(), scope: StateScope.keys(['app.tfstate']) });
    Annotations.fromStack(s).hasWarning('/Stack/State', Match.stringLikeRegexp('workspaceKeyPrefix is "".*every object name'));
  });

  test('warns when a lock table is named but the locking mode ignores it', () => {
    const s = stack();
    StateBackend.fromStateBackendAttributes(s, 'Central', { bucketName: 'tfstate', encryptionKeyArn: KEY_ARN, lockTableName: 'locks', lockingMode: LockingMode.S3_LOCKFILE });
    Annotations.fromStack(s).hasWarning('/Stack/Central', Match.stringLikeRegexp('lockTableName is set but lockingMode is S3_LOCKFILE'));
  });

  test('spreads a large scope over several managed policies, each within IAM\'s size limit', () => {
    const s = stack();
    const backend = new StateBackend(s, 'State', { lockingMode: LockingMode.BOTH });
    const keys = Array.from({ length: 6 }, (_, i) => `services/service-${i}/terraform.tfstate`);
    backend.addAccessRole('Plan', { assumedBy: new iam.AccountRootPrincipal(), scope: StateScope.keys(keys).workspaces(['default', 'dev', 'prod']) });
    const t = resolved(s);
    const policies = Object.values(t.findResources('AWS::IAM::ManagedPolicy'));
    expect(policies.length).toBeGreaterThan(1);
    for (const p of policies) {
      // A real bucket name is longer than the test's, so keep a margin below 6144.
      expect(JSON.stringify(p.Properties.PolicyDocument).length).toBeLessThan(5500);
    }
    const statements = policies.flatMap((p) => p.Properties.PolicyDocument.Statement);
    // list, get, put, delete, the conditional-delete probe, 2 × KMS via S3, 2 × DynamoDB, KMS via DynamoDB
    expect(statements).toHaveLength(10);
    Annotations.fromStack(s).hasNoWarning('/Stack/State', Match.stringLikeRegexp('above IAM'));
  });

  test('warns when one statement alone is too large for a managed policy', () => {
    const s = stack();
    const backend = new StateBackend(s, 'State', { lockingMode: LockingMode.BOTH });
    const keys = Array.from({ length: 30 }, (_, i) => `services/service-${i}/terraform.tfstate`);
    backend.addAccessRole('Plan', { assumedBy: new iam.AccountRootPrincipal(), scope: StateScope.keys(keys).workspaces(['default', 'dev', 'prod']) });
    Annotations.fromStack(s).hasWarning('/Stack/State',
      Match.stringLikeRegexp("\\(s3:GetObject\\) is about \\d+ characters, above IAM's 6144.*30 key\\(s\\) × 3 workspace\\(s\\).*'team-a/\\*'"));
  });

  test('a clean scope on a default backend produces no warning', () => {
    const s = stack();
    const backend = new StateBackend(s, 'State');
    backend.addAccessRole('Plan', { assumedBy: new iam.AccountRootPrincipal(), scope: StateScope.keys(['app.tfstate']).workspaces(['prod']) });
    Annotations.fromStack(s).hasNoWarning('/Stack/State', Match.anyValue());
  });
});
