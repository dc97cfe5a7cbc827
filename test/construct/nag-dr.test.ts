import { App, Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { landingZoneApp } from '../../examples/landing-zone';
import { LockingMode, StateBackend, StateBackendReplica } from '../../src';
import { ensureMonitorHandlerCompiled } from '../support/monitor-handler';
import { acknowledgements, findings, packs } from '../support/nag';

beforeAll(ensureMonitorHandlerCompiled);

/** Every disaster-recovery and monitoring option on, across two regions. */
function appWithEverything(): App {
  const app = new App();
  const env = { account: '111111111111' };
  const dr = new Stack(app, 'Replica', { env: { ...env, region: 'eu-central-1' } });
  const replica = new StateBackendReplica(dr, 'Replica', { objectLockRetention: Duration.days(30) });
  const main = new Stack(app, 'Primary', { env: { ...env, region: 'eu-west-1' } });
  const ci = new iam.Role(main, 'Ci', { assumedBy: new iam.AccountRootPrincipal() });
  new StateBackend(main, 'Backend', {
    lockingMode: LockingMode.BOTH,
    replica,
    replicationTimeControl: true,
    objectLockRetention: Duration.days(30),
    backup: {},
    dataEvents: {},
    monitoring: { expectedWriters: [ci] },
  });
  app.synth();
  return app;
}

describe('cdk-nag with every option on', () => {
  const app = (() => {
    ensureMonitorHandlerCompiled();
    return appWithEverything();
  })();

  test.each(packs())('%s reports no error and no warning', (_name, pack) => {
    expect(findings(pack, app)).toEqual([]);
  });

  // The example's LogArchive stack is the landing zone's own log bucket, outside this library.
  test.each(packs())('%s reports nothing on the state and replica stacks of the landing-zone example', (_name, pack) => {
    const example = landingZoneApp();
    example.synth();
    expect(findings(pack, example).filter((f) => f.path?.startsWith('TerraformState'))).toEqual([]);
  });

  test('every acknowledgement has a reason a reviewer can check', () => {
    for (const ack of acknowledgements(app)) expect(ack.reason.length).toBeGreaterThan(80);
  });
});
