import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { GitHubActionsIdentityProvider, LockingMode, StateAccess, StateBackend, StateScope } from '../../src';

/** The landing-zone example of the README (section "A landing zone"), verbatim apart from the App, so the docs cannot rot. */
function landingZone(): Stack {
  const app = new App();

  const central = new Stack(app, 'TerraformState', { env: { account: '111111111111', region: 'eu-west-1' } });
  const backend = new StateBackend(central, 'State', { lockingMode: LockingMode.BOTH });

  for (const [name, account] of [['payments', '222222222222'], ['search', '333333333333']]) {
    const scope = StateScope.keys([`${name}/*`]).allWorkspaces();
    backend.addAccessRole(`${name}-plan`, {
      assumedBy: new iam.AccountPrincipal(account), externalIds: [`${name}-plan`], scope,
    });
    backend.addAccessRole(`${name}-apply`, {
      assumedBy: new iam.AccountPrincipal(account), externalIds: [`${name}-apply`], scope, access: StateAccess.READ_WRITE,
    });
  }

  const github = new GitHubActionsIdentityProvider(central, 'GitHub');
  const platform = StateScope.keys(['platform/*']).allWorkspaces();
  backend.addAccessRole('platform-ci-plan', { assumedBy: github.principal({ repository: 'acme/platform' }), scope: platform });
  backend.addAccessRole('platform-ci-apply', {
    assumedBy: github.principal({ repository: 'acme/platform', environment: 'prod' }),
    scope: platform,
    access: StateAccess.READ_WRITE,
  });
  return central;
}

test('the docs landing zone synthesizes six roles, each trusting only its account or repository', () => {
  const stack = landingZone();
  const t = Template.fromStack(stack);
  t.resourceCountIs('AWS::IAM::Role', 6);
  t.resourceCountIs('AWS::IAM::OIDCProvider', 1);
  t.hasResourceProperties('AWS::IAM::Role', {
    AssumeRolePolicyDocument: {
      Statement: [Match.objectLike({ Condition: { StringEquals: { 'sts:ExternalId': 'payments-apply' } } })],
    },
  });
  t.hasResourceProperties('AWS::IAM::Role', {
    AssumeRolePolicyDocument: {
      Statement: [Match.objectLike({
        Condition: {
          StringEquals: {
            'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
            'token.actions.githubusercontent.com:sub': 'repo:acme/platform:environment:prod',
          },
        },
      })],
    },
  });
  Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
  Annotations.fromStack(stack).hasNoError('*', Match.anyValue());
});
