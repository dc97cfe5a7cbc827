import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
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
  ])('restricts the subject for %j', (options, operator, subject) => {
    const s = stack();
    const github = new GitHubActionsIdentityProvider(s, 'GitHub');
    const backend = new StateBackend(s, 'State');
    backend.addAccessRole('Ci', { assumedBy: github.principal(options), access: StateAccess.READ_WRITE });
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
    [{ repository: 'acme/infra', environment: 'pr*' }, /environment name without wildcards/],
  ])('fails when the options are %j', (options, message) => {
    const github = new GitHubActionsIdentityProvider(stack(), 'GitHub');
    expect(() => github.principal(options)).toThrow(message);
  });
});
