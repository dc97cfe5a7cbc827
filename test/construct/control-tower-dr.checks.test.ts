import * as path from 'path';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { App, Duration, IPolicyValidationContextBeta1, Stack } from 'aws-cdk-lib';
import { landingZoneApp } from '../../examples/landing-zone';
import { LockingMode, StateBackend, StateBackendReplica } from '../../src';
import { ensureMonitorHandlerCompiled } from '../support/monitor-handler';

/*
 * AWS Control Tower's proactive controls (the cfn-guard rules of @cdklabs/cdk-validator-cfnguard, run
 * through its CDK policy-validation plugin on the synthesized templates) with Object Lock on:
 * CT.S3.PR.9 (ObjectLockEnabled: true) must pass on every state bucket, primary and replica, and every
 * other control on them too. What still fires is listed here with its reason, resource by resource, so
 * that a new finding cannot hide behind an exception.
 */

type Finding = string; // "<rule> <template> <logical ID>"

function validate(app: App, validator = new CfnGuardValidator({})): Finding[] {
  const assembly = app.synth();
  const context: IPolicyValidationContextBeta1 = {
    appConstruct: app,
    templatePaths: assembly.stacks.map((s) => path.join(assembly.directory, s.templateFile)),
  };
  return validator.validate(context).violations
    .flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} ${path.basename(r.templatePath)} ${r.resourceLogicalId}`))
    .sort();
}

/** The log buckets: S3 server access logging cannot deliver into a bucket with Object Lock, nor under a customer managed key. */
const logBucket = (template: string, id: string): Finding[] => [
  `s3_bucket_default_encryption_kms_check ${template} ${id}`,
  `s3_bucket_logging_enabled_check ${template} ${id}`,
  `s3_bucket_object_lock_enabled_check ${template} ${id}`,
];

describe('AWS Control Tower proactive controls with Object Lock (cfn-guard)', () => {
  beforeAll(ensureMonitorHandlerCompiled);

  test('a backend with objectLockRetention, its replica and AWS Backup: every S3 control passes on both state buckets', () => {
    const app = new App();
    const dr = new Stack(app, 'Replica', { env: { account: '111111111111', region: 'eu-central-1' } });
    const replica = new StateBackendReplica(dr, 'Replica', { objectLockRetention: Duration.days(7) });
    const main = new Stack(app, 'Locked', { env: { account: '111111111111', region: 'eu-west-1' } });
    new StateBackend(main, 'Backend', {
      lockingMode: LockingMode.BOTH,
      objectLockRetention: Duration.days(7),
      replica,
      replicationTimeControl: true,
      backup: {},
    });

    const findings = validate(app);

    // THEN CT.S3.PR.9 does not fire on either state bucket (it did without the option: control-tower.checks.test.ts).
    expect(findings.filter((f) => f.includes('BackendBucket') || f.includes('ReplicaBucket'))).toEqual([]);
    // and nothing fires apart from the log buckets' documented exceptions (README "Compliance").
    expect(findings).toEqual([
      ...logBucket('Locked.template.json', 'BackendAccessLogsBucketFD7D37B9'),
      ...logBucket('Replica.template.json', 'ReplicaAccessLogsBucket9F70B439'),
    ].sort());
  });

  test('CT.S3.PR.9 alone reports exactly the buckets without Object Lock', () => {
    const app = new App();
    new StateBackend(new Stack(app, 'Locked'), 'Backend', { objectLockRetention: Duration.days(1) });
    new StateBackend(new Stack(app, 'Unlocked'), 'Backend');
    const rule = path.join(path.dirname(require.resolve('@cdklabs/cdk-validator-cfnguard/package.json')),
      'rules', 'control-tower', 'cfn-guard', 's3', 'ct-s3-pr-9.guard');
    const findings = validate(app, new CfnGuardValidator({ controlTowerRulesEnabled: false, rules: [rule] }));
    expect(findings).toEqual([
      's3_bucket_object_lock_enabled_check Locked.template.json BackendAccessLogsBucketFD7D37B9',
      's3_bucket_object_lock_enabled_check Unlocked.template.json BackendAccessLogsBucketFD7D37B9',
      's3_bucket_object_lock_enabled_check Unlocked.template.json BackendBucketD5FA350F',
    ]);
  });

  test('the landing-zone example with every option on: the state and replica buckets pass every S3 control', () => {
    const findings = validate(landingZoneApp());

    expect(findings.filter((f) => / (BackendBucket|ReplicaBucket)/.test(f) && !f.startsWith('s3_bucket_logging_enabled_check'))).toEqual([]);
    expect(findings).toEqual([
      // The account's log archive (LogArchive) and the replica's own log bucket receive S3 server access
      // logs: no Object Lock, no customer managed key, and they do not log into themselves.
      ...logBucket('LogArchive.template.json', 'AccessLogs8B620ECA'),
      ...logBucket('TerraformStateReplica.template.json', 'ReplicaAccessLogsBucket9F70B439'),
      // The state bucket logs into the LogArchive stack's bucket, named by Fn::ImportValue. The static rule
      // accepts only a literal name or a Ref in the same template; Control Tower's CloudFormation hook sees
      // the resolved name at deployment, where the control passes.
      's3_bucket_logging_enabled_check TerraformState.template.json BackendBucketD5FA350F',
      // The trail bucket of dataEvents logs into the same LogArchive bucket (Fn::ImportValue): same reason.
      's3_bucket_logging_enabled_check TerraformState.template.json BackendDataEventsBucket9C069A1E',
      // The stale-lock function runs outside a VPC unless given one (staleLockMonitorVpc, see
      // monitoring-controls.checks.test.ts): it only calls AWS APIs, and a VPC with endpoints is the user's choice.
      'lambda_inside_vpc_check TerraformState.template.json MonitoringStaleLockMonitorFB959305',
    ].sort());
  });
});
