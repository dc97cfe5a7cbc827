import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { BackendConfig, BackendConfigFormat } from '../../src/construct/backend-config';
import { cdktfProps, cdktnProps, renderSnippet, SNIPPET_FORMATS } from '../../src/construct/backend-config-render';

// CDK Terrain (npm package `cdktn`) is the community successor of CDKTF. Its `S3BackendConfig`
// (packages/cdktn/lib/backends/s3-backend.ts in open-constructs/cdk-terrain, published as cdktn 0.24.0)
// declares these props among others; `S3Backend` turns them into Terraform's names with
// `keysToSnakeCase` (packages/cdktn/lib/util.ts).
const CDKTN_S3_BACKEND_CONFIG_PROPS = [
  'bucket', 'key', 'region', 'encrypt', 'kmsKeyId', 'useLockfile', 'dynamodbTable', 'workspaceKeyPrefix', 'assumeRole',
];
const CDKTN_ASSUME_ROLE_PROPS = ['roleArn', 'duration', 'externalId', 'policy', 'policyArns', 'sessionName', 'sourceIdentity', 'tags', 'transitiveTagKeys'];

const FULL = {
  bucketName: 'my-state-bucket',
  key: 'network/terraform.tfstate',
  region: 'eu-west-1',
  kmsKeyId: 'arn:aws:kms:eu-west-1:111111111111:key/0e4b3a1c-1111-2222-3333-444455556666',
  useLockfile: true,
  dynamodbTable: 'tf-locks',
  workspaceKeyPrefix: 'project/env:',
  roleArn: 'arn:aws:iam::111111111111:role/terraform',
};

/** What cdktn's `keysToSnakeCase` does to the props before they reach Terraform. */
function snakeKeys(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), snakeKeys(x)]));
}

describe('cdktn snippet format', () => {
  test('cdktn is a snippet format beside cdktf, and the construct enum names it', () => {
    expect(SNIPPET_FORMATS).toContain('cdktn');
    expect(SNIPPET_FORMATS.indexOf('cdktn')).toBe(SNIPPET_FORMATS.indexOf('cdktf') + 1);
    expect(BackendConfigFormat.CDKTN).toBe('cdktn');
  });

  test('cdktn JSON uses only props that CDK Terrain S3BackendConfig declares', () => {
    const props = JSON.parse(new BackendConfig(FULL).toCdktnJson());
    for (const name of Object.keys(props)) expect(CDKTN_S3_BACKEND_CONFIG_PROPS).toContain(name);
    for (const name of Object.keys(props.assumeRole)) expect(CDKTN_ASSUME_ROLE_PROPS).toContain(name);
    expect(props).toEqual({
      bucket: 'my-state-bucket',
      key: 'network/terraform.tfstate',
      region: 'eu-west-1',
      encrypt: true,
      kmsKeyId: FULL.kmsKeyId,
      useLockfile: true,
      dynamodbTable: 'tf-locks',
      workspaceKeyPrefix: 'project/env:',
      assumeRole: { roleArn: FULL.roleArn },
    });
  });

  test('after cdktn snake-cases the props, Terraform receives exactly the attributes of the json format', () => {
    const values = { bucket: 'b', key: 'k', region: 'us-east-1', encrypt: true, useLockfile: true, dynamodbTable: 't', roleArn: 'arn:aws:iam::1:role/r' };
    expect(snakeKeys(JSON.parse(renderSnippet(values, 'cdktn')))).toEqual(JSON.parse(renderSnippet(values, 'json')));
  });

  test('CDK Terrain kept the CDKTF prop names, so the two renderings agree today', () => {
    const values = { bucket: 'b', key: 'k', region: 'r', kmsKeyId: 'arn:aws:kms:r:1:key/x', workspaceKeyPrefix: 'p' };
    expect(cdktnProps(values)).toEqual(cdktfProps(values));
    expect(renderSnippet(values, 'cdktn')).toBe(renderSnippet(values, 'cdktf'));
  });

  test('unset optional attributes are left out of the cdktn props', () => {
    expect(JSON.parse(renderSnippet({ bucket: 'b', key: 'k', region: 'r' }, 'cdktn'))).toEqual({ bucket: 'b', key: 'k', region: 'r' });
  });

  test('a cdktn output with deploy-time names resolves to valid props once CloudFormation substitutes them', () => {
    const stack = new Stack(new App(), 'S');
    const bucket = new s3.Bucket(stack, 'B');
    new BackendConfig({ bucketName: bucket.bucketName, key: 'app/terraform.tfstate', region: stack.region, useLockfile: true })
      .addOutput(stack, 'Cdktn', { format: BackendConfigFormat.CDKTN });
    const output = Template.fromStack(stack).toJSON().Outputs.Cdktn;
    expect(output.Description).toContain('cdktn');
    const parts: unknown[] = output.Value['Fn::Join'][1];
    const text = parts.map((p) => (typeof p === 'string' ? p : (p as any).Ref === 'AWS::Region' ? 'eu-west-1' : 'deployed-bucket')).join('');
    expect(JSON.parse(text)).toEqual({ bucket: 'deployed-bucket', key: 'app/terraform.tfstate', region: 'eu-west-1', encrypt: true, useLockfile: true });
  });
});
