import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { GitHubActionsIdentityProvider, StateAccess, StateBackend } from '../../src';

function stack() {
  return new Stack(new App(), 'Stack', { env: { account: '111111111111', region: 'eu-west-1' } });
}

describe('GitHubActionsIdentityProvider', () => {
  test('creates the OIDC provider for token.actions.githubusercontent.com with the sts audience', () => {
    const s = stack();
    new GitHubActionsIdentityProvider(s, 'GitHub');
    Template.fromStack(s).hasResourceProperties('AWS::IAM::OIDCProvider', {
      Url: 'https://token.actions.githubusercontent.com',
      ClientIdList: ['sts.amazonaws.com'],
    });
  });

  test('reuses an existing provider instead of creating one', () => {
    const s = stack();
    const existing = iam.OidcProviderNative.fromOidcProviderArn(s, 'Existing',
      'arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com');
    const github = new GitHubActionsIdentityProvider(s, 'GitHub', { provider: existing });
    const backend = new StateBackend(s, 'State');
    backend.addAccessRole('Ci', { assumedBy: github.principal({ repository: 'acme/infra' }) });
    const t = Template.fromStack(s);
    t.resourceCountIs('AWS::IAM::OIDCProvider', 0);
    t.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({
          Action: 'sts:AssumeRoleWithWebIdentity',
          Principal: { Federated: 'arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com' },
          Condition: {
            StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' },
            StringLike: { 'token.actions.githubusercontent.com:sub': 'repo:acme/infra:*' },
          },
        })],
      },
    });
  });

  test.each([
    [{ repository: 'acme/infra', branch: 'main' }, 'StringEquals', 'repo:acme/infra:ref:refs/heads/main'],
    [{ repository: 'acme/infra', branch: 'release/*' }, 'StringLike', 'repo:acme/infra:ref:refs/heads/release/*'],
    [{ repository: 'acme/infra', environment: 'prod' }, 'StringEquals', 'repo:acme/infra:environment:prod'],
    // GitHub's subject customization include_claim_keys = ["repository_owner_id", "repository_id", "context"]
    [{ repository: 'acme/infra', environment: 'prod', repositoryId: '583522434', repositoryOwnerId: '72338136' },
      'StringEquals', 'repository_owner_id:72338136:repository_id:583522434:environment:prod'],
    [{ repository: 'acme/infra', branch: 'main', repositoryId: '583522434', repositoryOwnerId: '72338136' },
      'StringEquals', 'repository_owner_id:72338136:repository_id:583522434:ref:refs/heads/main'],
  ])('restricts the subject for %j', (options, operator, subject) => {
    const s = stack();
    const github = new GitHubActionsIdentityProvider(s, 'GitHub');
    const backend = new StateBackend(s, 'State');
    backend.addAccessRole('Ci', { assumedBy: github.principal(options), access: StateAccess.READ_ONLY });
    const conditions: Record<string, Record<string, string>> = {
      StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' },
    };
    conditions[operator] = { ...(conditions[operator] ?? {}), 'token.actions.githubusercontent.com:sub': subject };
    Template.fromStack(s).hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Action: 'sts:AssumeRoleWithWebIdentity', Condition: conditions })] },
    });
  });

  test('uses a custom audience for the provider and the aud condition', () => {
    const s = stack();
    const github = new GitHubActionsIdentityProvider(s, 'GitHub', { audience: 'https://github.com/acme' });
    const backend = new StateBackend(s, 'State');
    backend.addAccessRole('Ci', { assumedBy: github.principal({ repository: 'acme/infra', branch: 'main' }) });
    const t = Template.fromStack(s);
    t.hasResourceProperties('AWS::IAM::OIDCProvider', { ClientIdList: ['https://github.com/acme'] });
    t.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({ Condition: { StringEquals: Match.objectLike({ 'token.actions.githubusercontent.com:aud': 'https://github.com/acme' }) } })],
      },
    });
  });

  test.each([
    [{ repository: '*' }, /repository must be "owner\/name" without wildcards, got "\*"/],
    [{ repository: 'acme/*' }, /without wildcards, got "acme\/\*"/],
    [{ repository: 'acme' }, /got "acme"/],
    [{ repository: 'acme/infra', branch: 'main', environment: 'prod' }, /set branch or environment, not both/],
    [{ repository: 'acme/infra', branch: 'refs/heads/main' }, /without "refs\/heads\/"/],
    [{ repository: 'acme/infra', repositoryId: '583522434' }, /repositoryId and repositoryOwnerId go together.*gh api repos\/acme\/infra/],
    [{ repository: 'acme/infra', repositoryId: 'acme/infra', repositoryOwnerId: '72338136' }, /numeric IDs/],
    [{ repository: 'acme/infra', environment: 'pr*' }, /environment name without wildcards/],
  ])('fails when the options are %j', (options, message) => {
    const github = new GitHubActionsIdentityProvider(stack(), 'GitHub');
    expect(() => github.principal(options)).toThrow(message);
  });
});

describe('GitHub Actions write roles are pinned', () => {
  test.each([
    [{ repository: 'acme/infra' }, 'repo:acme/infra:*'],
    [{ repository: 'acme/infra', branch: 'release/*' }, 'repo:acme/infra:ref:refs/heads/release/*'],
    [{ repository: 'acme/infra', repositoryId: '583522434', repositoryOwnerId: '72338136' }, 'repository_owner_id:72338136:repository_id:583522434:*'],
  ])('fails when a READ_WRITE role trusts %j, which a pull request from a fork can match', (options, subject) => {
    const s = stack();
    const github = new GitHubActionsIdentityProvider(s, 'GitHub');
    const backend = new StateBackend(s, 'State');
    expect(() => backend.addAccessRole('Apply', { assumedBy: github.principal(options), access: StateAccess.READ_WRITE }))
      .toThrow(new RegExp(`addAccessRole\\('Apply'\\): a READ_WRITE role must be pinned to one branch or one environment, but the GitHub Actions subject is "${subject.replace(/[*]/g, '\\*')}".*READ_WITHOUT_LOCK`));
  });

  test.each([
    [{ repository: 'acme/infra', branch: 'main' }],
    [{ repository: 'acme/infra', environment: 'prod' }],
  ])('a READ_WRITE role pinned to %j is created', (options) => {
    const s = stack();
    const github = new GitHubActionsIdentityProvider(s, 'GitHub');
    const backend = new StateBackend(s, 'State');
    expect(backend.addAccessRole('Apply', { assumedBy: github.principal(options), access: StateAccess.READ_WRITE })).toBeDefined();
  });

  test.each([
    [StateAccess.READ_WITHOUT_LOCK, false],
    [StateAccess.READ_ONLY, true],
  ])('a %s role may trust every branch; warned: %p (READ_ONLY can take and delete locks)', (access, warned) => {
    const s = stack();
    const github = new GitHubActionsIdentityProvider(s, 'GitHub');
    const backend = new StateBackend(s, 'State');
    backend.addAccessRole('Plan', { assumedBy: github.principal({ repository: 'acme/infra' }), access });
    Template.fromStack(s).resourceCountIs('AWS::IAM::Role', 1);
    const warning = Match.stringLikeRegexp("addAccessRole\\('Plan'\\): the READ_ONLY role trusts .*Use StateAccess.READ_WITHOUT_LOCK");
    if (warned) Annotations.fromStack(s).hasWarning('/Stack/State', warning);
    else Annotations.fromStack(s).hasNoWarning('*', Match.anyValue());
  });
});
