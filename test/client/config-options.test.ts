import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isConfigValidationError, StateClient } from '../../src/client';
import { parseNoProxy, requestHandlerOptions, useProxy } from '../../src/client/private/http-agents';
import { imdsBaseUrl } from '../../src/client/private/imds-credentials';
import { accountRefusal } from '../../src/client/private/runtime';

/** Unit tests of how the backend options reach the SDK clients. No server: nothing here sends a request. */

const base = { bucket: 'b', key: 'path/to/terraform.tfstate', region: 'us-east-1', skip_credentials_validation: true };
const runtimeOf = (c: StateClient) => (c as any).runtime;
const refusal = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return e as any;
  }
  throw new Error('not refused');
};

describe('max_retries is the maximum number of attempts (aws-sdk-go-base GetAwsConfig: WithRetryMaxAttempts unless 0)', () => {
  test.each([[undefined, 5], [1, 1], [7, 7], [0, 3]])('max_retries %j → %j attempts', async (maxRetries, attempts) => {
    const c = StateClient.fromConfig({ ...base, ...(maxRetries === undefined ? {} : { max_retries: maxRetries }) }, { env: {} });
    expect(await runtimeOf(c).s3.config.maxAttempts()).toBe(attempts);
    c.destroy();
  });

  test('a negative max_retries is refused before any client exists', () => {
    const e = refusal(() => StateClient.fromConfig({ ...base, max_retries: -1 }, { env: {} }));
    expect(isConfigValidationError(e)).toBe(true);
    expect(e.message).toMatch(/max_retries/);
  });
});

describe('FIPS and dual-stack with a custom endpoint: the endpoint wins, as in Terraform (EndpointResolverFromURL)', () => {
  test('a client with its own endpoint gets neither; the others keep them', async () => {
    const c = StateClient.fromConfig({
      ...base, use_fips_endpoint: true, use_dualstack_endpoint: true, dynamodb_table: 't', endpoints: { s3: 'http://127.0.0.1:1' },
    }, { env: {} });
    const { s3, dynamodb } = runtimeOf(c);
    expect((await s3.config.endpoint()).port).toBe(1);
    expect(await s3.config.useFipsEndpoint()).toBe(false);
    expect(await s3.config.useDualstackEndpoint()).toBe(false);
    expect(await dynamodb.config.useFipsEndpoint()).toBe(true);
    expect(await dynamodb.config.useDualstackEndpoint()).toBe(true);
    c.destroy();
  });
});

describe('sts_region', () => {
  test('the STS client and the credential providers use sts_region; S3 keeps region', () => {
    const c = StateClient.fromConfig({ ...base, sts_region: 'eu-central-1' }, { env: {} });
    expect(runtimeOf(c).settings.stsRegion).toBe('eu-central-1');
    expect(runtimeOf(c).settings.region).toBe('us-east-1');
    c.destroy();
  });
});

describe('custom_ca_bundle, insecure and proxies build agents of their own only when set', () => {
  test('none set: the SDK\'s HTTP agent and an HTTPS one of ours (the handshake limit only); any one set: agents of its own for every client; always Terraform\'s 30 s connect timeout', () => {
    const c = StateClient.fromConfig(base, { env: {} });
    expect(runtimeOf(c).settings.transport).toEqual({ insecure: false, proxy: {} });
    const none = requestHandlerOptions(runtimeOf(c).settings.transport);
    expect(Object.keys(none).sort()).toEqual(['connectionTimeout', 'httpsAgent']);
    expect(none.connectionTimeout).toBe(30_000);
    // The SDK's own agent options (keep-alive, 50 sockets), and the default trust store and verification.
    expect(none.httpsAgent!.options).toMatchObject({ keepAlive: true, maxSockets: 50 });
    expect(none.httpsAgent!.options.ca).toBeUndefined();
    expect(none.httpsAgent!.options.rejectUnauthorized).toBeUndefined();
    none.httpsAgent!.destroy();
    c.destroy();
    const insecure = { insecure: true, proxy: {} };
    const one = requestHandlerOptions(insecure);
    expect(one.connectionTimeout).toBe(30_000);
    expect(one.httpsAgent!.options.rejectUnauthorized).toBe(false);
    expect(requestHandlerOptions(insecure).httpsAgent).not.toBe(one.httpsAgent);
  });

  test('a CA bundle that cannot be read is refused, naming the attribute and the file', () => {
    const e = refusal(() => StateClient.fromConfig({ ...base, custom_ca_bundle: join(tmpdir(), 'no-such-bundle.pem') }, { env: {} }));
    expect(isConfigValidationError(e)).toBe(true);
    expect(e.diagnostics[0]).toMatchObject({ attribute: 'custom_ca_bundle', detail: expect.stringMatching(/^reading custom CA bundle: ENOENT.*no-such-bundle\.pem/) });
  });

  test('a proxy scheme other than http/https (e.g. socks5) is refused rather than ignored', () => {
    const e = refusal(() => StateClient.fromConfig({ ...base, https_proxy: 'socks5://u:secret@p:1080' }, { env: {} }));
    expect(e.diagnostics[0].summary).toBe('Unsupported proxy');
    expect(e.message).toContain('"socks5"');
    expect(e.message).not.toContain('secret');
  });
});

describe('NO_PROXY matching (Go golang.org/x/net/http/httpproxy useProxy)', () => {
  test.each([
    ['localhost', 80, '', false],
    ['127.0.0.1', 9000, '', false],
    ['::1', 9000, '', false],
    ['s3.amazonaws.com', 443, '', true],
    ['s3.amazonaws.com', 443, '*', false],
    ['s3.amazonaws.com', 443, 'amazonaws.com', false],
    ['amazonaws.com', 443, 'amazonaws.com', false],
    ['amazonaws.com', 443, '.amazonaws.com', true],
    ['s3.amazonaws.com', 443, '.amazonaws.com', false],
    ['amazonaws.com', 443, '*.amazonaws.com', true],
    ['s3.amazonaws.com', 443, 'amazonaws.com:80', true],
    ['s3.amazonaws.com', 80, 'amazonaws.com:80', false],
    ['notamazonaws.com', 443, 'amazonaws.com', true],
    ['10.1.2.3', 443, '10.0.0.0/8', false],
    ['11.1.2.3', 443, '10.0.0.0/8', true],
    ['10.1.2.3', 443, '10.1.2.3', false],
    ['fd00::5', 443, 'fd00::/8', false],
    ['fe80::5', 443, 'fd00::/8', true],
  ])('%s:%d with NO_PROXY=%j → proxied: %j', (host, port, noProxy, proxied) => {
    expect(useProxy(host, port, parseNoProxy(noProxy))).toBe(proxied);
  });
});

describe('allowed_account_ids / forbidden_account_ids (aws-sdk-go-base Config.VerifyAccountIDAllowed)', () => {
  test.each([
    ['123456789012', ['123456789012'], undefined, undefined],
    ['123456789012', ['111111111111'], undefined, 'AWS account ID not allowed: 123456789012'],
    ['123456789012', undefined, ['123456789012'], 'AWS account ID not allowed: 123456789012'],
    ['123456789012', undefined, ['111111111111'], undefined],
    ['', ['123456789012'], undefined, 'AWS account ID not allowed: '],
    ['', undefined, ['123456789012'], undefined],
  ])('account %j, allowed %j, forbidden %j → %j', (account, allowed, forbidden, expected) => {
    expect(accountRefusal(account, allowed, forbidden)).toBe(expected);
  });
});

describe('shared_credentials_files / shared_config_files: every file, merged in aws-sdk-go-v2\'s order', () => {
  const dir = mkdtempSync(join(tmpdir(), 'shared-files-'));
  const file = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };

  test('a later file wins per key, credentials files over config files, a missing file is skipped', async () => {
    const config1 = file('config1', '[profile team]\naws_access_key_id = AKIACONFIG1\naws_secret_access_key = config1secret\n');
    const config2 = file('config2', '[profile team]\naws_access_key_id = AKIACONFIG2\n');
    const creds1 = file('creds1', '[team]\naws_secret_access_key = creds1secret\n[other]\naws_access_key_id = AKIAOTHER\n');
    const c = StateClient.fromConfig({
      ...base, profile: 'team', shared_config_files: [config1, config2], shared_credentials_files: [join(dir, 'missing'), creds1],
    }, { env: {} });
    await expect(runtimeOf(c).s3.config.credentials()).resolves.toMatchObject({ accessKeyId: 'AKIACONFIG2', secretAccessKey: 'creds1secret' });
    c.destroy();
  });

  test('the profile comes from AWS_PROFILE when the attribute is unset; a profile only in the second credentials file is found', async () => {
    const a = file('creds-a', '[default]\naws_access_key_id = AKIADEFAULT\naws_secret_access_key = d\n');
    const b = file('creds-b', '[ci]\naws_access_key_id = AKIACI\naws_secret_access_key = ci\naws_session_token = tok\n');
    const c = StateClient.fromConfig({ ...base, shared_credentials_files: [a, b] }, { env: { AWS_PROFILE: 'ci' } });
    await expect(runtimeOf(c).s3.config.credentials()).resolves.toMatchObject({ accessKeyId: 'AKIACI', sessionToken: 'tok' });
    c.destroy();
  });

  test('a role profile spread over several files is refused (the SDK resolves it from one file of each kind)', () => {
    const c1 = file('role1', '[profile r]\nrole_arn = arn:aws:iam::123456789012:role/x\n');
    const c2 = file('role2', '[profile r]\nsource_profile = base\n');
    const e = refusal(() => StateClient.fromConfig({ ...base, profile: 'r', shared_config_files: [c1, c2] }, { env: {} }));
    expect(e.diagnostics[0].summary).toBe('Unsupported shared configuration');
    expect(e.message).toContain('"r"');
  });
});

describe('credentials from `aws login` (a profile with login_session, as Terraform 1.15 / OpenTofu 1.12 read it)', () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const k of ['AWS_LOGIN_CACHE_DIRECTORY', 'AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  });

  /** A config file with a `dev` profile whose login session has a cached, unexpired token. */
  function loginProfile(): string {
    const dir = mkdtempSync(join(tmpdir(), 'aws-login-'));
    const session = 'arn:aws:iam::123456789012:user/dev';
    const cache = join(dir, 'cache');
    mkdirSync(cache);
    writeFileSync(join(cache, `${createHash('sha256').update(session).digest('hex')}.json`), JSON.stringify({
      accessToken: {
        accessKeyId: 'ASIALOGIN',
        secretAccessKey: 'loginsecret',
        sessionToken: 'logintoken',
        accountId: '123456789012',
        expiresAt: new Date(Date.now() + 3600_000).toISOString(),
      },
      clientId: 'arn:aws:signin:::devtools/same-device',
      refreshToken: 'r',
      dpopKey: 'k',
      idToken: 'i',
      tokenType: 'aws_sigv4',
    }));
    writeFileSync(join(dir, 'config'), `[profile dev]\nlogin_session = ${session}\nregion = us-east-1\n`);
    // The SDK's login provider reads its cache directory from the process environment only.
    process.env.AWS_LOGIN_CACHE_DIRECTORY = cache;
    return join(dir, 'config');
  }

  test('profile + shared_config_files: the cached login token gives the credentials, without a network call', async () => {
    const config = loginProfile();
    const c = StateClient.fromConfig({ ...base, profile: 'dev', shared_config_files: [config] }, { env: {} });
    await expect(runtimeOf(c).s3.config.credentials()).resolves.toMatchObject({ accessKeyId: 'ASIALOGIN', sessionToken: 'logintoken' });
    c.destroy();
  });

  test('the default chain picks it up from AWS_PROFILE and AWS_CONFIG_FILE', async () => {
    process.env.AWS_CONFIG_FILE = loginProfile();
    process.env.AWS_SHARED_CREDENTIALS_FILE = join(tmpdir(), 'no-such-credentials-file');
    // The chain's first link reads keys from the process environment: none here.
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    const c = StateClient.fromConfig(base, { env: { AWS_PROFILE: 'dev' } });
    await expect(runtimeOf(c).s3.config.credentials()).resolves.toMatchObject({ accessKeyId: 'ASIALOGIN', sessionToken: 'logintoken' });
    c.destroy();
  });
});

describe('instance metadata endpoint (aws-sdk-go-v2 imds: the endpoint wins over the mode)', () => {
  test.each([
    [undefined, undefined, 'http://169.254.169.254'],
    [undefined, 'IPv4', 'http://169.254.169.254'],
    [undefined, 'IPv6', 'http://[fd00:ec2::254]'],
    ['http://127.0.0.1:1234/', 'IPv6', 'http://127.0.0.1:1234'],
  ])('endpoint %j, mode %j → %s', (endpoint, mode, url) => {
    expect(imdsBaseUrl(endpoint, mode)).toBe(url);
  });
});
