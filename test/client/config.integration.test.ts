import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { STSClient } from '@aws-sdk/client-sts';
import { fakeSts } from './config-stand-ins';
import { capture, newBackend, TF_EMPTY_STATE } from './support';
import {
  ConfigValidationError,
  StateClient,
  StateLockedError,
  isConfigValidationError,
  isStateBackendError,
  isStateLockedError,
} from '../../src/client';
import { s3Client, testServers } from '../support/servers';

const base = { bucket: 'b', key: 'path/to/terraform.tfstate', region: 'us-east-1', skip_credentials_validation: true };
const runtimeOf = (c: StateClient) => (c as any).runtime;

describe('configuration', () => {
  test('an invalid configuration is refused with Terraform\'s diagnostics before any request', () => {
    const s3 = s3Client();
    const log = capture(s3);
    const err = (() => {
      try {
        StateClient.fromConfig({ bucket: 'b', key: '', region: 'us-east-1', kms_key_id: 'not-an-arn' }, { s3, env: {} });
      } catch (e) {
        return e;
      }
      return undefined;
    })() as ConfigValidationError;
    expect(isConfigValidationError(err)).toBe(true);
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.diagnostics.map((d) => d.detail)).toEqual(expect.arrayContaining(['The value cannot be empty or all whitespace']));
    expect(err.message).toContain('The value cannot be empty or all whitespace');
    expect(log).toEqual([]);
    s3.destroy();
  });

  test('a missing region is refused unless AWS_REGION or AWS_DEFAULT_REGION is set', () => {
    expect(() => StateClient.fromConfig({ bucket: 'b', key: 'k' }, { env: {} })).toThrow(/Missing region value/);
    const c = StateClient.fromConfig({ bucket: 'b', key: 'k' }, { env: { AWS_DEFAULT_REGION: 'eu-west-1' } });
    expect(runtimeOf(c).config.region).toBe('eu-west-1');
    c.destroy();
  });

  test('warnings (e.g. deprecated dynamodb_table) go to the logger and do not refuse', () => {
    const warnings: string[] = [];
    const c = StateClient.fromConfig({ ...base, dynamodb_table: 't' }, { env: {}, logger: { warn: (m) => warnings.push(m) } });
    expect(warnings.join('\n')).toMatch(/dynamodb_table.*deprecated/);
    expect(c.lockingMode).toBe('dynamodb');
    c.destroy();
  });

  test('own S3 client: endpoints (attribute over env), path style, retries, checksum opt-out', async () => {
    const c = StateClient.fromConfig({ ...base, use_path_style: true, max_retries: 2, retry_mode: 'adaptive', skip_s3_checksum: true, endpoints: { s3: 'http://127.0.0.1:1' } }, { env: { AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:2' } });
    const cfg = runtimeOf(c).s3.config;
    expect((await cfg.endpoint()).port).toBe(1);
    expect(cfg.forcePathStyle).toBe(true);
    expect(await cfg.maxAttempts()).toBe(2);
    expect((await cfg.retryStrategy()).mode).toBe('adaptive');
    expect(await cfg.requestChecksumCalculation()).toBe('WHEN_REQUIRED');
    expect(await cfg.responseChecksumValidation()).toBe('WHEN_REQUIRED');
    c.destroy();

    const d = StateClient.fromConfig(base, { env: { AWS_ENDPOINT_URL_S3: 'localhost:9' } });
    const endpoint = await runtimeOf(d).s3.config.endpoint();
    expect([endpoint.protocol, endpoint.hostname, endpoint.port]).toEqual(['https:', 'localhost', 9]);
    expect(await runtimeOf(d).s3.config.maxAttempts()).toBe(5);
    d.destroy();
  });

  test('credentials: static keys, then the shared files with a profile', async () => {
    const c = StateClient.fromConfig({ ...base, access_key: 'AKIASTATIC', secret_key: 'secret', token: 'tok' }, { env: {} });
    await expect(runtimeOf(c).s3.config.credentials()).resolves.toMatchObject({ accessKeyId: 'AKIASTATIC', secretAccessKey: 'secret', sessionToken: 'tok' });
    c.destroy();

    const dir = mkdtempSync(join(tmpdir(), 'client-creds-'));
    writeFileSync(join(dir, 'credentials'), '[team]\naws_access_key_id = AKIAFILE\naws_secret_access_key = filesecret\n');
    writeFileSync(join(dir, 'config'), '');
    const f = StateClient.fromConfig({ ...base, profile: 'team', shared_credentials_files: [join(dir, 'credentials')], shared_config_files: [join(dir, 'config')] }, { env: {} });
    await expect(runtimeOf(f).s3.config.credentials()).resolves.toMatchObject({ accessKeyId: 'AKIAFILE', secretAccessKey: 'filesecret' });
    f.destroy();
  });

  test('assume_role goes through STS AssumeRole with every block field, source credentials from the chain', async () => {
    const sts = await fakeSts();
    try {
      const c = StateClient.fromConfig({
        ...base,
        access_key: 'AKIASRC',
        secret_key: 'src',
        endpoints: { sts: sts.url },
        assume_role: {
          role_arn: 'arn:aws:iam::123456789012:role/deployer',
          duration: '1h',
          external_id: 'ext-1',
          session_name: 'sess',
          source_identity: 'me',
          policy: '{"Version":"2012-10-17"}',
          policy_arns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'],
          tags: { team: 'a' },
          transitive_tag_keys: ['team'],
        },
      }, { env: {} });
      await expect(runtimeOf(c).s3.config.credentials()).resolves.toMatchObject({ accessKeyId: 'ASIAROLE', sessionToken: 'roletoken' });
      const form = Object.fromEntries(sts.calls[0]);
      expect(form).toMatchObject({
        'Action': 'AssumeRole',
        'RoleArn': 'arn:aws:iam::123456789012:role/deployer',
        'RoleSessionName': 'sess',
        'DurationSeconds': '3600',
        'ExternalId': 'ext-1',
        'SourceIdentity': 'me',
        'Policy': '{"Version":"2012-10-17"}',
        'PolicyArns.member.1.arn': 'arn:aws:iam::aws:policy/ReadOnlyAccess',
        'Tags.member.1.Key': 'team',
        'Tags.member.1.Value': 'a',
        'TransitiveTagKeys.member.1': 'team',
      });
      c.destroy();
    } finally {
      await sts.close();
    }
  });

  test('assume_role_with_web_identity reads the token file and calls AssumeRoleWithWebIdentity', async () => {
    const sts = await fakeSts();
    const dir = mkdtempSync(join(tmpdir(), 'client-web-'));
    writeFileSync(join(dir, 'token'), 'oidc-token-value');
    try {
      const c = StateClient.fromConfig({
        ...base,
        endpoints: { sts: sts.url },
        assume_role_with_web_identity: { role_arn: 'arn:aws:iam::123456789012:role/ci', session_name: 'ci', duration: '30m', web_identity_token_file: join(dir, 'token') },
      }, { env: {} });
      await expect(runtimeOf(c).s3.config.credentials()).resolves.toMatchObject({ accessKeyId: 'ASIAWEB', sessionToken: 'webtoken' });
      expect(Object.fromEntries(sts.calls[0])).toMatchObject({
        Action: 'AssumeRoleWithWebIdentity',
        RoleArn: 'arn:aws:iam::123456789012:role/ci',
        RoleSessionName: 'ci',
        WebIdentityToken: 'oidc-token-value',
        DurationSeconds: '1800',
      });
      c.destroy();
    } finally {
      await sts.close();
    }
  });

  test('without use_lockfile or dynamodb_table, lock is a no-op returning "" as Terraform', async () => {
    const be = await newBackend('none');
    const client = be.client();
    expect(client.lockingMode).toBe('none');
    await expect(client.lock()).resolves.toBe('');
    await expect(client.withLock(async (id) => `ran with "${id}"`)).resolves.toBe('ran with ""');
    await expect(client.getLockInfo()).resolves.toBeUndefined();
    expect(client.requestCounts.total).toBe(0);
    await be.destroy();
  });

  test('skip_credentials_validation=false: one GetCallerIdentity before the first operation, counted, retried after a failure', async () => {
    const sts = await fakeSts();
    const be = await newBackend('lockfile');
    const stsClient = new STSClient({ endpoint: sts.url, region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
    try {
      const client = be.client({ sts: stsClient }, { skip_credentials_validation: false });
      expect(sts.calls).toHaveLength(0);
      sts.failNext();
      const err = await client.readState().catch((e) => e);
      expect(isStateBackendError(err)).toBe(true);
      expect(err.message).toMatch(/^validating provider credentials: retrieving caller identity from STS: InvalidClientTokenId/);
      expect(be.s3Log).toEqual([]);
      await client.writeState(Buffer.from(TF_EMPTY_STATE));
      await client.readState();
      await client.listWorkspaces();
      expect(sts.calls.map((f) => f.get('Action'))).toEqual(['GetCallerIdentity', 'GetCallerIdentity']);
      expect(client.requestCounts.sts).toEqual({ GetCallerIdentity: 2 });
      client.destroy();
      // The caller's STS client is not destroyed by us.
      await expect(stsClient.config.credentials()).resolves.toMatchObject({ accessKeyId: 'a' });
    } finally {
      stsClient.destroy();
      await be.destroy();
      await sts.close();
    }
  });

  test('fromBackendOutputs maps the construct\'s outputs onto backend attributes', () => {
    const c = StateClient.fromBackendOutputs(
      { bucketName: 'tfstate-bucket', region: 'eu-west-1', kmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-86ef-1234567890ab', lockTableName: 'locks', roleArn: 'arn:aws:iam::123456789012:role/state' },
      { key: 'app/terraform.tfstate', env: {}, workspace: 'dev' },
    );
    const config = runtimeOf(c).config;
    expect(config.encryption).toEqual({ type: 'aws:kms', kmsKeyId: 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-86ef-1234567890ab' });
    expect(config.assume_role.role_arn).toBe('arn:aws:iam::123456789012:role/state');
    expect(c.lockingMode).toBe('lockfile+dynamodb');
    expect(c.paths.stateKey).toBe('env:/dev/app/terraform.tfstate');
    c.destroy();
  });

  test('fromBackendOutputs without a key ARN sends no SSE headers (a StateBackend bucket refuses SSE-S3 requests)', () => {
    const c = StateClient.fromBackendOutputs({ bucketName: 'tfstate-bucket', region: 'eu-west-1' }, { key: 'app/terraform.tfstate', env: {} });
    const config = runtimeOf(c).config;
    expect(config.encrypt).toBe(false);
    expect(config.encryption).toEqual({ type: 'none' });
    expect(c.lockingMode).toBe('lockfile');
    c.destroy();
  });

  describe('fromBackendOutputs follows the LockingMode and WorkspaceKeyPrefix outputs', () => {
    const outputs = { bucketName: 'tfstate-bucket', region: 'eu-west-1', lockTableName: 'locks' };
    const key = 'app/terraform.tfstate';

    test.each([
      ['S3_LOCKFILE', 'lockfile', { use_lockfile: true }],
      ['DYNAMODB', 'dynamodb', { use_lockfile: false, dynamodb_table: 'locks' }],
      ['BOTH', 'lockfile+dynamodb', { use_lockfile: true, dynamodb_table: 'locks' }],
    ] as const)('%s → %s', (lockingMode, kind, expected) => {
      const warnings: string[] = [];
      const c = StateClient.fromBackendOutputs({ ...outputs, lockingMode }, { key, env: {}, logger: { warn: (m) => warnings.push(m) } });
      expect(c.lockingMode).toBe(kind);
      expect(runtimeOf(c).config).toMatchObject(expected);
      if (lockingMode === 'S3_LOCKFILE') {
        expect(runtimeOf(c).config.dynamodb_table).toBeFalsy();
        expect(warnings).toEqual([expect.stringContaining('lock table "locks" is not used')]);
      } else {
        expect(warnings.filter((w) => /LockingMode/.test(w))).toEqual([]);
      }
      c.destroy();
    });

    test('without LockingMode (older stacks) the table means both locks, and the logger says it is a guess', () => {
      const warnings: string[] = [];
      const c = StateClient.fromBackendOutputs(outputs, { key, env: {}, logger: { warn: (m) => warnings.push(m) } });
      expect(c.lockingMode).toBe('lockfile+dynamodb');
      expect(warnings).toContainEqual(expect.stringMatching(/no LockingMode .*guess: use_lockfile = true and dynamodb_table = "locks".*Redeploy the stack/));
      c.destroy();
    });

    test('workspaceKeyPrefix comes from the output ("" included); the option wins over it', () => {
      const fromOutput = StateClient.fromBackendOutputs({ ...outputs, lockingMode: 'BOTH', workspaceKeyPrefix: 'team-a/env:' }, { key, env: {}, workspace: 'dev' });
      expect(fromOutput.paths.stateKey).toBe('team-a/env:/dev/app/terraform.tfstate');
      const empty = StateClient.fromBackendOutputs({ ...outputs, lockingMode: 'BOTH', workspaceKeyPrefix: '' }, { key, env: {}, workspace: 'dev' });
      expect(empty.paths.stateKey).toBe('dev/app/terraform.tfstate');
      const option = StateClient.fromBackendOutputs({ ...outputs, workspaceKeyPrefix: 'team-a/env:' }, { key, env: {}, workspace: 'dev', workspaceKeyPrefix: 'other' });
      expect(option.paths.stateKey).toBe('other/dev/app/terraform.tfstate');
      for (const c of [fromOutput, empty, option]) c.destroy();
    });

    test('the LockTags output becomes lock_tags with a lock file; without one it is left out, with a warning', () => {
      const lockTags = { 'object:type': 'lock', 'team': 'platform' };
      const c = StateClient.fromBackendOutputs({ ...outputs, lockingMode: 'BOTH', lockTags }, { key, env: {} });
      expect(runtimeOf(c).config.lock_tags).toEqual(lockTags);
      const warnings: string[] = [];
      const d = StateClient.fromBackendOutputs({ ...outputs, lockingMode: 'DYNAMODB', lockTags }, { key, env: {}, logger: { warn: (m) => warnings.push(m) } });
      expect(runtimeOf(d).config.lock_tags).toBeUndefined();
      expect(warnings.filter((w) => /LockTags/.test(w))).toEqual([expect.stringMatching(/LockTags output is not used: without use_lockfile there is no lock file to tag/)]);
      for (const x of [c, d]) x.destroy();
    });

    test('fails when LockingMode is unknown or names a table that is not given', () => {
      expect(() => StateClient.fromBackendOutputs({ ...outputs, lockingMode: 'TABLE' as any }, { key, env: {} }))
        .toThrow(/LockingMode output is "TABLE"; expected one of S3_LOCKFILE, DYNAMODB, BOTH/);
      expect(() => StateClient.fromBackendOutputs({ bucketName: 'b', region: 'eu-west-1', lockingMode: 'DYNAMODB' }, { key, env: {} }))
        .toThrow(ConfigValidationError);
      expect(() => StateClient.fromBackendOutputs({ bucketName: 'b', region: 'eu-west-1', lockingMode: 'BOTH' }, { key, env: {} }))
        .toThrow(/LockingMode BOTH locks with a DynamoDB table, but no lock table name was given/);
    });
  });

  test('sdkClients() hands out the configured clients: assume_role credentials, DynamoDB only with a table, shared with other workspaces', async () => {
    const sts = await fakeSts();
    try {
      const c = StateClient.fromConfig({
        ...base,
        access_key: 'AKIASRC',
        secret_key: 'src',
        endpoints: { sts: sts.url },
        dynamodb_table: 'locks',
        assume_role: { role_arn: 'arn:aws:iam::123456789012:role/deployer' },
      }, { env: {} });
      const { s3, dynamodb } = c.sdkClients();
      expect(s3).toBe(runtimeOf(c).s3);
      expect(dynamodb).toBe(runtimeOf(c).dynamodb);
      await expect(s3.config.credentials()).resolves.toMatchObject({ accessKeyId: 'ASIAROLE', sessionToken: 'roletoken' });
      await expect(dynamodb!.config.credentials()).resolves.toMatchObject({ accessKeyId: 'ASIAROLE' });
      expect(sts.calls.map((f) => f.get('Action'))).toContain('AssumeRole');
      // Other workspaces share them.
      expect(c.withWorkspace('dev').sdkClients().s3).toBe(s3);
      c.destroy();
      const noTable = StateClient.fromConfig({ ...base, use_lockfile: true }, { env: {} });
      expect(noTable.sdkClients().dynamodb).toBeUndefined();
      noTable.destroy();
    } finally {
      await sts.close();
    }
  });

  test('destroy() leaves caller-provided clients usable; an aborted signal stops before any request', async () => {
    const be = await newBackend('lockfile');
    const client = be.client();
    client.destroy();
    await expect(be.rawExists('anything')).resolves.toBe(false);
    const other = be.client();
    const controller = new AbortController();
    controller.abort();
    be.s3Log.length = 0;
    await expect(other.readState({ signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' });
    await expect(other.lock({ signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' });
    expect(be.s3Log).toEqual([]);
    await be.destroy();
  });

  test('test servers are reachable with the configured endpoint attributes (no caller clients)', async () => {
    const be = await newBackend('lockfile');
    const servers = testServers();
    const client = StateClient.fromConfig({
      ...be.config,
      endpoints: { s3: servers.s3Endpoint },
      use_path_style: true,
      access_key: servers.accessKeyId,
      secret_key: servers.secretAccessKey,
    }, { env: {} });
    await client.withLock(() => client.writeState(Buffer.from(TF_EMPTY_STATE)));
    expect((await client.readState())?.md5).toBe('076c63e990e99364261f1f739b724cc7');
    client.destroy();
    await be.destroy();
  });
});

describe('errors', () => {
  test('guards recognise errors from another copy of the package; instanceof does not', () => {
    let copy: typeof import('../../src/client/errors') | undefined;
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- a second module instance is the point
      copy = require('../../src/client/errors');
    });
    const foreign = new copy!.StateLockedError('held', undefined);
    expect(foreign instanceof StateLockedError).toBe(false);
    expect(isStateLockedError(foreign)).toBe(true);
    expect(isStateBackendError(foreign)).toBe(true);
    expect(isConfigValidationError(foreign)).toBe(false);
    expect(foreign.name).toBe('StateLockedError');
    expect(foreign.code).toBe('STATE_LOCKED');
    expect(isStateLockedError({ name: 'StateLockedError', code: 'STATE_LOCKED' })).toBe(false);
    expect(isStateLockedError(null)).toBe(false);
  });

  test('the SDK error is kept as cause', () => {
    const sdk = Object.assign(new Error('x'), { name: 'ConditionalCheckFailedException' });
    const e = new StateLockedError('held', undefined, { cause: sdk });
    expect(e.cause).toBe(sdk);
  });
});
