import { parse } from '@cdktf/hcl2json';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { LockingMode, StateBackend } from '../../src';
import { BackendConfig, BackendConfigFormat } from '../../src/construct/backend-config';
import { escapeHclLiteral, renderSnippet, SNIPPET_FORMATS } from '../../src/construct/backend-config-render';

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

const EXPECTED_ATTRIBUTES = {
  bucket: 'my-state-bucket',
  key: 'network/terraform.tfstate',
  region: 'eu-west-1',
  encrypt: true,
  kms_key_id: FULL.kmsKeyId,
  use_lockfile: true,
  dynamodb_table: 'tf-locks',
  workspace_key_prefix: 'project/env:',
};

describe('BackendConfig rendering, parsed back with a real HCL parser', () => {
  test('the terraform block holds every attribute, with assume_role as a nested attribute', async () => {
    const parsed = await parse('backend.tf', new BackendConfig(FULL).toTerraformBlock());
    const backend = parsed.terraform[0].backend.s3[0];
    expect(backend).toEqual({ ...EXPECTED_ATTRIBUTES, assume_role: { role_arn: FULL.roleArn } });
  });

  test('the -backend-config file holds top-level attributes only', async () => {
    const parsed = await parse('backend.hcl', new BackendConfig(FULL).toBackendConfigFile());
    expect(parsed).toEqual({ ...EXPECTED_ATTRIBUTES, assume_role: { role_arn: FULL.roleArn } });
  });

  test('the terragrunt block is a remote_state with backend s3, a generate block and the config map', async () => {
    const parsed = await parse('terragrunt.hcl', new BackendConfig(FULL).toTerragrunt());
    const remote = parsed.remote_state[0];
    expect(remote.backend).toBe('s3');
    expect(remote.generate).toEqual({ path: 'backend.tf', if_exists: 'overwrite_terragrunt' });
    expect(remote.config).toEqual({ ...EXPECTED_ATTRIBUTES, assume_role: { role_arn: FULL.roleArn } });
  });

  test('cdktf JSON uses the camelCase names of S3BackendConfig', () => {
    expect(JSON.parse(new BackendConfig(FULL).toCdktfJson())).toEqual({
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

  test('plain JSON uses Terraform names', () => {
    expect(JSON.parse(new BackendConfig(FULL).toJson())).toEqual({ ...EXPECTED_ATTRIBUTES, assume_role: { role_arn: FULL.roleArn } });
  });

  test('optional attributes that are not set are left out of every format', async () => {
    const config = new BackendConfig({ bucketName: 'b', key: 'k', region: 'us-east-1', useLockfile: true });
    const expected = { bucket: 'b', key: 'k', region: 'us-east-1', encrypt: true, use_lockfile: true };
    expect(await parse('a.hcl', config.toBackendConfigFile())).toEqual(expected);
    expect((await parse('a.tf', config.toTerraformBlock())).terraform[0].backend.s3[0]).toEqual(expected);
    expect(JSON.parse(config.toJson())).toEqual(expected);
  });

  test('DynamoDB-only locking renders dynamodb_table without use_lockfile', async () => {
    const config = new BackendConfig({ bucketName: 'b', key: 'k', region: 'us-east-1', dynamodbTable: 't' });
    const parsed = await parse('a.hcl', config.toBackendConfigFile());
    expect(parsed.dynamodb_table).toBe('t');
    expect(parsed).not.toHaveProperty('use_lockfile');
  });

  test('literal characters HCL would interpolate or end a string on are escaped', async () => {
    const key = 'odd/${var.x}/%{if}/"quoted"\\back';
    const parsed = await parse('a.hcl', new BackendConfig({ bucketName: 'b', key, region: 'r' }).toBackendConfigFile());
    // hcl2json keeps the template-escape form of $${ and %%{, which Terraform reads as the literal text.
    expect(parsed.key.replace('$${', '${').replace('%%{', '%{')).toBe(key);
    expect(escapeHclLiteral('${a}')).toBe('$${a}');
  });

  test('every format renders for every locking combination', () => {
    for (const format of SNIPPET_FORMATS) {
      const text = renderSnippet({ bucket: 'b', key: 'k', region: 'r', useLockfile: true, dynamodbTable: 't' }, format);
      expect(text).toMatch(/use_?[lL]ockfile/);
      expect(text).toMatch(/dynamodb_?[tT]able/);
    }
  });

  test('fails when the key is empty, has a leading or trailing slash, or contains //', () => {
    expect(() => new BackendConfig({ bucketName: 'b', key: ' ', region: 'r' })).toThrow(/"key" is empty/);
    expect(() => new BackendConfig({ bucketName: 'b', key: '/a', region: 'r' })).toThrow(/must not start or end with "\/"/);
    expect(() => new BackendConfig({ bucketName: 'b', key: 'a//b', region: 'r' })).toThrow(/must not contain "\/\/"/);
    expect(() => new BackendConfig({ bucketName: 'b', key: 'k', region: 'r', workspaceKeyPrefix: 'env/' })).toThrow(/workspaceKeyPrefix/);
  });
});

describe('BackendConfig with deploy-time names', () => {
  test('addOutput resolves bucket name and region through Fn::Join and parses once substituted', async () => {
    const stack = new Stack(new App(), 'S');
    const bucket = new s3.Bucket(stack, 'B');
    const config = new BackendConfig({ bucketName: bucket.bucketName, key: 'app/terraform.tfstate', region: stack.region, useLockfile: true });
    config.addOutput(stack, 'BackendConfig', { format: BackendConfigFormat.TERRAFORM, parameterName: '/tf/backend' });

    const template = Template.fromStack(stack);
    const output = template.toJSON().Outputs.BackendConfig;
    const join = output.Value['Fn::Join'];
    expect(join[0]).toBe('');
    const parts: unknown[] = join[1];
    expect(parts).toContainEqual({ Ref: expect.stringMatching(/^B[0-9A-F]{8}$/) });
    expect(parts).toContainEqual({ Ref: 'AWS::Region' });
    template.hasResourceProperties('AWS::SSM::Parameter', { Name: '/tf/backend', Type: 'String' });

    // Substitute what CloudFormation would, then parse the result as HCL.
    const text = parts.map((p) => (typeof p === 'string' ? p : (p as any).Ref === 'AWS::Region' ? 'eu-west-1' : 'deployed-bucket')).join('');
    const parsed = await parse('backend.tf', text);
    expect(parsed.terraform[0].backend.s3[0]).toMatchObject({ bucket: 'deployed-bucket', region: 'eu-west-1', use_lockfile: true });
  });
});

describe('StateBackend.backendConfig', () => {
  function backendIn(lockingMode: LockingMode, workspaceKeyPrefix?: string) {
    const stack = new Stack(new App(), 'S', { env: { account: '111111111111', region: 'eu-west-1' } });
    return { stack, backend: new StateBackend(stack, 'Backend', { lockingMode, workspaceKeyPrefix }) };
  }

  /** What CloudFormation would produce, with references replaced by recognisable placeholders. */
  function substitute(v: any): string {
    if (typeof v === 'string') return v;
    if (v['Fn::Join']) return v['Fn::Join'][1].map(substitute).join(v['Fn::Join'][0]);
    if (v.Ref) return `ref:${v.Ref}`;
    if (v['Fn::GetAtt']) return `getatt:${v['Fn::GetAtt'].join('.')}`;
    throw new Error(`unexpected intrinsic ${JSON.stringify(v)}`);
  }

  function resolvedJson(stack: Stack, config: BackendConfig): any {
    return JSON.parse(substitute(stack.resolve(config.toJson())));
  }

  test.each([
    [LockingMode.S3_LOCKFILE, true, false],
    [LockingMode.DYNAMODB, false, true],
    [LockingMode.BOTH, true, true],
  ])('locking mode %s renders use_lockfile=%s and dynamodb_table=%s', (mode, lockfile, table) => {
    const { stack, backend } = backendIn(mode);
    const json = resolvedJson(stack, backend.backendConfig({ key: 'app/terraform.tfstate' }));
    expect(json.use_lockfile === true).toBe(lockfile);
    expect('dynamodb_table' in json).toBe(table);
    expect(json).toMatchObject({ key: 'app/terraform.tfstate', region: 'eu-west-1', encrypt: true });
    expect(json.kms_key_id).toBeDefined();
  });

  test('a custom workspace key prefix and a role appear; the default prefix is left out', async () => {
    const { stack, backend } = backendIn(LockingMode.S3_LOCKFILE, 'tenants');
    const role = new iam.Role(stack, 'R', { assumedBy: new iam.AccountRootPrincipal() });
    const config = backend.backendConfig({ key: 'k', role });
    expect(resolvedJson(stack, config).workspace_key_prefix).toBe('tenants');
    expect(config.toTerraformBlock()).toMatch(/assume_role\s+= \{\n\s+role_arn = "\$\{Token\[/);
    const { backend: plain, stack: s2 } = backendIn(LockingMode.S3_LOCKFILE);
    expect(resolvedJson(s2, plain.backendConfig({ key: 'k' }))).not.toHaveProperty('workspace_key_prefix');
  });

  test('addOutput on a StateBackend config yields an output joining the bucket Ref, the key ARN and the literal key', () => {
    const { stack, backend } = backendIn(LockingMode.BOTH);
    backend.backendConfig({ key: 'net/terraform.tfstate' }).addOutput(stack, 'NetBackend');
    const value = Template.fromStack(stack).toJSON().Outputs.NetBackend.Value;
    const text = JSON.stringify(value);
    expect(text).toContain('Fn::Join');
    expect(text).toContain('net/terraform.tfstate');
    expect(text).toMatch(/"Fn::GetAtt":\["\w+","Arn"\]/);
  });
});
