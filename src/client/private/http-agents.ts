import * as http from 'node:http';
import * as https from 'node:https';
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import * as tls from 'node:tls';
import type { ResolvedProxy } from '../../protocol/config';

/**
 * The HTTP agents behind `custom_ca_bundle`, `insecure` and the proxy settings, and the limit on TLS
 * handshakes. The HTTPS agent is always ours (for the handshake limit, with the SDK's agent options
 * otherwise); the plain-HTTP one only when a proxy is set.
 *
 * Proxies follow Go's `golang.org/x/net/http/httpproxy`, which aws-sdk-go-base uses: `NO_PROXY`
 * entries are `*`, host names (matching sub-domains too, `.example.com` only sub-domains), IP
 * addresses or CIDR blocks, each with an optional port; `localhost` and loopback addresses never go
 * through a proxy. Both HTTP and HTTPS endpoints are reached through a `CONNECT` tunnel; Go sends
 * plain-HTTP requests to the proxy in absolute form instead (a deliberate difference, see the README).
 */

/** TLS and proxy settings of every SDK client of one configuration. */
export interface TransportSettings {
  /** PEM certificates that replace the default trust store (`custom_ca_bundle`). */
  readonly ca?: Buffer;
  /** `insecure`: do not verify the server's certificate. */
  readonly insecure: boolean;
  readonly proxy: ResolvedProxy;
  /** How long a TLS handshake may take, ms; only tests set it. @default TLS_HANDSHAKE_TIMEOUT_MS */
  readonly tlsHandshakeTimeoutMs?: number;
}

/**
 * How long a new connection may take to be established, ms: Terraform's dialer timeout (aws-sdk-go-base
 * builds its HTTP client with aws-sdk-go-v2's `awshttp.NewBuildableClient()`, whose `net.Dialer` has
 * `DefaultDialConnectTimeout`, 30 s, in `aws/transport/http/client.go`). Without it, a connection to an
 * endpoint that drops packets waits for the operating system (about two minutes on Linux) on every
 * attempt. Like Terraform, no limit on the response once connected.
 */
export const CONNECT_TIMEOUT_MS = 30_000;

/**
 * How long a TLS handshake may take once the TCP connection is up, ms: Terraform's, as that same HTTP
 * client sets net/http's `Transport.TLSHandshakeTimeout` to aws-sdk-go-v2's
 * `DefaultHTTPTransportTLSHandleshakeTimeout` (sic), 10 s, in `aws/transport/http/client.go`; Go then
 * fails the attempt with "net/http: TLS handshake timeout", a timeout its retryer retries. The SDK's
 * connect timeout ends at the TCP connection, so without this an endpoint, proxy or middlebox that
 * accepts connections but never answers the TLS hello would hold every request forever. Applies to
 * the handshake with the endpoint (directly or through a proxy's tunnel) and with an `https://` proxy.
 */
export const TLS_HANDSHAKE_TIMEOUT_MS = 10_000;

/** The `requestHandler` options of the SDK clients: the connect timeout, and agents when the transport needs its own. */
export interface RequestHandlerOptions {
  readonly connectionTimeout: number;
  readonly httpAgent?: http.Agent;
  readonly httpsAgent?: https.Agent;
}

/**
 * The `requestHandler` options of the SDK clients: an HTTPS agent of ours (the handshake limit, and
 * the TLS and proxy settings when set); for plain HTTP the SDK's own agent unless a proxy is set.
 */
export function requestHandlerOptions(t: TransportSettings): RequestHandlerOptions {
  const handshakeMs = t.tlsHandshakeTimeoutMs ?? TLS_HANDSHAKE_TIMEOUT_MS;
  if (!t.ca && !t.insecure && !t.proxy.http && !t.proxy.https) {
    return { connectionTimeout: CONNECT_TIMEOUT_MS, httpsAgent: new TunnelHttpsAgent(() => undefined, {}, handshakeMs) };
  }
  const noProxy = parseNoProxy(t.proxy.noProxy);
  const tlsOptions = { ...(t.ca ? { ca: t.ca } : {}), rejectUnauthorized: !t.insecure };
  const pick = (proxy: string | undefined) => (host: string, port: number) => (proxy && useProxy(host, port, noProxy) ? proxyUrl(proxy) : undefined);
  return {
    connectionTimeout: CONNECT_TIMEOUT_MS,
    httpAgent: new TunnelHttpAgent(pick(t.proxy.http), handshakeMs),
    httpsAgent: new TunnelHttpsAgent(pick(t.proxy.https), tlsOptions, handshakeMs),
  };
}

/**
 * Destroys `socket` with a timeout error (code `ETIMEDOUT`, which the SDK retries as it retries Go's)
 * when its TLS handshake has not completed `ms` after the TCP connection (at once when already connected).
 */
function limitHandshake(socket: tls.TLSSocket, ms: number, where: string): void {
  let timer: NodeJS.Timeout | undefined;
  const start = () => {
    timer = setTimeout(() => socket.destroy(handshakeTimeoutError(where, ms)), ms);
    timer.unref();
  };
  if (socket.connecting) socket.once('connect', start);
  else start();
  const stop = () => clearTimeout(timer);
  socket.once('secureConnect', stop);
  socket.once('close', stop);
}

function handshakeTimeoutError(where: string, ms: number): Error {
  const limit = ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
  return Object.assign(new Error(
    `TLS handshake timeout: ${where} accepted the connection but did not complete a TLS handshake within ${limit} `
    + '(Terraform\'s limit, "net/http: TLS handshake timeout"). Check that this port serves HTTPS (an http:// endpoint '
    + 'needs that scheme in the endpoint URL), and any proxy or firewall on the way.',
  ), { code: 'ETIMEDOUT' });
}

type ProxyFor = (host: string, port: number) => URL | undefined;
type Callback = (err: Error | null, socket: Duplex) => void;
type TunnelCallback = (err: Error | null, socket?: Duplex) => void;

/** The SDK's agent defaults (`@smithy/node-http-handler`). */
const AGENT_OPTIONS = { keepAlive: true, maxSockets: 50 };

class TunnelHttpAgent extends http.Agent {
  constructor(private readonly proxyFor: ProxyFor, private readonly handshakeMs: number) {
    super(AGENT_OPTIONS);
  }

  public createConnection(options: http.ClientRequestArgs, cb?: Callback): Duplex | null | undefined {
    const host = options.host ?? 'localhost';
    const port = Number(options.port ?? 80);
    const proxy = this.proxyFor(host, port);
    if (!proxy) return (http.Agent.prototype as any).createConnection.call(this, options, cb);
    tunnel(proxy, host, port, this.handshakeMs, (err, socket) => cb!(err, socket!));
    return undefined;
  }
}

/** The SDK's HTTPS agent options, plus the handshake limit, the TLS settings and the proxy when set. */
class TunnelHttpsAgent extends https.Agent {
  constructor(private readonly proxyFor: ProxyFor, tlsOptions: https.AgentOptions, private readonly handshakeMs: number) {
    super({ ...AGENT_OPTIONS, ...tlsOptions });
  }

  /** The TLS handshake limit ({@link TLS_HANDSHAKE_TIMEOUT_MS}), ms. */
  public get tlsHandshakeTimeoutMs(): number {
    return this.handshakeMs;
  }

  public createConnection(options: https.RequestOptions, cb?: Callback): Duplex | null | undefined {
    const host = options.host ?? 'localhost';
    const port = Number(options.port ?? 443);
    const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
    const proxy = this.proxyFor(host, port);
    if (!proxy) {
      const socket = (https.Agent.prototype as any).createConnection.call(this, options, cb) as Duplex | null | undefined;
      if (socket instanceof tls.TLSSocket) limitHandshake(socket, this.handshakeMs, where);
      return socket;
    }
    tunnel(proxy, host, port, this.handshakeMs, (err, socket) => {
      if (err || !socket) return cb!(err ?? new Error('proxy tunnel closed'), socket!);
      const servername = options.servername || (isIP(host) ? undefined : host);
      const secure = tls.connect({ ...(options as tls.ConnectionOptions), socket, servername });
      limitHandshake(secure, this.handshakeMs, `${where} (through proxy ${proxy.protocol}//${proxy.host})`);
      secure.once('secureConnect', () => cb!(null, secure));
      secure.once('error', (e) => cb!(e, secure));
    });
    return undefined;
  }
}

/**
 * Opens a `CONNECT host:port` tunnel through `proxy` (http or https scheme, optional basic auth); the
 * TLS handshake with an `https://` proxy is limited to `handshakeMs`.
 */
function tunnel(proxy: URL, host: string, port: number, handshakeMs: number, cb: TunnelCallback): void {
  const target = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  const auth = proxy.username
    ? { 'proxy-authorization': `Basic ${Buffer.from(`${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`).toString('base64')}` }
    : {};
  const request = proxy.protocol === 'https:' ? https.request : http.request;
  const req = request({
    host: proxy.hostname.replace(/^\[|\]$/g, ''),
    port: proxy.port || (proxy.protocol === 'https:' ? 443 : 80),
    method: 'CONNECT',
    path: target,
    headers: { host: target, ...auth },
    agent: false,
  });
  // The proxy's address without credentials: errors end up in logs.
  const where = `${proxy.protocol}//${proxy.host}`;
  if (proxy.protocol === 'https:') {
    req.once('socket', (socket) => {
      if (socket instanceof tls.TLSSocket) limitHandshake(socket, handshakeMs, 'the proxy');
    });
  }
  req.once('connect', (res, socket, head) => {
    if (res.statusCode !== 200) {
      socket.destroy();
      cb(new Error(`proxy ${where} refused CONNECT ${target}: ${res.statusCode} ${res.statusMessage ?? ''}`.trim()));
      return;
    }
    if (head.length > 0) socket.unshift(head);
    cb(null, socket);
  });
  // The code stays: the SDK retries resets and timeouts by it, as Go's retryer retries them.
  req.once('error', (e) => cb(Object.assign(new Error(`proxy ${where}: ${e.message}`), { code: (e as NodeJS.ErrnoException).code })));
  req.end();
}

/** Go's httpproxy: a proxy without a scheme is `http://`. */
function proxyUrl(proxy: string): URL {
  return new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(proxy) ? proxy : `http://${proxy}`);
}

interface NoProxyEntry {
  readonly host?: string;
  readonly cidr?: { readonly base: bigint; readonly bits: number; readonly v6: boolean };
  readonly port?: number;
  readonly suffixOnly?: boolean;
}

/** `NO_PROXY` as Go's httpproxy parses it; `'*'` (everything) is `'all'`. */
export function parseNoProxy(value: string | undefined): readonly NoProxyEntry[] | 'all' {
  const out: NoProxyEntry[] = [];
  for (let raw of (value ?? '').split(',')) {
    raw = raw.trim().toLowerCase();
    if (raw === '') continue;
    if (raw === '*') return 'all';
    const slash = raw.indexOf('/');
    if (slash > 0) {
      const ip = raw.slice(0, slash);
      const bits = Number(raw.slice(slash + 1));
      if (isIP(ip) && Number.isInteger(bits)) {
        out.push({ cidr: { base: ipToBigInt(ip), bits, v6: isIP(ip) === 6 } });
        continue;
      }
    }
    let host = raw;
    let port: number | undefined;
    const m = /^(.*):(\d+)$/.exec(raw);
    if (m && !isIP(raw)) {
      host = m[1];
      port = Number(m[2]);
    }
    host = host.replace(/^\[|\]$/g, '');
    if (isIP(host)) {
      out.push({ cidr: { base: ipToBigInt(host), bits: isIP(host) === 6 ? 128 : 32, v6: isIP(host) === 6 }, port });
    } else if (host.startsWith('*.')) {
      out.push({ host: host.slice(1), port, suffixOnly: true });
    } else {
      out.push({ host, port, suffixOnly: host.startsWith('.') });
    }
  }
  return out;
}

/** Go's `useProxy`: false for localhost, loopback addresses and `NO_PROXY` matches. */
export function useProxy(host: string, port: number, noProxy: readonly NoProxyEntry[] | 'all'): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  if (h === 'localhost') return false;
  const ipVersion = isIP(h);
  if (ipVersion === 4 && h.startsWith('127.')) return false;
  if (ipVersion === 6 && (h === '::1' || h === '0:0:0:0:0:0:0:1')) return false;
  if (noProxy === 'all') return false;
  for (const e of noProxy) {
    if (e.port !== undefined && e.port !== port) continue;
    if (e.cidr) {
      if (ipVersion !== 0 && (ipVersion === 6) === e.cidr.v6 && inCidr(ipToBigInt(h), e.cidr.base, e.cidr.bits, e.cidr.v6)) return false;
      continue;
    }
    if (e.host === undefined || ipVersion !== 0) continue;
    const bare = e.host.replace(/^\./, '');
    if (e.suffixOnly ? h.endsWith(`.${bare}`) : h === bare || h.endsWith(`.${bare}`)) return false;
  }
  return true;
}

function ipToBigInt(ip: string): bigint {
  if (isIP(ip) === 4) return ip.split('.').reduce((acc, part) => acc * 256n + BigInt(Number(part)), 0n);
  const [head, tail = ''] = ip.split('::');
  const parts = (s: string) => (s === '' ? [] : s.split(':'));
  const h = parts(head);
  const t = ip.includes('::') ? parts(tail) : [];
  const groups = [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return groups.reduce((acc, g) => acc * 65536n + BigInt(parseInt(g, 16)), 0n);
}

function inCidr(ip: bigint, base: bigint, bits: number, v6: boolean): boolean {
  const width = v6 ? 128 : 32;
  const block = 2n ** BigInt(width - Math.min(Math.max(bits, 0), width));
  return ip / block === base / block;
}
