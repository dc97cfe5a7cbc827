/**
 * The proxy's `latency` action, which the contention benchmark's S3-like rows rely on: half the
 * round trip before the request reaches the server, the other half before the response returns.
 * The upstream is an in-process HTTP server recording when each request arrives.
 */
import { createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FaultProxy } from './fault-proxy';

function upstream(arrivals: number[]): Promise<Server> {
  const server = createServer((req, res) => {
    arrivals.push(performance.now());
    req.resume();
    res.end('ok');
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function fetchTimed(url: string): Promise<{ body: string; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    get(url, { agent: false }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve({ body: Buffer.concat(parts).toString('utf8'), ms: performance.now() - started }));
    }).on('error', reject);
  });
}

describe('FaultProxy latency', () => {
  let server: Server;
  let proxy: FaultProxy;
  const arrivals: number[] = [];

  beforeAll(async () => {
    server = await upstream(arrivals);
    proxy = await FaultProxy.start(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  });
  afterAll(async () => {
    await proxy.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  test('a request reaches the server half a round trip after it was sent, and its response takes the other half', async () => {
    proxy.add({ match: { url: /^\/slow/ }, action: 'latency', delayMs: 200, times: 1 });
    arrivals.length = 0;
    const sent = performance.now();
    const r = await fetchTimed(`${proxy.url}/slow`);
    expect(r.body).toBe('ok');
    expect(arrivals).toHaveLength(1);
    // Timers may fire up to a millisecond early.
    expect(arrivals[0] - sent).toBeGreaterThanOrEqual(99);
    expect(r.ms).toBeGreaterThanOrEqual(198);
    expect(proxy.faulted.map((q) => q.fault)).toEqual(['latency']);
  });

  test('a request no rule matches is forwarded at once', async () => {
    arrivals.length = 0;
    const sent = performance.now();
    const r = await fetchTimed(`${proxy.url}/fast`);
    expect(r.body).toBe('ok');
    expect(arrivals[0] - sent).toBeLessThan(100);
  });
});
