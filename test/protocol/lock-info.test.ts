import {
  EMULATED_TERRAFORM_VERSION,
  formatGoTime,
  formatLockInfoHuman,
  lockAcquireErrorDetail,
  lockIdMismatchMessage,
  lockInfoRetrieveMessage,
  marshalLockInfo,
  md5Hex,
  newLockInfo,
  parseLockInfo,
} from '../../src/protocol';

// §10 vector 16, verbatim.
const VECTOR_16 = '{"ID":"a1b2c3d4-e5f6-0718-293a-4b5c6d7e8f90","Operation":"OperationTypeApply","Info":"","Who":"alice@host1","Version":"1.10.0","Created":"2025-01-02T03:04:05.123456789Z","Path":"b/path/to/terraform.tfstate"}';

describe('marshalLockInfo', () => {
  test('reproduces vector 16 byte for byte from its fields', () => {
    const bytes = marshalLockInfo({
      ID: 'a1b2c3d4-e5f6-0718-293a-4b5c6d7e8f90',
      Operation: 'OperationTypeApply',
      Info: '',
      Who: 'alice@host1',
      Version: '1.10.0',
      Created: formatGoTime(new Date('2025-01-02T03:04:05.123Z'), '123456789'),
      Path: 'b/path/to/terraform.tfstate',
    });
    expect(bytes).toBe(VECTOR_16);
    // The reference states 215 bytes / MD5 5950ee14…, which its own JSON string does not have: the
    // string as printed is 207 bytes. We pin the bytes of the printed string.
    expect(Buffer.byteLength(bytes)).toBe(207);
    expect(md5Hex(bytes)).toBe('571317eb90cc3b7964eb932548ff6903');
  });

  test('vector 16 round-trips byte-identically through parse and marshal', () => {
    expect(marshalLockInfo(parseLockInfo(VECTOR_16))).toBe(VECTOR_16);
    expect(marshalLockInfo(parseLockInfo(Buffer.from(VECTOR_16)))).toBe(VECTOR_16);
  });

  test('escapes <, >, &, U+2028, U+2029 and control characters as Go does', () => {
    const info = { ...parseLockInfo(VECTOR_16), Info: 'a<b>&c\u2028\u2029\n\t\b\f\r\u0001"\\/é😀' };
    expect(marshalLockInfo(info)).toContain('"Info":"a\\u003cb\\u003e\\u0026c\\u2028\\u2029\\n\\t\\b\\f\\r\\u0001\\"\\\\/é😀"');
  });

  test('a lone surrogate (invalid UTF-8 once encoded) becomes \\ufffd', () => {
    const info = { ...parseLockInfo(VECTOR_16), Info: 'x\ud800y' };
    expect(marshalLockInfo(info)).toContain('"Info":"x\\ufffdy"');
  });

  test('normalises Created to Go canonical time text', () => {
    const info = { ...parseLockInfo(VECTOR_16), Created: '2025-01-02T03:04:05.100000Z' };
    expect(marshalLockInfo(info)).toContain('"Created":"2025-01-02T03:04:05.1Z"');
  });

  test('fails when Created is not an RFC 3339 time', () => {
    expect(() => marshalLockInfo({ ...parseLockInfo(VECTOR_16), Created: 'yesterday' })).toThrow(/parsing time "yesterday"/);
  });
});

describe('formatGoTime', () => {
  test.each([
    ['2025-01-02T03:04:05.000Z', undefined, '2025-01-02T03:04:05Z'],
    ['2025-01-02T03:04:05.100Z', undefined, '2025-01-02T03:04:05.1Z'],
    ['2025-01-02T03:04:05.120Z', undefined, '2025-01-02T03:04:05.12Z'],
    ['2025-01-02T03:04:05.123Z', 456, '2025-01-02T03:04:05.123000456Z'],
    ['2025-01-02T03:04:05.123Z', 456000n + 7_000_000n, '2025-01-02T03:04:05.123456Z'],
    ['2025-01-02T03:04:05.999Z', '000000001', '2025-01-02T03:04:05.000000001Z'],
    ['2025-01-02T03:04:05Z', '5', '2025-01-02T03:04:05.5Z'],
    ['0001-01-01T00:00:00Z', undefined, '0001-01-01T00:00:00Z'],
  ])('%s + %s → %s', (iso, extra, expected) => {
    expect(formatGoTime(new Date(iso), extra as never)).toBe(expected);
  });

  test('rejects fraction strings that are not 1 to 9 digits', () => {
    expect(() => formatGoTime(new Date(0), '1234567890')).toThrow(/1 to 9 digits/);
  });
});

describe('newLockInfo', () => {
  test('fills ID, Who, Version and Created as Terraform does', () => {
    const info = newLockInfo({ operation: 'OperationTypePlan' });
    expect(info.ID).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(info.Who).toMatch(/@/);
    expect(info.Version).toBe(EMULATED_TERRAFORM_VERSION);
    expect(info.Created).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/);
    expect(info.Operation).toBe('OperationTypePlan');
    expect(info.Info).toBe('');
    expect(newLockInfo({ operation: 'x' }).ID).not.toBe(info.ID);
  });

  test('uses the given values', () => {
    const info = newLockInfo({ operation: 'init', info: 'i', who: 'w@h', version: '9.9.9', now: new Date('2024-02-29T23:59:59.5Z'), id: 'id-1', path: 'b/k' });
    expect(marshalLockInfo(info)).toBe('{"ID":"id-1","Operation":"init","Info":"i","Who":"w@h","Version":"9.9.9","Created":"2024-02-29T23:59:59.5Z","Path":"b/k"}');
  });
});

describe('parseLockInfo', () => {
  test.each([
    ['', 'unexpected end of JSON input'],
    ['{"ID":"a"', 'unexpected end of JSON input'],
    ['   ', 'unexpected end of JSON input'],
    ['x', 'invalid character \'x\' looking for beginning of value'],
    ['{"ID" "a"}', 'invalid character \'"\' after object key'],
    ['{"ID":"a" "b"}', 'invalid character \'"\' after object key:value pair'],
    ['{ID:1}', 'invalid character \'I\' looking for beginning of object key string'],
    ['{} x', 'invalid character \'x\' after top-level value'],
    ['{"a":tru}', 'invalid character \'}\' in literal true (expecting \'e\')'],
    ['{"a":"\n"}', 'invalid character \'\\n\' in string literal'],
    ['{"a":"\\x"}', 'invalid character \'x\' in string escape code'],
    ['{"a":-x}', 'invalid character \'x\' in numeric literal'],
    ['{"a":1.}', 'invalid character \'}\' after decimal point in numeric literal'],
    ['[01]', 'invalid character \'1\' after array element'],
  ])('Go syntax error text for %j', (input, message) => {
    expect(() => parseLockInfo(input)).toThrow(message);
  });

  test('matches keys case-insensitively, prefers exact names, ignores unknown keys', () => {
    const info = parseLockInfo('{"id":"lower","ID":"exact","operation":"op","WHO":"w","Extra":1,"Created":"2025-01-02T03:04:05Z"}');
    expect(info.ID).toBe('exact');
    expect(info.Operation).toBe('op');
    expect(info.Who).toBe('w');
    expect(info.Path).toBe('');
  });

  test('a missing or null Created decodes to Go zero time', () => {
    expect(parseLockInfo('{"ID":"a"}').Created).toBe('0001-01-01T00:00:00Z');
    expect(parseLockInfo('{"ID":"a","Created":null}').Created).toBe('0001-01-01T00:00:00Z');
  });

  test('wrong JSON types give Go unmarshal texts', () => {
    expect(() => parseLockInfo('{"ID":5}')).toThrow('json: cannot unmarshal number into Go struct field LockInfo.ID of type string');
    expect(() => parseLockInfo('[]')).toThrow('json: cannot unmarshal array into Go value of type statemgr.LockInfo');
  });

  test('escaped and invalid text decodes as Go does', () => {
    const bytes = Buffer.concat([Buffer.from('{"Info":"\\u003c\\ud83d\\ude00\\ud800x'), Buffer.from([0xff, 0xe2, 0x82]), Buffer.from('"}')]);
    expect(parseLockInfo(bytes).Info).toBe('<😀\ufffdx\ufffd\ufffd\ufffd');
  });
});

describe('formatLockInfoHuman', () => {
  test('prints Terraform\'s Lock Info block with Go Time.String()', () => {
    const info = parseLockInfo('{"ID":"id","Operation":"op","Info":"","Who":"a@h","Version":"1.10.0","Created":"2021-09-27T00:10:27.424064363Z","Path":"b/k"}');
    expect(formatLockInfoHuman(info)).toBe([
      'Lock Info:',
      '  ID:        id',
      '  Path:      b/k',
      '  Operation: op',
      '  Who:       a@h',
      '  Version:   1.10.0',
      '  Created:   2021-09-27 00:10:27.424064363 +0000 UTC',
      '  Info:      ',
      '',
    ].join('\n'));
  });

  test('prints a non-UTC offset as Go prints a nameless zone', () => {
    const info = parseLockInfo('{"Created":"2021-09-27T02:10:27+02:00"}');
    expect(formatLockInfoHuman(info)).toContain('Created:   2021-09-27 02:10:27 +0200 +0200');
  });

  test('lock acquire detail carries the error and Terraform\'s advice', () => {
    expect(lockAcquireErrorDetail('boom')).toBe('Error message: boom\n\nTerraform acquires a state lock to protect the state from being written\nby multiple users at the same time. Please resolve the issue above and try\nagain. For most commands, you can disable locking with the "-lock=false"\nflag, but this is not recommended.');
  });
});

describe('unlock texts (vector 20, 22)', () => {
  test.each([
    ['lockfile', 'lock ID \'B\' does not match the existing lock ID \'A\''],
    ['dynamodb', 'lock ID "B" does not match existing lock ("A")'],
    ['tofu-lockfile', 'lock id "B" from s3 does not match existing lock'],
    ['tofu-dynamodb', 'lock id "B" does not match existing lock'],
  ] as const)('%s', (source, text) => {
    expect(lockIdMismatchMessage(source, 'B', 'A')).toBe(text);
  });

  test('missing DynamoDB item at unlock', () => {
    expect(lockInfoRetrieveMessage('id-1')).toBe('failed to retrieve lock info for lock ID "id-1": unexpected end of JSON input');
    let jsonError = '';
    try {
      parseLockInfo('');
    } catch (e) {
      jsonError = (e as Error).message;
    }
    expect(lockInfoRetrieveMessage('id-1', jsonError)).toBe(lockInfoRetrieveMessage('id-1'));
  });
});

describe('Go time edge cases', () => {
  test('leap days: year 0 and 2000 are leap years, 1900 and 2023 are not', () => {
    expect(parseLockInfo('{"Created":"0000-02-29T00:00:00Z"}').Created).toBe('0000-02-29T00:00:00Z');
    expect(parseLockInfo('{"Created":"2000-02-29T23:59:59.999999999Z"}').Created).toBe('2000-02-29T23:59:59.999999999Z');
    expect(() => parseLockInfo('{"Created":"1900-02-29T00:00:00Z"}')).toThrow(/day out of range/);
    expect(() => parseLockInfo('{"Created":"2023-02-29T00:00:00Z"}')).toThrow(/day out of range/);
  });

  test('offsets are kept and fractions beyond 9 digits truncated', () => {
    expect(parseLockInfo('{"Created":"2025-01-02T03:04:05.1234567891-05:30"}').Created).toBe('2025-01-02T03:04:05.123456789-05:30');
    expect(() => parseLockInfo('{"Created":"2025-01-02T24:00:00Z"}')).toThrow(/hour out of range/);
    expect(() => parseLockInfo('{"Created":"2025-01-02 03:04:05Z"}')).toThrow(/parsing time/);
  });
});
