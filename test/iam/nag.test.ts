import { App, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { GitHubActionsIdentityProvider, LockingMode, StateAccess, StateBackend, StateScope } from '../../src';
import { acknowledgements, findings, packs } from '../support/nag';

/**
 * A landing-zone app with every kind of role: read-only and read-write roles on exact keys, on a key
 * pattern in all workspaces and on the whole backend, a GitHub Actions role, and a cross-account grant.
 */
function landingZone(): App {
  const app = new App();
  const stack = new Stack(app, 'Central', { env: { account: '111111111111', region: 'eu-west-1' } });
  const backend = new StateBackend(stack, 'Backend', { lockingMode: LockingMode.BOTH });
  const prod = StateScope.keys(['app.tfstate', 'network/terraform.tfstate']).workspaces(['default', 'prod']);
  backend.addAccessRole('ProdPlan', { assumedBy: new iam.AccountPrincipal('222222222222'), externalIds: ['prod-plan'], scope: prod });
  backend.addAccessRole('ProdApply', { assumedBy: new iam.AccountPrincipal('222222222222'), access: StateAccess.READ_WRITE, scope: prod });
  backend.addAccessRole('TeamA', {
    assumedBy: new iam.AccountPrincipal('333333333333'), access: StateAccess.READ_WRITE, scope: StateScope.keys(['team-a/*']).allWorkspaces(),
  });
  backend.addAccessRole('Admin', { assumedBy: new iam.AccountRootPrincipal(), access: StateAccess.READ_WRITE });
  const github = new GitHubActionsIdentityProvider(stack, 'GitHub');
  backend.addAccessRole('GitHubApply', {
    assumedBy: github.principal({ repository: 'acme/infra', environment: 'prod' }), access: StateAccess.READ_WRITE, scope: prod,
  });
  backend.grantRead(new iam.ArnPrincipal('arn:aws:iam::444444444444:role/audit'), prod);
  app.synth();
  return app;
}

describe('cdk-nag with every access role type', () => {
  const app = landingZone();

  test.each(packs())('%s reports nothing', (_name, pack) => {
    expect(findings(pack, app)).toEqual([]);
  });

  test('the only acknowledgements of the access roles are IAM5 findings on object ARNs that hold a scope pattern', () => {
    const acks = acknowledgements(app).filter((a) => a.path.includes('/Backend/') && /Plan|Apply|TeamA|Admin/.test(a.path));
    expect(acks.map((a) => `${a.path} ${a.id}`).sort()).toEqual([
      'Central/Backend/Admin/Policy AwsSolutions-IAM5[Resource::<BackendBucketD5FA350F.Arn>/*]',
      'Central/Backend/TeamA/Policy AwsSolutions-IAM5[Resource::<BackendBucketD5FA350F.Arn>/env:/*/team-a/*.tflock.if-match-probe]',
      'Central/Backend/TeamA/Policy AwsSolutions-IAM5[Resource::<BackendBucketD5FA350F.Arn>/env:/*/team-a/*.tflock]',
      'Central/Backend/TeamA/Policy AwsSolutions-IAM5[Resource::<BackendBucketD5FA350F.Arn>/env:/*/team-a/*]',
      'Central/Backend/TeamA/Policy AwsSolutions-IAM5[Resource::<BackendBucketD5FA350F.Arn>/team-a/*.tflock.if-match-probe]',
      'Central/Backend/TeamA/Policy AwsSolutions-IAM5[Resource::<BackendBucketD5FA350F.Arn>/team-a/*.tflock]',
      'Central/Backend/TeamA/Policy AwsSolutions-IAM5[Resource::<BackendBucketD5FA350F.Arn>/team-a/*]',
    ]);
    for (const ack of acks) expect(ack.reason).toMatch(/S3 object ARN as narrow as the StateScope allows/);
  });

  test('each acknowledgement is needed: without it, IAM5 fires on that policy', () => {
    const acks = acknowledgements(app).filter((a) => a.id.startsWith('AwsSolutions-IAM5['));
    expect(acks).toHaveLength(7);
    const spy = jest.spyOn(Validations.prototype, 'acknowledge').mockImplementation(() => undefined);
    try {
      const fired = findings(new AwsSolutionsChecks(), landingZone());
      for (const ack of acks) {
        expect(fired.filter((f) => f.rule === ack.id && f.path?.startsWith(ack.path))).toHaveLength(1);
      }
    } finally {
      spy.mockRestore();
    }
  });
});
