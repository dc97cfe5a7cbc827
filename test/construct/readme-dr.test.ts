import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { LockingMode, StateBackend, StateBackendMonitoring, StateBackendReplica } from '../../src';
import { ensureMonitorHandlerCompiled } from '../support/monitor-handler';

beforeAll(ensureMonitorHandlerCompiled);

/** The README's "Disaster recovery and detection" snippet, verbatim between the markers, so the docs cannot rot. */
test('the README disaster-recovery snippet synthesizes', () => {
  const app = new App();
  const stateStack = new Stack(app, 'TerraformState', { env: { account: '111111111111', region: 'eu-west-1' } });
  const ciRoles = [new iam.Role(stateStack, 'Ci', { assumedBy: new iam.AccountRootPrincipal() })];
  // --- README snippet ---
  const dr = new Stack(app, 'TerraformStateReplica', { env: { account: '111111111111', region: 'eu-central-1' } });
  const replica = new StateBackendReplica(dr, 'Replica', { objectLockRetention: Duration.days(14) });
  const backend = new StateBackend(stateStack, 'Backend', {
    lockingMode: LockingMode.BOTH,
    replica,
    replicationTimeControl: true,
    objectLockRetention: Duration.days(14),
    backup: { snapshotRetention: Duration.days(365) },
    dataEvents: {},
  });
  new StateBackendMonitoring(stateStack, 'Monitoring', { backend, expectedWriters: ciRoles });
  // --- end ---
  const t = Template.fromStack(stateStack);
  t.resourceCountIs('AWS::Backup::BackupPlan', 1);
  t.resourceCountIs('AWS::CloudTrail::Trail', 1);
  t.resourceCountIs('AWS::Lambda::Function', 1);
  expect(stateStack.dependencies).toContain(dr);
});
