import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as fc from 'fast-check';
import { TestBackend, newBackend } from './support';
import { writeSyntheticState } from '../../bench/synthetic-state';
import { StateClient } from '../../src/client';
import { parseState, serializeStateTerraform, serializeStateTofu } from '../../src/protocol';

/**
 * A push through the real client stores what Terraform's `statefile.Write` would store for the same
 * input (hashicorp/terraform internal/states/statefile/version4.go: raw attributes and identity,
 * cty outputs, sensitive_attributes and identity_schema_version always written, `each` never), and a
 * pull gives those bytes back. Only serial and lineage change, per Terraform's PersistState.
 */
describe('state fidelity through push and pull (Ceph RGW + DynamoDB Local)', () => {
  let be: TestBackend;
  let client: StateClient;

  beforeEach(async () => {
    be = await newBackend('both');
    client = be.client();
  });
  afterEach(async () => {
    client.destroy();
    await be.destroy();
  });

  const INPUT = [
    '{',
    '    "version": 4, "terraform_version": "1.7.3", "serial": 5, "lineage": "pushed-lineage",',
    '    "outputs": {"n": {"type": "number", "value": 1.0}, "p": {"value": 0.1000000000000000055511151231257827, "type": "number"}},',
    '    "resources": [{"mode": "managed", "type": "null_resource", "name": "x", "each": "list",',
    '      "provider": "provider[\\"registry.terraform.io/hashicorp/null\\"]",',
    '      "instances": [{"index_key": 0, "schema_version": 1,',
    '        "attributes": {"z": 0.1000000000000000055511151231257827, "a": 1.0, "big": 1e400, "neg": -0, "s": "<\\u00e9>&\u2028\\ud800", "e": {}},',
    '        "identity": {"id": "1.0"}, "private": "bnVsbA=="}]}]',
    '}',
  ].join('\n');

  const expected = (lineage: string, serial: number) => [
    '{',
    '  "version": 4,',
    '  "terraform_version": "1.7.3",',
    `  "serial": ${serial},`,
    `  "lineage": "${lineage}",`,
    '  "outputs": {',
    '    "n": {',
    '      "value": 1,',
    '      "type": "number"',
    '    },',
    '    "p": {',
    '      "value": 0.1000000000000000055511151231257827,',
    '      "type": "number"',
    '    }',
    '  },',
    '  "resources": [',
    '    {',
    '      "mode": "managed",',
    '      "type": "null_resource",',
    '      "name": "x",',
    '      "provider": "provider[\\"registry.terraform.io/hashicorp/null\\"]",',
    '      "instances": [',
    '        {',
    '          "index_key": 0,',
    '          "schema_version": 1,',
    '          "attributes": {',
    '            "z": 0.1000000000000000055511151231257827,',
    '            "a": 1.0,',
    '            "big": 1e400,',
    '            "neg": -0,',
    '            "s": "\\u003c\\u00e9\\u003e\\u0026\\u2028\\ud800",',
    '            "e": {}',
    '          },',
    '          "sensitive_attributes": [],',
    '          "identity_schema_version": 0,',
    '          "identity": {',
    '            "id": "1.0"',
    '          },',
    '          "private": "bnVsbA=="',
    '        }',
    '      ]',
    '    }',
    '  ],',
    '  "check_results": null',
    '}',
    '',
  ].join('\n');

  test('push into an empty workspace, pull, push again: stored bytes are Terraform\'s, number texts intact', async () => {
    await client.pushState(Buffer.from(INPUT));
    const first = await be.rawGet(be.config.key);
    const lineage = parseState(first!.body)!.lineage;
    expect(lineage).not.toBe('pushed-lineage'); // Terraform gives a pushed state a fresh lineage in an empty workspace
    expect(first!.body.toString('utf8')).toBe(expected(lineage, 1));

    const pulled = await client.readState();
    expect(pulled!.bytes.equals(first!.body)).toBe(true);
    await client.pushState(pulled!.state); // identical: Terraform writes nothing
    expect((await be.rawGet(be.config.key))!.body.equals(first!.body)).toBe(true);
    await client.pushState({ ...pulled!.state, serial: 2 }); // a newer serial: stored as serial + 1
    const second = await be.rawGet(be.config.key);
    expect(second!.body.toString('utf8')).toBe(expected(lineage, 3));
  });

  test('property: random attributes survive push → pull byte for byte except serial and lineage', async () => {
    const value = fc.oneof(
      fc.constantFrom('1.0', '1e400', '-0', '0.1000000000000000055511151231257827', '123456789012345678901234567890', '"<&>\u2028"', '"\\ud800"', '"\\u00e9"'),
      fc.string({ unit: 'binary', maxLength: 6 }).map((s) => JSON.stringify(s)),
      fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
    );
    const attrs = fc.array(fc.tuple(fc.string({ unit: 'binary', maxLength: 5 }), value), { maxLength: 5 })
      .map((kv) => `{${kv.map(([k, v]) => `${JSON.stringify(k)}: ${v}`).join(', ')}}`);
    await fc.assert(fc.asyncProperty(attrs, async (a) => {
      const remote = await client.readState();
      const serial = remote?.state.serial ?? 0;
      const input = INPUT.replace(/"attributes": \{[^\n]*\},\n/, `"attributes": ${a},\n`).replace('"serial": 5', `"serial": ${serial + 1}`)
        .replace('"pushed-lineage"', JSON.stringify(remote?.state.lineage ?? 'L'));
      expect(input).toContain(`"attributes": ${a},`);
      await client.pushState(Buffer.from(input));
      const stored = (await be.rawGet(be.config.key))!.body;
      const storedLineage = parseState(stored)!.lineage;
      if (remote) expect(storedLineage).toBe(remote.state.lineage);
      const want = serializeStateTerraform({ ...parseState(input)!, serial: remote ? serial + 2 : 1, lineage: storedLineage });
      expect(stored.equals(want)).toBe(true);
      expect((await client.readState())!.bytes.equals(stored)).toBe(true);
    }), { numRuns: 8 });
  });

  test('streaming push above 8 MiB: the same state in other bytes at the same serial is "the same state" (no write, no conflict)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tfstate-fidelity-'));
    try {
      const big = join(dir, 'big.tfstate');
      await writeSyntheticState(big, 9 * 1024 * 1024, { serial: 4 });
      await client.pushStateFromFile(big);
      const stored = (await be.rawGet(be.config.key))!.body;
      const same = join(dir, 'same.tfstate');
      writeFileSync(same, serializeStateTofu(parseState(stored)!)); // compact: other bytes, same state and serial
      expect(statSync(same).size).toBeGreaterThan(8 * 1024 * 1024); // the streaming path
      await client.pushStateFromFile(same);
      expect((await be.rawGet(be.config.key))!.body.equals(stored)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);
});
