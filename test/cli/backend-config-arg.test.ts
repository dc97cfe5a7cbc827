import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { attributesLeftOut } from '../../src/cli/commands/backend-config';
import { loadBackendAttributes, parseBackendConfigArg } from '../../src/cli/config';
import { validateConfig } from '../../src/protocol/config';

/**
 * `-backend-config KEY=VALUE` as Terraform reads it (internal/command/init.go
 * backendConfigOverrideBody, meta_config.go configValueFromCLI): a primitive attribute converts from
 * the string with cty's rules (the configuration's own conversion), any other attribute is an HCL
 * expression evaluated without variables or functions.
 */
const parse = (arg: string) => parseBackendConfigArg(arg, process.cwd());
const why = (arg: string) => parse(arg).then(() => 'accepted', (e: Error) => e.message);

describe('-backend-config KEY=VALUE', () => {
  test('strings as given, bools and numbers with cty\'s conversions', async () => {
    expect(await parse('bucket=my=bucket')).toEqual({ bucket: 'my=bucket' });
    expect(await parse('encrypt=true')).toEqual({ encrypt: true });
    expect(await parse('encrypt=1')).toEqual({ encrypt: true });
    expect(await parse('use_lockfile=0')).toEqual({ use_lockfile: false });
    expect(await parse('max_retries=7')).toEqual({ max_retries: 7 });
    expect(await parse('max_retries=+3')).toEqual({ max_retries: 3 });
  });

  test('a value cty refuses is Terraform\'s "Invalid backend configuration value", before any request', async () => {
    expect(await why('encrypt=maybe')).toBe('Invalid backend configuration value: Invalid backend configuration argument -backend-config="encrypt=maybe": a bool is required');
    expect(await why('encrypt=True')).toMatch(/a bool is required; to convert from string, use lowercase "true"$/);
    expect(await why('max_retries= 3')).toMatch(/-backend-config="max_retries= 3": a number is required$/);
    expect(await why('max_retries=0x10')).toMatch(/a number is required$/);
  });

  test('lists, sets, maps and objects are HCL expressions, as terraform init takes them', async () => {
    expect(await parse('allowed_account_ids=["123456789012", "210987654321"]')).toEqual({ allowed_account_ids: ['123456789012', '210987654321'] });
    expect(await parse('state_tags={ team = "platform", "cost-centre" = "42" }')).toEqual({ state_tags: { 'team': 'platform', 'cost-centre': '42' } });
    expect(await parse('assume_role={ role_arn = "arn:aws:iam::123456789012:role/r", session_name = "ci" }')).toEqual({
      assume_role: { role_arn: 'arn:aws:iam::123456789012:role/r', session_name: 'ci' },
    });
    expect(await parse('endpoints={s3="http://127.0.0.1:9000"}')).toEqual({ endpoints: { s3: 'http://127.0.0.1:9000' } });
    // One attribute of a nested object (this CLI's shorthand), typed by the nested schema.
    expect(await parse('assume_role.policy_arns=["arn:aws:iam::aws:policy/ReadOnlyAccess"]')).toEqual({
      assume_role: { policy_arns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'] },
    });
    // Template escapes are literal text.
    expect(await parse('state_tags={ note = "costs $${x}" }')).toEqual({ state_tags: { note: 'costs ${x}' } });
  });

  test('what the validation then sees is what Terraform would: the values are accepted with their types', async () => {
    const attrs = {
      bucket: 'b',
      key: 'k',
      region: 'us-east-1',
      ...await parse('allowed_account_ids=["123456789012"]'),
      ...await parse('assume_role={ role_arn = "arn:aws:iam::123456789012:role/r" }'),
      ...await parse('encrypt=1'),
    };
    const { diagnostics, config } = validateConfig(attrs, {});
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(config).toMatchObject({ encrypt: true });
  });

  test('an expression that is not a literal, or not one expression, is refused naming the argument and the shape', async () => {
    expect(await why('allowed_account_ids=[var.accounts]')).toMatch(/-backend-config="allowed_account_ids=\[var.accounts\]": variables and function calls are not allowed here/);
    expect(await why('state_tags={ a = upper("x") }')).toMatch(/variables and function calls are not allowed/);
    expect(await why('allowed_account_ids=["1"')).toMatch(/not an HCL expression .*Write a list of strings, e.g. \["a", "b"\]/);
    expect(await why('state_tags={a="b"}\nbucket="x"')).toMatch(/not one HCL expression/);
    expect(await why('assume_role={')).toMatch(/Write an object, e.g. \{ role_arn = "..." \}\.$/);
  });

  test('a name the backend does not have is passed on for the validation to name', async () => {
    expect(await parse('bucekt=b')).toEqual({ bucekt: 'b' });
  });
});

describe('backend-config: what a snippet leaves out is named', () => {
  test('settings other than the rendered ones, each attribute of the role but role_arn, and credentials apart', () => {
    expect(attributesLeftOut({
      bucket: 'b',
      key: 'k',
      region: 'r',
      encrypt: true,
      use_lockfile: true,
      state_tags: { a: 'b' },
      endpoints: { s3: 'http://x' },
      use_path_style: true,
      assume_role: { role_arn: 'arn', session_name: 's' },
      secret_key: 'x',
      sse_customer_key: 'y',
      kms_key_id: undefined,
    })).toEqual({ settings: ['endpoints', 'use_path_style', 'assume_role.session_name'], secrets: ['secret_key', 'sse_customer_key'] });
    expect(attributesLeftOut({ bucket: 'b', key: 'k', region: 'r', assume_role: { role_arn: 'arn' } })).toEqual({ settings: [], secrets: [] });
  });
});

/** Temporary project directories with one main.tf, removed after each test. */
const projects: string[] = [];
afterEach(() => {
  for (const d of projects.splice(0)) rmSync(d, { recursive: true, force: true });
});
function projectWith(mainTf: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tfstate-config-'));
  projects.push(dir);
  writeFileSync(path.join(dir, 'main.tf'), mainTf);
  return dir;
}

describe('backend blocks and -backend-config files: literal values only', () => {
  const project = projectWith;
  const block = (body: string) => `terraform {\n  backend "s3" {\n${body}\n  }\n}\n`;
  const load = (chdir: string, backendConfig: string[] = []) => loadBackendAttributes({ chdir, backendConfig }, {});

  test('a reference or a call is refused, naming the file, the attribute, the expression and what to do', async () => {
    const dir = project(block('    bucket = var.bucket\n    key = "k"\n    region = "eu-west-1"'));
    const err = await load(dir).catch((e: Error) => e);
    expect((err as Error).message).toBe(`${path.join(dir, 'main.tf')}: bucket = var.bucket is an expression; tfstate reads literal values only ` +
      '(Terraform refuses it: "Variables may not be used here"; OpenTofu evaluates it at tofu init).\n' +
      'Pass -backend-config bucket=VALUE, or run in the directory where init ran: the recorded configuration has the values.');
    const nested = project(block('    bucket = "b"\n    key = "k"\n    assume_role = { role_arn = format("arn:%s", "x") }'));
    expect(((await load(nested).catch((e: Error) => e)) as Error).message).toMatch(
      /assume_role.role_arn = format\("arn:%s", "x"\) is an expression.*\nPass -backend-config assume_role.role_arn=VALUE/);
    const listed = project(block('    bucket = "b"\n    key = "k"\n    allowed_account_ids = ["123456789012", local.account]'));
    expect(((await load(listed).catch((e: Error) => e)) as Error).message).toMatch(/allowed_account_ids\[1\] = local.account is an expression/);
  });

  test('an expression that a -backend-config replaces is not an error, as the override body replaces it in Terraform', async () => {
    const dir = project(block('    bucket = var.bucket\n    key = "k"\n    region = "eu-west-1"\n    assume_role = { role_arn = local.role }'));
    const { attributes } = await load(dir, ['bucket=state-bucket', 'assume_role.role_arn=arn:aws:iam::123456789012:role/r']);
    expect(attributes).toEqual({ bucket: 'state-bucket', key: 'k', region: 'eu-west-1', assume_role: { role_arn: 'arn:aws:iam::123456789012:role/r' } });
  });

  test('template escapes are literal text; a -backend-config file is held to the same rule', async () => {
    const dir = project(block('    bucket = "b"\n    key = "a/$${x}/%%{y}/terraform.tfstate"'));
    expect((await load(dir)).attributes.key).toBe('a/${x}/%{y}/terraform.tfstate');
    const file = path.join(dir, 'prod.hcl');
    writeFileSync(file, 'bucket = "b-${var.env}"\n');
    expect(((await load(dir, [file]).catch((e: Error) => e)) as Error).message).toMatch(/prod.hcl: bucket = b-\$\{var.env\} is an expression/);
  });
});

describe('later sources win attribute by attribute, an object as a whole (Terraform\'s override body)', () => {
  const project = (body: string) => projectWith(`terraform {\n  backend "s3" {\n    bucket = "b"\n    key = "k"\n${body}\n  }\n}\n`);
  const load = async (chdir: string, backendConfig: string[]) => (await loadBackendAttributes({ chdir, backendConfig }, {})).attributes;

  // internal/configs/module_merge_body.go (mergeBody.prepareContent): an override attribute replaces the base one by name.
  test('an object or map given whole replaces the block\'s, it is not merged into it', async () => {
    const dir = project('    assume_role = { role_arn = "arn:aws:iam::111111111111:role/a", external_id = "E" }\n    state_tags = { team = "a" }');
    expect(await load(dir, ['assume_role={ role_arn = "arn:aws:iam::222222222222:role/b" }', 'state_tags={ cost = "1" }'])).toMatchObject({
      assume_role: { role_arn: 'arn:aws:iam::222222222222:role/b' },
      state_tags: { cost: '1' },
    });
    const file = path.join(dir, 'override.hcl');
    writeFileSync(file, 'endpoints = { s3 = "http://127.0.0.1:9000" }\n');
    const withEndpoints = project('    endpoints = { s3 = "http://a", dynamodb = "http://b" }');
    expect((await load(withEndpoints, [file])).endpoints).toEqual({ s3: 'http://127.0.0.1:9000' });
  });

  test('the KEY.NAME=VALUE shorthand sets one attribute and keeps the others', async () => {
    const dir = project('    assume_role = { role_arn = "arn:aws:iam::111111111111:role/a", external_id = "E" }');
    expect((await load(dir, ['assume_role.session_name=ci'])).assume_role).toEqual({
      role_arn: 'arn:aws:iam::111111111111:role/a', external_id: 'E', session_name: 'ci',
    });
    expect((await load(project(''), ['assume_role.role_arn=arn:aws:iam::1:role/r'])).assume_role).toEqual({ role_arn: 'arn:aws:iam::1:role/r' });
  });

  test('the shorthand goes one level into an object attribute, no deeper and nowhere else', async () => {
    expect(await why('assume_role.tags.team=x')).toMatch(/KEY.NAME=VALUE sets one attribute of endpoints, assume_role, assume_role_with_web_identity; "assume_role.tags.team" is not one/);
    expect(await why('bucket.name=x')).toMatch(/"bucket.name" is not one\. Give a whole value instead, e.g. -backend-config 'bucket=...'/);
  });
});

describe('-backend-config that is not KEY=VALUE: a file of attributes, else a usage error naming it', () => {
  test('empty, a directory, a missing file', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tfstate-arg-'));
    try {
      const fail = (arg: string) => parseBackendConfigArg(arg, dir).then(() => undefined, (e: Error & { exitCode?: number }) => e);
      expect((await fail(''))?.message).toMatch(/^-backend-config is empty\.\nPass -backend-config key=value/);
      mkdirSync(path.join(dir, 'sub'));
      expect((await fail('sub'))?.message).toMatch(/^-backend-config "sub" is a directory, not a file of backend attributes\./);
      expect((await fail('nope.hcl'))?.message).toMatch(/neither KEY=VALUE nor an existing file/);
      for (const arg of ['', 'sub', 'nope.hcl']) expect((await fail(arg)) as unknown).toMatchObject({ exitCode: 2 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
