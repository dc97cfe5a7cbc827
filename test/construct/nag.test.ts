import { App, Stack, Validations } from 'aws-cdk-lib';
import { LockingMode, StateBackend } from '../../src';
import { acknowledgements, findings, packs } from '../support/nag';

/** The default backend, a backend with a lock table and a deny-by-default one with lock tags (lifecycle rule, tag deny), in one app, synthesized. */
function appWithBackends(): App {
  const app = new App();
  new StateBackend(new Stack(app, 'DefaultBackend'), 'Backend');
  new StateBackend(new Stack(app, 'BothLockingBackend'), 'Backend', { lockingMode: LockingMode.BOTH });
  new StateBackend(new Stack(app, 'RestrictedBackend'), 'Backend', { lockingMode: LockingMode.BOTH, restrictStateAccess: true, lockTags: { 'object:type': 'lock' } });
  app.synth();
  return app;
}

describe('cdk-nag compliance packs', () => {
  const app = appWithBackends();

  test.each(packs())('%s reports no error and no warning on the default, BOTH-locking and restricted backends', (_name, pack) => {
    expect(findings(pack, app)).toEqual([]);
  });

  test('acknowledgements sit on the bucket, log bucket and table constructs, never on the backend or the stack', () => {
    const acks = acknowledgements(app);
    expect(acks.length).toBeGreaterThan(0);
    const places = new Set(acks.map((a) => a.path.replace(/^[^/]+\/Backend\//, '')));
    expect([...places].sort()).toEqual(['AccessLogsBucket', 'Bucket', 'LockTable']);
  });

  test('every acknowledgement has a reason a reviewer can check (names the cause, not just "not needed")', () => {
    for (const ack of acknowledgements(app)) {
      expect(ack.reason.length).toBeGreaterThan(80);
    }
  });

  test('every acknowledgement is needed: without it, the rule fires on that construct', () => {
    const acks = acknowledgements(app);
    const spy = jest.spyOn(Validations.prototype, 'acknowledge').mockImplementation(() => undefined);
    try {
      const bare = appWithBackends();
      const fired = packs().flatMap(([, pack]) => findings(pack, bare));
      for (const ack of acks) {
        expect(fired.filter((f) => f.rule === ack.id && f.path?.startsWith(`${ack.path}/`))).not.toHaveLength(0);
      }
    } finally {
      spy.mockRestore();
    }
  });
});
