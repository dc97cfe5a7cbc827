import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { assemble, readmeExamples, run } from '../construct/docs-examples';

/** Runs the README's "A landing zone" example, read from README.md, and returns its central stack. */
function landingZone(): Stack {
  const example = readmeExamples().find((e) => e.code.includes("'platform-ci-plan'"));
  if (!example) throw new Error('the README no longer has the "A landing zone" example (role platform-ci-plan)');
  const synth = jest.spyOn(App.prototype, 'synth');
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the example's imports, through jest's module registry
    run(assemble(example), 'test/iam/__landing_zone_example.ts', (id) => require(id));
    const app = synth.mock.contexts[0] as App;
    return app.node.findChild('TerraformState') as Stack;
  } finally {
    synth.mockRestore();
  }
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

test('the docs landing zone plans on every branch without being able to write or delete a lock', () => {
  const t = Template.fromStack(landingZone());
  const planRole = Object.entries(t.findResources('AWS::IAM::Role'))
    .find(([, r]) => JSON.stringify(r.Properties.AssumeRolePolicyDocument).includes('repo:acme/platform:*'));
  expect(planRole).toBeDefined();
  const actions = Object.values(t.findResources('AWS::IAM::ManagedPolicy'))
    .filter((p) => JSON.stringify(p.Properties.Roles).includes(planRole![0]))
    .flatMap((p) => p.Properties.PolicyDocument.Statement).flatMap((s: any) => [s.Action].flat());
  expect(actions).toContain('s3:GetObject');
  for (const write of ['s3:PutObject', 's3:DeleteObject', 'dynamodb:PutItem', 'dynamodb:DeleteItem']) expect(actions).not.toContain(write);
});
