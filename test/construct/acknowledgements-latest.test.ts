import { Stack } from 'aws-cdk-lib';
import { acknowledgementCases, acknowledgementReport, EXPECTED_IAM5_ACKNOWLEDGEMENTS } from '../support/acknowledgement-cases';

/*
 * The same cases as acknowledgements.test.ts, on the newest aws-cdk-lib (devDependency alias
 * `aws-cdk-lib-latest`). Every module of this test's registry that asks for `aws-cdk-lib` (the construct
 * under src/, cdk-nag, this file) gets the newest copy, so no object of one copy meets a class of the other
 * (`instanceof` across copies fails; jsii's RTTI symbols and `constructs` are shared, being one package).
 */
jest.mock('aws-cdk-lib', () => jest.requireActual('aws-cdk-lib-latest'));
for (const sub of ['aws-iam', 'aws-kms', 'aws-s3', 'aws-dynamodb', 'assertions']) {
  jest.mock(`aws-cdk-lib/${sub}`, () => jest.requireActual(`aws-cdk-lib-latest/${sub}`));
}

test('runs on the newest aws-cdk-lib, not on the floor', () => {
  const version: string = (Stack as any)[Symbol.for('jsii.rtti')].version;
  expect(version).not.toBe('2.258.0');
  expect(version).toBe(jest.requireActual('aws-cdk-lib-latest/package.json').version);
});

test('imported backends with a literal bucket name and wildcard scopes synthesize, and cdk-nag AwsSolutions reports nothing', () => {
  const report = acknowledgementReport(acknowledgementCases());
  expect(report.findings).toEqual([]);
  expect(report.acknowledgedIam5).toEqual(EXPECTED_IAM5_ACKNOWLEDGEMENTS);
});
