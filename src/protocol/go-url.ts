/**
 * The parts of Go's `net/url.Parse` that decide whether Terraform accepts an endpoint URL: the errors
 * it returns (with Go's texts) and whether the result has a scheme and a host.
 */

/** Result of {@link parseGoUrl}. */
export type GoUrlParse =
  | { readonly ok: true; readonly scheme: string; readonly host: string }
  | { readonly ok: false; readonly error: string };

const HOST_SAFE = new Set('!$&\'()*+,;=:[]<>"-_.~');

function isAlnum(c: string): boolean {
  return /^[A-Za-z0-9]$/.test(c);
}

function checkEscapes(s: string, host: boolean): string | undefined {
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '%') {
      const hex = s.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return `invalid URL escape ${JSON.stringify(s.slice(i, i + 3))}`;
      i += 2;
      continue;
    }
    if (host && c.charCodeAt(0) < 0x80 && !isAlnum(c) && !HOST_SAFE.has(c)) {
      return `invalid character ${JSON.stringify(c)} in host name`;
    }
  }
  return undefined;
}

const validOptionalPort = (p: string) => p === '' || /^:\d*$/.test(p);

function parseHost(host: string): string | undefined {
  if (host.startsWith('[')) {
    const i = host.lastIndexOf(']');
    if (i < 0) return 'missing \']\' in host';
    const colonPort = host.slice(i + 1);
    if (!validOptionalPort(colonPort)) return `invalid port ${JSON.stringify(colonPort)} after host`;
  } else {
    const i = host.lastIndexOf(':');
    if (i >= 0) {
      const colonPort = host.slice(i);
      if (!validOptionalPort(colonPort)) return `invalid port ${JSON.stringify(colonPort)} after host`;
    }
  }
  return checkEscapes(host, true);
}

/** Go's `url.Parse(raw)`: either Go's error text (`parse "<raw>": <reason>`) or scheme and host. */
export function parseGoUrl(raw: string): GoUrlParse {
  const fail = (why: string): GoUrlParse => ({ ok: false, error: `parse ${JSON.stringify(raw)}: ${why}` });
  const hash = raw.indexOf('#');
  const u = hash >= 0 ? raw.slice(0, hash) : raw;
  if (hash >= 0) {
    const fragErr = checkEscapes(raw.slice(hash + 1), false);
    if (fragErr) return fail(fragErr);
  }
  if (/[\u0000-\u001f\u007f]/.test(u)) return fail('net/url: invalid control character in URL');
  if (u === '' || u === '*') return { ok: true, scheme: '', host: '' };
  let scheme = '';
  let rest = u;
  for (let i = 0; i < u.length; i++) {
    const c = u[i];
    if (/[A-Za-z]/.test(c)) continue;
    if (/[0-9+\-.]/.test(c)) {
      if (i === 0) break;
      continue;
    }
    if (c === ':') {
      if (i === 0) return fail('missing protocol scheme');
      scheme = u.slice(0, i).toLowerCase();
      rest = u.slice(i + 1);
    }
    break;
  }
  const q = rest.indexOf('?');
  if (q >= 0) rest = rest.slice(0, q);
  if (!rest.startsWith('/')) {
    if (scheme !== '') return { ok: true, scheme, host: '' };
    const slash = rest.indexOf('/');
    const segment = slash >= 0 ? rest.slice(0, slash) : rest;
    if (segment.includes(':')) return fail('first path segment in URL cannot contain colon');
  }
  let host = '';
  if ((scheme !== '' || !rest.startsWith('///')) && rest.startsWith('//')) {
    let authority = rest.slice(2);
    const slash = authority.indexOf('/');
    const path = slash >= 0 ? authority.slice(slash) : '';
    authority = slash >= 0 ? authority.slice(0, slash) : authority;
    const at = authority.lastIndexOf('@');
    if (at >= 0 && !/^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/.test(authority.slice(0, at))) return fail('net/url: invalid userinfo');
    host = at >= 0 ? authority.slice(at + 1) : authority;
    const hostErr = parseHost(host);
    if (hostErr) return fail(hostErr);
    rest = path;
  }
  const pathErr = checkEscapes(rest, false);
  if (pathErr) return fail(pathErr);
  return { ok: true, scheme, host };
}
