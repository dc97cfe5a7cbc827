import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { ListObjectVersionsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { backendArgs, CLI, cliBucket, cliTable, deleteCreated, requireCompiledCli, runCli, runCliOnTerminal, serverEnv } from './run-cli';
import { dynamoClient, s3Client, testServers } from '../support/servers';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'states');

beforeAll(requireCompiledCli);
afterAll(deleteCreated);

/** A v4 state with a given lineage, serial, one resource and outputs. */
function state(lineage: string, serial: number, extra: { resource?: string; outputs?: Record<string, unknown> } = {}): string {
  const outputs = Object.fromEntries(Object.entries(extra.outputs ?? { greeting: 'hello' }).map(([k, v]) => [k, { value: v, type: typeof v === 'number' ? 'number' : 'string' }]));
  return JSON.stringify({
    version: 4,
    terraform_version: '1.10.0',
    serial,
    lineage,
    outputs,
    resources: [{ mode: 'managed', type: 'null_resource', name: extra.resource ?? 'a', provider: 'provider["registry.terraform.io/hashicorp/null"]', instances: [{ schema_version: 0, attributes: { id: '1' } }] }],
    check_results: null,
  }, undefined, 2) + '\n';
}

/** The lineage and serial currently stored, read through the CLI. */
async function current(args: string[]): Promise<{ lineage: string; serial: number }> {
  const pulled = JSON.parse((await runCli(['pull', ...args])).stdout);
  return { lineage: pulled.lineage, serial: pulled.serial };
}

/**
 * Pushes a first state into an empty workspace. Terraform's push then persists it with a fresh
 * lineage (PersistState on a workspace without an object), so the stored lineage is returned.
 */
async function seed(args: string[], resource = 'seed'): Promise<{ lineage: string; serial: number }> {
  const r = await runCli(['push', '-', ...args], { input: state('seed-lineage', 1, { resource }) });
  expect(r.code).toBe(0);
  return current(args);
}

describe('workspaces', () => {
  let args: string[];
  // A bucket per test: each lists the workspaces, which the others create.
  beforeEach(async () => {
    args = backendArgs({ bucket: await cliBucket(), key: 'app/terraform.tfstate', use_lockfile: true });
  });

  test('list starts with default; new creates; list marks the selected one; delete removes', async () => {
    expect((await runCli(['workspace', 'list', ...args])).stdout).toBe('* default\n');
    const created = await runCli(['workspace', 'new', 'dev', ...args]);
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/Created and initialized workspace "dev"/);
    const listed = await runCli(['workspace', 'list', '-workspace', 'dev', ...args]);
    expect(listed.stdout).toBe('  default\n* dev\n');
    const json = JSON.parse((await runCli(['workspace', 'list', '--json', ...args], { env: { TF_WORKSPACE: 'dev' } })).stdout);
    expect(json).toEqual({ current: 'dev', workspaces: ['default', 'dev'] });
    const pulled = JSON.parse((await runCli(['pull', '-workspace', 'dev', ...args])).stdout);
    expect(pulled.serial).toBe(1);
    expect((await runCli(['workspace', 'delete', 'dev', ...args])).code).toBe(0);
    expect((await runCli(['workspace', 'list', ...args])).stdout).toBe('* default\n');
  });

  test('new on an existing workspace fails with exit 1 and writes nothing', async () => {
    await runCli(['workspace', 'new', 'qa', ...args]);
    const r = await runCli(['workspace', 'new', 'qa', ...args]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Workspace "qa" already exists/);
  });

  test('delete refuses default (2), the active workspace (2), an unknown one (1), a non-empty one without -force (1)', async () => {
    expect((await runCli(['workspace', 'delete', 'default', ...args])).code).toBe(2);
    await runCli(['workspace', 'new', 'busy', ...args]);
    const active = await runCli(['workspace', 'delete', 'busy', '-workspace', 'busy', ...args]);
    expect(active.code).toBe(2);
    expect(active.stderr).toMatch(/is your active workspace/);
    const unknown = await runCli(['workspace', 'delete', 'ghost', ...args]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/Workspace "ghost" doesn't exist/);
    expect((await runCli(['push', '-', '-force', '-workspace', 'busy', ...args], { input: state('L-busy', 5) })).code).toBe(0);
    const refused = await runCli(['workspace', 'delete', 'busy', ...args]);
    expect(refused.code).toBe(1);
    // Terraform's diagnostic (internal/command/workspace_delete.go, WorkspaceDeleteCommand.Run:
    // c.showDiagnostics), in Terraform's box, printed by reportError as every other diagnostic.
    expect(refused.stderr).toMatch(/^╷\n│ Error: Workspace is not empty\n│\n│ Workspace "busy" is currently tracking the following resource instances:\n│ {3}- null_resource\./m);
    expect(refused.stderr).toContain('use the -force option');
    expect((await runCli(['workspace', 'list', ...args])).stdout).toContain('busy');
    expect((await runCli(['workspace', 'delete', 'busy', '-force', ...args])).code).toBe(0);
    expect((await runCli(['workspace', 'list', ...args])).stdout).not.toContain('busy');
  });
});

describe('pull, push and outputs', () => {
  let args: string[];
  beforeAll(async () => {
    args = backendArgs({ bucket: await cliBucket(), key: 'svc/terraform.tfstate', dynamodb_table: await cliTable() });
  });

  // Each test its own workspace, so that it passes alone and in any order.
  test('pull with no state prints nothing and exits 0', async () => {
    const r = await runCli(['pull', '-workspace', 'empty', ...args]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/No state in workspace "empty"/);
  });

  test('push FILE then pull returns its resources and outputs', async () => {
    const file = `${FIXTURES}/states_statefile__roundtrip_v4-simple.tfstate`;
    const ws = ['-workspace', 'file'];
    expect((await runCli(['push', file, ...ws, ...args])).code).toBe(0);
    const pushed = JSON.parse(readFileSync(file, 'utf8'));
    const pulled = JSON.parse((await runCli(['pull', ...ws, ...args])).stdout);
    expect(pulled.resources).toEqual(pushed.resources);
    expect(pulled.outputs).toEqual(pushed.outputs);
  });

  test('push refuses a lower serial and an unrelated lineage (exit 1, nothing written); -force overrides', async () => {
    const ws = ['-workspace', 'rules', ...args];
    const { lineage } = await seed(ws);
    expect((await runCli(['push', '-', ...ws], { input: state(lineage, 5, { resource: 'five' }) })).code).toBe(0);
    const before = await current(ws);
    expect(before.lineage).toBe(lineage);
    expect(before.serial).toBeGreaterThanOrEqual(5);
    const lower = await runCli(['push', '-', ...ws], { input: state(lineage, before.serial - 1, { resource: 'b' }) });
    expect(lower.code).toBe(1);
    expect(lower.stderr).toContain(`Failed to write state: cannot import state with serial ${before.serial - 1} over newer state with serial ${before.serial}`);
    const unrelated = await runCli(['push', '-', ...ws], { input: state('L2', 99) });
    expect(unrelated.code).toBe(1);
    expect(unrelated.stderr).toContain(`cannot import state with lineage "L2" over unrelated state with lineage "${lineage}"`);
    expect(await current(ws)).toEqual(before);
    expect((await runCli(['push', '-', '-force', ...ws], { input: state('L2', 99) })).code).toBe(0);
    expect((await current(ws)).lineage).toBe('L2');
  });

  test('push of something that is not a state is refused before any write', async () => {
    const r = await runCli(['push', '-', '-workspace', 'junk', ...args], { input: '{"not":"a state"}' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/the given state is not a usable state: .*does not have a "version" attribute.* Nothing was written\./);
    const missing = await runCli(['push', '/no/such/file.tfstate', ...args]);
    expect(missing.code).toBe(2);
  });

  test('push - on a terminal says it reads stdin; an empty input is refused and nothing is written', async () => {
    const ws = ['-workspace', 'terminal', ...args];
    const r = await runCliOnTerminal(['push', '-', ...ws]);
    expect(r.output).toContain('push: reading the state from stdin (a terminal): paste it, then press Ctrl-D; Ctrl-C to cancel.');
    expect(r.code).not.toBe(0);
    expect((await runCli(['pull', ...ws])).stdout).toBe('');
  });

  test('outputs: all, one by name, -raw, -json, unknown name, -raw without a name', async () => {
    const ws = ['-workspace', 'outs'];
    await runCli(['push', '-', ...ws, ...args], { input: state('LO', 1, { outputs: { greeting: 'hello', count: 3 } }) });
    const all = await runCli(['outputs', ...ws, ...args]);
    expect(all.stdout).toBe('count = 3\ngreeting = "hello"\n');
    expect((await runCli(['outputs', 'greeting', ...ws, ...args])).stdout).toBe('"hello"\n');
    expect((await runCli(['outputs', 'greeting', '-raw', ...ws, ...args])).stdout).toBe('hello');
    expect(JSON.parse((await runCli(['outputs', 'count', '-json', ...ws, ...args])).stdout)).toBe(3);
    expect(JSON.parse((await runCli(['outputs', '-json', ...ws, ...args])).stdout).greeting).toEqual({ sensitive: false, type: 'string', value: 'hello' });
    const unknown = await runCli(['outputs', 'nope', ...ws, ...args]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/Output "nope" not found.*count, greeting/);
    expect((await runCli(['outputs', '-raw', ...ws, ...args])).code).toBe(2);
  });

  // protocol/output-format.ts has the renderings' rules; here the command end to end, on a state with
  // an integer beyond 2^53 (which once failed -json and showed as {}) and a list.
  test('outputs are printed as terraform output prints them: big integers exact, lists as tolist(...), -json indented', async () => {
    const ws = ['-workspace', 'outs-terraform'];
    const raw = '{"version":4,"terraform_version":"1.10.0","serial":1,"lineage":"LT","outputs":{'
      + '"big":{"value":98765432109876543210,"type":"number"},"ids":{"value":["a","b"],"type":["list","string"]}},"resources":[]}\n';
    expect((await runCli(['push', '-', ...ws, ...args], { input: raw })).code).toBe(0);
    expect((await runCli(['outputs', ...ws, ...args])).stdout).toBe('big = 98765432109876543210\nids = tolist([\n  "a",\n  "b",\n])\n');
    expect((await runCli(['outputs', 'big', '-raw', ...ws, ...args])).stdout).toBe('98765432109876543210');
    expect((await runCli(['outputs', 'ids', '-json', ...ws, ...args])).stdout).toBe('["a","b"]\n');
    expect((await runCli(['outputs', '-json', ...ws, ...args])).stdout).toBe(
      '{\n  "big": {\n    "sensitive": false,\n    "type": "number",\n    "value": 98765432109876543210\n  },\n'
      + '  "ids": {\n    "sensitive": false,\n    "type": [\n      "list",\n      "string"\n    ],\n    "value": [\n      "a",\n      "b"\n    ]\n  }\n}\n');
    // An OpenTofu state: a deprecated output (tofu output -json names it) and -show-sensitive.
    const tofu = ['-workspace', 'outs-tofu'];
    const tofuState = '{"version":4,"terraform_version":"1.10.0","serial":1,"lineage":"LO","outputs":{'
      + '"key":{"value":"k1","type":"string","sensitive":true,"deprecated":"use key2"}},"resources":[],"check_results":null}\n';
    expect((await runCli(['push', '-', ...tofu, ...args], { input: tofuState })).code).toBe(0);
    expect((await runCli(['outputs', ...tofu, ...args])).stdout).toBe('key = <sensitive>\n');
    expect((await runCli(['outputs', '-show-sensitive', ...tofu, ...args])).stdout).toBe('key = "k1"\n');
    expect(JSON.parse((await runCli(['outputs', '-json', ...tofu, ...args])).stdout).key).toEqual({ sensitive: true, deprecated: 'use key2', type: 'string', value: 'k1' });
    const list = await runCli(['outputs', 'ids', '-raw', ...ws, ...args]);
    expect(list.code).toBe(1);
    expect(list.stderr).toContain('Unsupported value for raw output: The -raw option only supports strings, numbers, and boolean values, but output value "ids" is list of string.');
    expect(list.stdout).toBe('');
  });

  test('a bucket that does not exist gives Terraform\'s text and exit 1', async () => {
    const r = await runCli(['pull', ...backendArgs({ bucket: 'tfstate-no-such-bucket-xyz', key: 'k' })]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/S3 bucket "tfstate-no-such-bucket-xyz" does not exist/);
  });
});

describe.each([
  ['DynamoDB table', async () => ({ dynamodb_table: await cliTable() })],
  // RGW honours If-None-Match only on unversioned buckets (doctor shows it), so the lock file runs on one.
  ['lock file', async () => ({ use_lockfile: true })],
])('locking with a %s', (_name, lockAttrs) => {
  let args: string[];
  beforeAll(async () => {
    args = backendArgs({ bucket: await cliBucket(), key: 'locked/terraform.tfstate', ...await lockAttrs() });
  });

  test('lock prints an ID; lock-info shows the holder; a push by someone else exits 3 naming the holder and writes nothing; unlock releases', async () => {
    const seeded = await seed(args);
    const lock = await runCli(['lock', '-operation', 'OperationTypeApply', '-info', 'deploying', ...args]);
    expect(lock.code).toBe(0);
    const id = lock.stdout.trim();
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);

    const info = await runCli(['lock-info', ...args]);
    expect(info.code).toBe(0);
    expect(info.stdout).toMatch(/Locked by: {2}\S+@\S+/);
    expect(info.stdout).toMatch(/Operation: {2}OperationTypeApply/);
    expect(info.stdout).toMatch(/Age: {8}\d+s/);
    expect(info.stdout).toMatch(/Version: {4}\d+\.\d+\.\d+/);
    expect(info.stdout).toContain(id);
    const infoJson = JSON.parse((await runCli(['lock-info', '-json', ...args])).stdout);
    expect(infoJson).toMatchObject({ locked: true, ID: id, Operation: 'OperationTypeApply', Info: 'deploying' });

    const push = await runCli(['push', '-', ...args], { input: state(seeded.lineage, seeded.serial + 1, { resource: 'blocked' }) });
    expect(push.code).toBe(3);
    expect(push.stderr).toMatch(/Error acquiring the state lock/);
    expect(push.stderr).toContain(id);
    expect(push.stderr).toMatch(/tfstate force-unlock/);
    expect(await current(args)).toEqual(seeded);

    const second = await runCli(['lock', '-timeout', '1s', ...args]);
    expect(second.code).toBe(3);

    const wrong = await runCli(['unlock', '00000000-0000-0000-0000-000000000000', ...args]);
    expect(wrong.code).toBe(1);
    expect((await runCli(['lock-info', '-json', ...args])).stdout).toContain(id);

    const unlock = await runCli(['force-unlock', '-force', id, ...args]);
    expect(unlock.code).toBe(0);
    expect(unlock.stdout).toMatch(/successfully unlocked/);
    const after = await runCli(['lock-info', ...args]);
    expect(after.stdout).toMatch(/is not locked/);
    expect((await runCli(['push', '-', ...args], { input: state(seeded.lineage, seeded.serial + 1, { resource: 'now' }) })).code).toBe(0);
  });

  test('-lock-timeout makes push wait for a held lock; -lock=false pushes without it; a bad duration is a usage error', async () => {
    const ws = [...args, '-workspace', 'waits'];
    const seeded = await seed(ws);
    const id = (await runCli(['lock', ...ws])).stdout.trim();
    const waiting = runCli(['push', '-', '-lock-timeout=60s', ...ws], { input: state(seeded.lineage, seeded.serial + 1, { resource: 'waited' }) });
    await new Promise((r) => setTimeout(r, 1500));
    expect((await runCli(['unlock', id, ...ws])).code).toBe(0);
    expect((await waiting).code).toBe(0);
    expect((await current(ws)).serial).toBe(seeded.serial + 2);

    const held = (await runCli(['lock', ...ws])).stdout.trim();
    const unlocked = await runCli(['push', '-', '-lock=false', ...ws], { input: state(seeded.lineage, seeded.serial + 3, { resource: 'nolock' }) });
    expect(unlocked.code).toBe(0);
    expect(JSON.parse((await runCli(['lock-info', '-json', ...ws])).stdout).ID).toBe(held);
    expect((await runCli(['unlock', held, ...ws])).code).toBe(0);

    const bad = await runCli(['push', '-', '-lock-timeout=soon', ...ws], { input: state(seeded.lineage, 99) });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/invalid value "soon" for flag -lock-timeout/);
  });
});

describe('history, restore, diff and digest repair on a versioned bucket with a lock table', () => {
  let args: string[];
  let bucket: string;
  let table: string;
  let lineageH: string;
  let key: string;
  let n = 0;
  beforeAll(async () => {
    bucket = await cliBucket({ versioned: true });
    table = await cliTable();
  });
  // Each test its own three versions (restore adds one), so that it passes alone and in any order.
  beforeEach(async () => {
    key = `hist${++n}/terraform.tfstate`;
    args = backendArgs({ bucket, key, dynamodb_table: table });
    const { lineage } = await seed(args, 'one');
    for (const resource of ['two', 'three']) {
      const now = await current(args);
      const r = await runCli(['push', '-', ...args], { input: state(lineage, now.serial + 1, { resource }) });
      expect(r.code).toBe(0);
    }
    lineageH = lineage;
  });

  async function versions(): Promise<any[]> {
    return JSON.parse((await runCli(['history', '-json', ...args])).stdout);
  }

  test('history lists the versions newest first with serial, lineage and size', async () => {
    const rows = await versions();
    expect(rows).toHaveLength(3);
    const serials = rows.map((r: any) => r.serial);
    expect([...serials].sort((a, b) => b - a)).toEqual(serials);
    expect(new Set(serials).size).toBe(3);
    expect(rows.every((r: any) => r.lineage === lineageH && r.size > 0)).toBe(true);
    expect(rows[0].isLatest).toBe(true);
    const table_ = await runCli(['history', ...args]);
    expect(table_.stdout.split('\n')[0]).toMatch(/^VERSION ID\tSERIAL\tLINEAGE\tSIZE\tLAST MODIFIED/);
  });

  test('diff VERSION current shows the resource swap and the serial jump', async () => {
    const rows = await versions();
    const first = rows[rows.length - 1];
    const d = JSON.parse((await runCli(['diff', first.versionId, 'current', '-json', ...args])).stdout);
    expect(d.added).toEqual(['null_resource.three']);
    expect(d.removed).toEqual(['null_resource.one']);
    expect(d.serial).toEqual({ from: first.serial, to: rows[0].serial });
    const bad = await runCli(['diff', 'no-such-version', 'current', ...args]);
    expect(bad.code).toBe(1);
  });

  test('restore writes the old content as a new version with a serial above the current one and the lineage kept', async () => {
    const rows = await versions();
    const r = await runCli(['restore', rows[rows.length - 1].versionId, ...args]);
    expect(r.code).toBe(0);
    const pulled = JSON.parse((await runCli(['pull', ...args])).stdout);
    expect(pulled).toMatchObject({ serial: rows[0].serial + 1, lineage: lineageH });
    expect(pulled.resources[0].name).toBe('one');
    // Terraform accepts it: a later push with the next serial passes the push rules.
    expect((await runCli(['push', '-', ...args], { input: state(lineageH, pulled.serial + 1, { resource: 'five' }) })).code).toBe(0);
    const missing = await runCli(['restore', 'no-such-version', ...args]);
    expect(missing.code).toBe(1);
  });

  test('digest repair stores the MD5 of the current object after the digest was damaged', async () => {
    const ddb = dynamoClient();
    try {
      const digestId = `${bucket}/${key}-md5`;
      await ddb.send(new PutItemCommand({ TableName: table, Item: { LockID: { S: digestId }, Digest: { S: '0123456789abcdef0123456789abcdef' } } }));
      const repaired = await runCli(['digest', 'repair', '-json', ...args]);
      expect(repaired.code).toBe(0);
      const { digest } = JSON.parse(repaired.stdout);
      const bytes = (await runCli(['pull', ...args])).stdout;
      expect(digest).toBe(createHash('md5').update(bytes).digest('hex'));
      const item = await ddb.send(new GetItemCommand({ TableName: table, Key: { LockID: { S: digestId } }, ConsistentRead: true }));
      expect(item.Item?.Digest?.S).toBe(digest);
    } finally {
      ddb.destroy();
    }
  });

  test('digest repair without a table is a usage error', async () => {
    const r = await runCli(['digest', 'repair', ...backendArgs({ bucket, key })]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no dynamodb_table is configured/);
  });
});

describe('doctor', () => {
  test('reports each check on a bare local bucket, fails (exit 1) and leaves no scratch object', async () => {
    const bucket = await cliBucket({ versioned: true });
    const table = await cliTable();
    const r = await runCli(['doctor', '-json', ...backendArgs({ bucket, key: 'doc/terraform.tfstate', dynamodb_table: table, use_lockfile: true })]);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    const byName = Object.fromEntries(report.checks.map((c: any) => [c.name, c.status]));
    expect(byName['bucket exists']).toBe('pass');
    expect(byName.versioning).toBe('pass');
    expect(byName['lock table key schema']).toBe('pass');
    // A bare bucket has no TLS-only policy: this must be reported as a failure.
    expect(byName['TLS-only policy']).toBe('fail');
    expect(['pass', 'fail']).toContain(byName['If-None-Match honoured']);
    expect(report.ok).toBe(false);
    const s3 = s3Client();
    try {
      const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
      expect([...(versions.Versions ?? []), ...(versions.DeleteMarkers ?? [])]).toEqual([]);
    } finally {
      s3.destroy();
    }
  });

  test('If-None-Match probe passes on an unversioned bucket, where RGW honours it', async () => {
    const bucket = await cliBucket();
    const r = await runCli(['doctor', '-json', ...backendArgs({ bucket, key: 'doc/terraform.tfstate', use_lockfile: true })]);
    const probe = JSON.parse(r.stdout).checks.find((c: any) => c.name === 'If-None-Match honoured');
    expect(probe.status).toBe('pass');
    const s3 = s3Client();
    try {
      expect((await s3.send(new ListObjectsV2Command({ Bucket: bucket }))).KeyCount ?? 0).toBe(0);
    } finally {
      s3.destroy();
    }
  });

  test('a missing bucket fails the first check and stops', async () => {
    const r = await runCli(['doctor', ...backendArgs({ bucket: 'tfstate-doctor-missing-bucket', key: 'k' })]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/bucket exists\tFAIL/);
    expect(r.stdout).not.toMatch(/versioning/);
  });
});

describe('error paths and terminal behaviour', () => {
  let args: string[];
  beforeAll(async () => {
    args = backendArgs({ bucket: await cliBucket({ versioned: true }), key: 'tty/terraform.tfstate', dynamodb_table: await cliTable() });
    await seed(args);
  });

  test('Terraform\'s configuration warnings go to stderr; stdout stays clean', async () => {
    const r = await runCli(['pull', ...args]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/Warning: Deprecated Parameter: The parameter "dynamodb_table" is deprecated/);
    expect(JSON.parse(r.stdout).version).toBe(4);
  });

  test('lock without any locking configured is a usage error, not a silent success', async () => {
    const r = await runCli(['lock', ...backendArgs({ bucket: await cliBucket(), key: 'nolock/terraform.tfstate' })]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/no locking is configured.*use_lockfile=true/);
  });

  test('an invalid key prints Terraform\'s diagnostic and makes no request', async () => {
    const r = await runCli(['pull', ...backendArgs({ bucket: 'b', key: '/leading' })]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('│ Error: Invalid Value');
    expect(r.stderr).toContain('The value must not start or end with "/"');
  });

  test('credentials without access to the bucket: exit 1 naming the object and the bucket', async () => {
    const s = testServers();
    const r = await runCli(['pull', ...args], { env: { AWS_ACCESS_KEY_ID: s.otherAccessKeyId, AWS_SECRET_ACCESS_KEY: s.otherSecretAccessKey } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Unable to access object "tty\/terraform.tfstate" in S3 bucket/);
    expect(r.stdout).toBe('');
  });

  test('piped output has no colour and no table borders; a terminal gets both', async () => {
    const piped = await runCli(['history', ...args]);
    expect(piped.stdout).not.toContain('\u001b[');
    expect(piped.stdout).toMatch(/^VERSION ID\t/);
    const tty = await runOnTerminal(['history', ...args]);
    expect(tty).toContain('┌');
    expect(tty).toContain('\u001b[');
    expect(tty).toMatch(/VERSION ID/);
  });

  test('a transfer over 4 MiB reports progress on a terminal, and not when piped', async () => {
    const { lineage, serial } = await current(args);
    const big = JSON.parse(state(lineage, serial + 1, { resource: 'big' }));
    big.outputs.blob = { value: 'x'.repeat(5 * 1024 * 1024), type: 'string' };
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'tfstate-big-')), 'big.tfstate');
    writeFileSync(file, JSON.stringify(big));
    const tty = await runOnTerminal(['push', file, ...args]);
    expect(tty).toMatch(/Uploading 5\.0 MiB\.\.\. done in \d+\.\ds/);
    const piped = await runCli(['pull', ...args]);
    expect(piped.code).toBe(0);
    expect(piped.stderr).not.toMatch(/Downloaded/);
    expect(JSON.parse(piped.stdout).outputs.blob.value).toHaveLength(5 * 1024 * 1024);
  });
});

/** Runs the CLI under `script(1)`, which gives it a pseudo-terminal, and returns what it printed. */
function runOnTerminal(args: string[]): Promise<string> {
  const quoted = [process.execPath, CLI, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
  return new Promise((resolve, reject) => {
    // Node decides colour support from the environment too (CI, NO_COLOR, TERM): give the terminal an ordinary
    // interactive environment so that the test sees what a person at a terminal sees, also when CI=true.
    const { CI: _ci, NO_COLOR: _noColor, FORCE_COLOR: _force, ...env } = process.env;
    const child = spawn('script', ['-qec', quoted, '/dev/null'], { env: { ...env, ...serverEnv(), COLUMNS: '200', TERM: 'xterm-256color' } });
    const out: Buffer[] = [];
    child.stdout.on('data', (c) => out.push(c));
    child.on('error', reject);
    child.on('close', () => resolve(Buffer.concat(out).toString('utf8')));
  });
}

describe('doctor and digest repair use the client\'s configured SDK clients', () => {
  // The base credentials are wrong; only the role's credentials (handed out by a local STS stand-in, as the
  // test servers' keys) reach RGW. A command that built its own SDK clients would fail the first check.
  let sts: Server;
  let stsUrl: string;
  const stsActions: string[] = [];

  beforeAll(async () => {
    const { accessKeyId, secretAccessKey } = testServers();
    sts = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => { body += c; });
      req.on('end', () => {
        const action = new URLSearchParams(body).get('Action') ?? '';
        stsActions.push(action);
        res.setHeader('Content-Type', 'text/xml');
        const exp = new Date(Date.now() + 3600_000).toISOString();
        res.end(`<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>${accessKeyId}</AccessKeyId><SecretAccessKey>${secretAccessKey}</SecretAccessKey>`
          + `<SessionToken></SessionToken><Expiration>${exp}</Expiration></Credentials><AssumedRoleUser><Arn>arn:aws:sts::111111111111:assumed-role/state/s</Arn>`
          + '<AssumedRoleId>AROA:s</AssumedRoleId></AssumedRoleUser></AssumeRoleResult></AssumeRoleResponse>');
      });
    });
    await new Promise<void>((resolve) => sts.listen(0, '127.0.0.1', resolve));
    stsUrl = `http://127.0.0.1:${(sts.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise<void>((resolve) => sts.close(() => resolve())));

  test('with assume_role, doctor and digest repair reach the backend with the role\'s credentials', async () => {
    const bucket = await cliBucket({ versioned: true });
    const table = await cliTable();
    const args = [
      ...backendArgs({ bucket, key: 'role/terraform.tfstate', dynamodb_table: table, use_lockfile: true }),
      '-backend-config', 'assume_role.role_arn=arn:aws:iam::111111111111:role/state', '-backend-config', `endpoints.sts=${stsUrl}`,
    ];
    const env = { AWS_ACCESS_KEY_ID: 'AKIAWRONGBASEKEY', AWS_SECRET_ACCESS_KEY: 'wrong' };
    const doctor = await runCli(['doctor', '-json', ...args], { env });
    const byName = Object.fromEntries(JSON.parse(doctor.stdout).checks.map((c: any) => [c.name, c.status]));
    expect(byName['bucket exists']).toBe('pass');
    expect(byName.versioning).toBe('pass');
    expect(byName['lock table key schema']).toBe('pass');
    expect(stsActions).toContain('AssumeRole');

    stsActions.length = 0;
    const repaired = await runCli(['digest', 'repair', '-json', ...args], { env });
    expect(repaired.stderr).not.toMatch(/Error/);
    expect(repaired.code).toBe(0);
    expect(JSON.parse(repaired.stdout)).toMatchObject({ removed: true });
    expect(stsActions).toContain('AssumeRole');

    // The same run without the role is refused by RGW: the wrong base keys are what a raw client would have used.
    const withoutRole = await runCli(['doctor', '-json', ...backendArgs({ bucket, key: 'role/terraform.tfstate' })], { env });
    expect(JSON.parse(withoutRole.stdout).checks[0]).toMatchObject({ name: 'bucket exists', status: 'fail' });
  });
});

describe('--stack reads a StateBackend stack\'s outputs', () => {
  // No CloudFormation runs locally: a stub endpoint answers DescribeStacks (AWS Query protocol) with
  // the outputs a deployed StateBackend has (CDK-hashed keys), naming a real bucket and table on RGW.
  let server: Server;
  let endpoint: string;
  let bucket: string;
  let table: string;
  const requests: string[] = [];

  beforeAll(async () => {
    bucket = await cliBucket();
    table = await cliTable();
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => { body += c; });
      req.on('end', () => {
        requests.push(body);
        const name = new URLSearchParams(body).get('StackName') ?? '';
        res.setHeader('Content-Type', 'text/xml');
        const stacks: Record<string, string[][]> = {
          // Deployed before the LockingMode and WorkspaceKeyPrefix outputs existed.
          TerraformState: [['BackendBucketNameA1B2C3D4', bucket], ['BackendRegion0F1E2D3C', 'us-east-1'], ['BackendLockTableName55443322', table]],
          LockfileState: [['BackendBucketNameA1B2C3D4', bucket], ['BackendRegion0F1E2D3C', 'us-east-1'], ['BackendLockingMode7619846D', 'S3_LOCKFILE'],
            ['BackendWorkspaceKeyPrefixD879167D', 'team-a/env:']],
          DynamoState: [['BackendBucketNameA1B2C3D4', bucket], ['BackendRegion0F1E2D3C', 'us-east-1'], ['BackendLockTableName55443322', table],
            ['BackendLockingMode7619846D', 'DYNAMODB'], ['BackendWorkspaceKeyPrefixD879167D', 'env:']],
          // The empty prefix has no output (CloudFormation refuses empty values).
          BothState: [['BackendBucketNameA1B2C3D4', bucket], ['BackendRegion0F1E2D3C', 'us-east-1'], ['BackendLockTableName55443322', table],
            ['BackendLockingMode7619846D', 'BOTH']],
          BadModeState: [['BackendBucketNameA1B2C3D4', bucket], ['BackendRegion0F1E2D3C', 'us-east-1'], ['BackendLockingMode7619846D', 'TABLE']],
        };
        if (!(name in stacks)) {
          res.statusCode = 400;
          res.end(`<ErrorResponse><Error><Type>Sender</Type><Code>ValidationError</Code><Message>Stack with id ${name} does not exist</Message></Error><RequestId>r</RequestId></ErrorResponse>`);
          return;
        }
        const outputs = stacks[name]
          .map(([k, v]) => `<member><OutputKey>${k}</OutputKey><OutputValue>${v}</OutputValue></member>`).join('');
        res.end('<DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><DescribeStacksResult><Stacks><member>'
          + `<StackName>${name}</StackName><StackId>arn:aws:cloudformation:us-east-1:111111111111:stack/${name}/1</StackId>`
          + `<CreationTime>2026-01-01T00:00:00Z</CreationTime><StackStatus>CREATE_COMPLETE</StackStatus><Outputs>${outputs}</Outputs>`
          + '</member></Stacks></DescribeStacksResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></DescribeStacksResponse>');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const extra = ['-backend-config', 'key=team/terraform.tfstate', '-backend-config', 'use_path_style=true', '-backend-config', 'skip_credentials_validation=true'];

  test('the configuration comes from the outputs; the key from -backend-config; commands reach the backend', async () => {
    const env = { AWS_ENDPOINT_URL_CLOUDFORMATION: endpoint };
    const cfg = await runCli(['backend-config', '-json', '-stack', 'TerraformState', ...extra], { env });
    expect(cfg.code).toBe(0);
    expect(JSON.parse(cfg.stdout)).toMatchObject({ bucket, region: 'us-east-1', dynamodb_table: table, use_lockfile: true, key: 'team/terraform.tfstate' });
    // An older stack has no LockingMode output: the locking is guessed, and the user is told.
    expect(cfg.stderr).toMatch(/Warning: stack "TerraformState": .*no LockingMode.*guess: use_lockfile = true and dynamodb_table = ".+".*Redeploy the stack/);
    expect(requests.some((b) => b.includes('Action=DescribeStacks') && b.includes('StackName=TerraformState'))).toBe(true);
    const created = await runCli(['workspace', 'new', 'from-stack', '--stack', 'TerraformState', ...extra], { env });
    expect(created.code).toBe(0);
    expect((await runCli(['workspace', 'list', '--stack', 'TerraformState', ...extra], { env })).stdout).toContain('from-stack');
  });

  test.each([
    ['LockfileState', { use_lockfile: true, workspace_key_prefix: 'team-a/env:' }, ['dynamodb_table']],
    ['DynamoState', { dynamodb_table: 'TABLE', workspace_key_prefix: 'env:' }, ['use_lockfile']],
    ['BothState', { use_lockfile: true, dynamodb_table: 'TABLE', workspace_key_prefix: '' }, []],
  ])('%s: the LockingMode and WorkspaceKeyPrefix outputs decide the locking and prefix attributes, without a warning', async (stack, expected, absent) => {
    const r = await runCli(['backend-config', '-json', '--stack', stack as string, ...extra], { env: { AWS_ENDPOINT_URL_CLOUDFORMATION: endpoint } });
    expect(r.code).toBe(0);
    const cfg = JSON.parse(r.stdout);
    expect(cfg).toMatchObject(JSON.parse(JSON.stringify(expected).replace('"TABLE"', JSON.stringify(table))));
    for (const k of absent as string[]) expect(cfg[k] ?? false).toBe(false);
    expect(r.stderr).not.toMatch(/Warning: stack/);
    // The local servers' own settings are not part of a snippet: named, not dropped in silence.
    expect(r.stderr.trim()).toMatch(/^Warning: backend-config: not in the snippet: use_path_style, skip_credentials_validation\. [^\n]*$/);
  });

  test('the workspace key prefix from the outputs is where commands put workspaces', async () => {
    const env = { AWS_ENDPOINT_URL_CLOUDFORMATION: endpoint };
    const created = await runCli(['workspace', 'new', 'prefixed', '--stack', 'LockfileState', ...extra], { env });
    expect(created.code).toBe(0);
    const listed = await s3Client().send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'team-a/env:/prefixed/' }));
    expect(listed.Contents?.map((c) => c.Key)).toEqual(['team-a/env:/prefixed/team/terraform.tfstate']);
  });

  test('fails when LockingMode is not one of the construct\'s values, naming the value and the allowed ones', async () => {
    const r = await runCli(['backend-config', '-json', '--stack', 'BadModeState', ...extra], { env: { AWS_ENDPOINT_URL_CLOUDFORMATION: endpoint } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/The stack outputs do not describe a usable backend: The LockingMode output is "TABLE"; expected one of S3_LOCKFILE, DYNAMODB, BOTH/);
  });

  test('an unknown stack is an error naming the stack, the region and the fix', async () => {
    const r = await runCli(['pull', '--stack', 'Nope', '-backend-config', 'key=k'], { env: { AWS_ENDPOINT_URL_CLOUDFORMATION: endpoint } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Cannot read the outputs of stack "Nope": Stack with id Nope does not exist/);
    expect(r.stderr).toMatch(/Check the stack name, region and credentials/);
  });
});
