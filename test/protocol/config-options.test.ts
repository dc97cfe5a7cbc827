import { AWS_REGIONS, Diagnostic, validateConfig } from '../../src/protocol';

const BASE = { bucket: 'b', key: 'path/to/terraform.tfstate', region: 'eu-west-1' };
const validate = (extra: Record<string, unknown>, env: Record<string, string> = {}) => validateConfig({ ...BASE, ...extra }, env);
const texts = (diags: readonly Diagnostic[]) => diags.map((d) => `${d.severity}|${d.summary}|${d.detail}`);

describe('region check (aws-sdk-go-base v2.0.0-beta.72 endpoints_gen.go, validation.SupportedRegion)', () => {
  test.each(['us-isob-west-1', 'eusc-de-east-1', 'ap-southeast-7', 'us-gov-west-1', 'cn-northwest-1'])('%s is accepted', (region) => {
    expect(validate({ region }).diagnostics).toEqual([]);
  });

  test('an unknown region is refused with Terraform\'s text, unless skip_region_validation', () => {
    expect(texts(validate({ region: 'us-isob-west-9' }).diagnostics)).toEqual(['error|Invalid region value|Invalid AWS Region: us-isob-west-9']);
    expect(validate({ region: 'us-isob-west-9', skip_region_validation: true }).diagnostics).toEqual([]);
  });

  test('the list holds every region ID of the pinned aws-sdk-go-base (46 regions in 8 partitions)', () => {
    expect(AWS_REGIONS).toHaveLength(46);
    expect(new Set(AWS_REGIONS).size).toBe(AWS_REGIONS.length);
  });
});

describe('max_retries (maximum attempts, as aws-sdk-go-base passes it to the SDK)', () => {
  test.each([[undefined, 5], [0, 0], [1, 1], ['7', 7]])('%j resolves to %j', (value, expected) => {
    const { config, diagnostics } = validate(value === undefined ? {} : { max_retries: value });
    expect(diagnostics).toEqual([]);
    expect(config.max_retries).toBe(expected);
  });

  test.each([-1, 2.5])('%j is refused, naming the attribute', (value) => {
    const { diagnostics } = validate({ max_retries: value });
    expect(diagnostics).toEqual([expect.objectContaining({ severity: 'error', attribute: 'max_retries', detail: expect.stringMatching(/maximum number of attempts.*Got /) })]);
  });
});

describe('proxies (aws-sdk-go-base HTTPTransportOptions, HTTPProxyModeLegacy, Go httpproxy.FromEnvironment)', () => {
  test('nothing set: no proxy', () => {
    expect(validate({}).config.proxy).toEqual({});
  });

  test('the environment, upper case first', () => {
    expect(validate({}, { HTTP_PROXY: 'http://a:1', http_proxy: 'http://b:1', https_proxy: 'http://c:1', no_proxy: 'x' }).config.proxy)
      .toEqual({ http: 'http://a:1', https: 'http://c:1', noProxy: 'x' });
  });

  test('http_proxy alone serves HTTPS too, with aws-sdk-go-base\'s warning', () => {
    const { config, diagnostics } = validate({ http_proxy: 'http://p:3128' });
    expect(config.proxy).toEqual({ http: 'http://p:3128', https: 'http://p:3128' });
    expect(texts(diagnostics)).toEqual(['warning|Missing HTTPS Proxy|An HTTP proxy was set but no HTTPS proxy was. '
      + 'Using HTTP proxy "http://p:3128" for HTTPS requests. This behavior may change in future versions.\n\n'
      + 'To specify no proxy for HTTPS, set the HTTPS to an empty string.']);
  });

  test('https_proxy = "" means no proxy for HTTPS; HTTPS_PROXY in the environment wins over the legacy fallback', () => {
    const empty = validate({ http_proxy: 'http://p:3128', https_proxy: '' });
    expect(empty.config.proxy).toEqual({ http: 'http://p:3128' });
    expect(empty.diagnostics).toEqual([]);
    const env = validate({ http_proxy: 'http://p:3128' }, { HTTPS_PROXY: 'http://s:3128' });
    expect(env.config.proxy).toEqual({ http: 'http://p:3128', https: 'http://s:3128' });
    expect(env.diagnostics).toEqual([]);
  });

  test('no_proxy attribute over NO_PROXY; an empty attribute keeps the environment', () => {
    expect(validate({ no_proxy: 'a.example' }, { NO_PROXY: 'b.example' }).config.proxy.noProxy).toBe('a.example');
    expect(validate({ no_proxy: '' }, { NO_PROXY: 'b.example' }).config.proxy.noProxy).toBe('b.example');
  });

  test('an unparsable proxy URL is refused with aws-sdk-go-base\'s summary', () => {
    const { diagnostics } = validate({ https_proxy: 'http://[::1' });
    expect(diagnostics).toEqual([expect.objectContaining({ severity: 'error', summary: 'Invalid HTTPS Proxy', detail: expect.stringMatching(/^Unable to parse URL: parse "http:\/\/\[::1": /) })]);
  });
});

describe('environment fallbacks of the transport and instance metadata settings (backend.go Configure)', () => {
  test('custom_ca_bundle: attribute, else AWS_CA_BUNDLE', () => {
    expect(validate({ custom_ca_bundle: 'a.pem' }, { AWS_CA_BUNDLE: 'b.pem' }).config.custom_ca_bundle).toBe('a.pem');
    expect(validate({}, { AWS_CA_BUNDLE: 'b.pem' }).config.custom_ca_bundle).toBe('b.pem');
  });

  test('ec2_metadata_service_endpoint: attribute, AWS_EC2_METADATA_SERVICE_ENDPOINT, then the deprecated AWS_METADATA_URL (with its warning)', () => {
    expect(validate({}, { AWS_METADATA_URL: 'http://169.254.169.254' }).config.ec2_metadata_service_endpoint).toBe('http://169.254.169.254');
    const both = validate({}, { AWS_EC2_METADATA_SERVICE_ENDPOINT: 'http://a', AWS_METADATA_URL: 'http://b' });
    expect(both.config.ec2_metadata_service_endpoint).toBe('http://a');
    expect(texts(both.diagnostics)).toEqual(['warning|Deprecated Environment Variable|The environment variable "AWS_METADATA_URL" is deprecated. Use environment variable "AWS_EC2_METADATA_SERVICE_ENDPOINT" instead.']);
    expect(validate({ ec2_metadata_service_endpoint_mode: 'IPv6' }, { AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE: 'IPv4' }).config.ec2_metadata_service_endpoint_mode).toBe('IPv6');
    expect(validate({}, { AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE: 'IPv4' }).config.ec2_metadata_service_endpoint_mode).toBe('IPv4');
  });
});
