import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  StateFile,
  StateFormatError,
  isStateEmpty,
  md5Hex,
  newEmptyState,
  newLineage,
  parseState,
  readOutputs,
  resourceAddresses,
  resourceInstances,
  serializeStateTerraform,
  serializeStateTofu,
} from '../../src/protocol';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'states');
const fixture = (name: string) => fs.readFileSync(path.join(FIXTURES, name));
const sha256b64 = (b: Buffer) => createHash('sha256').update(b).digest('base64');

const EMPTY_TF = '{\n  "version": 4,\n  "terraform_version": "1.10.0",\n  "serial": 1,\n  "lineage": "0e4b3a1c-1111-2222-3333-444455556666",\n  "outputs": {},\n  "resources": [],\n  "check_results": null\n}\n';

describe('serialising the empty state (§6, vector 9)', () => {
  const state = newEmptyState({ lineage: '0e4b3a1c-1111-2222-3333-444455556666' });

  test('Terraform form is the 181-byte indented document', () => {
    const bytes = serializeStateTerraform(state);
    expect(bytes.toString()).toBe(EMPTY_TF);
    expect(bytes.length).toBe(181);
    expect(md5Hex(bytes)).toBe('076c63e990e99364261f1f739b724cc7');
    expect(sha256b64(bytes)).toBe('OTrNAbd/NEs8CTPw67oiTGUbQOK6p9yfjxN7SLcRTaY=');
  });

  test('OpenTofu form is the 152-byte compact document', () => {
    const bytes = serializeStateTofu(state);
    expect(bytes.length).toBe(152);
    expect(md5Hex(bytes)).toBe('82774609b98396877d6530da2988c2dc');
    expect(sha256b64(bytes)).toBe('WdYTlbKJc9qg5vrqqSUNLRgfMqjFsTLMXKNmTtWjg4Y=');
  });

  test('parses back to the same state, and re-serialises to the same bytes', () => {
    expect(parseState(EMPTY_TF)).toEqual(state);
    expect(serializeStateTerraform(parseState(serializeStateTofu(state))!).toString()).toBe(EMPTY_TF);
  });
});

describe('newEmptyState and newLineage', () => {
  test('defaults: serial 1, emulated version, fresh lineage', () => {
    const a = newEmptyState();
    const b = newEmptyState();
    expect(a.serial).toBe(1);
    expect(a.terraform_version).toBe('1.10.0');
    expect(a.lineage).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(a.lineage).not.toBe(b.lineage);
    expect(newLineage()).not.toBe(newLineage());
    expect(newEmptyState({ serial: 7, terraformVersion: '1.9.8' })).toMatchObject({ serial: 7, terraform_version: '1.9.8' });
    expect(isStateEmpty(a)).toBe(true);
  });
});

describe('parseState errors (Terraform reader texts)', () => {
  test('empty input is "no state"', () => {
    expect(parseState('')).toBeUndefined();
    expect(parseState(Buffer.alloc(0))).toBeUndefined();
  });

  test('no version attribute', () => {
    expect(() => parseState('{"serial":1}')).toThrow(
      'Unsupported state file format: The state file does not have a "version" attribute, which is required to identify the format version.');
  });

  test('vector 27: an OpenTofu encryption envelope is refused like Terraform refuses it', () => {
    const envelope = '{"serial":3,"lineage":"L","meta":{"key_provider.pbkdf2.k":"e30="},"encrypted_data":"AAAA","encryption_version":"v0"}';
    expect(() => parseState(envelope)).toThrow(/does not have a "version" attribute/);
  });

  test('newer format version names the creator when it parses as a version', () => {
    expect(() => parseState('{"version":5,"terraform_version":"2.0.0"}')).toThrow(
      'Unsupported state file format: The state file uses format version 5, which is not supported by Terraform 1.10.0. This state file was created by Terraform 2.0.0.');
    expect(() => parseState('{"version":5,"terraform_version":"garbage!"}', '1.9.0')).toThrow(
      'The state file uses format version 5, which is not supported by Terraform 1.9.0. This state file may have been created by a newer version of Terraform.');
  });

  test('version zero, and versions this library does not read', () => {
    expect(() => parseState('{"version":0}')).toThrow(/has a version number of zero/);
    // Formats 1 to 3 are upgraded as Terraform's statefile.Read does (version1_upgrade.go ... version3_upgrade.go).
    expect(parseState('{"version":2}')).toMatchObject({ version: 2, terraform_version: '0.0.0', resources: [] });
  });

  test('not JSON: syntax error offset plus the missing version', () => {
    let error: unknown;
    try {
      parseState('{"version": x}');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StateFormatError);
    expect((error as Error).message).toBe('2 problems:\n\n'
      + '- Unsupported state file format: The state file could not be parsed as JSON: syntax error at byte offset 13.\n'
      + '- Unsupported state file format: The state file does not have a "version" attribute, which is required to identify the format version.');
  });

  test('a version that is not a whole number', () => {
    expect(() => parseState('{"version":"4"}')).toThrow('The version in the state file is string. A positive whole number is required.');
    expect(() => parseState('{"version":-1}')).toThrow('The version in the state file is number -1. A positive whole number is required.');
  });

  test('an invalid terraform_version', () => {
    expect(() => parseState('{"version":4,"terraform_version":"not a version"}')).toThrow(
      'Invalid Terraform version string: State file claims to have been written by Terraform version "not a version", which is not a valid version string.');
  });

  test('legacy binary format', () => {
    expect(() => parseState('tfstate\u0000binary')).toThrow(/legacy binary format/);
  });

  test('wrong field types', () => {
    expect(() => parseState('{"version":4,"serial":"1"}')).toThrow('json: cannot unmarshal string into Go struct field stateV4.serial of type uint64');
    expect(() => parseState('{"version":4,"resources":[{"mode":"weird"}]}')).toThrow(/with mode "weird" \(.*\) which is not supported/);
  });
});

describe('every real Terraform state in the fixtures', () => {
  const files = fs.readdirSync(FIXTURES).filter((f) => f.endsWith('.tfstate'));

  test('the fixture folder has the seven files its README lists', () => {
    expect(files).toHaveLength(7);
  });

  test.each(files)('%s parses, re-serialises canonically and stays stable', (name) => {
    const state = parseState(fixture(name))!;
    expect(state.version).toBe(4);
    const once = serializeStateTerraform(state);
    const reparsed = parseState(once)!;
    const twice = serializeStateTerraform(reparsed);
    expect(twice.equals(once)).toBe(true);
    expect(readOutputs(reparsed)).toEqual(readOutputs(state));
    expect(resourceAddresses(reparsed)).toEqual(resourceAddresses(state));
    // Tofu's compact form carries the same document.
    expect(serializeStateTerraform(parseState(serializeStateTofu(state))!).equals(once)).toBe(true);
  });

  test('basic: one string output', () => {
    const state = parseState(fixture('builtin_providers_terraform__basic.tfstate'))!;
    expect(readOutputs(state)).toEqual({ foo: { value: 'bar', type: 'string', sensitive: false } });
    expect(resourceAddresses(state)).toEqual([]);
    expect(serializeStateTerraform(state).toString()).toBe('{\n  "version": 4,\n  "terraform_version": "0.13.0",\n  "serial": 0,\n  "lineage": "",\n  "outputs": {\n    "foo": {\n      "value": "bar",\n      "type": "string"\n    }\n  },\n  "resources": [],\n  "check_results": null\n}\n');
  });

  test('complex outputs: maps and lists with their cty types, sensitive false omitted on write', () => {
    const state = parseState(fixture('builtin_providers_terraform__complex_outputs.tfstate'))!;
    expect(readOutputs(state)).toEqual({
      computed_map: { value: { key1: 'value1' }, type: ['map', 'string'], sensitive: false },
      computed_set: { value: ['setval1', 'setval2'], type: ['list', 'string'], sensitive: false },
      map: { value: { key: 'test', test: 'test' }, type: ['map', 'string'], sensitive: false },
      set: { value: ['test1', 'test2'], type: ['list', 'string'], sensitive: false },
    });
    expect(resourceAddresses(state)).toEqual(['test_resource.main[0]']);
    expect(serializeStateTerraform(state).toString()).not.toContain('"sensitive"');
  });

  test('null outputs stay null, names come out in Go map order', () => {
    const state = parseState(fixture('builtin_providers_terraform__null_outputs.tfstate'))!;
    const outputs = readOutputs(state);
    expect(Object.keys(outputs)).toEqual(['list', 'map']);
    expect(outputs.map).toEqual({ value: null, type: ['map', 'string'], sensitive: false });
  });

  test('modules: addresses with module paths and for_each keys; resources sorted as Terraform writes them', () => {
    const state = parseState(fixture('states_statefile__roundtrip_v4-modules.tfstate'))!;
    expect(resourceAddresses(state)).toEqual([
      'module.modA.null_resource.resource',
      'module.modB.null_resource.bar["a"]',
      'module.modB.null_resource.bar["b"]',
      'null_resource.bar',
    ]);
    const written = parseState(serializeStateTerraform(state))!;
    expect(written.resources.map((r) => r.module ?? '')).toEqual(['', 'module.modA', 'module.modB']);
  });

  test('simple: count instances', () => {
    const state = parseState(fixture('states_statefile__roundtrip_v4-simple.tfstate'))!;
    expect(resourceAddresses(state)).toEqual(['null_resource.bar', 'null_resource.foo[0]', 'null_resource.foo[1]']);
    expect(resourceInstances(state)[1]).toMatchObject({ indexKey: 0, provider: 'provider["registry.terraform.io/-/null"]', tainted: false });
  });

  test('create_before_destroy: fields written in Terraform\'s struct order', () => {
    const out = serializeStateTerraform(parseState(fixture('states_statefile__roundtrip_v4-cbd.tfstate'))!).toString();
    expect(out.indexOf('"private"')).toBeLessThan(out.indexOf('"create_before_destroy"'));
    expect(out).toContain('"create_before_destroy": true');
  });

  test('for_each fixture reads its module resource', () => {
    const state = parseState(fixture('states_statefile__roundtrip_v4-foreach.tfstate'))!;
    expect(resourceAddresses(state)).toEqual(['module.modA.null_resource.resource']);
    expect(isStateEmpty(state)).toBe(false);
  });
});

describe('Go formatting inside state documents', () => {
  const base = newEmptyState({ lineage: 'L', serial: 3 });

  test('HTML characters in strings are escaped as Go escapes them', () => {
    const state: StateFile = { ...base, outputs: { o: { value: '<a href="x">&</a>', type: 'string' } } };
    expect(serializeStateTerraform(state).toString()).toContain('"value": "\\u003ca href=\\"x\\"\\u003e\\u0026\\u003c/a\\u003e"');
  });

  test('numbers are written as cty writes them: plain decimal, exact big integers', () => {
    const doc = '{"version":4,"terraform_version":"1.10.0","serial":2,"lineage":"L","outputs":{"n":{"value":[1e21,1e-7,0.1,12345678901234567890,-0,1.5],"type":["list","number"]}},"resources":[],"check_results":null}';
    const out = serializeStateTofu(parseState(doc)!).toString();
    // big.Float.Text('f', -1) keeps the sign of a negative zero (cty/json marshal.go).
    expect(out).toContain('"value":[1000000000000000000000,0.0000001,0.1,12345678901234567890,-0,1.5]');
  });

  test('output names are sorted by bytes like a Go map; empty containers stay compact', () => {
    const state: StateFile = { ...base, outputs: { b: { value: {}, type: ['object', {}] }, a: { value: [], type: ['tuple', []], sensitive: true } } };
    expect(serializeStateTerraform(state).toString()).toContain('"outputs": {\n    "a": {\n      "value": [],\n      "type": [\n        "tuple",\n        []\n      ],\n      "sensitive": true\n    },\n    "b": {');
  });

  test('data resources, string keys with quotes, and tainted instances', () => {
    const state: StateFile = {
      ...base,
      resources: [
        { mode: 'data', type: 'x', name: 'y', each: 'list', provider: 'p', instances: [{ index_key: 0, schema_version: 0 }] },
        { module: 'module.a', mode: 'managed', type: 'aws_instance', name: 'b', each: 'map', provider: 'p', instances: [{ index_key: 'k"1', status: 'tainted', schema_version: 1 }] },
      ],
    };
    expect(resourceAddresses(state)).toEqual(['data.x.y[0]', 'module.a.aws_instance.b["k\\"1"]']);
    expect(resourceInstances(state)[1].tainted).toBe(true);
    expect(isStateEmpty(state)).toBe(false);
  });

  test('instances sort by key: none first, numbers, then strings; deposed after current', () => {
    const state: StateFile = {
      ...base,
      resources: [{
        mode: 'managed',
        type: 't',
        name: 'n',
        provider: 'provider["registry.terraform.io/hashicorp/t"]',
        instances: [
          { index_key: 'b', schema_version: 0 }, { index_key: 10, schema_version: 0 }, { index_key: 2, schema_version: 0 },
          { index_key: 2, deposed: 'dddddd01', schema_version: 0 }, { index_key: 'a', schema_version: 0 },
        ],
      }],
    };
    const keys = parseState(serializeStateTofu(state))!.resources[0].instances.map((i) => `${i.index_key}${i.deposed ?? ''}`);
    expect(keys).toEqual(['2', '2dddddd01', '10', 'a', 'b']);
  });
});

describe('state format v3', () => {
  test('reads serial, lineage, root outputs and resources', () => {
    const v3 = JSON.stringify({
      version: 3,
      terraform_version: '0.11.14',
      serial: 9,
      lineage: 'L3',
      modules: [
        { path: ['root'], outputs: { ip: { sensitive: false, type: 'string', value: '10.0.0.1' } }, resources: { 'aws_instance.web.0': { type: 'aws_instance', primary: { id: 'i-1', attributes: { id: 'i-1' } } }, 'aws_instance.web.1': { type: 'aws_instance', primary: { id: 'i-2', attributes: { id: 'i-2' } } }, 'data.aws_ami.ubuntu': { type: 'aws_ami', primary: { id: 'ami', attributes: {} } } } },
        { path: ['root', 'net'], outputs: { hidden: { type: 'string', value: 'x' } }, resources: { 'aws_vpc.main': { type: 'aws_vpc', primary: { id: 'vpc', attributes: {} } } } },
      ],
    });
    const state = parseState(v3)!;
    expect(state).toMatchObject({ version: 3, serial: 9, lineage: 'L3', terraform_version: '0.11.14' });
    expect(readOutputs(state)).toEqual({ ip: { value: '10.0.0.1', type: 'string', sensitive: false } });
    expect(resourceAddresses(state)).toEqual(['aws_instance.web[0]', 'aws_instance.web[1]', 'data.aws_ami.ubuntu', 'module.net.aws_vpc.main']);
  });
});
