import { App, Stack } from 'aws-cdk-lib';
import { AwsSolutionsChecks, HIPAASecurityChecks, NagPack, NIST80053R5Checks, PCIDSS321Checks } from 'cdk-nag';
import { LockingMode, StateBackend } from '../../src';

/**
 * GIVEN an app with the default backend and a backend with a lock table
 * WHEN each compliance pack validates the whole app
 * THEN no rule reports an error or a warning: every finding is fixed or acknowledged with a reason.
 */
function appWithBackends(): App {
  const app = new App();
  new StateBackend(new Stack(app, 'DefaultBackend'), 'Backend');
  new StateBackend(new Stack(app, 'BothLockingBackend'), 'Backend', { lockingMode: LockingMode.BOTH });
  app.synth();
  return app;
}

function findings(pack: NagPack, app: App): string[] {
  return pack.validateScope(app).violations.flatMap((v) =>
    v.violatingResources.map((r) => `${v.severity} ${v.ruleName} at ${r.constructPath}: ${v.description}`));
}

describe('cdk-nag compliance packs', () => {
  const app = appWithBackends();

  test.each([
    ['AwsSolutions', new AwsSolutionsChecks()],
    ['NIST 800-53 R5', new NIST80053R5Checks()],
    ['HIPAA Security', new HIPAASecurityChecks()],
    ['PCI DSS 3.2.1', new PCIDSS321Checks()],
  ])('%s reports nothing on the default and BOTH-locking backends', (_name, pack) => {
    expect(findings(pack, app)).toEqual([]);
  });
});
