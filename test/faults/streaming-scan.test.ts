import { readdirSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSyntheticState } from '../../bench/synthetic-state';
import { isStateEmpty, parseState, readOutputs } from '../../src/protocol/state';
import { StatePrefixScanner, outputsFromPrefix, stateHeadFromPrefix } from '../../src/protocol/streaming-scan';

const FIXTURES = join(__dirname, '..', 'fixtures', 'states');

function scan(bytes: Buffer, chunkSize: number) {
  const scanner = new StatePrefixScanner();
  for (let i = 0; i < bytes.length; i += chunkSize) {
    // Fresh copies: the scanner must not depend on chunk buffers surviving.
    if (scanner.push(Buffer.from(bytes.subarray(i, i + chunkSize)))) break;
  }
  return scanner.finish();
}

function expectSameAsFullParse(bytes: Buffer, chunkSize: number) {
  const full = parseState(bytes)!;
  const prefix = scan(bytes, chunkSize);
  const head = stateHeadFromPrefix(prefix)!;
  expect(head.serial).toBe(full.serial);
  expect(head.lineage).toBe(full.lineage);
  expect(head.terraform_version).toBe(full.terraform_version);
  expect(outputsFromPrefix(prefix)).toEqual(readOutputs(full));
  expect(prefix.resourcesEmpty).toBe(full.resources.length === 0);
  expect(Object.keys(full.outputs).length === 0 && prefix.resourcesEmpty).toBe(isStateEmpty(full));
  const [s0, s1] = prefix.serialSpan!;
  expect(bytes.subarray(s0, s1).toString()).toBe(String(full.serial));
  const [l0, l1] = prefix.lineageSpan!;
  expect(JSON.parse(bytes.subarray(l0, l1).toString())).toBe(full.lineage);
  return prefix;
}

const fixtures = readdirSync(FIXTURES).filter((f) => f.endsWith('.tfstate'));

describe('state prefix scanner', () => {
  test('there are fixtures to check against', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(5);
  });

  test.each(fixtures.flatMap((f) => [1, 7, 64, 1024 * 1024].map((c) => [f, c] as const)))('%s in %d-byte chunks matches JSON parsing', (file, chunk) => {
    expectSameAsFullParse(readFileSync(join(FIXTURES, file)), chunk);
  });

  describe('generated states', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'scan-'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    test.each([
      ['indented', false],
      ['compact', true],
    ])('%s, 2 MB: same outputs, stops right after outputs', async (_name, compact) => {
      const path = join(dir, `s-${compact}.json`);
      await writeSyntheticState(path, 2_000_000, { compact: compact as boolean, serial: 41 });
      const bytes = readFileSync(path);
      for (const chunk of [3, 4096, 65536]) {
        const prefix = expectSameAsFullParse(bytes, chunk);
        expect(prefix.stoppedEarly).toBe(true);
        // Identity + outputs + a peek into resources: well under 1 % of the file.
        expect(prefix.bytesScanned).toBeLessThan(chunk + 2048);
      }
    });
  });

  test('keys in another order, escaped keys and strings with quotes and backslashes', () => {
    const text = '{"outputs":{"a\\"b":{"value":"x\\\\\\"}{[","type":"string"}},"lineage":"L","extra":{"s":"\\\\"},"serial":3,"version":4,"terraform_version":"1.9.0","resources":[]}';
    for (const chunk of [1, 2, 5, 1000]) expectSameAsFullParse(Buffer.from(text), chunk);
  });

  test('an OpenTofu encrypted envelope is flagged and not read as a state', () => {
    const env = Buffer.from('{"serial":3,"lineage":"L","meta":{"key_provider.pbkdf2.k":"e30="},"encrypted_data":"AAAA","encryption_version":"v0"}');
    const prefix = scan(env, 4);
    expect(prefix.encrypted).toBe(true);
    expect(stateHeadFromPrefix(prefix)).toBeUndefined();
  });

  test('an unsupported version is refused with the parser\'s own error', () => {
    const prefix = scan(Buffer.from('{"version":5,"serial":1,"lineage":"L","outputs":{},"resources":[]}'), 3);
    expect(() => stateHeadFromPrefix(prefix)).toThrow(/format version 5/);
  });

  test('non-JSON input gives a syntax error, no result', () => {
    const prefix = scan(Buffer.from('not json'), 3);
    expect(prefix.syntaxError).toMatch(/expected "\{" at byte 0/);
    expect(stateHeadFromPrefix(prefix)).toBeUndefined();
  });
});
