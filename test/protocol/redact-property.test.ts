import * as fc from 'fast-check';
import { REDACTED_JSON, REDACTED_MARKER, redactState } from '../../src/protocol/redact';

// Property tests of the redactor on generated v4 states: random attribute trees, random sensitive
// paths (get_attr / index-string / index-number steps as Terraform's marshalPaths writes them), random
// sensitive outputs, private data and formatting.

type Value = null | boolean | number | string | Value[] | { [k: string]: Value };
type Step = { type: 'get_attr'; value: string } | { type: 'index'; value: { value: string | number; type: 'string' | 'number' } };

const leaf: fc.Arbitrary<Value> = fc.oneof(fc.constant(null), fc.boolean(), fc.integer({ min: -1e6, max: 1e6 }), fc.string({ maxLength: 8 }));
const { tree } = fc.letrec<{ tree: Value }>((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('tree'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom('a', 'b', 'id', 'name', 'tags', 'Key With Space', 'ünï'), tie('tree'), { maxKeys: 4 }),
  ),
}));
const attributesArb = fc.dictionary(fc.constantFrom('id', 'arn', 'password', 'config', 'items', 'tags'), tree, { minKeys: 1, maxKeys: 5 });

/** Gives every string leaf a unique, recognisable text so that "this secret's text is gone" is checkable. */
function uniquify(v: Value, counter: { n: number }): Value {
  if (typeof v === 'string') return `s${counter.n++}_${v.replace(/[()"\\]/g, '')}`;
  if (Array.isArray(v)) return v.map((x) => uniquify(x, counter));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, uniquify(x, counter)]));
  return v;
}

/** Every path (as object keys and array indexes) to a value inside `v`, `v` itself excluded. */
function allPaths(v: Value, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [];
  if (Array.isArray(v)) v.forEach((x, i) => out.push([...prefix, i], ...allPaths(x, [...prefix, i])));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) out.push([...prefix, k], ...allPaths(x, [...prefix, k]));
  return out;
}

function toSteps(path: (string | number)[], asIndex: boolean[]): Step[] {
  return path.map((p, i) => (typeof p === 'number'
    ? { type: 'index', value: { value: p, type: 'number' } }
    : asIndex[i % asIndex.length] ? { type: 'index', value: { value: p, type: 'string' } } : { type: 'get_attr', value: p }));
}

function stringsUnder(v: Value): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.flatMap(stringsUnder);
  if (v && typeof v === 'object') return Object.values(v).flatMap(stringsUnder);
  return [];
}

const isPrefix = (p: (string | number)[], q: (string | number)[]) => p.length <= q.length && p.every((x, i) => x === q[i]);

const stateArb = fc.record({
  instances: fc.array(fc.record({
    attributes: attributesArb,
    pick: fc.array(fc.nat(), { maxLength: 4 }),
    asIndex: fc.array(fc.boolean(), { minLength: 1, maxLength: 4 }),
    whole: fc.boolean(),
    priv: fc.boolean(),
  }), { minLength: 1, maxLength: 3 }),
  outputs: fc.dictionary(fc.constantFrom('o1', 'o2', 'o3', 'url'), fc.record({ value: tree, sensitive: fc.boolean() }), { maxKeys: 3 }),
  indent: fc.constantFrom(0, 2, '\t', ' '),
  crlf: fc.boolean(),
});

interface Case {
  text: string;
  doc: any;
  expected: any;
  secrets: string[];
  expectedCount: number;
}

type StateSpec = typeof stateArb extends fc.Arbitrary<infer T> ? T : never;

function buildCase(s: StateSpec): Case {
  const counter = { n: 0 };
  const secrets: string[] = [];
  let expectedCount = 0;
  const outputs: Record<string, any> = {};
  const expectedOutputs: Record<string, any> = {};
  for (const [name, o] of Object.entries(s.outputs)) {
    const value = uniquify(o.value, counter);
    outputs[name] = { value, type: 'dynamic', ...(o.sensitive ? { sensitive: true } : {}) };
    expectedOutputs[name] = { ...outputs[name], value: o.sensitive ? REDACTED_MARKER : value };
    if (o.sensitive) {
      secrets.push(...stringsUnder(value));
      expectedCount++;
    }
  }
  const instances: any[] = [];
  const expectedInstances: any[] = [];
  for (const inst of s.instances) {
    const attributes = uniquify(inst.attributes, counter) as Record<string, Value>;
    const candidates = allPaths(attributes);
    const picked = new Set(inst.pick.filter(() => candidates.length > 0).map((i) => i % candidates.length));
    const chosen = inst.whole ? [[]] : [...picked].map((i) => candidates[i]);
    const expectedAttrs: any = JSON.parse(JSON.stringify(attributes));
    // Outermost sensitive paths only: a path under another is already hidden by it.
    // (allPaths yields each path once, so a strict prefix is the only way one path covers another.)
    const outermost = chosen.filter((p) => !chosen.some((q) => q.length < p.length && isPrefix(q, p)));
    let expectedAttributes: any = expectedAttrs;
    for (const p of outermost) {
      if (p.length === 0) {
        expectedAttributes = REDACTED_MARKER;
        continue;
      }
      let at = expectedAttrs;
      for (const k of p.slice(0, -1)) at = at[k];
      let src: any = attributes;
      for (const k of p) src = src[k];
      secrets.push(...stringsUnder(src));
      at[p[p.length - 1]] = REDACTED_MARKER;
    }
    if (inst.whole) secrets.push(...stringsUnder(attributes));
    expectedCount += outermost.length;
    const privateData = inst.priv ? Buffer.from(`private-${counter.n++}`).toString('base64') : undefined;
    if (privateData) {
      secrets.push(privateData);
      expectedCount++;
    }
    const instance = {
      schema_version: 0,
      attributes,
      sensitive_attributes: chosen.map((p) => toSteps(p, inst.asIndex)),
      ...(privateData ? { private: privateData } : {}),
    };
    instances.push(instance);
    expectedInstances.push({ ...instance, attributes: expectedAttributes, ...(privateData ? { private: REDACTED_MARKER } : {}) });
  }
  const wrap = (outs: any, insts: any[]) => ({
    version: 4,
    terraform_version: '1.10.5',
    serial: 1,
    lineage: 'lineage-x',
    outputs: outs,
    resources: insts.map((instance, i) => ({ mode: 'managed', type: 'null_resource', name: `r${i}`, provider: 'provider["registry.terraform.io/hashicorp/null"]', instances: [instance] })),
    check_results: null,
  });
  const doc = wrap(outputs, instances);
  let text = JSON.stringify(doc, null, s.indent);
  if (s.crlf) text = text.replace(/\n/g, '\r\n');
  return { text, doc, expected: wrap(expectedOutputs, expectedInstances), secrets, expectedCount };
}

describe('redactState properties', () => {
  test('the output parses and equals the input with exactly the sensitive values replaced', () => {
    fc.assert(fc.property(stateArb, (s) => {
      const c = buildCase(s);
      const { bytes, redacted } = redactState(Buffer.from(c.text));
      expect(JSON.parse(bytes.toString('utf8'))).toEqual(c.expected);
      expect(redacted).toBe(c.expectedCount);
    }), { numRuns: 300 });
  });

  test('every byte outside the replaced values is the input byte, in order', () => {
    fc.assert(fc.property(stateArb, (s) => {
      const c = buildCase(s);
      const out = redactState(Buffer.from(c.text)).bytes.toString('utf8');
      const segments = out.split(REDACTED_JSON);
      expect(segments.length - 1).toBe(c.expectedCount);
      expect(c.text.startsWith(segments[0])).toBe(true);
      expect(c.text.endsWith(segments[segments.length - 1])).toBe(true);
      let at = segments[0].length;
      for (const seg of segments.slice(1)) {
        const found = c.text.indexOf(seg, at);
        expect(found).toBeGreaterThanOrEqual(at);
        at = found + seg.length;
      }
    }), { numRuns: 300 });
  });

  test('no sensitive string value, output value or private data survives in the output', () => {
    fc.assert(fc.property(stateArb, (s) => {
      const c = buildCase(s);
      const out = redactState(Buffer.from(c.text)).bytes.toString('utf8');
      for (const secret of c.secrets) expect(out).not.toContain(JSON.stringify(secret));
    }), { numRuns: 300 });
  });
});
