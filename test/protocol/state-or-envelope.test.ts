import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  UnsupportedEncryptionVersionError,
  detectEncryptedState,
  parseState,
  readStateOrEnvelope,
} from '../../src/protocol';

/**
 * `readStateOrEnvelope` answers both questions the client asks of stored bytes (an OpenTofu
 * envelope? else the state) on one JSON parse; it must answer exactly as `detectEncryptedState`
 * followed by `parseState`, the two parses it replaces, results and errors alike.
 */
const STATES = join(__dirname, '..', 'fixtures', 'states');
const meta = Buffer.from('{"salt":"c2FsdA==","iterations":600000,"hash_function":"sha512","key_length":32}').toString('base64');
const envelope = `{"serial":3,"lineage":"L","meta":{"key_provider.pbkdf2.k":"${meta}"},"encrypted_data":"AAECAw==","encryption_version":"v0"}`;
const simple = readFileSync(join(STATES, 'states_statefile__roundtrip_v4-simple.tfstate'), 'utf8');

const inputs: [string, string][] = [
  ...readdirSync(STATES).filter((f) => f.endsWith('.tfstate')).map((f) => [f, readFileSync(join(STATES, f), 'utf8')] as [string, string]),
  ['an envelope', envelope],
  ['an envelope with a case-folded key (Go matches struct fields so)', envelope.replace('encryption_version', 'Encryption_Version')],
  ['an envelope whose key is escaped', envelope.replace('"encryption_version"', '"encryption\\u005fversion"')],
  ['a state with an extra top-level encryption_version (OpenTofu takes it for an envelope)', simple.replace('{', '{"encryption_version":"v0",')],
  ['a state with an empty encryption_version (not an envelope)', simple.replace('{', '{"encryption_version":"",')],
  ['a state with a non-string encryption_version (not an envelope)', simple.replace('{', '{"encryption_version":1,')],
  ['an envelope of another version', envelope.replace('"v0"', '"v9"')],
  ['empty input', ''],
  ['JSON null', 'null'],
  ['an array', '[1,2]'],
  ['a string', '"x"'],
  ['invalid JSON', '{"version": 4,'],
  ['trailing garbage', `${simple}x`],
  ['no version', '{"serial":1}'],
  ['version zero', '{"version":0}'],
  ['a version from the future', '{"version":5,"terraform_version":"9.9.9"}'],
  ['the legacy binary format', 'tfstate\u0000\u0001'],
];
const cases: [string, Buffer][] = [
  ...inputs.map(([name, text]) => [name, Buffer.from(text, 'utf8')] as [string, Buffer]),
  ['invalid UTF-8 in a key', Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d])],
];

type Outcome = { envelope: unknown } | { state: unknown } | { error: string; name: string };

function twoParses(input: Buffer): Outcome {
  try {
    const d = detectEncryptedState(input);
    if (d.encrypted) return { envelope: d.envelope };
    return { state: parseState(input, '1.10.0') };
  } catch (e) {
    return { error: (e as Error).message, name: (e as Error).name };
  }
}

function oneParse(input: Buffer): Outcome {
  try {
    const r = readStateOrEnvelope(input, '1.10.0');
    return r.envelope ? { envelope: r.envelope } : { state: r.state };
  } catch (e) {
    return { error: (e as Error).message, name: (e as Error).name };
  }
}

describe('readStateOrEnvelope', () => {
  test.each(cases)('%s: the same result as detectEncryptedState then parseState', (_name, input) => {
    expect(oneParse(input)).toEqual(twoParses(input));
  });

  test('the cases above cover each outcome: states, envelopes, state errors and the version error', () => {
    const kinds = new Set(cases.map(([, input]) => {
      const o = oneParse(input);
      return 'error' in o ? o.name : 'envelope' in o ? 'envelope' : o.state === undefined ? 'none' : 'state';
    }));
    expect([...kinds].sort()).toEqual(['StateFormatError', 'UnsupportedEncryptionVersionError', 'envelope', 'none', 'state']);
  });

  test('an envelope is reported before the state reader sees it, an unknown version as OpenTofu refuses it', () => {
    expect(readStateOrEnvelope(envelope).envelope?.lineage).toBe('L');
    expect(() => readStateOrEnvelope(envelope.replace('"v0"', '"v9"'))).toThrow(UnsupportedEncryptionVersionError);
    expect(readStateOrEnvelope(simple).state?.lineage).toBe(parseState(simple)!.lineage);
  });
});
