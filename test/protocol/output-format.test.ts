import { type GoJsonValue, parseGoJson } from '../../src/protocol/go-json';
import { goQuote } from '../../src/protocol/go-time';
import { formatOutputsHuman, formatOutputValue, friendlyTypeName, outputJson, outputsJson, RawOutputError, rawOutput } from '../../src/protocol/output-format';

/**
 * `terraform output`'s renderings: hashicorp/terraform internal/repl/format.go (`FormatValue`,
 * `formatMultilineString`, `formatMappingValue`, `formatSequenceValue`) for the human form,
 * internal/command/views/output.go (`OutputJSON.Output`, `OutputRaw.Output`) for -json and -raw.
 * Values are parsed as the state reader parses them (integers beyond 2^53 as bigint).
 */
const v = (json: string): GoJsonValue => parseGoJson(json);
const out = (value: string, type: string, sensitive = false) => ({ value: v(value), type: v(type), sensitive });

describe('FormatValue (the human form)', () => {
  test.each([
    ['null', '"dynamic"', 'null'],
    ['null', '"string"', 'tostring(null)'],
    ['null', '"number"', 'tonumber(null)'],
    ['null', '"bool"', 'tobool(null)'],
    ['null', '["list","string"]', 'tolist(null) /* of string */'],
    ['null', '["set",["map","number"]]', 'toset(null) /* of map of number */'],
    ['null', '["map","bool"]', 'tomap(null) /* of bool */'],
    ['null', '["object",{"a":"bool"}]', 'null /* object */'],
    ['null', '["tuple",["string"]]', 'null /* tuple */'],
    ['""', '"string"', '""'],
    ['"tab\\there \\"q\\" back\\\\slash"', '"string"', '"tab\\there \\"q\\" back\\\\slash"'],
    ['0', '"number"', '0'],
    ['-12.5', '"number"', '-12.5'],
    ['1e21', '"number"', '1000000000000000000000'],
    ['0.000001', '"number"', '0.000001'],
    ['1e-7', '"number"', '0.0000001'],
    ['98765432109876543210', '"number"', '98765432109876543210'],
    ['true', '"bool"', 'true'],
    ['{}', '["object",{}]', '{}'],
    ['{}', '["map","string"]', 'tomap({})'],
    ['[]', '["tuple",[]]', '[]'],
    ['[]', '["list","string"]', 'tolist([])'],
    ['[]', '["set","string"]', 'toset([])'],
  ])('%s of type %s is %s', (value, type, want) => {
    expect(formatOutputValue(v(value), v(type))).toBe(want);
  });

  test('collections: tolist/toset/tomap around Terraform syntax, keys quoted in Go string order, a comma after each element', () => {
    const value = v('{"z":[1,"two"],"b":{"10":true,"9":false},"a":["x","y"],"B":null}');
    const type = v('["object",{"z":["tuple",["number","string"]],"b":["map","bool"],"a":["set","string"],"B":["list","number"]}]');
    expect(formatOutputValue(value, type)).toBe([
      '{',
      '  "B" = tolist(null) /* of number */',
      '  "a" = toset([',
      '    "x",',
      '    "y",',
      '  ])',
      '  "b" = tomap({',
      '    "10" = true',
      '    "9" = false',
      '  })',
      '  "z" = [',
      '    1,',
      '    "two",',
      '  ]',
      '}',
    ].join('\n'));
  });

  test('multi-line strings are heredocs: indented ones with <<-, the delimiter lengthened past a line that is one', () => {
    expect(formatOutputValue('one\ntwo', 'string')).toBe('<<EOT\none\ntwo\nEOT');
    // A trailing newline is a last, empty line.
    expect(formatOutputValue('one\n', 'string')).toBe('<<EOT\none\n\nEOT');
    expect(formatOutputValue('EOT\n  EOT_ \nx', 'string')).toBe('<<EOT__\nEOT\n  EOT_ \nx\nEOT__');
    expect(formatOutputValue(v('{"k":["a\\nb"]}'), v('["object",{"k":["list","string"]}]'))).toBe(
      '{\n  "k" = tolist([\n    <<-EOT\n    a\n    b\n    EOT,\n  ])\n}');
  });

  test('a value its recorded type does not describe (a damaged state) is shown by its own shape, not as {}', () => {
    expect(formatOutputValue(v('{"a":1}'), 'string')).toBe('{\n  "a" = 1\n}');
    expect(formatOutputValue(v('[true]'), 'dynamic')).toBe('[\n  true,\n]');
  });

  test('all outputs: name order, one per line, sensitive ones hidden', () => {
    expect(formatOutputsHuman({
      zeta: out('"z"', '"string"'),
      alpha: out('[1]', '["list","number"]'),
      secret: out('"hunter2"', '"string"', true),
    })).toBe('alpha = tolist([\n  1,\n])\nsecret = <sensitive>\nzeta = "z"');
  });

  test('OpenTofu\'s -show-sensitive shows sensitive values in the list', () => {
    expect(formatOutputsHuman({ secret: out('"hunter2"', '"string"', true) }, true)).toBe('secret = "hunter2"');
  });

  test('friendly type names as cty gives them', () => {
    expect(['"string"', '["list",["set","number"]]', '["map","bool"]', '["object",{}]', '["tuple",[]]', '"dynamic"'].map((t) => friendlyTypeName(v(t))))
      .toEqual(['string', 'list of set of number', 'map of bool', 'object', 'tuple', 'dynamic']);
  });
});

describe('-json', () => {
  test('one output: cty\'s compact JSON, keys in Go order, HTML escaped, numbers never in exponent form, big integers exact', () => {
    expect(outputJson(out('{"b":"<a&b>","10":1e21,"9":[98765432109876543210,0.5]}', '["object",{"b":"string","10":"number","9":["tuple",["number","number"]]}]')))
      .toBe('{"10":1000000000000000000000,"9":[98765432109876543210,0.5],"b":"\\u003ca\\u0026b\\u003e"}');
  });

  test('all outputs: json.MarshalIndent of sensitive, type and value, the type and value indented too', () => {
    expect(outputsJson({
      n: out('3', '"number"'),
      l: out('["x"]', '["list","string"]', true),
    })).toBe([
      '{',
      '  "l": {',
      '    "sensitive": true,',
      '    "type": [',
      '      "list",',
      '      "string"',
      '    ],',
      '    "value": [',
      '      "x"',
      '    ]',
      '  },',
      '  "n": {',
      '    "sensitive": false,',
      '    "type": "number",',
      '    "value": 3',
      '  }',
      '}',
    ].join('\n'));
    expect(outputsJson({})).toBe('{}');
    // OpenTofu (internal/command/views/output.go, OutputMeta): "deprecated" after "sensitive", when set.
    expect(outputsJson({ old: { ...out('"v"', '"string"'), deprecated: 'use "new" <now>' } })).toBe(
      '{\n  "old": {\n    "sensitive": false,\n    "deprecated": "use \\"new\\" \\u003cnow\\u003e",\n    "type": "string",\n    "value": "v"\n  }\n}');
  });
});

describe('-raw', () => {
  test('strings as they are, numbers and bools converted as cty converts them', () => {
    expect(rawOutput('s', out('"a\\nb"', '"string"'))).toBe('a\nb');
    expect(rawOutput('n', out('1e21', '"number"'))).toBe('1000000000000000000000');
    expect(rawOutput('n', out('98765432109876543210', '"number"'))).toBe('98765432109876543210');
    expect(rawOutput('b', out('false', '"bool"'))).toBe('false');
  });

  test('a collection, or null, is Terraform\'s "Unsupported value for raw output"', () => {
    const err = (() => {
      try {
        rawOutput('ids', out('["a"]', '["list","string"]'));
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(RawOutputError);
    expect((err as RawOutputError).summary).toBe('Unsupported value for raw output');
    expect((err as RawOutputError).detail).toBe('The -raw option only supports strings, numbers, and boolean values, but output value "ids" is list of string.\n\n'
      + 'Use the -json option for machine-readable representations of output values that have complex types.');
    expect(() => rawOutput('o', out('null', '["object",{}]'))).toThrow(/output value "o" is object\./);
    expect(() => rawOutput('s', out('null', '"string"'))).toThrow('The value for output value "s" is null, so -raw mode cannot print it.');
  });
});

describe('goQuote is strconv.Quote', () => {
  test.each([
    ['plain', '"plain"'],
    ['q"b\\', '"q\\"b\\\\"'],
    ['\x07\b\f\n\r\t\v', '"\\a\\b\\f\\n\\r\\t\\v"'],
    ['\x00\x1b\x7f', '"\\x00\\x1b\\x7f"'],
    ['é ü 世界 😀', '"é ü 世界 😀"'],
    ['nb\u00a0sp \u200b \u2028 \ufeff', '"nb\\u00a0sp \\u200b \\u2028 \\ufeff"'],
    ['\u{e0001}', '"\\U000e0001"'],
  ])('%j', (s, want) => {
    expect(goQuote(s)).toBe(want);
  });
});
