import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { inspectReplicationRole } from '../../src/client/private/replication-role';
import { Runtime } from '../../src/client/private/runtime';
import { resolveSdkSettings } from '../../src/client/private/sdk-clients';
import { validateConfig } from '../../src/protocol/config';

/**
 * `tfstate doctor` reads the replication role with the SDK's IAM client (endpoints.iam, the backend's
 * credentials), counted as an `iam` request. No IAM runs locally: a stand-in on 127.0.0.1 answers
 * GetRole with the Query API's XML, so the real SDK client, its endpoint and its parser are exercised.
 */
describe('Runtime.roleReader: GetRole through @aws-sdk/client-iam', () => {
  const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 's3.amazonaws.com' }, Action: 'sts:AssumeRole' }] };
  let forms: URLSearchParams[];
  let server: ReturnType<typeof createServer>;
  let url: string;

  beforeEach(async () => {
    forms = [];
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const form = new URLSearchParams(body);
        forms.push(form);
        res.setHeader('content-type', 'text/xml');
        if (form.get('RoleName') === 'gone') {
          res.statusCode = 404;
          res.end('<ErrorResponse><Error><Type>Sender</Type><Code>NoSuchEntity</Code><Message>The role with name gone cannot be found.</Message></Error></ErrorResponse>');
          return;
        }
        res.end(`<GetRoleResponse><GetRoleResult><Role><RoleName>${form.get('RoleName')}</RoleName><Path>/</Path>`
          + `<Arn>arn:aws:iam::123456789012:role/${form.get('RoleName')}</Arn><RoleId>AROAEXAMPLE</RoleId>`
          + '<CreateDate>2026-01-01T00:00:00Z</CreateDate>'
          + `<AssumeRolePolicyDocument>${encodeURIComponent(JSON.stringify(trust))}</AssumeRolePolicyDocument>`
          + '</Role></GetRoleResult></GetRoleResponse>');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  function runtime(): Runtime {
    const env = { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret' };
    const { config } = validateConfig({
      bucket: 'b', key: 'k', region: 'eu-west-1', skip_credentials_validation: true, endpoints: { iam: url },
    }, env);
    return new Runtime(config, env, {}, resolveSdkSettings(config, env));
  }

  test('a role that trusts S3 is usable; the GetRole request is counted as iam', async () => {
    const rt = runtime();
    try {
      const status = await inspectReplicationRole('arn:aws:iam::123456789012:role/replication', rt.roleReader());
      expect(status.verdict).toBe('usable');
      expect(forms.map((f) => [f.get('Action'), f.get('RoleName')])).toEqual([['GetRole', 'replication']]);
      expect(rt.counter.snapshot().iam).toEqual({ GetRole: 1 });
    } finally {
      rt.destroy();
    }
  });

  test('a deleted role is broken (NoSuchEntity from IAM)', async () => {
    const rt = runtime();
    try {
      const status = await inspectReplicationRole('arn:aws:iam::123456789012:role/gone', rt.roleReader());
      expect(status).toEqual(expect.objectContaining({ verdict: 'broken' }));
      expect(status.detail).toContain('does not exist');
    } finally {
      rt.destroy();
    }
  });
});
