import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, IncomingMessage, request as httpRequest, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { AddressInfo, connect, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Local stand-ins for the configuration tests: an STS, a forward proxy, a TLS front. All on 127.0.0.1. */

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

function closer(server: Server, sockets: Set<Socket> = new Set()): () => Promise<void> {
  return () => new Promise((resolve) => {
    for (const s of sockets) s.destroy();
    server.closeAllConnections?.();
    server.close(() => resolve());
  });
}

/** What {@link fakeSts} answers GetCallerIdentity with. */
export interface FakeStsOptions {
  readonly account?: string;
  /** Serve HTTPS with this certificate and key. */
  readonly tls?: { readonly cert: Buffer; readonly key: Buffer };
}

export interface FakeSts {
  readonly url: string;
  readonly calls: URLSearchParams[];
  failNext(): void;
  close(): Promise<void>;
}

/** A local STS stand-in (no STS runs locally): records each call's form body and answers it. */
export async function fakeSts(opts: FakeStsOptions = {}): Promise<FakeSts> {
  const calls: URLSearchParams[] = [];
  let fail = false;
  const account = opts.account ?? '123456789012';
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const form = new URLSearchParams(body);
      calls.push(form);
      res.setHeader('content-type', 'text/xml');
      if (fail) {
        fail = false;
        res.statusCode = 403;
        res.end('<ErrorResponse><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code><Message>bad token</Message></Error></ErrorResponse>');
        return;
      }
      if (form.get('Action') === 'GetCallerIdentity') {
        res.end(`<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::${account}:user/t</Arn><UserId>AIDA</UserId><Account>${account}</Account></GetCallerIdentityResult></GetCallerIdentityResponse>`);
      } else if (form.get('Action') === 'AssumeRoleWithWebIdentity') {
        const exp = new Date(Date.now() + 3600_000).toISOString();
        res.end(`<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials><AccessKeyId>ASIAWEB</AccessKeyId><SecretAccessKey>websecret</SecretAccessKey><SessionToken>webtoken</SessionToken><Expiration>${exp}</Expiration></Credentials></AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>`);
      } else {
        const exp = new Date(Date.now() + 3600_000).toISOString();
        res.end(`<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ASIAROLE</AccessKeyId><SecretAccessKey>rolesecret</SecretAccessKey><SessionToken>roletoken</SessionToken><Expiration>${exp}</Expiration></Credentials><AssumedRoleUser><Arn>arn:aws:sts::${account}:assumed-role/r/s</Arn><AssumedRoleId>AROA:s</AssumedRoleId></AssumedRoleUser></AssumeRoleResult></AssumeRoleResponse>`);
      }
    });
  };
  const server: Server = opts.tls ? createHttpsServer({ cert: opts.tls.cert, key: opts.tls.key }, handler) : createServer(handler);
  const port = await listen(server);
  return {
    url: `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    calls,
    failNext: () => { fail = true; },
    close: closer(server),
  };
}

/**
 * A forward proxy that answers `CONNECT host:port` by tunnelling to 127.0.0.1:port, whatever the host:
 * a client that reaches a server named `*.invalid` can only have gone through it. Counts each tunnel.
 */
export async function countingProxy(): Promise<{ url: string; tunnels: string[]; close: () => Promise<void> }> {
  const tunnels: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((_req, res) => {
    res.statusCode = 405;
    res.end('CONNECT only');
  });
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    sockets.add(client);
    tunnels.push(req.url ?? '');
    const port = Number((req.url ?? '').split(':').pop());
    const upstream = connect(port, '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  const port = await listen(server);
  return { url: `http://127.0.0.1:${port}`, tunnels, close: closer(server, sockets) };
}

/** A self-signed certificate for 127.0.0.1, localhost and `names`, made by the `openssl` CLI. */
export function selfSignedCert(names: readonly string[] = []): { cert: Buffer; key: Buffer; certFile: string } {
  const dir = mkdtempSync(join(tmpdir(), 'config-tls-'));
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '1',
    '-subj', '/CN=localhost', '-addext', `subjectAltName=IP:127.0.0.1,DNS:localhost${names.map((n) => `,DNS:${n}`).join('')}`], { stdio: 'ignore' });
  return { cert: readFileSync(certFile), key: readFileSync(keyFile), certFile };
}

/** An HTTPS front for a local HTTP server (e.g. Ceph RGW): forwards each request unchanged, counts them. */
export async function tlsFront(
  target: string, tls: { cert: Buffer; key: Buffer },
): Promise<{ url: string; requests: string[]; close: () => Promise<void> }> {
  const requests: string[] = [];
  const upstream = new URL(target);
  const server = createHttpsServer({ cert: tls.cert, key: tls.key }, (req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const fwd = httpRequest({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    fwd.on('error', () => res.destroy());
    req.pipe(fwd);
  });
  const port = await listen(server);
  return { url: `https://127.0.0.1:${port}`, requests, close: closer(server) };
}

/** An EC2 instance metadata (IMDSv2) stand-in that hands out one role's credentials and counts requests. */
export async function fakeImds(): Promise<{ url: string; requests: string[]; close: () => Promise<void> }> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    if (req.method === 'PUT' && req.url === '/latest/api/token') {
      res.end('imds-token');
    } else if (req.url === '/latest/meta-data/iam/security-credentials/') {
      res.end('state-role');
    } else if (req.url === '/latest/meta-data/iam/security-credentials/state-role') {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({
        Code: 'Success',
        Type: 'AWS-HMAC',
        AccessKeyId: 'ASIAIMDS',
        SecretAccessKey: 'imdssecret',
        Token: 'imdstoken',
        Expiration: new Date(Date.now() + 3600_000).toISOString(),
        LastUpdated: new Date().toISOString(),
      }));
    } else {
      res.statusCode = 404;
      res.end();
    }
  });
  const port = await listen(server);
  return { url: `http://127.0.0.1:${port}`, requests, close: closer(server) };
}
