import { attributesLeftOut } from '../../src/cli/commands/backend-config';
import { parseBackendConfigArg } from '../../src/cli/config';
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
