import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { backendArgs, cliBucket, deleteCreated, requireCompiledCli, runCli } from './run-cli';
import { s3Client } from '../support/servers';

/**
 * `tfstate pull -redact` through the compiled CLI on Ceph RGW: the stored bytes with every sensitive
 * value replaced and nothing else touched; and `push`'s warning about redaction markers.
 */

beforeAll(requireCompiledCli);
afterAll(deleteCreated);

let dir: string;
beforeAll(() => { dir = mkdtempSync(path.join(os.tmpdir(), 'tfstate-redact-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const FIXTURE = path.join(__dirname, '..', 'fixtures', 'states', 'states_statefile__roundtrip_v4-simple.tfstate');

/** Terraform's bytes for `null_resource.foo[0]`'s sensitive `triggers` (its `sensitive_attributes` path is `triggers`). */
const SENSITIVE_TRIGGERS = '"triggers": {\n              "n": "0"\n            }';

/** The fixture (written as Terraform writes states) plus a sensitive output and provider private data. */
function sensitiveState(): string {
  const text = readFileSync(FIXTURE, 'utf8')
    .replace('  "outputs": {\n', '  "outputs": {\n    "db_password": {\n      "value": "hunter2-Secret",\n      "type": "string",\n      "sensitive": true\n    },\n')
    .replace('          "sensitive_attributes": [],\n          "identity_schema_version": 0\n        }\n      ]\n    },',
      '          "sensitive_attributes": [],\n          "private": "eyJzY2hlbWFfdmVyc2lvbiI6IjAifQ==",\n          "identity_schema_version": 0\n        }\n      ]\n    },');
  // The edits above must have applied, or the test would check nothing.
  expect(text).toContain('hunter2-Secret');
  expect(text).toContain('"private": "eyJ');
  expect(text).toContain(SENSITIVE_TRIGGERS);
  return text;
}

async function put(bucket: string, key: string, body: string): Promise<void> {
  const s3 = s3Client();
  try {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: Buffer.from(body, 'utf8') }));
  } finally {
    s3.destroy();
  }
}

describe('tfstate pull -redact', () => {
  test('writes the state with the sensitive output, the sensitive_attributes path and private data replaced, every other byte as stored; the summary goes to stderr', async () => {
    const bucket = await cliBucket();
    const state = sensitiveState();
    await put(bucket, 'app.tfstate', state);
    const args = backendArgs({ bucket, key: 'app.tfstate' });

    const r = await runCli(['pull', '-redact', ...args]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^Redacted 3 sensitive values \(shown as "\(sensitive value\)"; provider private data included\)\. The output is for reading only: do not push it back\.\n$/);
    const expected = state
      .replace('"hunter2-Secret"', '"(sensitive value)"')
      .replace('"eyJzY2hlbWFfdmVyc2lvbiI6IjAifQ=="', '"(sensitive value)"')
      .replace(SENSITIVE_TRIGGERS, '"triggers": "(sensitive value)"');
    expect(r.stdout).toBe(expected);
    const parsed = JSON.parse(r.stdout);
    expect(parsed.outputs.db_password).toEqual({ value: '(sensitive value)', type: 'string', sensitive: true });
    expect(r.stdout).not.toContain('hunter2');
    // The other instance's triggers are not sensitive and stay.
    expect(parsed.resources[1].instances[1].attributes.triggers).toEqual({ n: '1' });

    // Plain pull still gives the stored bytes.
    expect((await runCli(['pull', ...args])).stdout).toBe(state);
  });

  test('an OpenTofu encrypted state is refused with the redact error: exit 1, nothing on stdout', async () => {
    const bucket = await cliBucket();
    const envelope = JSON.stringify({
      serial: 2,
      lineage: 'c0ffee00-0000-4000-8000-000000000000',
      meta: { 'key_provider.pbkdf2.main': Buffer.from('{"salt":"AAAA","iterations":600000,"hash_function":"sha512","key_length":32}').toString('base64') },
      encrypted_data: Buffer.from('not really ciphertext').toString('base64'),
      encryption_version: 'v0',
    });
    await put(bucket, 'enc.tfstate', envelope);
    const r = await runCli(['pull', '-redact', ...backendArgs({ bucket, key: 'enc.tfstate' })]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/pull -redact: The state is encrypted by OpenTofu; redact the decrypted state instead .*Nothing was written\./s);
  });

  test('push warns on stderr when the pushed state carries "(sensitive value)" markers (file and stdin), and not otherwise', async () => {
    const bucket = await cliBucket();
    const args = backendArgs({ bucket, key: 'app.tfstate' });
    const state = sensitiveState();
    await put(bucket, 'app.tfstate', state);
    const redacted = (await runCli(['pull', '-redact', ...args])).stdout;
    const file = path.join(dir, 'redacted.tfstate');
    writeFileSync(file, redacted);

    // Refused after the warning: the marker in `private` is not base64 (and same lineage and serial with other content).
    const refused = await runCli(['push', file, ...args]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/Warning: the state being pushed contains "\(sensitive value\)" strings, the marker "pull -redact" writes\./);
    expect(refused.stderr).toMatch(/illegal base64 data in instanceObjectStateV4\.resources\.instances\.private/);

    // A marker where any string may be is pushed (with -force), with the warning.
    const markedOutput = state.replace('"hunter2-Secret"', '"(sensitive value)"');
    const forced = await runCli(['push', '-force', '-', ...args], { input: markedOutput });
    expect(forced.code).toBe(0);
    expect(forced.stderr).toMatch(/Warning: the state being pushed contains "\(sensitive value\)"/);

    const clean = await runCli(['push', '-force', '-', ...args], { input: state });
    expect(clean.code).toBe(0);
    expect(clean.stderr).not.toContain('Warning');
  });
});
