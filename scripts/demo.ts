/**
 * `npm run demo`: a walkthrough of the construct's backend snippet and the `tfstate` CLI on the local
 * servers (Ceph RGW for S3, DynamoDB Local). It compiles first (the npm task does), then:
 * synthesizes the landing-zone example, prints its backend snippet, creates a matching bucket and
 * lock table locally, and drives `node lib/cli/main.js` through workspaces, push, outputs, locking,
 * history/restore and doctor. The servers are stopped at the end, also on failure.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, PutBucketVersioningCommand, S3Client } from '@aws-sdk/client-s3';
import { BackendConfigFormat } from '../src';
import { encryptionDemo } from './demo/encryption';
import { historyDemo } from './demo/history';
import { tagsDemo } from './demo/tags';
import { landingZoneApp, TerraformStateStack } from '../examples/landing-zone';
import { demoExtras } from './demo/extras';
import { startLocalServers } from '../test/setup/local-servers';

const CLI = path.join(__dirname, '..', 'lib', 'cli', 'main.js');
const FIXTURE = path.join(__dirname, '..', 'test', 'fixtures', 'states', 'builtin_providers_terraform__complex_outputs.tfstate');
const STATE_KEY = 'network/terraform.tfstate';

let step = 0;
function heading(title: string): void {
  step += 1;
  process.stdout.write(`\n=== ${step}. ${title} ${'='.repeat(Math.max(3, 70 - title.length))}\n\n`);
}

/** Replaces CloudFormation references in a resolved output value with the local resources' names. */
function substitute(value: unknown, refs: Record<string, string>): string {
  if (typeof value === 'string') return value;
  const v = value as Record<string, any>;
  if (v['Fn::Join']) return v['Fn::Join'][1].map((p: unknown) => substitute(p, refs)).join(v['Fn::Join'][0]);
  if (v.Ref) return refs[v.Ref] ?? `<${v.Ref}>`;
  if (v['Fn::GetAtt']) return refs[v['Fn::GetAtt'].join('.')] ?? `<${v['Fn::GetAtt'].join('.')}>`;
  return JSON.stringify(value);
}

async function main(): Promise<void> {
  // The AWS SDK's Node-version notice is noise in a walkthrough; other warnings still print.
  process.removeAllListeners('warning');
  process.on('warning', (w) => {
    if (!`${w.name} ${w.message}`.includes('NodeVersionSupportWarning')) process.stderr.write(`${w.name}: ${w.message}\n`);
  });
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npx projen compile\` (npm run demo does it first).`);

  heading('Start the local servers (Ceph RGW + DynamoDB Local on 127.0.0.1)');
  const servers = await startLocalServers({ log: (m) => process.stdout.write(`  ${m}\n`) });
  const work = mkdtempSync(path.join(os.tmpdir(), 'tfstate-demo-'));
  const s3 = new S3Client({ endpoint: servers.s3Endpoint, region: servers.region, forcePathStyle: true, credentials: servers });
  const ddb = new DynamoDBClient({ endpoint: servers.dynamodbEndpoint, region: servers.region, credentials: servers });
  try {
    heading('Synthesize the landing-zone example and render the backend snippet');
    const app = landingZoneApp();
    const stack = app.node.findChild('TerraformState') as TerraformStateStack;
    const config = stack.backend.backendConfig({ key: STATE_KEY });
    config.addOutput(stack, 'NetworkBackend', { format: BackendConfigFormat.TERRAFORM });
    const template = app.synth().getStackByName(stack.stackName).template;
    const output = template.Outputs.NetworkBackend.Value;
    process.stdout.write(`Stack output "NetworkBackend" (resolved by CloudFormation at deploy time):\n${JSON.stringify(output, undefined, 2).slice(0, 600)}\n...\n`);

    heading('Create a bucket and lock table on the local servers matching the snippet');
    const bucket = `tfstate-demo-${Date.now().toString(36)}`;
    const table = `tfstate-demo-locks-${Date.now().toString(36)}`;
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
    await ddb.send(new CreateTableCommand({
      TableName: table,
      AttributeDefinitions: [{ AttributeName: 'LockID', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'LockID', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }));
    const refs: Record<string, string> = { 'AWS::Region': servers.region };
    for (const [id, res] of Object.entries<any>(template.Resources)) {
      if (res.Type === 'AWS::S3::Bucket') refs[id] = bucket;
      if (res.Type === 'AWS::DynamoDB::Table' || res.Type === 'AWS::DynamoDB::GlobalTable') refs[id] = table;
      if (res.Type === 'AWS::KMS::Key') refs[`${id}.Arn`] = servers.kmsKeyId;
    }
    const backendTf = substitute(output, refs);
    writeFileSync(path.join(work, 'backend.tf'), backendTf);
    process.stdout.write(`${work}/backend.tf, the snippet with the local names substituted:\n\n${backendTf}\n`);

    const env = {
      ...process.env,
      AWS_ENDPOINT_URL_S3: servers.s3Endpoint,
      AWS_ENDPOINT_URL_DYNAMODB: servers.dynamodbEndpoint,
      AWS_ACCESS_KEY_ID: servers.accessKeyId,
      AWS_SECRET_ACCESS_KEY: servers.secretAccessKey,
      AWS_REGION: servers.region,
      AWS_PROFILE: undefined,
      TF_WORKSPACE: undefined,
    };
    // The local servers have no STS and want path-style URLs; the rest comes from backend.tf. Ceph RGW
    // accepts every If-None-Match PUT on a versioned bucket (doctor shows it at the end), so the lock
    // file excludes nobody there: the demo locks with the DynamoDB table only.
    const local = [
      '-chdir', work,
      '-backend-config', 'use_path_style=true',
      '-backend-config', 'skip_credentials_validation=true',
      '-backend-config', 'use_lockfile=false',
    ];
    process.stdout.write(`Local overrides for every command: ${local.slice(2).join(' ')}\n`
      + 'Terraform 1.11+ deprecates dynamodb_table, and tfstate repeats Terraform\'s warning on stderr (lines marked !).\n');
    const tfstate = (args: string[], input?: string): { code: number | null; stdout: string } => {
      process.stdout.write(`$ tfstate ${args.join(' ')}\n`);
      const r = spawnSync(process.execPath, [CLI, ...args, ...local], { env, input, encoding: 'utf8' });
      const indent = (text: string, prefix: string): string => text.replace(/\n$/, '').replace(/^/gm, prefix) + '\n';
      if (r.stdout) process.stdout.write(indent(r.stdout, '  '));
      if (r.stderr) process.stdout.write(indent(r.stderr, '  ! '));
      process.stdout.write(`  (exit ${r.status})\n`);
      return { code: r.status, stdout: r.stdout };
    };

    heading('Create a workspace');
    tfstate(['workspace', 'new', 'dev']);
    tfstate(['workspace', 'list', '-workspace', 'dev']);

    heading('Push a state (Terraform\'s push rules, under the lock)');
    tfstate(['push', FIXTURE, '-workspace', 'dev']);
    const pulled = JSON.parse(tfstate(['pull', '-workspace', 'dev']).stdout);
    const next = { ...pulled, serial: pulled.serial + 1, outputs: { ...pulled.outputs, release: { value: 'v2', type: 'string' } } };
    tfstate(['push', '-', '-workspace', 'dev'], JSON.stringify(next, undefined, 2) + '\n');

    heading('Read outputs');
    tfstate(['outputs', '-workspace', 'dev']);
    tfstate(['outputs', 'release', '-raw', '-workspace', 'dev']);

    heading('Show the lock holder while a lock is held');
    const lockId = tfstate(['lock', '-operation', 'OperationTypeApply', '-info', 'demo apply', '-workspace', 'dev']).stdout.trim();
    tfstate(['lock-info', '-workspace', 'dev']);
    process.stdout.write('A push by someone else now exits 3 and names the holder:\n');
    tfstate(['push', '-', '-workspace', 'dev'], JSON.stringify({ ...next, serial: next.serial + 5 }));
    tfstate(['unlock', lockId, '-workspace', 'dev']);

    heading('History, diff and restore of an earlier version');
    tfstate(['history', '-workspace', 'dev']);
    const history = JSON.parse(spawnSync(process.execPath, [CLI, 'history', '-json', '-workspace', 'dev', ...local], { env, encoding: 'utf8' }).stdout);
    // The first pushed state (before "release" was added): newest first, so the second entry.
    const earlier = history.filter((v: any) => !v.isDeleteMarker)[1];
    tfstate(['diff', earlier.versionId, 'current', '-workspace', 'dev']);
    tfstate(['restore', earlier.versionId, '-workspace', 'dev']);
    tfstate(['outputs', '-workspace', 'dev']);
    await historyDemo({ tfstate, heading, s3, bucket, stateKey: `env:/dev/${STATE_KEY}`, dynamodb: ddb, table });

    await demoExtras({ tfstate, heading, cli: CLI, env, local });

    await encryptionDemo({ tfstate, heading, work, fixture: FIXTURE });
    await tagsDemo({ tfstate, heading, s3, bucket, work, stateKey: STATE_KEY });

    heading('Doctor: check the live backend');
    process.stdout.write('A bare local bucket lacks encryption defaults, a public access block and a TLS-only policy,\n'
      + 'and RGW does not honour If-None-Match on versioned buckets: doctor says so.\n');
    tfstate(['doctor']);

    heading('The current configuration as a Terragrunt block');
    tfstate(['backend-config', '-format', 'terragrunt']);
  } finally {
    heading('Stop the local servers');
    s3.destroy();
    ddb.destroy();
    rmSync(work, { recursive: true, force: true });
    await servers.stop();
    process.stdout.write('  stopped\n');
  }
}

main().catch((e) => {
  process.stderr.write(`demo failed: ${(e as Error).stack ?? e}\n`);
  process.exitCode = 1;
});
