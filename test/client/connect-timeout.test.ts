/**
 * The connect timeout of every SDK client: Terraform's dialer gives up on a connection after 30 s
 * (aws-sdk-go-base `defaultHttpClient` → aws-sdk-go-v2 `awshttp.NewBuildableClient()`, whose
 * `net.Dialer` uses `DefaultDialConnectTimeout` in `aws/transport/http/client.go`). No server can be
 * made to leave a TCP connect pending on loopback (the kernel completes or refuses it), so the
 * socket here is one that never connects; the 30 s pass on fake timers.
 */
import * as http from 'node:http';
import { Socket } from 'node:net';
import { StateClient } from '../../src/client';

const config = {
  bucket: 'b',
  key: 'k/terraform.tfstate',
  region: 'us-east-1',
  skip_credentials_validation: true,
  access_key: 'AKIDEXAMPLE',
  secret_key: 'secret',
  use_path_style: true,
  max_retries: 1,
  // Never reached: every connection is the pending socket below.
  endpoints: { s3: 'http://127.0.0.1:9' },
};

describe('connect timeout (Terraform: 30 s)', () => {
  const original = http.Agent.prototype.createConnection;
  const sockets: Socket[] = [];

  beforeEach(() => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask', 'Date', 'hrtime', 'performance'] });
    (http.Agent.prototype as any).createConnection = () => {
      // A socket in the middle of connecting, as one to an endpoint that drops packets.
      const s = new Socket();
      (s as any).connecting = true;
      sockets.push(s);
      return s;
    };
  });

  afterEach(() => {
    http.Agent.prototype.createConnection = original;
    for (const s of sockets.splice(0)) s.destroy();
    jest.useRealTimers();
  });

  test('a connection that is not established within 30 s fails the request with the SDK\'s timeout, not sooner', async () => {
    const client = StateClient.fromConfig(config, { env: {} });
    let settled: unknown;
    const read = client.readState().then(() => { settled = 'resolved'; }, (e) => { settled = e; });
    // The request reaches its socket after a few turns of the (real) event loop.
    for (let i = 0; i < 1000 && sockets.length === 0 && settled === undefined; i++) await new Promise((r) => setImmediate(r));
    expect(sockets.length).toBe(1);
    await jest.advanceTimersByTimeAsync(29_000);
    expect(settled).toBeUndefined();
    await jest.advanceTimersByTimeAsync(1_500);
    for (let i = 0; i < 1000 && settled === undefined; i++) await new Promise((r) => setImmediate(r));
    expect(settled).toBeInstanceOf(Error);
    await read;
    expect(String((settled as Error).message)).toMatch(/did not establish a connection with the server within the configured timeout of 30000 ms/);
    client.destroy();
  });
});
