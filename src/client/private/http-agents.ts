import * as http from 'node:http';
import * as https from 'node:https';
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import * as tls from 'node:tls';
import type { ResolvedProxy } from '../../protocol/config';

/**
 * The HTTP agents behind `custom_ca_bundle`, `insecure` and the proxy settings, built only when one of
 * them is in effect (the SDK's own agents serve every other configuration).
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
}

/**
 * How long a new connection may take to be established, ms: Terraform's dialer timeout (aws-sdk-go-base
 * builds its HTTP client with aws-sdk-go-v2's `awshttp.NewBuildableClient()`, whose `net.Dialer` has
 * `DefaultDialConnectTimeout`, 30 s, in `aws/transport/http/client.go`). Without it, a connection to an
 * endpoint that drops packets waits for the operating system (about two minutes on Linux) on every
 * attempt. Like Terraform, no limit on the response once connected.
 */
export const CONNECT_TIMEOUT_MS = 30_000;

/** The `requestHandler` options of the SDK clients: the connect timeout, and agents when the transport needs its own. */
export interface RequestHandlerOptions {
  readonly connectionTimeout: number;
  readonly httpAgent?: http.Agent;
  readonly httpsAgent?: https.Agent;
}

/** The `requestHandler` options of the SDK clients; the SDK's own agents unless TLS or proxy settings need others. */
export function requestHandlerOptions(t: TransportSettings): RequestHandlerOptions {
  if (!t.ca && !t.insecure && !t.proxy.http && !t.proxy.https) return { connectionTimeout: CONNECT_TIMEOUT_MS };
  const noProxy = parseNoProxy(t.proxy.noProxy);
  const tlsOptions = { ...(t.ca ? { ca: t.ca } : {}), rejectUnauthorized: !t.insecure };
  const pick = (proxy: string | undefined) => (host: string, port: number) => (proxy && useProxy(host, port, noProxy) ? proxyUrl(proxy) : undefined);
  return {
    connectionTimeout: CONNECT_TIMEOUT_MS,
    httpAgent: new TunnelHttpAgent(pick(t.proxy.http)),
    httpsAgent: new TunnelHttpsAgent(pick(t.proxy.https), tlsOptions),
  };
}

type ProxyFor = (host: string, port: number) => URL | undefined;
type Callback = (err: Error | null, socket: Duplex) => void;
type TunnelCallback = (err: Error | null, socket?: Duplex) => void;

/** The SDK's agent defaults (`@smithy/node-http-handler`). */
const AGENT_OPTIONS = { keepAlive: true, maxSockets: 50 };

class TunnelHttpAgent extends http.Agent {
  constructor(private readonly proxyFor: ProxyFor) {
    super(AGENT_OPTIONS);
  }

  public createConnection(options: http.ClientRequestArgs, cb?: Callback): Duplex | null | undefined {
    const host = options.host ?? 'localhost';
    const port = Number(options.port ?? 80);
    const proxy = this.proxyFor(host, port);
    if (!proxy) return (http.Agent.prototype as any).createConnection.call(this, options, cb);
    tunnel(proxy, host, port, (err, socket) => cb!(err, socket!));
    return undefined;
  }
}

class TunnelHttpsAgent extends https.Agent {
  constructor(private readonly proxyFor: ProxyFor, tlsOptions: https.AgentOptions) {
    super({ ...AGENT_OPTIONS, ...tlsOptions });
  }

  public createConnection(options: https.RequestOptions, cb?: Callback): Duplex | null | undefined {
    const host = options.host ?? 'localhost';
    const port = Number(options.port ?? 443);
    const proxy = this.proxyFor(host, port);
    if (!proxy) return (https.Agent.prototype as any).createConnection.call(this, options, cb);
    tunnel(proxy, host, port, (err, socket) => {
      if (err || !socket) return cb!(err ?? new Error('proxy tunnel closed'), socket!);
      const servername = options.servername || (isIP(host) ? undefined : host);
      const secure = tls.connect({ ...(options as tls.ConnectionOptions), socket, servername });
      secure.once('secureConnect', () => cb!(null, secure));
      secure.once('error', (e) => cb!(e, secure));
    });
    return undefined;
  }
}

/** Opens a `CONNECT host:port` tunnel through `proxy` (http or https scheme, optional basic auth). */
function tunnel(proxy: URL, host: string, port: number, cb: TunnelCallback): void {
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
  req.once('connect', (res, socket, head) => {
    if (res.statusCode !== 200) {
      socket.destroy();
      cb(new Error(`proxy ${where} refused CONNECT ${target}: ${res.statusCode} ${res.statusMessage ?? ''}`.trim()));
      return;
    }
    if (head.length > 0) socket.unshift(head);
    cb(null, socket);
  });
  req.once('error', (e) => cb(new Error(`proxy ${where}: ${e.message}`)));
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
