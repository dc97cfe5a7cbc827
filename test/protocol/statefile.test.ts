/**
 * State rewrites equal what Terraform's `statefile.Write` (or OpenTofu's) produces from the same input.
 * Sources: hashicorp/terraform internal/states/statefile/version4.go (prepareStateV4, writeStateV4,
 * instanceObjectStateV4), version3_upgrade.go, version2_upgrade.go, version1_upgrade.go,
 * marshal_equal.go; opentofu/opentofu internal/states/statefile/version4.go and write.go;
 * zclconf/go-cty cty/json (outputs); Go encoding/json indent.go (RawMessage compaction).
 */
import {
  StateFile,
  StateFormatError,
  newEmptyState,
  parseState,
  readOutputs,
  sameStateContent,
  serializeState,
  serializeStateTerraform,
  serializeStateTofu,
} from '../../src/protocol';

const v4 = (resources: unknown[], outputs: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => JSON.stringify({
  version: 4, terraform_version: '1.9.0', serial: 3, lineage: 'L', outputs, resources, ...extra,
}, null, 2);
const NULL_PROVIDER = 'provider["registry.terraform.io/hashicorp/null"]';
const resource = (instances: string, extra = '') =>
  `{"mode":"managed","type":"null_resource","name":"a",${extra}"provider":${JSON.stringify(NULL_PROVIDER)},"instances":[${instances}]}`;
const doc = (res: string, outputs = '{}') => `{"version":4,"terraform_version":"1.9.0","serial":3,"lineage":"L","outputs":${outputs},"resources":[${res}]}`;
const rewrite = (text: string) => serializeStateTerraform(parseState(text)!).toString('utf8');

describe('attributes, identity and private travel as raw JSON (json.RawMessage / []byte)', () => {
  test('number text is kept: 0.1000000000000000055511151231257827 stays, 1.0 stays, 1e400 stays', () => {
    const out = rewrite(doc(resource('{"schema_version":0,"attributes":{"p":0.1000000000000000055511151231257827,"one":1.0,"big":1e400,"neg":-0,"int":123456789012345678901234567890}}')));
    expect(out).toContain('"p": 0.1000000000000000055511151231257827,\n');
    expect(out).toContain('"one": 1.0,\n');
    expect(out).toContain('"big": 1e400,\n');
    expect(out).toContain('"neg": -0,\n');
    expect(out).toContain('"int": 123456789012345678901234567890\n');
  });

  test('key order, duplicate keys and escapes are kept; <>& and U+2028 are escaped as Go escapes them', () => {
    const attrs = '{ "z" : 1 , "a":"x\\u00e9\\/\\ud800" ,"a": "<b>&\u2028" , "e":{}, "l":[ ] , "n":[[1,{"k":null}]]}';
    const out = rewrite(doc(resource(`{"schema_version":0,"attributes":${attrs}}`)));
    expect(out).toContain([
      '          "attributes": {',
      '            "z": 1,',
      '            "a": "x\\u00e9\\/\\ud800",',
      '            "a": "\\u003cb\\u003e\\u0026\\u2028",',
      '            "e": {},',
      '            "l": [],',
      '            "n": [',
      '              [',
      '                1,',
      '                {',
      '                  "k": null',
      '                }',
      '              ]',
      '            ]',
      '          },',
    ].join('\n'));
  });

  test('invalid UTF-8 inside an attribute string passes through unchanged, as Go copies RawMessage bytes', () => {
    const [before, after] = doc(resource('{"schema_version":0,"attributes":{"s":"A@"}}')).split('@');
    const state = parseState(Buffer.concat([Buffer.from(before), Buffer.from([0xff, 0xfe]), Buffer.from(after)]))!;
    const out = serializeStateTerraform(state);
    expect(out.includes(Buffer.concat([Buffer.from('"s": "A'), Buffer.from([0xff, 0xfe]), Buffer.from('"')]))).toBe(true);
  });

  test('identity is raw; identity_schema_version and sensitive_attributes are always written', () => {
    const out = rewrite(doc(resource('{"schema_version":2,"attributes":{"id":"x"},"identity":{"arn":"a:b","n":1.50},"identity_schema_version":1}')));
    expect(out).toContain('"schema_version": 2,\n          "attributes": {\n            "id": "x"\n          },\n          "sensitive_attributes": [],\n          "identity_schema_version": 1,\n          "identity": {\n            "arn": "a:b",\n            "n": 1.50\n          }\n');
    const bare = rewrite(doc(resource('{"schema_version":0}')));
    expect(bare).toContain('"schema_version": 0,\n          "attributes": {},\n          "sensitive_attributes": [],\n          "identity_schema_version": 0\n        }');
  });

  test('private is base64 of the bytes ([]byte): re-encoded canonically, empty omitted', () => {
    expect(rewrite(doc(resource('{"schema_version":0,"private":"bnVs\\nbA=="}')))).toContain('"private": "bnVsbA=="');
    expect(rewrite(doc(resource('{"schema_version":0,"private":""}')))).not.toContain('"private"');
    expect(() => parseState(doc(resource('{"schema_version":0,"private":"not base64!"}')))).toThrow(StateFormatError);
  });

  test('a value changed in memory is written from the value, not from the old bytes', () => {
    const state = parseState(doc(resource('{"schema_version":0,"attributes":{"n":1.0}}')))!;
    const i = state.resources[0].instances[0];
    const changed: StateFile = { ...state, resources: [{ ...state.resources[0], instances: [{ ...i, attributes: { n: 2 } }] }] };
    expect(serializeStateTerraform(changed).toString()).toContain('"n": 2\n');
    expect(serializeStateTerraform(state).toString()).toContain('"n": 1.0\n');
  });
});

describe('outputs go through cty, as Terraform decodes and re-encodes them', () => {
  test('numbers in cty form, strings NFC, map keys and object attributes sorted, primitive sets sorted and de-duplicated', () => {
    const outputs = '{"n":{"value":[1.0,1e3,0.1000000000000000055511151231257827,-0,0.50],"type":["list","number"]},'
      + '"s":{"value":"e\u0301","type":"string"},"m":{"value":{"b":1,"a":2},"type":["map","number"]},'
      + '"o":{"type":["object",{"z":"string","a":"bool"}],"value":{"z":"x","a":"true"}},'
      + '"set":{"value":["b","a","b"],"type":["set","string"]},"d":{"value":{"value":1.0,"type":"number"},"type":"dynamic"}}';
    const out = serializeStateTofu(parseState(doc('', outputs))!).toString();
    expect(out).toContain('"n":{"value":[1,1000,0.1000000000000000055511151231257827,-0,0.5],"type":["list","number"]}');
    expect(out).toContain('"s":{"value":"\u00e9","type":"string"}');
    expect(out).toContain('"m":{"value":{"a":2,"b":1},"type":["map","number"]}');
    expect(out).toContain('"o":{"value":{"a":true,"z":"x"},"type":["object",{"a":"bool","z":"string"}]}');
    expect(out).toContain('"set":{"value":["a","b"],"type":["set","string"]}');
    expect(out).toContain('"d":{"value":{"value":1,"type":"number"},"type":"dynamic"}');
  });

  test('a value that does not fit its type is refused as Terraform refuses it', () => {
    expect(() => parseState(doc('', '{"x":{"value":"a","type":"number"}}'))).toThrow(/Invalid output value saved in state/);
    expect(() => parseState(doc('', '{"x":{"value":{"q":1},"type":["object",{"a":"number"}]}}'))).toThrow(/unsupported attribute "q"/);
    expect(() => parseState(doc('', '{"x":{"value":"a"}}'))).toThrow(/output "x"/);
  });

  test('outputs built in memory are encoded the same way', () => {
    const state: StateFile = { ...newEmptyState({ lineage: 'L' }), outputs: { b: { value: { y: 1, x: 1.5 }, type: ['map', 'number'] } } };
    expect(serializeStateTofu(state).toString()).toContain('"outputs":{"b":{"value":{"x":1.5,"y":1},"type":["map","number"]}}');
  });
});

describe('the file layout Terraform writes', () => {
  test('each is never written; resources merged by address and sorted; legacy providers normalised', () => {
    const text = v4([
      { mode: 'managed', type: 'b', name: 'n', each: 'list', provider: 'provider.aws', instances: [{ index_key: 1, schema_version: 0 }] },
      { module: 'module.m', mode: 'managed', type: 'a', name: 'n', provider: 'module.m.provider.aws.west', instances: [] },
      { mode: 'managed', type: 'b', name: 'n', each: 'list', provider: 'provider.aws', instances: [{ index_key: 0, schema_version: 0 }] },
      { mode: 'data', type: 'terraform_remote_state', name: 'r', provider: 'provider.terraform', instances: [] },
    ]);
    const state = parseState(text)!;
    const out = serializeStateTerraform(state).toString();
    expect(out).not.toContain('"each"');
    expect(state.resources.map((r) => r.provider)).toEqual([
      'provider["registry.terraform.io/-/aws"]', 'module.m.provider["registry.terraform.io/-/aws"].west', 'provider["terraform.io/builtin/terraform"]',
    ]);
    const written = parseState(out)!;
    expect(written.resources.map((r) => `${r.module ?? ''}|${r.mode}.${r.type}.${r.name}:${r.instances.map((i) => i.index_key).join(',')}`))
      .toEqual(['|data.terraform_remote_state.r:', '|managed.b.n:0,1', 'module.m|managed.a.n:']);
  });

  test('dependencies are normalised to config addresses (module keys dropped); invalid ones refuse the state', () => {
    const out = rewrite(doc(resource('{"schema_version":0,"dependencies":["module.a[\\"k\\"].aws_instance.b","data.x.y"]}')));
    expect(out).toContain('"dependencies": [\n            "module.a.aws_instance.b",\n            "data.x.y"\n          ]');
    expect(() => parseState(doc(resource('{"schema_version":0,"dependencies":["aws_instance.b[0]"]}')))).toThrow(StateFormatError);
  });

  test('sensitive paths are decoded and re-encoded (type first, cty dynamic index keys)', () => {
    const out = serializeStateTofu(parseState(doc(resource('{"schema_version":0,"sensitive_attributes":[[{"value":"tags","type":"get_attr"},{"type":"index","value":{"type":"number","value":1.0}}]]}')), { flavor: 'opentofu' })!).toString();
    expect(out).toContain('"sensitive_attributes":[[{"type":"get_attr","value":"tags"},{"type":"index","value":{"value":1,"type":"number"}}]]');
  });

  test('Terraform refuses what prepareStateV4 refuses', () => {
    expect(() => parseState(doc(resource('{"schema_version":0},{"schema_version":0}')))).toThrow('Instance null_resource.a appears multiple times in the state file.');
    expect(() => parseState(doc(resource('{"schema_version":0,"deposed":"abc"}')))).toThrow(/deposed key "abc", which is not correctly formatted/);
    expect(() => parseState(doc(resource('{"schema_version":0,"status":"weird"}')))).toThrow(/invalid status "weird"/);
    expect(() => parseState(doc('{"mode":"managed","type":"t","name":"n","provider":"aws","instances":[]}'))).toThrow(/Invalid provider configuration address/);
  });

  test('check_results: unknown kinds dropped, statuses normalised, empty written as null', () => {
    const checks = [{ object_kind: 'resource', config_addr: 'a.b', status: 'pass', objects: [{ object_addr: 'a.b', status: 'odd', failure_messages: [] }] }, { object_kind: 'future', config_addr: 'x', status: 'pass', objects: null }];
    const out = serializeStateTofu(parseState(v4([], {}, { check_results: checks }))!).toString();
    expect(out).toContain('"check_results":[{"object_kind":"resource","config_addr":"a.b","status":"pass","objects":[{"object_addr":"a.b","status":"unknown"}]}]}');
    expect(serializeStateTofu(parseState(v4([], {}, { check_results: [] }))!).toString()).toContain('"check_results":null}');
  });
});

describe('terraform_version: a rewrite keeps the version the state carries (README, runtime client)', () => {
  test('read, rewritten: the version is the one in the file; new states carry the configured version', () => {
    expect(rewrite(v4([]))).toContain('"terraform_version": "1.9.0"');
    expect(serializeStateTerraform(newEmptyState({ terraformVersion: '1.5.7' })).toString()).toContain('"terraform_version": "1.5.7"');
    expect(parseState('{"version":1,"serial":2,"modules":[]}')).toMatchObject({ terraform_version: '0.0.0', serial: 2 });
  });
});

describe('OpenTofu states keep OpenTofu\'s fields and compact form', () => {
  const tofu = '{"version":4,"terraform_version":"1.10.2","serial":1,"lineage":"L","outputs":{"o":{"value":"v","type":"string","deprecated":"use p"}},'
    + '"resources":[{"mode":"managed","type":"null_resource","name":"a","instances":[{"index_key":0,"provider":"provider[\\"registry.opentofu.org/hashicorp/null\\"][\\"k\\"]",'
    + '"schema_version":0,"attributes":{"id":"1"},"sensitive_attributes":[],"depends_on":["null_resource.b[0]"],"skip_destroy":true,"identity":{"id":"1"},"identity_schema_version":2}]}],"check_results":null}\n';

  test('a compact OpenTofu state is rewritten byte for byte', () => {
    const state = parseState(tofu)!;
    expect(state.flavor).toBe('opentofu');
    expect(serializeState(state).toString()).toBe(tofu);
  });

  test('an indented state with OpenTofu-only fields is still OpenTofu\'s (written compact, fields kept)', () => {
    const state = parseState(JSON.stringify(JSON.parse(tofu), null, 2))!;
    expect(serializeState(state).toString()).toBe(tofu);
  });

  test('Terraform\'s writer drops what Terraform does not know', () => {
    const out = serializeStateTerraform(parseState(tofu)!).toString();
    for (const f of ['deprecated', 'skip_destroy', 'depends_on']) expect(out).not.toContain(`"${f}"`);
    expect(out).toContain('"identity_schema_version": 2');
  });
});

describe('formats 1 to 3 are upgraded as Terraform upgrades them', () => {
  test('v2: map counts become %, empty collections lose their count; meta splits into schema_version and private', () => {
    const primary = {
      id: 'i-1',
      attributes: { 'tags.#': '1', 'tags.Name': 'x', 'sg.#': '0', 'ids.#': '1', 'ids.0': 'a' },
      meta: { schema_version: '3', e2bfb730: { create: 1 } },
      tainted: true,
    };
    const module = { path: ['root'], outputs: { big: { type: 'string', value: 12345678901234567890 } }, resources: { 'aws_instance.w.1': { type: 'aws_instance', primary } } };
    const v2 = JSON.stringify({ version: 2, terraform_version: '0.8.0', serial: 4, lineage: 'L2', modules: [module] });
    const out = rewrite(v2);
    expect(out).toContain('"attributes_flat": {\n            "id": "i-1",\n            "ids.#": "1",\n            "ids.0": "a",\n            "tags.%": "1",\n            "tags.Name": "x"\n          }');
    expect(out).toContain('"index_key": 1,\n          "status": "tainted",\n          "schema_version": 3,');
    expect(out).toContain(`"private": "${Buffer.from('{"e2bfb730":{"create":1}}').toString('base64')}"`);
    expect(out).toContain('"provider": "provider[\\"registry.terraform.io/-/aws\\"]"');
    // json.Marshal of a float64, then cty: 12345678901234567890 → 12345678901234567000.
    expect(readOutputs(parseState(out)!).big).toEqual({ value: 12345678901234567000n, type: 'number', sensitive: false });
    expect(out).toContain('"value": 12345678901234567000');
  });

  test('v3 module paths must start at root and name identifiers', () => {
    expect(() => parseState('{"version":3,"modules":[{"path":["nope"]}]}')).toThrow(/State format upgrade failed: .*invalid module path/);
  });
});

describe('sameStateContent: Terraform\'s StatesMarshalEqual on two files', () => {
  const a = doc(resource('{"schema_version":0,"attributes":{"id":"1"}}'));
  test('formatting, field order, serial and lineage do not matter; content does', () => {
    const reformatted = JSON.stringify({ ...JSON.parse(a), serial: 9, lineage: 'other' }, null, 4);
    expect(sameStateContent(Buffer.from(a), Buffer.from(reformatted))).toBe(true);
    expect(sameStateContent(Buffer.from(a), Buffer.from(a.replace('"id":"1"', '"id":"2"')))).toBe(false);
    expect(sameStateContent(Buffer.from(a), Buffer.from('not a state'))).toBe(false);
  });
});
