import { Template } from 'aws-cdk-lib/assertions';
import { landingZoneApp } from '../../examples/landing-zone';

test('the landing-zone example synthesizes: BOTH locking, logs into the archive bucket, one role per team and access level', () => {
  const app = landingZoneApp();
  const assembly = app.synth();
  expect(assembly.stacks.map((s) => s.stackName).sort()).toEqual(['LogArchive', 'TerraformState']);
  const state = Template.fromJSON(assembly.getStackByName('TerraformState').template);
  state.resourceCountIs('AWS::DynamoDB::Table', 1);
  state.resourceCountIs('AWS::S3::Bucket', 1);
  state.resourceCountIs('AWS::IAM::Role', 4);
  state.hasResourceProperties('AWS::S3::Bucket', { LoggingConfiguration: { LogFilePrefix: 'tfstate/' } });
});

test('the landing-zone example restricts state access to its team roles and the break-glass role', () => {
  const state = Template.fromJSON(landingZoneApp().synth().getStackByName('TerraformState').template);
  const policies = Object.values(state.findResources('AWS::S3::BucketPolicy')) as any[];
  const deny = policies.flatMap((p) => p.Properties.PolicyDocument.Statement).find((s: any) => s.Sid === 'DenyStateAccessToUngrantedPrincipals');
  const exempted: unknown[] = deny.Condition.ArnNotLike['aws:PrincipalArn'];
  expect(exempted).toHaveLength(5);
  expect(JSON.stringify(exempted)).toContain(':iam::111111111111:role/BreakGlassAdmin');
});
