/**
 * Property: a state with awkward numbers, strings and keys survives write → parse → write byte for
 * byte (only serial and lineage change), and the number texts of raw members (attributes, identity)
 * are exactly those of the input, as Terraform keeps json.RawMessage bytes
 * (hashicorp/terraform internal/states/statefile/version4.go, instanceObjectStateV4).
 */
import * as fc from 'fast-check';
import { parseState, serializeStateTerraform, serializeStateTofu } from '../../src/protocol';

const AWKWARD_NUMBERS = ['0', '-0', '1.0', '1e400', '-1E-400', '0.1000000000000000055511151231257827', '18446744073709551616', '123456789012345678901234567890', '-2.50e+3', '1e21', '5e-324'];
const AWKWARD_STRINGS = ['"<script>&amp;</script>"', '"\u2028\u2029"', '"\\ud800"', '"\\udc00x\\ud83d\\ude00"', '"\\u00e9\\/\\b\\f"', '"e\u0301"', '"\u{1f600}"', '"\\"\\\\"', '""'];

const numberText = fc.oneof(
  fc.constantFrom(...AWKWARD_NUMBERS),
  fc.integer().map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => (Object.is(d, -0) ? '-0' : String(d))),
);
const stringText = fc.oneof(
  fc.constantFrom(...AWKWARD_STRINGS),
  fc.string({ unit: 'binary', maxLength: 8 }).map((s) => JSON.stringify(s)),
);

/** JSON text of a value (whitespace included, to be compacted), with awkward tokens. */
const jsonText: fc.Arbitrary<string> = fc.letrec<{ value: string }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    numberText,
    stringText,
    fc.constantFrom('true', 'false', 'null'),
    fc.array(tie('value'), { maxLength: 4 }).map((xs) => `[ ${xs.join(' , ')} ]`),
    fc.array(fc.tuple(stringText, tie('value')), { maxLength: 4 }).map((kv) => `{${kv.map(([k, v]) => `\n ${k} :\t${v}`).join(',')} }`),
  ),
})).value;

const numbersIn = (text: string): string[] => {
  const out: string[] = [];
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
    } else if (/[-0-9]/.test(c)) {
      const m = /^-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(i))!;
      out.push(m[0]);
      i += m[0].length - 1;
    }
  }
  return out;
};

function stateText(attributes: string, identity: string, outputNumber: string, outputString: string, key: string): string {
  return `{"version":4,"terraform_version":"1.9.0","serial":7,"lineage":"L","outputs":{${key}:{"value":${outputString},"type":"string"},"n":{"value":${outputNumber},"type":"number"}},`
    + '"resources":[{"mode":"managed","type":"t","name":"n","provider":"provider[\\"registry.terraform.io/hashicorp/t\\"]","instances":['
    + `{"index_key":${key},"schema_version":0,"attributes":${attributes},"identity":${identity}}]}],"check_results":null}`;
}

/** The first write with the new serial and lineage: all a rewrite may change. */
const bump = (bytes: Buffer) => bytes.toString('latin1').replace(/("serial": ?)7,/, '$18,').replace(/("lineage": ?)"L"/, '$1"M"');

describe.each([
  ['Terraform', serializeStateTerraform],
  ['OpenTofu', serializeStateTofu],
])('%s writer', (_name, write) => {
  test('write → parse → write is byte for byte (serial and lineage aside); raw number texts are the input\'s', () => {
    fc.assert(fc.property(jsonText, jsonText, numberText, stringText, stringText, (attributes, identity, num, str, key) => {
      const first = write(parseState(stateText(attributes, identity, num, str, key))!);
      const state = parseState(first)!;
      const second = write({ ...state, serial: 8, lineage: 'M' });
      expect(second.toString('latin1')).toBe(bump(first));
      const text = first.toString('latin1');
      const attrs = text.slice(text.indexOf('"attributes"'), text.indexOf('"sensitive_attributes"'));
      expect(numbersIn(attrs)).toEqual(numbersIn(attributes));
    }), { numRuns: 150 });
  });
});
