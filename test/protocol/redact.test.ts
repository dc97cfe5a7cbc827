import { REDACTED_JSON, REDACTED_MARKER, redactState, RedactError } from '../../src/protocol/redact';

// The shape Terraform writes (internal/states/statefile/version4.go: stateV4, outputStateV4,
// instanceObjectStateV4 with `sensitive_attributes` from marshalPaths), 2-space MarshalIndent.
const STATE = `{
  "version": 4,
  "terraform_version": "1.10.5",
  "serial": 7,
  "lineage": "3f6c4a2e-5d0b-4e7f-9a1c-2b8d6e0f1a23",
  "outputs": {
    "db_password": {
      "value": "hunter2-output",
      "type": "string",
      "sensitive": true
    },
    "endpoint": {
      "value": "db.example.internal:5432",
      "type": "string"
    }
  },
  "resources": [
    {
      "mode": "managed",
      "type": "aws_db_instance",
      "name": "main",
      "provider": "provider[\\"registry.terraform.io/hashicorp/aws\\"]",
      "instances": [
        {
          "schema_version": 2,
          "attributes": {
            "id": "db-1",
            "password": "hunter2-attr",
            "tags": {
              "Owner": "team-a",
              "Token": "tok-secret-tag"
            },
            "users": [
              { "name": "alice", "secret": "alice-secret" },
              { "name": "bob", "secret": "bob-secret" }
            ]
          },
          "sensitive_attributes": [
            [{ "type": "get_attr", "value": "password" }],
            [{ "type": "get_attr", "value": "tags" }, { "type": "index", "value": { "value": "Token", "type": "string" } }],
            [{ "type": "get_attr", "value": "users" }, { "type": "index", "value": { "value": 1, "type": "number" } }, { "type": "get_attr", "value": "secret" }]
          ],
          "identity_schema_version": 0,
          "identity": { "id": "db-1" },
          "private": "eyJzY2hlbWFfdmVyc2lvbiI6IjIifQ=="
        }
      ]
    }
  ],
  "check_results": null
}
`;

function redactText(text: string) {
  const { bytes, redacted } = redactState(Buffer.from(text, 'utf8'));
  return { text: bytes.toString('utf8'), redacted };
}

describe('redactState', () => {
  test('replaces sensitive outputs, every sensitive_attributes path and private, and nothing else', () => {
    const { text, redacted } = redactText(STATE);
    const expected = STATE
      .replace('"hunter2-output"', REDACTED_JSON)
      .replace('"hunter2-attr"', REDACTED_JSON)
      .replace('"tok-secret-tag"', REDACTED_JSON)
      .replace('"bob-secret"', REDACTED_JSON)
      .replace('"eyJzY2hlbWFfdmVyc2lvbiI6IjIifQ=="', REDACTED_JSON);
    expect(text).toBe(expected);
    expect(redacted).toBe(5);
    expect(JSON.parse(text).resources[0].instances[0].identity).toEqual({ id: 'db-1' });
  });

  test('the marker is the text Terraform prints for a sensitive value, as a JSON string', () => {
    expect(REDACTED_MARKER).toBe('(sensitive value)');
    expect(JSON.parse(REDACTED_JSON)).toBe(REDACTED_MARKER);
  });

  test('an empty path marks the whole attributes object sensitive', () => {
    const state = STATE.replace(/"sensitive_attributes": \[[\s\S]*?\n {10}\],/, '"sensitive_attributes": [[]],');
    const parsed = JSON.parse(redactText(state).text);
    expect(parsed.resources[0].instances[0].attributes).toBe(REDACTED_MARKER);
    expect(redactText(state).text).not.toContain('alice');
  });

  test('a path through a value the reader cannot follow hides the value where it stopped', () => {
    // An index step whose key is not a string or number (a set element) cannot be located: the
    // containing list is hidden instead.
    const state = STATE.replace('{ "value": 1, "type": "number" }', '{ "value": {"name":"bob"}, "type": "object" }');
    const parsed = JSON.parse(redactText(state).text);
    expect(parsed.resources[0].instances[0].attributes.users).toBe(REDACTED_MARKER);
  });

  test('a path to an absent attribute redacts nothing there', () => {
    const state = STATE.replace('"value": "password" }', '"value": "no_such_attribute" }');
    const { text } = redactText(state);
    expect(text).toContain('"hunter2-attr"');
  });

  test('escaped attribute names and odd formatting are matched on their decoded value and kept byte for byte', () => {
    const state = STATE.replace('"password": "hunter2-attr"', '"pass\\u0077ord"  :\t"hunter2-attr"').replace(/\n/g, '\r\n');
    const { text } = redactText(state);
    expect(text).toBe(state.replace('"hunter2-attr"', REDACTED_JSON).replace('"hunter2-output"', REDACTED_JSON)
      .replace('"tok-secret-tag"', REDACTED_JSON).replace('"bob-secret"', REDACTED_JSON).replace('"eyJzY2hlbWFfdmVyc2lvbiI6IjIifQ=="', REDACTED_JSON));
  });

  test('struct keys are matched as Go matches them: a "Sensitive" flag counts, duplicates all count', () => {
    const state = STATE.replace('"type": "string"\n    }', '"type": "string",\n      "Sensitive": true\n    }');
    const { text } = redactText(state);
    expect(text).not.toContain('db.example.internal');
    const dup = STATE.replace('"value": "hunter2-output",', '"value": "hunter2-output",\n      "VALUE": "second-copy",');
    expect(redactText(dup).text).not.toContain('second-copy');
  });

  test('legacy attributes_flat: every flat key equal to or under a sensitive path is hidden', () => {
    const state = JSON.stringify({
      version: 4,
      serial: 1,
      lineage: 'l',
      outputs: {},
      resources: [{
        mode: 'managed',
        type: 't',
        name: 'n',
        provider: 'p',
        instances: [{
          schema_version: 0,
          attributes_flat: { 'id': 'i-1', 'tags.%': '1', 'tags.Token': 'flat-secret', 'tagsx': 'keep' },
          sensitive_attributes: [[{ type: 'get_attr', value: 'tags' }]],
        }],
      }],
    }, null, 2);
    const parsed = JSON.parse(redactText(state).text);
    expect(parsed.resources[0].instances[0].attributes_flat).toEqual({ 'id': 'i-1', 'tags.%': REDACTED_MARKER, 'tags.Token': REDACTED_MARKER, 'tagsx': 'keep' });
  });

  test('a state with nothing sensitive comes back identical', () => {
    const plain = STATE.replace(/,\n\s+"sensitive": true/, '').replace(/"sensitive_attributes": \[[\s\S]*?\n {10}\],/, '"sensitive_attributes": [],')
      .replace(/,\n\s+"private": "[^"]*"/, '');
    const { text, redacted } = redactText(plain);
    expect(redacted).toBe(0);
    expect(text).toBe(plain);
  });

  test.each([
    ['not JSON', '{"version": 4,', 'NOT_JSON'],
    ['a version 3 state', '{"version": 3, "modules": []}', 'NOT_V4_STATE'],
    ['a JSON array', '[]', 'NOT_V4_STATE'],
    ['an OpenTofu encrypted state', '{"serial":1,"lineage":"l","meta":{},"encrypted_data":"AA==","encryption_version":"v0"}', 'ENCRYPTED_STATE'],
    ['sensitive_attributes that are not paths', STATE.replace('[{ "type": "get_attr", "value": "password" }]', '"password"'), 'BAD_SENSITIVE_PATHS'],
    ['an unknown path step type', STATE.replace('"type": "get_attr", "value": "password"', '"type": "get_elem", "value": "password"'), 'BAD_SENSITIVE_PATHS'],
  ])('fails with a named error on %s', (_what, text, code) => {
    let error: unknown;
    try {
      redactState(Buffer.from(text));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RedactError);
    expect((error as RedactError).code).toBe(code);
    expect((error as RedactError).message).toMatch(/nothing was redacted|redact the decrypted|Only version 4/);
  });
});
