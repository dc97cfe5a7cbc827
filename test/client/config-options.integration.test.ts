import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { countingProxy, fakeImds, fakeSts, selfSignedCert, tlsFront } from './config-stand-ins';
import { newBackend, TF_EMPTY_STATE } from './support';
import { isStateBackendError, StateClient } from '../../src/client';
import { testServers } from '../support/servers';

/**
 * Backend options that change how the client reaches AWS, proved against real local servers:
 * Ceph RGW and DynamoDB Local behind a forward proxy or a TLS front, and stand-ins for what does
 * not run locally (STS, instance metadata).
 */

const runtimeOf = (c: StateClient) => (c as any).runtime;

function keys() {
  const servers = testServers();
  return { access_key: servers.accessKeyId, secret_key: servers.secretAccessKey };
}

describe('allowed_account_ids / forbidden_account_ids (backend.go Configure → VerifyAccountIDAllowed)', () => {
  test.each([
    [{ allowed_account_ids: ['111111111111'] }, false],
    [{ forbidden_account_ids: ['123456789012'] }, false],
    [{ allowed_account_ids: ['111111111111'] }, true],
  ])('%j (skip_credentials_validation %j) refuses the account before any S3 request', async (lists, skipValidation) => {
    const sts = await fakeSts({ account: '123456789012' });
    const be = await newBackend('lockfile');
    try {
      const client = be.client({}, { ...keys(), ...lists, skip_credentials_validation: skipValidation, endpoints: { sts: sts.url } });
      const err = await client.readState().catch((e) => e);
      expect(isStateBackendError(err)).toBe(true);
      expect(err.code).toBe('ACCOUNT_NOT_ALLOWED');
      expect(err.message).toMatch(/^Invalid account ID: AWS account ID not allowed: 123456789012\./);
      expect(be.s3Log).toEqual([]);
      expect(sts.calls.map((f) => f.get('Action'))).toEqual(['GetCallerIdentity']);
      client.destroy();
    } finally {
      await be.destroy();
      await sts.close();
    }
  });

  test('an allowed account: one GetCallerIdentity for the client\'s lifetime, even with skip_credentials_validation', async () => {
    const sts = await fakeSts({ account: '123456789012' });
    const be = await newBackend('lockfile');
    try {
      const client = be.client({}, { ...keys(), allowed_account_ids: ['123456789012'], skip_credentials_validation: true, endpoints: { sts: sts.url } });
      await client.withLock(() => client.writeState(Buffer.from(TF_EMPTY_STATE)));
      await client.readState();
      await client.listWorkspaces();
      expect(sts.calls.map((f) => f.get('Action'))).toEqual(['GetCallerIdentity']);
      expect(client.requestCounts.sts).toEqual({ GetCallerIdentity: 1 });
      client.destroy();
    } finally {
      await be.destroy();
      await sts.close();
    }
  });

  test('skip_credentials_validation + skip_requesting_account_id: the account is unknown, so an allow list refuses it without a call (as Terraform)', async () => {
    const sts = await fakeSts();
    const be = await newBackend('lockfile');
    try {
      const client = be.client({}, {
        ...keys(), allowed_account_ids: ['123456789012'], skip_credentials_validation: true, skip_requesting_account_id: true, endpoints: { sts: sts.url },
      });
      await expect(client.readState()).rejects.toThrow(/^Invalid account ID: AWS account ID not allowed: \./);
      const open = be.client({}, { ...keys(), forbidden_account_ids: ['123456789012'], skip_requesting_account_id: true, endpoints: { sts: sts.url } });
      await open.readState();
      expect(sts.calls).toHaveLength(0);
      client.destroy();
      open.destroy();
    } finally {
      await be.destroy();
      await sts.close();
    }
  });
});

describe('proxies: a real CONNECT proxy on 127.0.0.1 carries S3 and DynamoDB requests', () => {
  // The endpoints name hosts under `.invalid`, which never resolve: a request only arrives if the proxy carried it.
  test('http_proxy carries S3 (Ceph RGW) and DynamoDB (DynamoDB Local) over plain HTTP', async () => {
    const proxy = await countingProxy();
    const be = await newBackend('both');
    const servers = testServers();
    const s3Host = `rgw.proxy-test.invalid:${new URL(servers.s3Endpoint).port}`;
    const ddbHost = `dynamodb.proxy-test.invalid:${new URL(servers.dynamodbEndpoint).port}`;
    try {
      const client = StateClient.fromConfig({
        ...be.config,
        ...keys(),
        use_path_style: true,
        http_proxy: proxy.url,
        https_proxy: '',
        endpoints: { s3: `http://${s3Host}`, dynamodb: `http://${ddbHost}` },
      }, { env: {} });
      await client.withLock(() => client.writeState(Buffer.from(TF_EMPTY_STATE)));
      expect((await client.readState())?.md5).toBe('076c63e990e99364261f1f739b724cc7');
      expect(new Set(proxy.tunnels)).toEqual(new Set([s3Host, ddbHost]));
      client.destroy();
    } finally {
      await be.destroy();
      await proxy.close();
    }
  });

  test('HTTPS_PROXY from the environment carries HTTPS, verified against custom_ca_bundle through the tunnel', async () => {
    const proxy = await countingProxy();
    const tls = selfSignedCert(['rgw.proxy-test.invalid']);
    const be = await newBackend('lockfile');
    const front = await tlsFront(testServers().s3Endpoint, tls);
    const host = `rgw.proxy-test.invalid:${new URL(front.url).port}`;
    try {
      const client = StateClient.fromConfig({
        ...be.config, ...keys(), use_path_style: true, custom_ca_bundle: tls.certFile, endpoints: { s3: `https://${host}` },
      }, { env: { HTTPS_PROXY: proxy.url } });
      await client.withLock(() => client.writeState(Buffer.from(TF_EMPTY_STATE)));
      expect((await client.readState())?.md5).toBe('076c63e990e99364261f1f739b724cc7');
      expect(new Set(proxy.tunnels)).toEqual(new Set([host]));
      expect(front.requests.length).toBeGreaterThan(0);
      client.destroy();
    } finally {
      await be.destroy();
      await front.close();
      await proxy.close();
    }
  });

  test('no_proxy bypasses the proxy (the request then fails: the name does not resolve)', async () => {
    const proxy = await countingProxy();
    const be = await newBackend('lockfile');
    try {
      const client = StateClient.fromConfig({
        ...be.config,
        ...keys(),
        use_path_style: true,
        max_retries: 1,
        http_proxy: proxy.url,
        https_proxy: '',
        no_proxy: '.proxy-test.invalid',
        endpoints: { s3: `http://rgw.proxy-test.invalid:${new URL(testServers().s3Endpoint).port}` },
      }, { env: {} });
      await expect(client.readState()).rejects.toThrow();
      expect(proxy.tunnels).toEqual([]);
      client.destroy();
    } finally {
      await be.destroy();
      await proxy.close();
    }
  });
});

describe('custom_ca_bundle and insecure (TLS front on 127.0.0.1 with a self-signed certificate)', () => {
  test('the bundle makes the certificate trusted; without it the request fails; insecure skips verification', async () => {
    const tls = selfSignedCert();
    const be = await newBackend('lockfile');
    const front = await tlsFront(testServers().s3Endpoint, tls);
    const attrs = { ...be.config, ...keys(), use_path_style: true, max_retries: 1, endpoints: { s3: front.url } };
    try {
      const trusted = StateClient.fromConfig({ ...attrs, custom_ca_bundle: tls.certFile }, { env: {} });
      await trusted.writeState(Buffer.from(TF_EMPTY_STATE));
      trusted.destroy();

      const fromEnv = StateClient.fromConfig(attrs, { env: { AWS_CA_BUNDLE: tls.certFile } });
      expect((await fromEnv.readState())?.md5).toBe('076c63e990e99364261f1f739b724cc7');
      fromEnv.destroy();

      const untrusted = StateClient.fromConfig(attrs, { env: {} });
      await expect(untrusted.readState()).rejects.toThrow(/self[- ]signed certificate/i);
      untrusted.destroy();

      const insecure = StateClient.fromConfig({ ...attrs, insecure: true }, { env: {} });
      expect((await insecure.readState())?.md5).toBe('076c63e990e99364261f1f739b724cc7');
      insecure.destroy();
    } finally {
      await be.destroy();
      await front.close();
    }
  });

  test('the STS client gets the bundle too (credential validation over HTTPS)', async () => {
    const tls = selfSignedCert();
    const sts = await fakeSts({ tls });
    const be = await newBackend('lockfile');
    try {
      const client = be.client({}, { ...keys(), skip_credentials_validation: false, custom_ca_bundle: tls.certFile, endpoints: { sts: sts.url } });
      await client.readState();
      expect(sts.calls.map((f) => f.get('Action'))).toEqual(['GetCallerIdentity']);
      client.destroy();
    } finally {
      await be.destroy();
      await sts.close();
    }
  });
});

describe('skip_metadata_api_check and ec2_metadata_service_endpoint, against an instance metadata (IMDSv2) stand-in', () => {
  const NAMES = ['AWS_EC2_METADATA_SERVICE_ENDPOINT', 'AWS_EC2_METADATA_DISABLED', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_PROFILE',
    'AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE', 'AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'AWS_CONTAINER_CREDENTIALS_FULL_URI'];
  const saved = Object.fromEntries(NAMES.map((n) => [n, process.env[n]]));
  let imds: Awaited<ReturnType<typeof fakeImds>>;
  beforeEach(async () => {
    imds = await fakeImds();
    // The SDK's chain reads the process environment: leave it only the instance metadata source.
    for (const n of NAMES) delete process.env[n];
    process.env.AWS_CONFIG_FILE = join(tmpdir(), 'no-such-config');
    process.env.AWS_SHARED_CREDENTIALS_FILE = join(tmpdir(), 'no-such-credentials');
    process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT = imds.url;
  });
  afterEach(async () => {
    for (const n of NAMES) {
      if (saved[n] === undefined) delete process.env[n];
      else process.env[n] = saved[n];
    }
    await imds.close();
  });
  const base = { bucket: 'b', key: 'k', region: 'us-east-1', skip_credentials_validation: true };

  test('true: the chain never asks instance metadata', async () => {
    const c = StateClient.fromConfig({ ...base, skip_metadata_api_check: true }, { env: {} });
    await expect(runtimeOf(c).s3.config.credentials()).rejects.toThrow();
    expect(imds.requests).toEqual([]);
    c.destroy();
  });

  test('false: instance metadata is asked even when AWS_EC2_METADATA_DISABLED is set; unset follows the SDK (disabled)', async () => {
    process.env.AWS_EC2_METADATA_DISABLED = 'true';
    const c = StateClient.fromConfig({ ...base, skip_metadata_api_check: false, ec2_metadata_service_endpoint: imds.url }, { env: {} });
    await expect(runtimeOf(c).s3.config.credentials()).resolves.toMatchObject({ accessKeyId: 'ASIAIMDS', sessionToken: 'imdstoken' });
    expect(imds.requests).toContain('PUT /latest/api/token');
    c.destroy();

    const asked = imds.requests.length;
    const d = StateClient.fromConfig(base, { env: {} });
    await expect(runtimeOf(d).s3.config.credentials()).rejects.toThrow();
    expect(imds.requests).toHaveLength(asked);
    d.destroy();
  });

  test('ec2_metadata_service_endpoint the SDK cannot see (not in the process environment) is asked by the client itself', async () => {
    delete process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT;
    const c = StateClient.fromConfig({ ...base, ec2_metadata_service_endpoint: imds.url, ec2_metadata_service_endpoint_mode: 'IPv6' }, { env: {} });
    await expect(runtimeOf(c).s3.config.credentials()).resolves.toMatchObject({ accessKeyId: 'ASIAIMDS', sessionToken: 'imdstoken' });
    expect(imds.requests).toEqual([
      'PUT /latest/api/token', 'GET /latest/meta-data/iam/security-credentials/', 'GET /latest/meta-data/iam/security-credentials/state-role',
    ]);
    c.destroy();

    const skipped = StateClient.fromConfig({ ...base, ec2_metadata_service_endpoint: imds.url, skip_metadata_api_check: true }, { env: {} });
    await expect(runtimeOf(skipped).s3.config.credentials()).rejects.toThrow();
    expect(imds.requests).toHaveLength(3);
    skipped.destroy();
  });
});
