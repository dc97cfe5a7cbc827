import { Stack } from 'aws-cdk-lib';
import { acknowledgementCases, acknowledgementReport, EXPECTED_IAM5_ACKNOWLEDGEMENTS } from '../support/acknowledgement-cases';

/*
 * The README's cross-account workload example threw at synth on aws-cdk-lib 2.258 (`Invalid validation
 * rule ID ... The '::' delimiter is reserved`): a literal bucket name and a wildcard scope give a cdk-nag
 * finding ID with several `::`. This file runs on the peer-dependency floor; acknowledgements-latest.test.ts
 * runs the same cases on the newest aws-cdk-lib.
 */
test('runs on the peer-dependency floor of aws-cdk-lib', () => {
  expect((Stack as any)[Symbol.for('jsii.rtti')].version).toBe('2.258.0');
});

test('imported backends with a literal bucket name and wildcard scopes synthesize, and cdk-nag AwsSolutions reports nothing', () => {
  const report = acknowledgementReport(acknowledgementCases());
  expect(report.findings).toEqual([]);
  expect(report.acknowledgedIam5).toEqual(EXPECTED_IAM5_ACKNOWLEDGEMENTS);
});
