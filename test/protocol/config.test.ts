import {
  Diagnostic,
  decodeGoBase64,
  formatDiagnostics,
  formatGoDuration,
  nameSuggestion,
  parseGoDuration,
  parseGoUrl,
  validateConfig,
} from '../../src/protocol';

const BASE = { bucket: 'b', key: 'path/to/terraform.tfstate', region: 'eu-west-1' };
const validate = (extra: Record<string, unknown>, env: Record<string, string> = {}) => validateConfig({ ...BASE, ...extra }, env);
const texts = (diags: readonly Diagnostic[]) => diags.map((d) => `${d.severity}|${d.summary}|${d.detail}`);
const errorDetails = (diags: readonly Diagnostic[]) => diags.filter((d) => d.severity === 'error').map((d) => d.detail);

describe('validateConfig: vector 25', () => {
  test.each([
    [{ key: '' }, 'The value cannot be empty or all whitespace'],
    [{ key: '   ' }, 'The value cannot be empty or all whitespace'],
    [{ key: '/leading-slash' }, 'The value must not start or end with "/"'],
    [{ key: 'trailing-slash/' }, 'The value must not start or end with "/"'],
    [{ key: 'test/with/double//slash' }, 'Value must not contain "//"'],
    [{ workspace_key_prefix: '/env' }, 'The value must not start or end with "/"'],
    [{ workspace_key_prefix: 'env/' }, 'The value must not start or end with "/"'],
    [{ sse_customer_key: 'test' }, 'sse_customer_key must be 44 characters in length'],
    [{ sse_customer_key: '====CT70aTYB2JGff7AjQtwbiLkwH4npICay1PWtmdka' }, 'sse_customer_key must be base64 encoded: illegal base64 data at input byte 0'],
    [{ kms_key_id: 'alias/k', sse_customer_key: '4Dm1n4rphuFgawxuzY/bEfvLf6rYK0gIjfaDSLlfXNk=' }, 'Only one of kms_key_id, sse_customer_key can be set.'],
    [{ kms_key_id: 'not-an-arn' }, 'Value must be a valid KMS Key ID, got "not-an-arn"'],
    [{ assume_role: { role_arn: 'arn:aws:iam::123456789012:role/r', duration: '10m' } }, 'Duration must be between 15m0s and 12h0m0s, had 10m0s'],
  ])('%j → %s', (extra, detail) => {
    const { diagnostics } = validate(extra);
    expect(errorDetails(diagnostics)).toEqual([detail]);
  });

  test('the key error carries Terraform\'s summary and the attribute path', () => {
    const { diagnostics } = validate({ key: '/x' });
    expect(diagnostics).toEqual([{ severity: 'error', summary: 'Invalid Value', detail: 'The value must not start or end with "/"', attribute: 'key', path: ['key'] }]);
  });

  test('a duration of 2h is accepted', () => {
    expect(validate({ assume_role: { role_arn: 'arn:aws:iam::123456789012:role/r', duration: '2h' } }).diagnostics).toEqual([]);
  });

  test('no region and no environment', () => {
    const { diagnostics } = validateConfig({ bucket: 'b', key: 'k' }, {});
    expect(texts(diagnostics)).toEqual(['error|Missing region value|The "region" attribute or the "AWS_REGION" or "AWS_DEFAULT_REGION" environment variables must be set.']);
    expect(validateConfig({ bucket: 'b', key: 'k' }, { AWS_DEFAULT_REGION: 'us-east-1' }).diagnostics).toEqual([]);
  });

  test('dynamodb_table gives Terraform\'s deprecation warning and stays usable', () => {
    const { diagnostics, config } = validate({ dynamodb_table: 't' });
    expect(texts(diagnostics)).toEqual(['warning|Deprecated Parameter|The parameter "dynamodb_table" is deprecated. Use parameter "use_lockfile" instead.']);
    expect(config.dynamodb_table).toBe('t');
  });
});

describe('validateConfig: required values', () => {
  test('missing bucket and key', () => {
    const { diagnostics } = validateConfig({ region: 'us-east-1' }, {});
    expect(texts(diagnostics)).toEqual([
      'error|Missing Required Value|The attribute "bucket" is required by the backend.\n\nRefer to the backend documentation for additional information which attributes are required.',
      'error|Missing Required Value|The attribute "key" is required by the backend.\n\nRefer to the backend documentation for additional information which attributes are required.',
    ]);
  });

  test('an earlier error stops later validators of other attributes, as in Terraform', () => {
    // With bucket already invalid, key's first validator runs and the "//" check never does.
    const { diagnostics } = validate({ bucket: ' ', key: 'a//b' });
    expect(errorDetails(diagnostics)).toEqual(['The value cannot be empty or all whitespace']);
  });

  test('a non-object configuration is refused', () => {
    expect(validateConfig('bucket=b', {}).diagnostics[0].summary).toBe('Invalid backend configuration');
  });
});

describe('validateConfig: decoding', () => {
  test('unknown attribute names it and suggests the closest valid name', () => {
    const { diagnostics } = validate({ bucekt: 'x' });
    expect(diagnostics).toEqual([{
      severity: 'error',
      summary: 'Unsupported argument',
      detail: 'An argument named "bucekt" is not expected here. Did you mean "bucket"?',
      attribute: 'bucekt',
      path: ['bucekt'],
    }]);
    expect(validate({ zzzzzz: 1 }).diagnostics[0].detail).toBe('An argument named "zzzzzz" is not expected here.');
  });

  test('attributes Terraform removed point to their replacement', () => {
    expect(validate({ role_arn: 'arn:aws:iam::1:role/r' }).diagnostics[0].detail).toBe('An argument named "role_arn" is not expected here. Did you mean "assume_role.role_arn"?');
  });

  test('wrong types name the attribute and the expected type', () => {
    expect(texts(validate({ encrypt: 'yes' }).diagnostics)).toEqual([
      'error|Incorrect attribute value type|Inappropriate value for attribute "encrypt": a bool is required.',
    ]);
    expect(validate({ max_retries: [1] }).diagnostics[0].detail).toBe('Inappropriate value for attribute "max_retries": number required.');
    expect(validate({ shared_config_files: 'x' }).diagnostics[0].detail).toMatch(/set of string required/);
    expect(validate({ assume_role: { role_arn: 'arn:aws:iam::1:role/r', duraton: '1h' } }).diagnostics[0].detail).toBe(
      'Inappropriate value for attribute "assume_role": unsupported attribute "duraton"; did you mean "duration"?. Expected an object with attributes role_arn, duration, external_id, policy, policy_arns, session_name, source_identity, tags, transitive_tag_keys.');
  });

  test('cty conversions: "true" → true, 3 → "3", "7" → 7', () => {
    const { config, diagnostics } = validate({ encrypt: 'true', acl: 3, max_retries: '7' });
    expect(diagnostics).toEqual([]);
    expect(config).toMatchObject({ encrypt: true, acl: '3', max_retries: 7 });
  });

  // zclconf/go-cty cty/convert/conversion_primitive.go (string → bool, string → number via ParseNumberVal).
  test('cty\'s string conversions: "1"/"0" are bools, a capitalised TRUE gets cty\'s hint, "+3" is a number, " 3" is not', () => {
    expect(validate({ encrypt: '1', use_lockfile: '0' }).config).toMatchObject({ encrypt: true, use_lockfile: false });
    expect(validate({ encrypt: 'True' }).diagnostics[0].detail).toBe('Inappropriate value for attribute "encrypt": a bool is required; to convert from string, use lowercase "true".');
    expect(validate({ encrypt: 'FALSE' }).diagnostics[0].detail).toMatch(/use lowercase "false"\.$/);
    expect(validate({ max_retries: '+3' }).config).toMatchObject({ max_retries: 3 });
    for (const bad of [' 3', '3 ', '0x10', '', '1_000']) {
      expect(validate({ max_retries: bad }).diagnostics[0].detail).toBe('Inappropriate value for attribute "max_retries": a number is required.');
    }
  });

  test('null means unset', () => {
    expect(validate({ kms_key_id: null, encrypt: null }).config.encrypt).toBe(false);
  });
});

describe('validateConfig: kms_key_id', () => {
  test.each([
    ['a1b2c3d4-e5f6-4718-893a-4b5c6d7e8f90', true],
    ['mrk-0123456789abcdef0123456789abcdef', true],
    ['alias/my-key', true],
    ['arn:aws:kms:us-east-1:123456789012:key/a1b2c3d4-e5f6-4718-893a-4b5c6d7e8f90', true],
    ['arn:aws:kms:us-east-1:123456789012:alias/my-key', true],
    ['arn:aws:kms:us-east-1:123456789012:key/nope', false],
    // The un-grouped alternation quirk: `^` binds only the uuid branch, `$` only the alias branch.
    ['xx-mrk-0123456789abcdef0123456789abcdef-xx', true],
    ['a1b2c3d4-e5f6-4718-893a-4b5c6d7e8f90-trailing', true],
    ['prefix-alias/k', true],
    ['alias/k!', false],
    ['', false],
  ])('%j valid: %s', (id, ok) => {
    const errors = validate({ kms_key_id: id }).diagnostics.filter((d) => d.severity === 'error');
    expect(errors.length === 0).toBe(ok);
  });

  test('invalid ARN text', () => {
    expect(errorDetails(validate({ kms_key_id: 'arn:aws:kms:us-east-1:123456789012:key/nope' }).diagnostics)).toEqual([
      'Value must be a valid KMS Key ARN, got "arn:aws:kms:us-east-1:123456789012:key/nope"',
    ]);
  });

  test('kms_key_id with AWS_SSE_CUSTOMER_KEY in the environment', () => {
    const { diagnostics } = validate({ kms_key_id: 'alias/k' }, { AWS_SSE_CUSTOMER_KEY: '4Dm1n4rphuFgawxuzY/bEfvLf6rYK0gIjfaDSLlfXNk=' });
    expect(diagnostics.map((d) => d.summary)).toEqual(['Invalid encryption configuration']);
    expect(diagnostics[0].detail).toMatch(/^Only one of "kms_key_id" and the environment variable "AWS_SSE_CUSTOMER_KEY" can be set\.\n\nThe "kms_key_id"/);
  });
});

describe('validateConfig: SSE-C key', () => {
  test('environment key: its own texts', () => {
    expect(texts(validate({}, { AWS_SSE_CUSTOMER_KEY: 'short' }).diagnostics)).toEqual([
      'error|Invalid AWS_SSE_CUSTOMER_KEY value|The environment variable "AWS_SSE_CUSTOMER_KEY" must be 44 characters in length',
    ]);
  });

  test('vector 11: the key and its MD5 resolve only with encrypt = true', () => {
    const key = '4Dm1n4rphuFgawxuzY/bEfvLf6rYK0gIjfaDSLlfXNk=';
    expect(validate({ encrypt: true, sse_customer_key: key }).config.encryption).toEqual({ type: 'sse-c', customerKey: key, customerKeyMd5: 'kMCssl5T9ZkzvRauhmVxAw==' });
    expect(validate({ encrypt: true }, { AWS_SSE_CUSTOMER_KEY: key }).config).toMatchObject({ sse_customer_key: key, encryption: { type: 'sse-c' } });
    expect(validate({ sse_customer_key: key }).config.encryption).toEqual({ type: 'none' });
    expect(validate({ encrypt: true }).config.encryption).toEqual({ type: 'AES256' });
    expect(validate({ encrypt: true, kms_key_id: 'alias/k' }).config.encryption).toEqual({ type: 'aws:kms', kmsKeyId: 'alias/k' });
  });

  test('44 unpadded characters decode (to 33 bytes) and pass, as in Terraform', () => {
    expect(validate({ sse_customer_key: 'A'.repeat(44) }).diagnostics).toEqual([]);
  });
});

describe('decodeGoBase64', () => {
  test.each([
    ['', ''],
    ['QQ==', '41'],
    ['QUI=', '4142'],
    ['QUJD', '414243'],
    ['QU\nJD', '414243'],
  ])('%j decodes', (input, hex) => {
    expect((decodeGoBase64(input) as Buffer).toString('hex')).toBe(hex);
  });

  test.each([
    ['=', 0],
    ['Q===', 1],
    ['QQ=', 3],
    ['QQ=x', 2],
    ['QQ==QQ==', 4],
    ['QUJ', 0],
    ['QU!D', 2],
  ])('%j → illegal base64 data at input byte %d', (input, n) => {
    expect(decodeGoBase64(input)).toBe(`illegal base64 data at input byte ${n}`);
  });
});

describe('validateConfig: region', () => {
  test('an unknown region is refused unless skip_region_validation', () => {
    expect(texts(validate({ region: 'nonesuch' }).diagnostics)).toEqual(['error|Invalid region value|Invalid AWS Region: nonesuch']);
    expect(validate({ region: 'nonesuch', skip_region_validation: true }).diagnostics).toEqual([]);
  });

  test('region comes from the environment when unset', () => {
    expect(validateConfig({ bucket: 'b', key: 'k' }, { AWS_REGION: 'ap-south-1', AWS_DEFAULT_REGION: 'us-east-1' }).config.region).toBe('ap-south-1');
    expect(validateConfig({ bucket: 'b', key: 'k' }, { AWS_DEFAULT_REGION: 'us-east-1' }).config.region).toBe('us-east-1');
  });
});

describe('validateConfig: assume_role blocks', () => {
  const role = 'arn:aws:iam::123456789012:role/r';
  test.each([
    [{ role_arn: 'not an arn' }, 'Invalid ARN', 'The value "not an arn" cannot be parsed as an ARN: arn: invalid prefix'],
    [{ role_arn: 'arn:aws:iam::123456789012:user/u' }, 'Invalid IAM Role ARN', 'Value must be a valid IAM Role ARN, got "arn:aws:iam::123456789012:user/u"'],
    [{ role_arn: '' }, 'Invalid Value', 'The value cannot be empty or all whitespace'],
    [{}, 'Missing Required Value', 'The attribute "assume_role.role_arn" is required by the backend.\n\nRefer to the backend documentation for additional information which attributes are required.'],
    [{ role_arn: role, duration: 'two hours' }, 'Invalid Duration', 'The value "two hours" cannot be parsed as a duration: time: invalid duration "two hours"'],
    [{ role_arn: role, duration: '13h' }, 'Invalid Duration', 'Duration must be between 15m0s and 12h0m0s, had 13h0m0s'],
    [{ role_arn: role, external_id: 'x' }, 'Invalid Value Length', 'Length must be between 2 and 1224, had 1'],
    [{ role_arn: role, external_id: 'a b' }, 'Invalid Value', 'Value can only contain letters, numbers, or the following characters: =,.@/-'],
    [{ role_arn: role, session_name: 'a/b' }, 'Invalid Value', 'Value can only contain letters, numbers, or the following characters: =,.@-'],
    [{ role_arn: role, policy: '[]' }, 'Invalid IAM Policy Document', 'Expected a JSON object describing the policy'],
    [{ role_arn: role, policy: '"policy.json"' }, 'Invalid IAM Policy Document', 'Expected a JSON object describing the policy, had a JSON-encoded string.\n\nThe string "policy.json" looks like a filename, please pass the contents of the file instead of the filename.'],
    [{ role_arn: role, policy: '{"a":' }, 'Invalid JSON Document', 'The JSON document contains an error: unexpected end of JSON input, at byte offset 5'],
    [{ role_arn: role, policy_arns: ['arn:aws:iam::aws:role/x'] }, 'Invalid IAM Policy ARN', 'Value must be a valid IAM Policy ARN, got "arn:aws:iam::aws:role/x"'],
  ])('assume_role %j → %s', (block, summary, detail) => {
    const errors = validate({ assume_role: block }).diagnostics.filter((d) => d.severity === 'error');
    expect(errors.map((d) => [d.summary, d.detail])).toEqual([[summary, detail]]);
  });

  test('a set element is named by its value in the attribute path', () => {
    const d = validate({ assume_role: { role_arn: role, policy_arns: ['arn:aws:iam::aws:role/x'] } }).diagnostics[0];
    expect(d.attribute).toBe('assume_role.policy_arns[arn:aws:iam::aws:role/x]');
  });

  test('web identity needs exactly one token source', () => {
    expect(errorDetails(validate({ assume_role_with_web_identity: { role_arn: role } }).diagnostics)).toEqual(['Exactly one of web_identity_token, web_identity_token_file must be set.']);
    expect(errorDetails(validate({ assume_role_with_web_identity: { role_arn: role, web_identity_token: 'abcd', web_identity_token_file: '/tok' } }).diagnostics))
      .toEqual(['Only one of web_identity_token, web_identity_token_file can be set.']);
    expect(validate({ assume_role_with_web_identity: { role_arn: role, web_identity_token_file: '/var/run/token' } }).diagnostics).toEqual([]);
  });
});

describe('validateConfig: endpoints', () => {
  test('precedence: endpoints.X, legacy attribute, AWS_ENDPOINT_URL_X, legacy env', () => {
    const env = { AWS_ENDPOINT_URL_S3: 'http://env-new', AWS_S3_ENDPOINT: 'http://env-old', AWS_ENDPOINT_URL_DYNAMODB: 'http://ddb-new', AWS_DYNAMODB_ENDPOINT: 'http://ddb-old', AWS_STS_ENDPOINT: 'http://sts-old' };
    const { config } = validate({ endpoints: { iam: 'http://iam' }, endpoint: 'http://legacy-s3' }, env);
    expect(config.endpoints).toEqual({ s3: 'http://legacy-s3', dynamodb: 'http://ddb-new', sts: 'http://sts-old', iam: 'http://iam' });
    expect(validate({ endpoints: { s3: 'http://new' } }, env).config.endpoints.s3).toBe('http://new');
  });

  test('legacy attribute: deprecation warning; with the new one too: conflict error', () => {
    expect(texts(validate({ endpoint: 'http://x' }).diagnostics)).toEqual(['warning|Deprecated Parameter|The parameter "endpoint" is deprecated. Use parameter "endpoints.s3" instead.']);
    expect(texts(validate({ endpoint: 'http://x', endpoints: { s3: 'http://y' } }).diagnostics)).toEqual([
      'warning|Deprecated Parameter|The parameter "endpoint" is deprecated. Use parameter "endpoints.s3" instead.',
      'error|Conflicting Parameters|The parameters "endpoint" and "endpoints.s3" cannot be configured together.',
    ]);
  });

  test('legacy environment variables warn', () => {
    expect(texts(validate({}, { AWS_S3_ENDPOINT: 'http://x', AWS_METADATA_URL: 'http://m' }).diagnostics)).toEqual([
      'warning|Deprecated Environment Variable|The environment variable "AWS_S3_ENDPOINT" is deprecated. Use environment variable "AWS_ENDPOINT_URL_S3" instead.',
      'warning|Deprecated Environment Variable|The environment variable "AWS_METADATA_URL" is deprecated. Use environment variable "AWS_EC2_METADATA_SERVICE_ENDPOINT" instead.',
    ]);
  });

  test('URL checks: incomplete → warning, unparsable → error, sso must be complete', () => {
    expect(texts(validate({ endpoints: { s3: 'localhost:9000' } }).diagnostics)).toEqual([
      'warning|Complete URL Expected|The value should be a valid URL containing at least a scheme and hostname. Had "localhost:9000".\n\nUsing an incomplete URL, such as a hostname only, may work, but may have unexpected behavior.',
    ]);
    expect(errorDetails(validate({ endpoints: { s3: 'http://h:abc' } }).diagnostics)).toEqual([
      'The value "http://h:abc" cannot be parsed as a URL: parse "http://h:abc": invalid port ":abc" after host',
    ]);
    expect(errorDetails(validate({ endpoints: { sso: 'sso.example.com' } }).diagnostics)).toEqual([
      'The value must be a valid URL containing at least a scheme and hostname. Had "sso.example.com"',
    ]);
  });
});

describe('validateConfig: other conflicts and deprecations', () => {
  test.each([
    [{ force_path_style: true, use_path_style: true }, 'error|Invalid Attribute Combination|Only one of force_path_style, use_path_style can be set.'],
    [{ allowed_account_ids: ['1'], forbidden_account_ids: ['2'] }, 'error|Invalid Attribute Combination|Only one of allowed_account_ids, forbidden_account_ids can be set.'],
    [{ shared_credentials_file: 'a', shared_credentials_files: ['b'] }, 'error|Invalid Attribute Combination|Only one of shared_credentials_file, shared_credentials_files can be set.'],
    [{ retry_mode: 'sometimes' }, 'error|Invalid Value|unknown RetryMode, sometimes'],
  ])('%j', (extra, text) => {
    expect(texts(validate(extra).diagnostics)).toContain(text);
  });

  test('force_path_style and shared_credentials_file are deprecated but honoured', () => {
    const { diagnostics, config } = validate({ force_path_style: true, shared_credentials_file: '/creds' });
    expect(texts(diagnostics)).toEqual([
      'warning|Deprecated Parameter|The parameter "shared_credentials_file" is deprecated. Use parameter "shared_credentials_files" instead.',
      'warning|Deprecated Parameter|The parameter "force_path_style" is deprecated. Use parameter "use_path_style" instead.',
    ]);
    expect(config.use_path_style).toBe(true);
    expect(config.shared_credentials_files).toEqual(['/creds']);
  });

  test('retry_mode is case-insensitive like the SDK', () => {
    expect(validate({ retry_mode: 'Adaptive' }).diagnostics).toEqual([]);
  });
});

describe('validateConfig: defaults', () => {
  test('Terraform defaults', () => {
    const { config, diagnostics } = validate({});
    expect(diagnostics).toEqual([]);
    expect(config).toMatchObject({
      bucket: 'b',
      key: 'path/to/terraform.tfstate',
      region: 'eu-west-1',
      workspace_key_prefix: 'env:',
      encrypt: false,
      use_lockfile: false,
      use_path_style: false,
      max_retries: 5,
      skip_s3_checksum: false,
      endpoints: {},
      encryption: { type: 'none' },
    });
    expect(config.sse_customer_key).toBeUndefined();
  });

  test('an empty workspace_key_prefix is kept (no prefix)', () => {
    expect(validate({ workspace_key_prefix: '' }).config.workspace_key_prefix).toBe('');
  });

  test('environment fallbacks for files, FIPS and retry mode', () => {
    const { config } = validate({}, { AWS_SHARED_CONFIG_FILE: '/c', AWS_SHARED_CREDENTIALS_FILE: '/k', AWS_USE_FIPS_ENDPOINT: 'TRUE', AWS_RETRY_MODE: 'adaptive' });
    expect(config).toMatchObject({ shared_config_files: ['/c'], shared_credentials_files: ['/k'], use_fips_endpoint: true, retry_mode: 'adaptive' });
  });
});

describe('formatDiagnostics', () => {
  test('renders like Terraform without source context', () => {
    const { diagnostics } = validateConfig({ key: ' ', region: 'us-east-1', dynamodb_table: 't' }, {});
    expect(formatDiagnostics(diagnostics)).toBe(
      'Error: Missing Required Value\n\nThe attribute "bucket" is required by the backend.\n\nRefer to the backend documentation for additional information which attributes are required.\n'
      + '\nError: Invalid Value\n\nThe value cannot be empty or all whitespace\n'
      + '\nWarning: Deprecated Parameter\n\nThe parameter "dynamodb_table" is deprecated. Use parameter "use_lockfile" instead.\n');
    expect(formatDiagnostics(diagnostics.slice(1, 2), { withAttribute: true })).toBe('Error: Invalid Value\n\n(attribute: key)\n\nThe value cannot be empty or all whitespace\n');
  });
});

describe('Go duration parsing and printing', () => {
  test.each([
    ['1h30m', 5400e9],
    ['90s', 90e9],
    ['1.5h', 5400e9],
    ['-1m', -60e9],
    ['0', 0],
    ['300ms', 300e6],
    ['2h45m10.5s', 9910.5e9],
    ['1µs', 1e3],
    ['.5s', 0.5e9],
  ])('parse %s', (text, ns) => {
    expect(parseGoDuration(text)).toBe(ns);
  });

  test.each([
    ['', 'time: invalid duration ""'],
    ['10', 'time: missing unit in duration "10"'],
    ['10x', 'time: unknown unit "x" in duration "10x"'],
    ['h', 'time: invalid duration "h"'],
    ['.s', 'time: invalid duration ".s"'],
  ])('parse %j fails', (text, message) => {
    expect(() => parseGoDuration(text)).toThrow(message);
  });

  test.each([
    [0, '0s'],
    [15 * 60e9, '15m0s'],
    [12 * 3600e9, '12h0m0s'],
    [90e9, '1m30s'],
    [1.5e9, '1.5s'],
    [5400e9 + 1e6, '1h30m0.001s'],
    [1500, '1.5µs'],
    [2e6, '2ms'],
    [-60e9, '-1m0s'],
  ])('format %d → %s', (ns, text) => {
    expect(formatGoDuration(ns)).toBe(text);
  });
});

describe('Go url.Parse', () => {
  test.each([
    ['http://localhost:9000', { ok: true, scheme: 'http', host: 'localhost:9000' }],
    ['HTTPS://s3.example.com/path', { ok: true, scheme: 'https', host: 's3.example.com' }],
    ['localhost:9000', { ok: true, scheme: 'localhost', host: '' }],
    ['s3.example.com', { ok: true, scheme: '', host: '' }],
    ['http://[::1]:9000', { ok: true, scheme: 'http', host: '[::1]:9000' }],
  ])('%s parses', (raw, expected) => {
    expect(parseGoUrl(raw)).toEqual(expected);
  });

  test.each([
    [':9000', 'parse ":9000": missing protocol scheme'],
    ['1.2.3.4:9000', 'parse "1.2.3.4:9000": first path segment in URL cannot contain colon'],
    ['http://[::1', 'parse "http://[::1": missing \']\' in host'],
    ['http://a b', 'parse "http://a b": invalid character " " in host name'],
    ['http://h/%zz', 'parse "http://h/%zz": invalid URL escape "%zz"'],
  ])('%s fails', (raw, error) => {
    expect(parseGoUrl(raw)).toEqual({ ok: false, error });
  });
});

describe('nameSuggestion', () => {
  test('suggests within edit distance 2 only', () => {
    expect(nameSuggestion('use_lockfle', ['use_lockfile', 'use_path_style'])).toBe('use_lockfile');
    expect(nameSuggestion('lockfile', ['use_lockfile'])).toBeUndefined();
  });
});
