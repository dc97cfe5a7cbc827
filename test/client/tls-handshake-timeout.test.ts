/**
 * Terraform's TLS handshake limit (src/client/private/http-agents.ts, TLS_HANDSHAKE_TIMEOUT_MS: net/http's
 * `Transport.TLSHandshakeTimeout`, 10 s, set by aws-sdk-go-v2 `aws/transport/http/client.go` for
 * Terraform's S3 backend), against in-process stand-ins on 127.0.0.1: an endpoint that accepts TCP
 * connections and never answers the TLS hello, a CONNECT proxy, a TLS server that answers slowly. The
 * limit is shortened here through the transport's test-only `tlsHandshakeTimeoutMs`.
 */
import { get as httpGet } from 'node:http';
import { type Agent as HttpsAgent, createServer as createHttpsServer, get as httpsGet } from 'node:https';
import { type AddressInfo, createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { countingProxy, selfSignedCert } from './config-stand-ins';
import { requestHandlerOptions, TLS_HANDSHAKE_TIMEOUT_MS } from '../../src/client/private/http-agents';

const LIMIT_MS = 300;

/** Accepts TCP connections and never writes a byte: a TLS hello goes unanswered. Counts connections. */
async function silentServer(): Promise<{ port: number; connections: () => number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server: Server = createTcpServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => connections,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** GETs `url` through `agent`; resolves with the status and body, or rejects with the request's error. */
function fetchVia(getter: typeof httpsGet | typeof httpGet, url: string, agent: unknown): Promise<{ status?: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = getter(url, { agent: agent as HttpsAgent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

describe('TLS handshake limit (Terraform: net/http TLSHandshakeTimeout, 10 s)', () => {
  test('every configuration gets it, with or without TLS and proxy settings', () => {
    expect(TLS_HANDSHAKE_TIMEOUT_MS).toBe(10_000);
    const plain = requestHandlerOptions({ insecure: false, proxy: {} });
    const proxied = requestHandlerOptions({ insecure: true, proxy: { https: 'http://proxy.example:3128' } });
    for (const options of [plain, proxied]) {
      expect((options.httpsAgent as unknown as { tlsHandshakeTimeoutMs: number }).tlsHandshakeTimeoutMs).toBe(10_000);
      options.httpsAgent!.destroy();
      options.httpAgent?.destroy();
    }
  });

  test('an endpoint that accepts the connection but never answers TLS fails each attempt after the limit; the SDK retries it', async () => {
    const silent = await silentServer();
    const requestHandler = requestHandlerOptions({ insecure: false, proxy: {}, tlsHandshakeTimeoutMs: LIMIT_MS });
    const s3 = new S3Client({
      region: 'us-east-1',
      endpoint: `https://127.0.0.1:${silent.port}`,
      forcePathStyle: true,
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
      maxAttempts: 2,
      requestHandler,
    });
    const started = Date.now();
    try {
      const e = await s3.send(new GetObjectCommand({ Bucket: 'b', Key: 'k' })).then(() => undefined, (err: unknown) => err as Error & { code?: string });
      const elapsed = Date.now() - started;
      expect(e).toBeDefined();
      expect(e!.message).toContain(`TLS handshake timeout: 127.0.0.1:${silent.port} accepted the connection`);
      expect(e!.message).toContain('within 300 ms');
      expect(e!.code).toBe('ETIMEDOUT');
      // Go's retryer retries a handshake timeout; so does the SDK (a timeout code): one connection per attempt.
      expect(silent.connections()).toBe(2);
      expect(elapsed).toBeGreaterThanOrEqual(2 * LIMIT_MS - 20);
      expect(elapsed).toBeLessThan(10_000);
    } finally {
      s3.destroy();
      await silent.close();
    }
  });

  test('only the handshake is limited: a TLS server that answers after three times the limit is waited for', async () => {
    const tls = selfSignedCert();
    const server = createHttpsServer({ cert: tls.cert, key: tls.key }, (_req, res) => {
      setTimeout(() => res.end('late but whole'), 3 * LIMIT_MS);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { httpsAgent } = requestHandlerOptions({ ca: tls.cert, insecure: false, proxy: {}, tlsHandshakeTimeoutMs: LIMIT_MS });
    try {
      const res = await fetchVia(httpsGet, `https://127.0.0.1:${(server.address() as AddressInfo).port}/`, httpsAgent);
      expect(res).toEqual({ status: 200, body: 'late but whole' });
    } finally {
      httpsAgent!.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  test('through a CONNECT proxy: the handshake with the endpoint inside the tunnel is limited too', async () => {
    const silent = await silentServer();
    const proxy = await countingProxy();
    const { httpsAgent, httpAgent } = requestHandlerOptions({ insecure: false, proxy: { https: proxy.url }, tlsHandshakeTimeoutMs: LIMIT_MS });
    try {
      // The proxy tunnels any host to 127.0.0.1:port; `.invalid` never resolves, so only the tunnel reaches it.
      const e = await fetchVia(httpsGet, `https://silent.proxy-test.invalid:${silent.port}/`, httpsAgent).then(() => undefined, (err: Error) => err);
      expect(e?.message).toContain(`TLS handshake timeout: silent.proxy-test.invalid:${silent.port} (through proxy ${proxy.url}) accepted the connection`);
      expect(proxy.tunnels).toEqual([`silent.proxy-test.invalid:${silent.port}`]);
    } finally {
      httpsAgent!.destroy();
      httpAgent!.destroy();
      await proxy.close();
      await silent.close();
    }
  });

  test('an https:// proxy that never answers the TLS hello is limited as well, and the error keeps its timeout code', async () => {
    const silent = await silentServer();
    const proxyUrl = `https://127.0.0.1:${silent.port}`;
    const { httpsAgent, httpAgent } = requestHandlerOptions({ insecure: false, proxy: { http: proxyUrl }, tlsHandshakeTimeoutMs: LIMIT_MS });
    try {
      const e = await fetchVia(httpGet, 'http://endpoint.proxy-test.invalid:9000/', httpAgent).then(() => undefined, (err: Error & { code?: string }) => err);
      expect(e?.message).toBe(`proxy ${proxyUrl}: TLS handshake timeout: the proxy accepted the connection but did not complete a TLS handshake `
        + 'within 300 ms (Terraform\'s limit, "net/http: TLS handshake timeout"). Check that this port serves HTTPS (an http:// endpoint '
        + 'needs that scheme in the endpoint URL), and any proxy or firewall on the way.');
      expect(e?.code).toBe('ETIMEDOUT');
      expect(silent.connections()).toBe(1);
    } finally {
      httpsAgent!.destroy();
      httpAgent!.destroy();
      await silent.close();
    }
  });
});
