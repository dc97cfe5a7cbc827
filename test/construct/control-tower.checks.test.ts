import * as path from 'path';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { App, IPolicyValidationContextBeta1, Stack } from 'aws-cdk-lib';
import { LockingMode, StateBackend } from '../../src';

/*
 * AWS Control Tower's proactive controls (the cfn-guard rules bundled with @cdklabs/cdk-validator-cfnguard,
 * run by its CDK policy-validation plugin) on the default backend and the BOTH-locking backend. Every control
 * passes except the ones listed here, each with its reason in the README ("Compliance"): the test checks that
 * they fire on exactly the resources named, so an exception cannot hide a new finding.
 */
const RULES = path.join(path.dirname(require.resolve('@cdklabs/cdk-validator-cfnguard/package.json')), 'rules', 'control-tower', 'cfn-guard');

const EXCEPTIONS: Record<string, { readonly rule: string; readonly resources: string[] }> = {
  // CT.S3.PR.9 Object Lock: added with the disaster-recovery options.
  'ct-s3-pr-9': { rule: 's3_bucket_object_lock_enabled_check', resources: ['BackendAccessLogsBucketFD7D37B9', 'BackendBucketD5FA350F'] },
  // CT.S3.PR.10 SSE-KMS: S3 server access log delivery cannot write to a bucket under a customer managed key.
  'ct-s3-pr-10': { rule: 's3_bucket_default_encryption_kms_check', resources: ['BackendAccessLogsBucketFD7D37B9'] },
  // CT.S3.PR.2 access logging: the log bucket itself is the destination; logging it into itself loops.
  'ct-s3-pr-2': { rule: 's3_bucket_logging_enabled_check', resources: ['BackendAccessLogsBucketFD7D37B9'] },
};

/** What the CDK hands a policy-validation plugin at synth: the app and its templates. */
function validationContext(): IPolicyValidationContextBeta1 {
  const app = new App();
  new StateBackend(new Stack(app, 'DefaultBackend'), 'Backend');
  new StateBackend(new Stack(app, 'BothLockingBackend'), 'Backend', { lockingMode: LockingMode.BOTH, lockTags: { 'object:type': 'lock' } });
  const assembly = app.synth();
  return { appConstruct: app, templatePaths: assembly.stacks.map((s) => path.join(assembly.directory, s.templateFile)) };
}

describe('AWS Control Tower proactive controls (cfn-guard)', () => {
  const context = validationContext();

  test('no control reports a finding, apart from the documented exceptions', () => {
    const report = new CfnGuardValidator({ disabledRules: Object.keys(EXCEPTIONS) }).validate(context);
    expect(report.violations).toEqual([]);
    expect(report.success).toBe(true);
  });

  test('each exception fires on exactly the resources it names, in both stacks', () => {
    const report = new CfnGuardValidator({
      controlTowerRulesEnabled: false,
      rules: Object.keys(EXCEPTIONS).map((id) => path.join(RULES, 's3', `${id}.guard`)),
    }).validate(context);
    const fired = report.violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} ${path.basename(r.templatePath)} ${r.resourceLogicalId}`)).sort();
    const expected = Object.values(EXCEPTIONS).flatMap((e) => ['BothLockingBackend', 'DefaultBackend']
      .flatMap((stack) => e.resources.map((r) => `${e.rule} ${stack}.template.json ${r}`))).sort();
    expect(fired).toEqual(expected);
  });
});
