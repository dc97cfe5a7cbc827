import { GoJsonSyntaxError, compareGoStrings, formatCtyNumber, marshalGoJson, parseGoJson, quoteGoString, sortGoMapKeys } from '../../src/protocol';

describe('marshalGoJson', () => {
  test('float64 numbers print as Go prints them', () => {
    expect(marshalGoJson([0, -0, 1.5, 1e20, 1e21, 1e-6, 1e-7, 123456789012345680000, 5e-324, 12345678901234567890n]))
      .toBe('[0,-0,1.5,100000000000000000000,1e+21,0.000001,1e-7,123456789012345680000,5e-324,12345678901234567890]');
  });

  test('non-finite numbers are refused as Go refuses them', () => {
    expect(() => marshalGoJson(NaN)).toThrow('json: unsupported value: NaN');
    expect(() => marshalGoJson({ a: Infinity })).toThrow(/unsupported value/);
  });

  test('MarshalIndent layout: nested containers, empty ones compact, undefined members omitted', () => {
    expect(marshalGoJson({ a: [1, { b: null }], c: {}, d: [], e: undefined }, { indent: '  ' }))
      .toBe('{\n  "a": [\n    1,\n    {\n      "b": null\n    }\n  ],\n  "c": {},\n  "d": []\n}');
  });

  test('map keys sort by UTF-8 bytes (astral characters after U+FFFF-range BMP ones)', () => {
    const sorted = Object.keys(sortGoMapKeys({ '\uff01': 1, '😀': 2, 'B': 3, 'a': 4 }));
    expect(sorted).toEqual(['B', 'a', '\uff01', '😀']);
    expect(compareGoStrings('\uff01', '😀')).toBeLessThan(0);
    // JS's own sort orders by UTF-16 units and gets this pair the other way round.
    expect(['\uff01', '😀'].sort()).toEqual(['😀', '\uff01']);
  });

  test('strings: astral characters stay literal, DEL and U+0080 are not escaped', () => {
    expect(quoteGoString('😀\u007f\u0080')).toBe('"😀\u007f\u0080"');
    expect(quoteGoString('\u001f')).toBe('"\\u001f"');
  });
});

describe('formatCtyNumber', () => {
  test.each([
    [1e21, '1000000000000000000000'],
    [1.5e22, '15000000000000000000000'],
    [1e-7, '0.0000001'],
    [-2.5e-8, '-0.000000025'],
    [123.456, '123.456'],
    [-0, '0'],
  ])('%d → %s', (n, text) => {
    expect(formatCtyNumber(n)).toBe(text);
  });
});

describe('parseGoJson', () => {
  test('keeps big integers exact and "__proto__" as an ordinary key', () => {
    const v = parseGoJson('{"n":9007199254740993,"f":1.0,"__proto__":{"x":1}}') as Record<string, unknown>;
    expect(v.n).toBe(9007199254740993n);
    expect(v.f).toBe(1);
    expect(Object.keys(v)).toEqual(['n', 'f', '__proto__']);
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
  });

  test('syntax errors carry Go offsets', () => {
    try {
      parseGoJson('[1,]');
      throw new Error('expected a syntax error');
    } catch (e) {
      expect(e).toBeInstanceOf(GoJsonSyntaxError);
      expect((e as GoJsonSyntaxError).message).toBe('invalid character \']\' looking for beginning of value');
      expect((e as GoJsonSyntaxError).offset).toBe(4);
    }
  });

  test('duplicate keys: the last value wins, at the first key\'s place (Go fills the field twice)', () => {
    const v = parseGoJson('{"a":1,"b":2,"a":3}') as Record<string, unknown>;
    expect(Object.entries(v)).toEqual([['a', 3], ['b', 2]]);
  });

  test('strings decode alike from a Buffer and from a Uint8Array view at an offset, ASCII runs around other bytes', () => {
    // ASCII only; ASCII then a 2-byte and a 4-byte sequence; an invalid byte and a truncated 3-byte sequence
    // (one U+FFFD per byte, as Go's utf8.DecodeRune takes them) between ASCII runs; an escape after non-ASCII bytes.
    const text = Buffer.concat([
      Buffer.from('["plain","caf'), Buffer.from([0xc3, 0xa9]), Buffer.from(' '), Buffer.from([0xf0, 0x9f, 0x98, 0x80]),
      Buffer.from('!","a'), Buffer.from([0xff]), Buffer.from('b'), Buffer.from([0xe2, 0x82]), Buffer.from('c","'),
      Buffer.from([0xc3, 0xa9]), Buffer.from('\\n\\u00e9x",""]'),
    ]);
    const expected = ['plain', 'café 😀!', 'a\ufffdb\ufffd\ufffdc', 'é\néx', ''];
    expect(parseGoJson(text)).toEqual(expected);
    const backing = new Uint8Array(text.length + 7);
    backing.set(text, 5);
    const view = new Uint8Array(backing.buffer, 5, text.length);
    expect(Buffer.isBuffer(view)).toBe(false);
    expect(parseGoJson(view)).toEqual(expected);
  });

  test('a non-ASCII byte outside strings is named as Go names it', () => {
    expect(() => parseGoJson(Buffer.from([0xef, 0xbb, 0xbf, 0x7b, 0x7d]))).toThrow('invalid character \'ï\' looking for beginning of value');
  });
});
