import { App, Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, HIPAASecurityChecks, NagPack, NIST80053R5Checks, PCIDSS321Checks } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { LockingMode, StateBackend } from '../../src';

/** The default backend and a backend with a lock table, in one app, synthesized. */
function appWithBackends(): App {
  const app = new App();
  new StateBackend(new Stack(app, 'DefaultBackend'), 'Backend');
  new StateBackend(new Stack(app, 'BothLockingBackend'), 'Backend', { lockingMode: LockingMode.BOTH });
  app.synth();
  return app;
}

const packs = (): Array<[string, NagPack]> => [
  ['AwsSolutions', new AwsSolutionsChecks()],
  ['NIST 800-53 R5', new NIST80053R5Checks()],
  ['HIPAA Security', new HIPAASecurityChecks()],
  ['PCI DSS 3.2.1', new PCIDSS321Checks()],
];

interface Finding { readonly rule: string; readonly path?: string; readonly severity?: string; readonly description: string }

function findings(pack: NagPack, app: App): Finding[] {
  return pack.validateScope(app).violations.flatMap((v) =>
    v.violatingResources.map((r) => ({ rule: v.ruleName, path: r.constructPath, severity: v.severity, description: v.description })));
}

interface Acknowledgement { readonly id: string; readonly reason: string; readonly path: string }

function acknowledgements(root: IConstruct): Acknowledgement[] {
  return root.node.findAll().flatMap((c) => c.node.metadata
    .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
    .flatMap((m) => Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({
      id: id.replace(/^annotation::/i, ''), reason, path: c.node.path,
    }))));
}

describe('cdk-nag compliance packs', () => {
  const app = appWithBackends();

  test.each(packs())('%s reports no error and no warning on the default and BOTH-locking backends', (_name, pack) => {
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
