import { Match, Template } from 'aws-cdk-lib/assertions';
import { landingZoneApp } from '../../examples/landing-zone';
import { ensureMonitorHandlerCompiled } from '../support/monitor-handler';

beforeAll(ensureMonitorHandlerCompiled);

test('the landing-zone example synthesizes: BOTH locking, logs into the archive bucket, one role per team and access level, every DR and detection option', () => {
  const app = landingZoneApp();
  const assembly = app.synth();
  expect(assembly.stacks.map((s) => s.stackName).sort()).toEqual(['LogArchive', 'TerraformState', 'TerraformStateReplica']);
  const state = Template.fromJSON(assembly.getStackByName('TerraformState').template);
  state.resourceCountIs('AWS::DynamoDB::Table', 1);
  // The state bucket and the trail bucket of the data events.
  state.resourceCountIs('AWS::S3::Bucket', 2);
  // Four team roles, the replication role, the backup role, the monitor's role, the trail's logs role.
  state.resourceCountIs('AWS::IAM::Role', 8);
  state.hasResourceProperties('AWS::S3::Bucket', {
    LoggingConfiguration: { LogFilePrefix: 'tfstate/' },
    ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 14 } } },
    ReplicationConfiguration: Match.objectLike({ Rules: [Match.objectLike({ Destination: Match.objectLike({ ReplicationTime: { Status: 'Enabled', Time: { Minutes: 15 } } }) })] }),
  });
  state.resourceCountIs('AWS::Backup::BackupPlan', 1);
  state.resourceCountIs('AWS::CloudTrail::Trail', 1);
  state.resourceCountIs('AWS::Lambda::Function', 1);
  state.hasResourceProperties('AWS::Events::Rule', { EventPattern: { detail: Match.objectLike({ $or: Match.anyValue() }) } });
  const replica = Template.fromJSON(assembly.getStackByName('TerraformStateReplica').template);
  replica.resourceCountIs('AWS::KMS::Key', 1);
});

test('the landing-zone example restricts state access to its team roles, the break-glass role and the construct\'s own replication, backup and monitor roles', () => {
  const state = Template.fromJSON(landingZoneApp().synth().getStackByName('TerraformState').template);
  const policies = Object.values(state.findResources('AWS::S3::BucketPolicy')) as any[];
  const deny = policies.flatMap((p) => p.Properties.PolicyDocument.Statement).find((s: any) => s.Sid === 'DenyStateAccessToUngrantedPrincipals');
  const exempted: unknown[] = deny.Condition.ArnNotLike['aws:PrincipalArn'];
  // A role of the stack by its logical ID without the hash, a role of another app by its name.
  const names = exempted.map((arn: any) => (arn['Fn::GetAtt'] ? arn['Fn::GetAtt'][0].replace(/[0-9A-F]{8}$/, '') : JSON.stringify(arn).split('role/')[1].replace(/"\W*$/, ''))).sort();
  expect(names).toEqual([
    'BackendBackupPlanSelectionRole', 'BackendReplicationRole', 'BackendnetworkApply', 'BackendnetworkPlan',
    'BackendpaymentsApply', 'BackendpaymentsPlan', 'BreakGlassAdmin', 'MonitoringStaleLockMonitorRole',
  ]);
});
