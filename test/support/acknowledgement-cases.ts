import { App, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { acknowledgements, findings } from './nag';
import { LockingMode, StateAccess, StateBackend, StateScope } from '../../src';

/**
 * The cases whose acknowledgement IDs hold more than one `::`: an imported backend with a literal bucket
 * name (the README's cross-account workload example) and wildcard scopes, plus the owned-backend cases.
 * Loaded by one test with the peer-dependency floor of aws-cdk-lib and by one with the newest.
 */
export function acknowledgementCases(): App {
  const app = new App();
  const workload = new Stack(app, 'Workload', { env: { account: '222222222222', region: 'eu-west-1' } });
  const central = StateBackend.fromStateBackendAttributes(workload, 'CentralState', {
    bucketName: 'tfstate-central',
    encryptionKeyArn: 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    lockTableName: 'tfstate-locks',
  });
  const principal = new iam.AccountRootPrincipal();
  central.addAccessRole('All', { assumedBy: principal, scope: StateScope.all() });
  central.addAccessRole('AllWorkspaces', { assumedBy: principal, scope: StateScope.keys(['app.tfstate']).allWorkspaces() });
  central.addAccessRole('Team', { assumedBy: principal, scope: StateScope.keys(['team/*']), access: StateAccess.READ_WRITE });
  central.addAccessRole('TeamNoLock', { assumedBy: principal, scope: StateScope.keys(['team/*']).allWorkspaces(), access: StateAccess.READ_WITHOUT_LOCK });

  const owner = new Stack(app, 'Central', { env: { account: '111111111111', region: 'eu-west-1' } });
  const backend = new StateBackend(owner, 'State', { lockingMode: LockingMode.BOTH, restrictStateAccess: true });
  backend.addAccessRole('Team', { assumedBy: principal, scope: StateScope.keys(['team/*']).allWorkspaces(), access: StateAccess.READ_WRITE });
  app.synth();
  return app;
}

/** What a test asserts on both versions: the app synthesizes, nothing is reported, every wildcard is acknowledged. */
export function acknowledgementReport(app: App): { findings: unknown[]; acknowledgedIam5: string[] } {
  return {
    findings: findings(new AwsSolutionsChecks(), app),
    acknowledgedIam5: acknowledgements(app).filter((a) => a.id.startsWith('AwsSolutions-IAM5[')).map((a) => `${a.path} ${a.id}`).sort(),
  };
}

/** The IAM5 acknowledgements both versions must record (cdk-nag's finding IDs, `annotation::` stripped). */
export const EXPECTED_IAM5_ACKNOWLEDGEMENTS: string[] = [
  'Central/State/Team/Policy AwsSolutions-IAM5[Resource::<StateBucket77825682.Arn>/env:/*/team/*.tflock.if-match-probe]',
  'Central/State/Team/Policy AwsSolutions-IAM5[Resource::<StateBucket77825682.Arn>/env:/*/team/*.tflock]',
  'Central/State/Team/Policy AwsSolutions-IAM5[Resource::<StateBucket77825682.Arn>/env:/*/team/*]',
  'Central/State/Team/Policy AwsSolutions-IAM5[Resource::<StateBucket77825682.Arn>/team/*.tflock.if-match-probe]',
  'Central/State/Team/Policy AwsSolutions-IAM5[Resource::<StateBucket77825682.Arn>/team/*.tflock]',
  'Central/State/Team/Policy AwsSolutions-IAM5[Resource::<StateBucket77825682.Arn>/team/*]',
  'Workload/CentralState/All/Policy AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::tfstate-central/*.tflock.if-match-probe]',
  'Workload/CentralState/All/Policy AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::tfstate-central/*.tflock]',
  'Workload/CentralState/All/Policy AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::tfstate-central/*]',
  'Workload/CentralState/AllWorkspaces/Policy AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::tfstate-central/env:/*/app.tfstate.tflock.if-match-probe]',
  'Workload/CentralState/AllWorkspaces/Policy AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::tfstate-central/env:/*/app.tfstate.tflock]',
  'Workload/CentralState/AllWorkspaces/Policy AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::tfstate-central/env:/*/app.tfstate]',
  'Workload/CentralState/Team/Policy AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::tfstate-central/team/*.tflock.if-match-probe]',
  'Workload/CentralState/Team/Policy AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::tfstate-central/team/*.tflock]',
  'Workload/CentralState/Team/Policy AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::tfstate-central/team/*]',
  'Workload/CentralState/TeamNoLock/Policy AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::tfstate-central/env:/*/team/*.tflock]',
  'Workload/CentralState/TeamNoLock/Policy AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::tfstate-central/env:/*/team/*]',
  'Workload/CentralState/TeamNoLock/Policy AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::tfstate-central/team/*.tflock]',
  'Workload/CentralState/TeamNoLock/Policy AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::tfstate-central/team/*]',
];
