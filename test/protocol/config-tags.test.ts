import { Diagnostic, encodeTagging, escapeTagComponent, validateConfig } from '../../src/protocol';

// OpenTofu 1.11's `state_tags` / `lock_tags` (opentofu/opentofu#3038):
// internal/backend/remote-state/s3/backend.go ConfigSchema declares both as cty.Map(cty.String) and
// Configure copies them without further checks; client.go configurePutObjectTags encodes them with
// Go's url.Values.Encode() into PutObjectInput.Tagging (x-amz-tagging).

const BASE = { bucket: 'b', key: 'path/to/terraform.tfstate', region: 'eu-west-1' };
const validate = (extra: Record<string, unknown>) => validateConfig({ ...BASE, ...extra }, {});
const errors = (diags: readonly Diagnostic[]) => diags.filter((d) => d.severity === 'error').map((d) => `${d.summary}|${d.detail}`);

describe('encodeTagging: the x-amz-tagging value OpenTofu sends', () => {
  // The three cases of OpenTofu's TestConfigurePutObjectTags (client_test.go).
  test('no tags and an empty map send no header', () => {
    expect(encodeTagging(undefined)).toBeUndefined();
    expect(encodeTagging({})).toBeUndefined();
  });

  test('a single tag is key=value', () => {
    expect(encodeTagging({ abd: 'def' })).toBe('abd=def');
  });

  test('keys are sorted and reserved characters percent-encoded in upper case', () => {
    expect(encodeTagging({ 'opentofu.com/environment': 'production', 'my-special-chars': '&*&@$!(&)' }))
      .toBe('my-special-chars=%26%2A%26%40%24%21%28%26%29&opentofu.com%2Fenvironment=production');
  });

  // TestS3LockObjectTagging / TestS3StateObjectTagging: "a=b&c=e&f=g" from an unordered map.
  test('insertion order does not matter', () => {
    expect(encodeTagging({ f: 'g', a: 'b', c: 'e' })).toBe('a=b&c=e&f=g');
  });

  // Go net/url: shouldEscape(c, encodeQueryComponent) keeps only ALPHA / DIGIT / '-' '_' '.' '~';
  // QueryEscape writes every other byte of the UTF-8 encoding as %XX, and ' ' as '+'.
  test('Go QueryEscape: tilde kept, reserved characters and UTF-8 bytes escaped', () => {
    expect(escapeTagComponent("a~c-d_e.f*g'h+i=j")).toBe('a~c-d_e.f%2Ag%27h%2Bi%3Dj');
    expect(escapeTagComponent('é')).toBe('%C3%A9');
    expect(escapeTagComponent('😀')).toBe('%F0%9F%98%80');
  });

  // DEVIATION from OpenTofu (Go writes '+'): RGW stores a '+' in x-amz-tagging as a plus sign, so a
  // space is sent as %20, which every server decodes as a space (object-tags.integration.test.ts).
  test('a space is sent as %20, a plus sign as %2B', () => {
    expect(encodeTagging({ 'team': 'platform & ops', 'a+b': 'c d' })).toBe('a%2Bb=c%20d&team=platform%20%26%20ops');
  });

  // sort.Strings compares UTF-8 bytes; JavaScript's default sort compares UTF-16 units, which puts
  // U+1F600 (surrogate 0xD83D) before U+FF5E. Go puts U+FF5E (0xEF...) before U+1F600 (0xF0...).
  test('keys are ordered by their UTF-8 bytes, as Go sorts strings', () => {
    expect(encodeTagging({ '😀': '1', '～': '2', 'B': '3', 'a': '4' })).toBe('B=3&a=4&%EF%BD%9E=2&%F0%9F%98%80=1');
  });
});

describe('validateConfig: state_tags and lock_tags', () => {
  test('are accepted as maps of strings and kept in the resolved config', () => {
    const v = validate({ use_lockfile: true, state_tags: { 'object:type': 'state' }, lock_tags: { 'object:type': 'lock' } });
    expect(errors(v.diagnostics)).toEqual([]);
    expect(v.config.state_tags).toEqual({ 'object:type': 'state' });
    expect(v.config.lock_tags).toEqual({ 'object:type': 'lock' });
  });

  test('numbers and bools convert to strings, as cty converts map(string) elements', () => {
    const v = validate({ state_tags: { n: 1, b: true } });
    expect(errors(v.diagnostics)).toEqual([]);
    expect(v.config.state_tags).toEqual({ n: '1', b: 'true' });
  });

  test('fails with HCL\'s type error when the value is not a map of strings', () => {
    expect(errors(validate({ state_tags: 'env=prod' }).diagnostics)).toEqual([
      'Incorrect attribute value type|Inappropriate value for attribute "state_tags": map of string required.',
    ]);
    expect(errors(validate({ lock_tags: { a: ['x'] } }).diagnostics)).toEqual([
      'Incorrect attribute value type|Inappropriate value for attribute "lock_tags": element "a": string required.',
    ]);
  });

  test('fails when S3 would refuse the tags: more than 10', () => {
    const eleven = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, 'v']));
    expect(errors(validate({ lock_tags: eleven }).diagnostics)).toEqual([
      'Invalid lock_tags value|S3 allows at most 10 tags on an object; lock_tags has 11. Remove tags from lock_tags (they are put on the lock file).',
    ]);
    const ten = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`k${i}`, 'v']));
    expect(errors(validate({ lock_tags: ten }).diagnostics)).toEqual([]);
  });

  test('fails when a key or value is too long, a key is empty or starts with aws:', () => {
    const diags = errors(validate({
      state_tags: { ['k'.repeat(129)]: 'v', 'aws:owner': 'me', 'ok': 'v'.repeat(257), '': 'x' },
    }).diagnostics);
    expect(diags).toEqual([
      `Invalid state_tags value|The tag key "${'k'.repeat(129)}" has 129 characters; S3 allows at most 128. Use a shorter key.`,
      'Invalid state_tags value|The tag key "aws:owner" starts with "aws:", which AWS reserves for its own tags. Use another key.',
      'Invalid state_tags value|The value of tag "ok" has 257 characters; S3 allows at most 256. Use a shorter value.',
      'Invalid state_tags value|A tag key in state_tags is empty. S3 tag keys are 1 to 128 characters.',
    ]);
  });

  test('lengths count characters, not UTF-16 units: 128 emoji keys are allowed', () => {
    expect(errors(validate({ state_tags: { ['😀'.repeat(128)]: '😀'.repeat(256) } }).diagnostics)).toEqual([]);
  });
});
