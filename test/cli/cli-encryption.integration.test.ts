import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectVersionsCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { backendArgs, cliBucket, deleteCreated, requireCompiledCli, runCli } from './run-cli';
import { PBKDF2_ENVELOPE, PBKDF2_TOFU_PASSPHRASE, STATE } from '../protocol/encryption/vectors';
import { s3Client, testServers } from '../support/servers';

/**
 * `tfstate` on OpenTofu-encrypted states: the key from TF_ENCRYPTION (command/meta_encryption.go reads
 * it over the module's block) or from the `terraform { encryption { ... } }` block of -chdir with its
 * variables from TF_VAR_* and tfvars.
 */
beforeAll(requireCompiledCli);
afterAll(deleteCreated);

const KEY = 'app/terraform.tfstate';
const block = (name: string, passphrase: string) =>
  `key_provider "pbkdf2" "${name}" {\n  passphrase = ${passphrase}\n  iterations = 200000\n}\nmethod "aes_gcm" "${name}" {\n  keys = key_provider.pbkdf2.${name}\n}\n`;
const TF_ENCRYPTION = `${block('main', 'var.passphrase')}state {\n  method = method.aes_gcm.main\n}\n`;
const PASS = 'cli-passphrase-0123456789';
const state = (serial: number, lineage: string, value: string) => JSON.stringify({
  version: 4,
  terraform_version: '1.10.0',
  serial,
  lineage,
  outputs: { greeting: { value, type: 'string' } },
  resources: [],
  check_results: null,
}) + '\n';

async function rawObject(bucket: string, key = KEY): Promise<Buffer> {
  const s3 = s3Client();
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return Buffer.from(await out.Body!.transformToByteArray());
  } finally {
    s3.destroy();
  }
}

async function versions(bucket: string, key = KEY): Promise<string[]> {
  const s3 = s3Client();
  try {
    const out = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: key }));
    return (out.Versions ?? []).filter((v) => v.Key === key).map((v) => v.VersionId!);
  } finally {
    s3.destroy();
  }
}

describe('tfstate with TF_ENCRYPTION', () => {
  let bucket: string;
  let args: string[];
  const env = { TF_ENCRYPTION, TF_VAR_passphrase: PASS };
  beforeAll(async () => {
    bucket = await cliBucket({ versioned: true });
    args = backendArgs({ bucket, key: KEY, region: testServers().region, use_lockfile: true });
  });

  test('workspace new, push, pull, outputs, history, diff, restore and rekey on an encrypted state', async () => {
    const created = await runCli(['workspace', 'new', 'dev', ...args], { env });
    expect([created.code, created.stderr]).toEqual([0, '']);
    expect(JSON.parse((await rawObject(bucket, `env:/dev/${KEY}`)).toString()).encryption_version).toBe('v0');

    const first = await runCli(['push', '-', ...args], { env, input: state(1, 'L', 'hello') });
    expect([first.code, first.stderr]).toEqual([0, 'Pushed stdin to app/terraform.tfstate.\n']);
    const stored = await rawObject(bucket);
    expect(JSON.parse(stored.toString())).toMatchObject({ serial: 1, encryption_version: 'v0' });
    expect(stored.toString()).not.toContain('hello');
    const lineage = JSON.parse(stored.toString()).lineage;
    expect((await runCli(['push', '-', ...args], { env, input: state(1, lineage, 'world') })).code).toBe(1); // same serial, other content
    expect((await runCli(['push', '-', ...args], { env, input: state(2, lineage, 'world') })).code).toBe(0);

    const pulled = await runCli(['pull', ...args], { env });
    expect(pulled.code).toBe(0);
    expect(JSON.parse(pulled.stdout)).toMatchObject({ serial: 3, lineage, outputs: { greeting: { value: 'world' } } });
    const outputs = await runCli(['outputs', 'greeting', '-raw', ...args], { env });
    expect([outputs.code, outputs.stdout]).toEqual([0, 'world']);

    const history = await runCli(['history', '-json', ...args], { env });
    const rows = JSON.parse(history.stdout) as { versionId: string; serial: number; lineage: string }[];
    expect(rows.map((r) => [r.serial, r.lineage])).toEqual([[3, lineage], [1, lineage]]);

    const diff = await runCli(['diff', rows[1].versionId, 'current', '-json', ...args], { env });
    expect(diff.code).toBe(0);
    expect(JSON.parse(diff.stdout)).toMatchObject({ serial: { from: 1, to: 3 }, outputsChanged: ['greeting'] });

    const restored = await runCli(['restore', rows[1].versionId, '-json', ...args], { env });
    expect([restored.code, JSON.parse(restored.stdout).serial]).toEqual([0, 4]);
    expect((await runCli(['outputs', 'greeting', '-raw', ...args], { env })).stdout).toBe('hello');

    const rekeyed = await runCli(['rekey', '-all-workspaces', '-json', ...args], { env });
    expect(rekeyed.code).toBe(0);
    expect(JSON.parse(rekeyed.stdout).workspaces.map((w: { workspace: string; action: string }) => [w.workspace, w.action]))
      .toEqual([['default', 'up-to-date'], ['dev', 'up-to-date']]);
  });

  test('a wrong key or none: exit 1, an error naming the key provider and what to set, nothing written', async () => {
    // Its own encrypted state, so that the test passes alone.
    const key = 'wrong/terraform.tfstate';
    const own = backendArgs({ bucket, key, region: testServers().region, use_lockfile: true });
    const pushed = await runCli(['push', '-', ...own], { env, input: state(1, 'W', 'secret') });
    expect([pushed.code, pushed.stderr]).toEqual([0, `Pushed stdin to ${key}.\n`]);
    const before = await versions(bucket, key);
    const wrong = { TF_ENCRYPTION, TF_VAR_passphrase: 'another-passphrase-000' };
    for (const cmd of [['outputs'], ['pull'], ['history'], ['push', '-'], ['rekey', '-force']]) {
      const r = await runCli([...cmd, ...own], { env: wrong, input: state(9, 'x', 'y') });
      expect([cmd, r.code]).toEqual([cmd, 1]);
      expect(r.stderr).toContain('decryption failed for all provided methods');
    }
    const none = await runCli(['outputs', ...own]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('pbkdf2 "main" (key_provider.pbkdf2.main)) but no state encryption is configured');
    expect(none.stderr).toContain('TF_ENCRYPTION');
    const unset = await runCli(['outputs', ...own], { env: { TF_ENCRYPTION } });
    expect(unset.code).toBe(1);
    expect(unset.stderr).toContain('Set TF_VAR_passphrase in the environment');
    expect(await versions(bucket, key)).toEqual(before);
  });
});

describe('tfstate with the encryption block of -chdir', () => {
  test('the block and terraform.tfvars give the key; an OpenTofu-written envelope reads; rotation with a fallback, then rekey', async () => {
    const bucket = await cliBucket({ versioned: true });
    const dir = mkdtempSync(join(tmpdir(), 'tfstate-enc-'));
    writeFileSync(join(dir, 'backend.tf'), `terraform {\n  backend "s3" {\n    bucket = "${bucket}"\n    key = "${KEY}"\n    region = "${testServers().region}"\n    use_lockfile = true\n  }\n}\n`);
    // The known-answer envelope (OpenTofu's pbkdf2 defaults: 600000 iterations, sha512).
    writeFileSync(join(dir, 'encryption.tf'), 'terraform {\n  encryption {\n    key_provider "pbkdf2" "mykey" {\n      passphrase = var.passphrase\n    }\n'
      + '    method "aes_gcm" "m" {\n      keys = key_provider.pbkdf2.mykey\n    }\n    state {\n      method = method.aes_gcm.m\n    }\n  }\n}\n\nvariable "passphrase" {\n  type = string\n  sensitive = true\n}\n');
    writeFileSync(join(dir, 'terraform.tfvars'), `passphrase = "${PBKDF2_TOFU_PASSPHRASE}"\n`);
    const s3 = s3Client();
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: KEY, Body: PBKDF2_ENVELOPE }));
    s3.destroy();
    const local = ['-chdir', dir, ...backendArgs({})];
    const pulled = await runCli(['pull', ...local]);
    expect([pulled.code, pulled.stdout]).toEqual([0, STATE.toString()]);

    // Rotation: a new primary, the old key provider as fallback (OpenTofu's key rotation recipe).
    writeFileSync(join(dir, 'encryption.tf'), 'terraform {\n  encryption {\n    key_provider "pbkdf2" "mykey" {\n      passphrase = var.passphrase\n    }\n'
      + '    key_provider "pbkdf2" "next" {\n      passphrase = "a-brand-new-passphrase-42"\n      iterations = 200000\n    }\n'
      + '    method "aes_gcm" "m" {\n      keys = key_provider.pbkdf2.mykey\n    }\n    method "aes_gcm" "next" {\n      keys = key_provider.pbkdf2.next\n    }\n'
      + '    state {\n      method = method.aes_gcm.next\n      fallback {\n        method = method.aes_gcm.m\n      }\n    }\n  }\n}\n\nvariable "passphrase" {\n  type = string\n}\n');
    const before = await versions(bucket);
    const dry = await runCli(['rekey', '-dry-run', ...local]);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/default\s+would re-encrypt\s+method\.aes_gcm\.m\s+7 -> 8/);
    expect(await versions(bucket)).toEqual(before);
    const done = await runCli(['rekey', ...local]);
    expect([done.code, done.stderr]).toEqual([0, '']);
    expect(done.stdout).toMatch(/default\s+re-encrypted\s+method\.aes_gcm\.m\s+7 -> 8/);
    const stored = JSON.parse((await rawObject(bucket)).toString());
    expect([stored.serial, Object.keys(stored.meta)]).toEqual([8, ['key_provider.pbkdf2.next']]);
    // The new key alone reads it now.
    const only = await runCli(['pull', ...backendArgs({ bucket, key: KEY, region: testServers().region })],
      { env: { TF_ENCRYPTION: `${block('next', '"a-brand-new-passphrase-42"')}state {\n  method = method.aes_gcm.next\n}\n` } });
    expect(only.code).toBe(0);
    expect(JSON.parse(only.stdout).serial).toBe(8);
  });
});

describe('tfstate pull of an encrypted state with no encryption configured', () => {
  test('writes the envelope as stored, exit 0, and warns on stderr that the output is not the state', async () => {
    const bucket = await cliBucket({ versioned: false });
    const s3 = s3Client();
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: KEY, Body: PBKDF2_ENVELOPE }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'plain/terraform.tfstate', Body: STATE }));
    s3.destroy();
    const pulled = await runCli(['pull', ...backendArgs({ bucket, key: KEY, region: testServers().region })]);
    expect([pulled.code, Buffer.from(pulled.stdout).equals(Buffer.from(PBKDF2_ENVELOPE))]).toEqual([0, true]);
    expect(pulled.stderr).toContain('Warning: The state is encrypted with OpenTofu state encryption and no state encryption is configured: '
      + 'the output is the encrypted envelope as stored, not the state.');
    expect(pulled.stderr).toContain('TF_ENCRYPTION');
    // A plain state: the same bytes, no warning.
    const plain = await runCli(['pull', ...backendArgs({ bucket, key: 'plain/terraform.tfstate', region: testServers().region })]);
    expect([plain.code, plain.stdout, plain.stderr]).toEqual([0, STATE.toString(), '']);
  });
});
