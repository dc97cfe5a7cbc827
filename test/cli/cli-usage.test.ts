import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from '@cdktf/hcl2json';
import { CLI, requireCompiledCli, runCli, runCliOnTerminal } from './run-cli';
import { normaliseArgs, parseDuration } from '../../src/cli/argv';
import { attributesFromStackOutputs } from '../../src/cli/config';
import { diffStates } from '../../src/cli/state-diff';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'states');
const COMMANDS = ['workspace', 'pull', 'push', 'lock', 'unlock', 'force-unlock', 'lock-info', 'outputs', 'output', 'history', 'restore', 'diff', 'digest', 'doctor', 'backend-config'];

beforeAll(requireCompiledCli);

function tmpDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'tfstate-cli-'));
}

describe('usage, help and version', () => {
  test('--help lists every command and exits 0', async () => {
    const r = await runCli(['--help'], { noServers: true });
    expect(r.code).toBe(0);
    for (const c of COMMANDS) expect(r.stdout).toContain(c);
    expect(r.stdout).toMatch(/Exit codes: 0 success, 1 error, 2 usage error, 3 state locked/);
  });

  test.each(COMMANDS.concat(['workspace list', 'workspace new', 'workspace delete', 'digest repair']))('%s --help exits 0 with a usage line', async (cmd) => {
    const r = await runCli([...cmd.split(' '), '--help'], { noServers: true });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: tfstate /);
  });

  test('--version prints the package version', async () => {
    const r = await runCli(['--version'], { noServers: true });
    expect(r.code).toBe(0);
    const pkg = JSON.parse(readFileSync(path.join(path.dirname(CLI), '..', '..', 'package.json'), 'utf8'));
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  test.each([
    [[], /Usage: tfstate/],
    [['bogus'], /unknown command 'bogus'/],
    [['pull', '--nope'], /unknown option '--nope'/],
    [['push'], /missing required argument 'FILE'/],
    [['unlock'], /missing required argument 'LOCK_ID'/],
    [['backend-config', '-format', 'yaml'], /Allowed choices are tf, hcl, terragrunt, cdktf, cdktn, json/],
    [['outputs', '-raw', '-json', 'x'], /cannot be used with option '--json'/],
  ])('usage error %j exits 2', async (args, message) => {
    const r = await runCli(args as string[], { noServers: true });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });

  test('an invalid workspace name is a usage error naming the allowed characters', async () => {
    const r = await runCli(['pull', '-workspace', 'a/b', '-backend-config', 'bucket=b', '-backend-config', 'key=k'], { noServers: true });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/workspace name "a\/b" is not allowed/);
  });

  test('history -writers with a non-bool value is a usage error that shows the syntax', async () => {
    const r = await runCli(['history', '-writers=no', '-backend-config', 'bucket=b', '-backend-config', 'key=k'], { noServers: true });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/-writers takes true or false \(e\.g\. -writers=false\), got "no"/);
  });

  test('-timeout that is not a duration is a usage error', async () => {
    const r = await runCli(['lock', '-timeout', 'soon', '-backend-config', 'bucket=b', '-backend-config', 'key=k'], { noServers: true });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/invalid value "soon" for flag -timeout: parse error/);
  });
});

describe('configuration', () => {
  test('no configuration at all is an error that names the three ways to give one', async () => {
    const r = await runCli(['pull', '-chdir', tmpDir()], { noServers: true });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/No S3 backend configuration found/);
    expect(r.stderr).toMatch(/-backend-config bucket=/);
    expect(r.stderr).toMatch(/--stack NAME/);
  });

  test('a missing bucket prints Terraform\'s diagnostic box', async () => {
    const r = await runCli(['pull', '-backend-config', 'key=k', '-backend-config', 'skip_credentials_validation=true'], { env: { AWS_REGION: 'eu-west-1' }, noServers: true });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('│ Error: Missing Required Value');
    expect(r.stderr).toContain('The attribute "bucket" is required by the backend.');
  });

  test('the backend "s3" block of the *.tf files in -chdir is read, and -backend-config overrides it, later wins', async () => {
    const dir = tmpDir();
    writeFileSync(path.join(dir, 'main.tf'), 'terraform {\n  backend "s3" {\n    bucket = "from-tf"\n    key = "app.tfstate"\n    region = "eu-west-1"\n    encrypt = true\n    assume_role = {\n      role_arn = "arn:aws:iam::111111111111:role/tf"\n    }\n  }\n}\n');
    writeFileSync(path.join(dir, 'prod.hcl'), 'bucket = "from-file"\ndynamodb_table = "locks"\n');
    const r = await runCli(['backend-config', '-chdir', dir, '-backend-config', 'prod.hcl', '-backend-config=use_lockfile=true', '-backend-config', 'dynamodb_table=later', '-json'], { noServers: true });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      bucket: 'from-file',
      key: 'app.tfstate',
      region: 'eu-west-1',
      encrypt: true,
      use_lockfile: true,
      dynamodb_table: 'later',
      assume_role: { role_arn: 'arn:aws:iam::111111111111:role/tf' },
    });
  });

  test('a non-s3 backend in the working directory is refused', async () => {
    const dir = tmpDir();
    writeFileSync(path.join(dir, 'main.tf'), 'terraform {\n  backend "gcs" {\n    bucket = "x"\n  }\n}\n');
    const r = await runCli(['pull', '-chdir', dir], { noServers: true });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/uses a "gcs" backend; tfstate only works with the "s3" backend/);
  });

  test('a -backend-config that is neither KEY=VALUE nor a file is a usage error', async () => {
    const r = await runCli(['pull', '-backend-config', 'no-such-file.hcl'], { noServers: true });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/neither KEY=VALUE nor an existing file/);
  });

  test('a bool attribute with a non-bool value is a usage error', async () => {
    const r = await runCli(['pull', '-backend-config', 'bucket=b', '-backend-config', 'key=k', '-backend-config', 'encrypt=maybe'], { noServers: true });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Invalid backend configuration argument -backend-config="encrypt=maybe": a bool is required/);
  });

  test('backend-config names each attribute its snippet leaves out, and credentials apart', async () => {
    const r = await runCli(['backend-config', '-backend-config', 'bucket=b', '-backend-config', 'key=k', '-backend-config', 'region=eu-west-1',
      '-backend-config', 'endpoints={ s3 = "http://127.0.0.1:9000" }', '-backend-config', 'use_path_style=true', '-backend-config', 'secret_key=s3cr3t'], { noServers: true });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/bucket += "b"/);
    expect(r.stdout).not.toContain('s3cr3t');
    expect(r.stderr).toMatch(/Warning: backend-config: not in the snippet: endpoints, use_path_style\. A snippet renders bucket, key/);
    expect(r.stderr).toMatch(/not in the snippet: secret_key \(credentials are never printed\)/);
  });

  test.each(['tf', 'hcl', 'terragrunt'])('backend-config -format %s renders HCL that parses back to the configuration', async (format) => {
    const args = ['backend-config', '-format', format, '-backend-config', 'bucket=b1', '-backend-config', 'key=a/b.tfstate', '-backend-config', 'region=eu-west-2', '-backend-config', 'use_lockfile=true', '-backend-config', 'workspace_key_prefix=envs'];
    const r = await runCli(args, { noServers: true });
    expect(r.code).toBe(0);
    const parsed = await parse(`x.${format}`, r.stdout);
    const attrs = format === 'tf' ? parsed.terraform[0].backend.s3[0] : format === 'terragrunt' ? parsed.remote_state[0].config : parsed;
    expect(attrs).toEqual({ bucket: 'b1', key: 'a/b.tfstate', region: 'eu-west-2', use_lockfile: true, workspace_key_prefix: 'envs' });
  });

  test('backend-config -format cdktf gives S3Backend props; region falls back to AWS_REGION', async () => {
    const r = await runCli(['backend-config', '-format', 'cdktf', '-backend-config', 'bucket=b1', '-backend-config', 'key=k', '-backend-config', 'dynamodb_table=t'], { env: { AWS_REGION: 'ap-south-1' }, noServers: true });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ bucket: 'b1', key: 'k', region: 'ap-south-1', dynamodbTable: 't' });
  });

  test('backend-config -format cdktn (CDK Terrain) is accepted and gives the same S3Backend props', async () => {
    const r = await runCli(['backend-config', '-format', 'cdktn', '-backend-config', 'bucket=b1', '-backend-config', 'key=k', '-backend-config', 'use_lockfile=true'], { env: { AWS_REGION: 'ap-south-1' }, noServers: true });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ bucket: 'b1', key: 'k', region: 'ap-south-1', useLockfile: true });
  });
});

describe('diff of two files (no backend needed)', () => {
  test('reports added and removed instances by address and the serial jump', async () => {
    const r = await runCli(['diff', `${FIXTURES}/states_statefile__roundtrip_v4-simple.tfstate`, `${FIXTURES}/states_statefile__roundtrip_v4-modules.tfstate`], { noServers: true });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('- null_resource.foo[0]');
    expect(r.stdout).toContain('+ module.modB.null_resource.bar["a"]');
    expect(r.stdout).toMatch(/3 added, 2 removed, 0 changed/);
  });

  test('-json gives the structured diff; stdin works for one side', async () => {
    const b = readFileSync(`${FIXTURES}/states_statefile__roundtrip_v4-simple.tfstate`);
    const r = await runCli(['diff', `${FIXTURES}/states_statefile__roundtrip_v4-simple.tfstate`, '-', '-json'], { noServers: true, input: b });
    expect(r.code).toBe(0);
    const d = JSON.parse(r.stdout);
    expect(d.added).toEqual([]);
    expect(d.removed).toEqual([]);
    expect(d.lineage.same).toBe(true);
  });

  test('stdin on a terminal: a hint on stderr says where the state is awaited; none when stdin is piped', async () => {
    const file = `${FIXTURES}/states_statefile__roundtrip_v4-simple.tfstate`;
    const hint = 'diff: reading the state from stdin (a terminal): paste it, then press Ctrl-D; Ctrl-C to cancel.';
    const tty = await runCliOnTerminal(['diff', '-', file], { noServers: true });
    expect(tty.code).toBe(0);
    const out = tty.output;
    expect(out).toContain(hint);
    expect(out).toMatch(/added, 0 removed, 0 changed/);
    const piped = await runCli(['diff', '-', file], { noServers: true, input: readFileSync(file) });
    expect(piped.code).toBe(0);
    expect(piped.stderr).not.toContain('reading the state from stdin');
  });

  // Each side is read as Terraform reads a state file (internal/states/statefile/read.go: formats 1-3 upgraded).
  test('an older format (3) is upgraded first: its instances compare by address; an empty file is no state', async () => {
    const dir = tmpDir();
    const v3 = path.join(dir, 'v3.tfstate');
    writeFileSync(v3, JSON.stringify({
      version: 3,
      terraform_version: '0.11.14',
      serial: 2,
      lineage: 'old',
      modules: [{
        path: ['root'],
        outputs: { ids: { sensitive: false, type: 'string', value: '0' } },
        resources: { 'null_resource.bar': { type: 'null_resource', primary: { id: '1', attributes: { id: '1' } }, provider: 'provider.null' } },
        depends_on: [],
      }],
    }));
    const r = await runCli(['diff', v3, `${FIXTURES}/states_statefile__roundtrip_v4-simple.tfstate`, '-json'], { noServers: true });
    expect(r.code).toBe(0);
    const d = JSON.parse(r.stdout);
    expect(d.removed).not.toContain('null_resource.bar');
    expect(d.changed).toContain('null_resource.bar');
    expect(d.outputsChanged).toEqual(['ids']);
    const empty = path.join(dir, 'empty.tfstate');
    writeFileSync(empty, '');
    const fromNothing = JSON.parse((await runCli(['diff', empty, v3, '-json'], { noServers: true })).stdout);
    expect([fromNothing.added, fromNothing.outputsAdded]).toEqual([['null_resource.bar'], ['ids']]);
  });

  test.each([
    ['JSON that is not a state', '{"a":1}', /diff: "[^"]+" is not a Terraform state: Unsupported state file format/],
    ['an OpenTofu-encrypted state', JSON.stringify({ serial: 1, lineage: 'l', meta: {}, encrypted_data: 'AAAA', encryption_version: 'v0' }),
      /diff: "[^"]+" is an OpenTofu-encrypted state\. Diff the backend's versions instead/],
  ])('%s is refused with what to do, exit 1', async (_what, text, message) => {
    const file = path.join(tmpDir(), 'x.tfstate');
    writeFileSync(file, text);
    const r = await runCli(['diff', file, `${FIXTURES}/states_statefile__roundtrip_v4-simple.tfstate`], { noServers: true });
    expect([r.code, r.stdout]).toEqual([1, '']);
    expect(r.stderr).toMatch(message);
  });

  test('a directory given as a state file is a usage error naming it, for diff and push, before any request', async () => {
    const dir = tmpDir();
    const diff = await runCli(['diff', dir, `${FIXTURES}/states_statefile__roundtrip_v4-simple.tfstate`], { noServers: true });
    expect(diff.code).toBe(2);
    expect(diff.stderr).toContain(`diff: "${dir}" is a directory. Pass a state file, "-", "current" or a version ID.`);
    const push = await runCli(['push', dir, '-backend-config', 'bucket=b', '-backend-config', 'key=k'], { noServers: true });
    expect(push.code).toBe(2);
    expect(push.stderr).toContain(`push: "${dir}" is a directory. Pass a state file path, or - to read stdin.`);
  });
});

describe('pure helpers', () => {
  test('single-dash long options become double-dash; values, - and short options stay', () => {
    expect(normaliseArgs(['-backend-config=bucket=b', '-chdir', '-force', 'push', '-', '-info', '-json', '-h'])).toEqual(
      ['--backend-config=bucket=b', '--chdir', '-force', 'push', '-', '--info', '-json', '-h'],
    );
    expect(normaliseArgs(['unlock', '-force', 'ID'])).toEqual(['unlock', '--force', 'ID']);
  });

  test('Go durations', () => {
    expect(parseDuration('0s')).toBe(0);
    expect(parseDuration('1m30s')).toBe(90_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('1.5h')).toBe(5_400_000);
    expect(parseDuration('10')).toBeUndefined();
  });

  test('StateBackend stack outputs map to backend attributes (CDK-hashed output keys)', () => {
    expect(attributesFromStackOutputs([
      { OutputKey: 'BackendBucketNameA1B2C3D4', OutputValue: 'bkt' },
      { OutputKey: 'BackendRegion0F1E2D3C', OutputValue: 'eu-west-1' },
      { OutputKey: 'BackendKmsKeyArn99887766', OutputValue: 'arn:aws:kms:eu-west-1:1:key/x' },
      { OutputKey: 'BackendLockTableName55443322', OutputValue: 'tbl' },
    ])).toEqual({ bucket: 'bkt', region: 'eu-west-1', kms_key_id: 'arn:aws:kms:eu-west-1:1:key/x', encrypt: true, dynamodb_table: 'tbl', use_lockfile: true });
  });

  test('the LockTags output (JSON) becomes lock_tags, even with a tag named "bucket"; a malformed one is refused', () => {
    const outputs = [
      { OutputKey: 'BackendBucketNameA1B2C3D4', OutputValue: 'bkt' },
      { OutputKey: 'BackendLockingMode0A0B0C0D', OutputValue: 'S3_LOCKFILE' },
      { OutputKey: 'BackendLockTags11223344', OutputValue: '{"object:type":"lock","bucket":"b2"}' },
    ];
    expect(attributesFromStackOutputs(outputs)).toEqual({
      bucket: 'bkt', use_lockfile: true, workspace_key_prefix: '', lock_tags: { 'object:type': 'lock', 'bucket': 'b2' },
    });
    for (const bad of ['{"a":1}', 'not json', '["lock"]']) {
      expect(() => attributesFromStackOutputs([outputs[0], { OutputKey: 'BackendLockTags11223344', OutputValue: bad }]))
        .toThrow(/stack output BackendLockTags11223344 is not a JSON object of strings \(the lock_tags map\).*Redeploy the stack, or pass -backend-config with lock_tags/);
    }
  });

  test('diffStates reports changed instances and outputs', () => {
    const a = { serial: 1, lineage: 'L', outputs: { o: { value: 1 } }, resources: [{ mode: 'managed', type: 't', name: 'n', instances: [{ attributes: { x: 1 } }] }] };
    const b = { serial: 3, lineage: 'L', outputs: { o: { value: 2 } }, resources: [{ mode: 'managed', type: 't', name: 'n', instances: [{ attributes: { x: 2 } }] }] };
    const d = diffStates(a, b);
    expect(d.changed).toEqual(['t.n']);
    expect(d.outputsChanged).toEqual(['o']);
    expect(d.serial).toEqual({ from: 1, to: 3 });
  });

  test('diffStates: a deposed object is its own entry (Terraform\'s plan names it so); integers beyond 2^53 compare exactly', () => {
    const inst = (deposed?: string, id = 9007199254740993n) => ({ ...(deposed ? { deposed } : {}), attributes: { id } });
    const a = { resources: [{ mode: 'managed', type: 't', name: 'n', instances: [inst()] }] };
    const b = { resources: [{ mode: 'managed', type: 't', name: 'n', instances: [inst(), inst('00000001')] }] };
    expect(diffStates(a, b).added).toEqual(['t.n (deposed object 00000001)']);
    const c = { resources: [{ mode: 'managed', type: 't', name: 'n', instances: [inst(undefined, 9007199254740995n)] }] };
    expect(diffStates(a, c).changed).toEqual(['t.n']);
  });
});

describe('the README\'s CLI reference', () => {
  const readme = readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
  const start = readme.indexOf('## `tfstate` CLI reference');
  const doc = readme.slice(start, readme.indexOf('\n## ', start + 1));
  const commands = ['workspace list', 'workspace new', 'workspace delete', 'pull', 'push', 'lock', 'unlock', 'force-unlock', 'lock-info', 'outputs', 'history', 'restore', 'diff', 'digest repair', 'locks', 'migrate-locking', 'doctor', 'backend-config', 'rekey'];

  test.each(commands)('documents "%s" with every option its --help lists', async (cmd) => {
    const r = await runCli([...cmd.split(' '), '--help'], { noServers: true });
    const section = doc.split('\n#### ').find((s) => s.startsWith(`\`${cmd}`));
    expect(section).toBeDefined();
    const own = r.stdout.split('Global Options:')[0];
    const flags = [...own.matchAll(/^\s+(?:-\w, )?(--[a-z-]+)/gm)].map((m) => m[1]).filter((f) => f !== '--help');
    for (const flag of flags) expect(section).toContain(flag);
    for (const arg of [...own.split('\n')[0].matchAll(/<([A-Z_]+)>/g)].map((m) => m[1])) expect(section).toContain(`<${arg}>`);
  });

  test('documents every global option and exit code', async () => {
    const r = await runCli(['--help'], { noServers: true });
    for (const m of r.stdout.matchAll(/^\s+(--[a-z-]+)/gm)) expect(doc).toContain(m[1]);
    for (const code of ['| 0 |', '| 1 |', '| 2 |', '| 3 |']) expect(doc).toContain(code);
  });
});
