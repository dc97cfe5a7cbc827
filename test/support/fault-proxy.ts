import { Agent, IncomingMessage, ServerResponse, createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * What a rule does to a matching request:
 * - `status`: answer with an error status without forwarding (S3 XML or DynamoDB JSON error body);
 * - `reset-before`: drop the connection without forwarding (the server never sees the request);
 * - `reset-after`: forward, let the server finish, then drop the connection instead of answering
 *   (the request took effect but its response is lost);
 * - `reset-mid-body`: forward, send the status, headers and half the body, then drop the connection;
 * - `delay`: forward, and hold the response for `delayMs`;
 * - `latency`: a network between client and server with a round trip of `delayMs`: hold the request
 *   for half of it before forwarding, and the response for the other half.
 */
export type FaultAction = 'status' | 'reset-before' | 'reset-after' | 'reset-mid-body' | 'delay' | 'latency';

/** Which requests a rule applies to; every given field must match. */
export interface FaultMatch {
  /** HTTP method, e.g. `PUT`. */
  readonly method?: string;
  /** Tested against the path and query, e.g. `/bucket/key.tflock`, `?uploads`, `partNumber=2`. */
  readonly url?: RegExp;
  /** DynamoDB operation from `X-Amz-Target`, e.g. `PutItem`. */
  readonly dynamodbOp?: string;
}

/** One fault, applied to at most `times` matching requests. */
export interface FaultRule {
  readonly match: FaultMatch;
  readonly action: FaultAction;
  /** How many matching requests get the fault (bounded, so retries can eventually succeed). */
  readonly times: number;
  /** For `status`. @default 503 */
  readonly status?: number;
  /** For `status`: the error code in the body. @default SlowDown (S3), InternalServerError (DynamoDB) */
  readonly code?: string;
  /** For `delay` and `latency`. @default 200 */
  readonly delayMs?: number;
}

/** A request as the proxy saw it. */
export interface ProxiedRequest {
  readonly method: string;
  readonly url: string;
  readonly dynamodbOp?: string;
  /** The action applied, if any. */
  readonly fault?: FaultAction;
}

interface ActiveRule extends FaultRule {
  remaining: number;
}

/**
 * An HTTP proxy on 127.0.0.1 in front of one local server (RGW or DynamoDB Local) that injects
 * faults into a bounded number of matching requests. Point a client's endpoint at {@link url}.
 * Requests are forwarded verbatim (same Host header and path), so SigV4 signatures stay valid.
 */
export class FaultProxy {
  /** Starts a proxy to `target` (e.g. `http://127.0.0.1:8000`) on a free loopback port. */
  public static async start(target: string): Promise<FaultProxy> {
    const proxy = new FaultProxy(new URL(target));
    await new Promise<void>((resolve, reject) => {
      proxy.server.once('error', reject);
      proxy.server.listen(0, '127.0.0.1', () => resolve());
    });
    return proxy;
  }

  /** Every request seen, in arrival order. */
  public readonly log: ProxiedRequest[] = [];
  private rules: ActiveRule[] = [];
  private readonly server: Server;
  private readonly agent = new Agent({ keepAlive: true });
  private readonly sockets = new Set<Socket>();

  private constructor(private readonly target: URL) {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((e) => {
        if (!res.headersSent) {
          res.writeHead(502);
          res.end(String(e));
        } else {
          res.destroy();
        }
      });
    });
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  /** `http://127.0.0.1:<port>` */
  public get url(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  /** Adds a rule; rules are tried in the order added, the first matching one with uses left applies. */
  public add(rule: FaultRule): this {
    this.rules.push({ ...rule, remaining: rule.times });
    return this;
  }

  /** Removes every rule (requests pass through untouched). */
  public clear(): void {
    this.rules = [];
  }

  /** Uses left of every rule, in the order added (0 everywhere: all faults were delivered). */
  public remaining(): number[] {
    return this.rules.map((r) => r.remaining);
  }

  /** Requests that got a fault. */
  public get faulted(): ProxiedRequest[] {
    return this.log.filter((r) => r.fault !== undefined);
  }

  /** Stops listening and drops every connection. */
  public async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.agent.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private pick(method: string, url: string, dynamodbOp: string | undefined): ActiveRule | undefined {
    return this.rules.find((r) => r.remaining > 0
      && (r.match.method === undefined || r.match.method === method)
      && (r.match.url === undefined || r.match.url.test(url))
      && (r.match.dynamodbOp === undefined || r.match.dynamodbOp === dynamodbOp));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const target = req.headers['x-amz-target'];
    const dynamodbOp = typeof target === 'string' ? target.split('.').pop() : undefined;
    const body = await readAll(req);
    const rule = this.pick(method, url, dynamodbOp);
    if (rule) rule.remaining--;
    this.log.push({ method, url, ...(dynamodbOp ? { dynamodbOp } : {}), ...(rule ? { fault: rule.action } : {}) });

    if (rule?.action === 'reset-before') {
      req.socket.destroy();
      return;
    }
    if (rule?.action === 'status') {
      const status = rule.status ?? 503;
      if (dynamodbOp) {
        const code = rule.code ?? 'InternalServerError';
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': 'fault-proxy' });
        res.end(JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${code}`, message: `injected ${code}` }));
      } else {
        const code = rule.code ?? 'SlowDown';
        res.writeHead(status, { 'content-type': 'application/xml', 'x-amz-request-id': 'fault-proxy' });
        res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>injected ${code}</Message><RequestId>fault-proxy</RequestId></Error>`);
      }
      return;
    }

    const half = rule?.action === 'latency' ? (rule.delayMs ?? 200) / 2 : 0;
    if (half) await new Promise((r) => setTimeout(r, half));
    const upstream = await this.forward(req, body);
    const chunks = await readAll(upstream);
    if (rule?.action === 'reset-after') {
      req.socket.destroy();
      return;
    }
    if (rule?.action === 'delay') await new Promise((r) => setTimeout(r, rule.delayMs ?? 200));
    if (half) await new Promise((r) => setTimeout(r, half));
    const headers = { ...upstream.headers };
    if (rule?.action === 'reset-mid-body') {
      res.writeHead(upstream.statusCode ?? 502, headers);
      res.write(chunks.subarray(0, Math.floor(chunks.length / 2)));
      // Let the half body reach the client before the connection drops.
      await new Promise((r) => setTimeout(r, 20));
      req.socket.destroy();
      return;
    }
    res.writeHead(upstream.statusCode ?? 502, headers);
    res.end(chunks);
  }

  private forward(req: IncomingMessage, body: Buffer): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const out = httpRequest({
        host: this.target.hostname,
        port: this.target.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
        agent: this.agent,
      }, resolve);
      out.on('error', reject);
      out.end(body);
    });
  }
}

async function readAll(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(c);
  return Buffer.concat(parts);
}
