import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { resolveTemplate } from './resolve';
import { LockingMode, StateAccess, StateBackend, StateScope } from '../../src';

/*
 * The exact identity statements of a read-only and a read-write access role on a scope of two keys in
 * two workspaces, for every locking mode, with and without an S3 Bucket Key. Expected values are
 * written out from Terraform's path rules, not computed by the code under test.
 */

const ACCOUNT = '111111111111';
const REGION = 'eu-west-1';
const BUCKET = 'tfstate';
const TABLE = 'tfstate-locks';
const BUCKET_ARN = `arn:aws:s3:::${BUCKET}`;
const TABLE_ARN = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${TABLE}`;
const S3_SERVICE = `s3.${REGION}.amazonaws.com`;
const HTTPS = { Bool: { 'aws:SecureTransport': 'true' } };

// app.tfstate and network/terraform.tfstate, workspaces default and prod, workspace_key_prefix env:
const STATE = ['app.tfstate', 'env:/prod/app.tfstate', 'network/terraform.tfstate', 'env:/prod/network/terraform.tfstate'];
const LOCK = ['app.tfstate.tflock', 'env:/prod/app.tfstate.tflock', 'network/terraform.tfstate.tflock', 'env:/prod/network/terraform.tfstate.tflock'];
const LOCK_IDS = ['tfstate/app.tfstate', 'tfstate/env:/prod/app.tfstate', 'tfstate/network/terraform.tfstate', 'tfstate/env:/prod/network/terraform.tfstate'];
const DIGEST_IDS = ['tfstate/app.tfstate-md5', 'tfstate/env:/prod/app.tfstate-md5', 'tfstate/network/terraform.tfstate-md5', 'tfstate/env:/prod/network/terraform.tfstate-md5'];
// The runtime client's conditional-delete probe (src/client/private/conditional-delete-probe.ts).
const PROBE = LOCK.map((k) => `${k}.if-match-probe`);
const objects = (keys: string[]) => keys.map((k) => `${BUCKET_ARN}/${k}`);

interface Case {
  readonly mode: LockingMode;
  readonly bucketKey: boolean;
  readonly access: StateAccess;
}

const cases: Case[] = [];
for (const mode of [LockingMode.S3_LOCKFILE, LockingMode.DYNAMODB, LockingMode.BOTH]) {
  for (const bucketKey of [true, false]) {
    for (const access of [StateAccess.READ_ONLY, StateAccess.READ_WRITE]) {
      cases.push({ mode, bucketKey, access });
    }
  }
}

function synth(c: Case) {
  const app = new App();
  const stack = new Stack(app, 'Stack', { env: { account: ACCOUNT, region: REGION } });
  const backend = new StateBackend(stack, 'State', {
    bucketName: BUCKET,
    lockingMode: c.mode,
    bucketKeyEnabled: c.bucketKey,
    ...(c.mode === LockingMode.S3_LOCKFILE ? {} : { lockTableName: TABLE }),
  });
  backend.addAccessRole('Role', {
    assumedBy: new iam.AccountRootPrincipal(),
    access: c.access,
    scope: StateScope.keys(['app.tfstate', 'network/terraform.tfstate']).workspaces(['default', 'prod']),
  });
  const { template, resources } = resolveTemplate(Template.fromStack(stack).toJSON() as any, { account: ACCOUNT, region: REGION });
  const keyId = Object.keys(template.Resources).find((id) => template.Resources[id].Type === 'AWS::KMS::Key')!;
  // Large scopes are spread over Policy, Policy2, ... (IAM's 6,144-character limit): read them in order.
  const policies = Object.values(template.Resources).filter((r) => r.Type === 'AWS::IAM::ManagedPolicy');
  expect(policies.length).toBeGreaterThan(0);
  const statements = policies.flatMap((p) => p.Properties.PolicyDocument.Statement);
  return { statements: normalize(statements), keyArn: resources[keyId].attributes.Arn, template };
}

/** CloudFormation collapses one-element Action/Resource lists to strings: compare as lists. */
function normalize(statements: any[]): any[] {
  return statements.map((s) => ({ ...s, Action: [s.Action].flat(), Resource: [s.Resource].flat() }));
}

function expected(c: Case, keyArn: string): any[] {
  const lockFile = c.mode !== LockingMode.DYNAMODB;
  const table = c.mode !== LockingMode.S3_LOCKFILE;
  const write = c.access === StateAccess.READ_WRITE;
  const read = [...STATE, ...(lockFile ? LOCK : [])];
  const written = [...(lockFile ? LOCK : []), ...(write ? STATE : [])];
  // With a Bucket Key the context is the bucket ARN; object ARNs stay for objects written before it.
  const kmsContext = (keys: string[]) => ({
    StringEquals: { 'kms:ViaService': S3_SERVICE },
    StringLike: { 'kms:EncryptionContext:aws:s3:arn': c.bucketKey ? [BUCKET_ARN, ...objects(keys)] : objects(keys) },
  });

  const out: any[] = [
    { Action: ['s3:ListBucket'], Effect: 'Allow', Resource: [BUCKET_ARN], Condition: { ...HTTPS, StringLike: { 's3:prefix': ['env:/', ...STATE, ...(lockFile ? [...LOCK, ...PROBE] : [])] } } },
    { Action: ['s3:GetObject'], Effect: 'Allow', Resource: objects(read), Condition: HTTPS },
  ];
  if (written.length > 0) {
    out.push(
      { Action: ['s3:PutObject', 's3:PutObjectTagging'], Effect: 'Allow', Resource: objects(written), Condition: HTTPS },
      { Action: ['s3:DeleteObject'], Effect: 'Allow', Resource: objects(written), Condition: HTTPS },
    );
  }
  if (lockFile) {
    out.push({ Action: ['s3:GetObject', 's3:DeleteObject'], Effect: 'Allow', Resource: objects(PROBE), Condition: HTTPS });
  }
  if (write) {
    // Terraform's manager.Uploader (RemoteClient.put) and this client abort a failed multipart upload of
    // a large state; lock files are one small PUT.
    out.push({ Action: ['s3:AbortMultipartUpload'], Effect: 'Allow', Resource: objects(STATE), Condition: HTTPS });
  }
  out.push({ Action: ['kms:Decrypt'], Effect: 'Allow', Resource: [keyArn], Condition: kmsContext(read) });
  if (written.length > 0) {
    out.push({ Action: ['kms:GenerateDataKey'], Effect: 'Allow', Resource: [keyArn], Condition: kmsContext(written) });
  }
  if (table) {
    out.push(
      {
        Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'],
        Effect: 'Allow',
        Resource: [TABLE_ARN],
        Condition: {
          ...HTTPS,
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': LOCK_IDS },
          'ForAllValues:StringNotLike': { 'dynamodb:LeadingKeys': ['*-md5'] },
        },
      },
      {
        Action: write ? ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'] : ['dynamodb:GetItem'],
        Effect: 'Allow',
        Resource: [TABLE_ARN],
        Condition: { ...HTTPS, 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': DIGEST_IDS } },
      },
      {
        Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
        Effect: 'Allow',
        Resource: [keyArn],
        Condition: {
          StringEquals: {
            'kms:ViaService': `dynamodb.${REGION}.amazonaws.com`,
            'kms:EncryptionContext:aws:dynamodb:tableName': TABLE,
            'kms:EncryptionContext:aws:dynamodb:subscriberId': ACCOUNT,
          },
        },
      },
    );
  }
  return out;
}

describe('access role statements on two keys × two workspaces', () => {
  test.each(cases.map((c) => [c.mode, c.bucketKey ? 'with Bucket Key' : 'without Bucket Key', c.access, c] as const))(
    '%s, %s, %s: exact statements', (_mode, _bk, _access, c) => {
      const { statements, keyArn } = synth(c);
      expect(statements).toEqual(expected(c, keyArn));
    });

  test('no statement uses a wildcard action', () => {
    for (const c of cases) {
      const { statements } = synth(c);
      for (const s of statements) {
        for (const action of s.Action) expect(action).not.toMatch(/\*/);
      }
    }
  });

  test('the read-only role never writes a state object, only lock objects', () => {
    const { statements } = synth({ mode: LockingMode.BOTH, bucketKey: false, access: StateAccess.READ_ONLY });
    const put = statements.find((s) => s.Action.includes('s3:PutObject'));
    expect(put.Resource).toEqual(objects(LOCK));
    for (const r of put.Resource) expect(r).toMatch(/\.tflock$/);
  });

  test('only a writer may abort a multipart upload, and only of state objects', () => {
    for (const c of cases) {
      const abort = synth(c).statements.filter((s) => s.Action.includes('s3:AbortMultipartUpload'));
      expect(abort.map((s) => s.Resource)).toEqual(c.access === StateAccess.READ_WRITE ? [objects(STATE)] : []);
    }
  });
});
