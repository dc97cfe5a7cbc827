import * as http from 'node:http';

/**
 * Role credentials from EC2 instance metadata (IMDSv2) at a configured endpoint:
 * `ec2_metadata_service_endpoint` / `ec2_metadata_service_endpoint_mode`. The SDK's own provider reads
 * its endpoint from the process environment only, so the client asks the endpoint itself, as
 * aws-sdk-go-v2's `ec2rolecreds` does: a session token (`PUT /latest/api/token`), the role name, then
 * the role's credentials.
 */

/** aws-sdk-go-v2 `imds` default endpoints per `EndpointMode`. */
const MODE_ENDPOINTS: Readonly<Record<string, string>> = { IPv4: 'http://169.254.169.254', IPv6: 'http://[fd00:ec2::254]' };
const TIMEOUT_MS = 1000;
const TOKEN_TTL_SECONDS = '21600';

/** The base URL for an endpoint and/or mode (the endpoint wins), without a trailing slash. */
export function imdsBaseUrl(endpoint: string | undefined, mode: string | undefined): string {
  return (endpoint || MODE_ENDPOINTS[mode ?? 'IPv4'] || MODE_ENDPOINTS.IPv4).replace(/\/+$/, '');
}

interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

function call(method: string, url: string, headers: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, timeout: TIMEOUT_MS, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => {
        if ((res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300) resolve(body);
        else reject(new Error(`${method} ${new URL(url).pathname}: HTTP ${res.statusCode}`));
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${new URL(url).pathname}: no answer within ${TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** A credential provider asking the instance metadata service at `baseUrl`. */
export function fromImdsEndpoint(baseUrl: string): () => Promise<Credentials> {
  return async () => {
    try {
      const token = await call('PUT', `${baseUrl}/latest/api/token`, { 'x-aws-ec2-metadata-token-ttl-seconds': TOKEN_TTL_SECONDS });
      const auth = { 'x-aws-ec2-metadata-token': token };
      const role = (await call('GET', `${baseUrl}/latest/meta-data/iam/security-credentials/`, auth)).split('\n')[0].trim();
      if (!role) throw new Error('no instance profile role');
      const body = JSON.parse(await call('GET', `${baseUrl}/latest/meta-data/iam/security-credentials/${encodeURIComponent(role)}`, auth));
      if (body.Code !== undefined && body.Code !== 'Success') throw new Error(`credentials of role ${role}: ${body.Code} ${body.Message ?? ''}`.trim());
      return {
        accessKeyId: body.AccessKeyId,
        secretAccessKey: body.SecretAccessKey,
        ...(body.Token ? { sessionToken: body.Token } : {}),
        ...(body.Expiration ? { expiration: new Date(body.Expiration) } : {}),
      };
    } catch (e) {
      throw new Error(`EC2 instance metadata at ${baseUrl} (ec2_metadata_service_endpoint): ${(e as Error).message}`, { cause: e });
    }
  };
}
