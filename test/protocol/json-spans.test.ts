import * as fc from 'fast-check';
import { applySplices, JsonSpanSyntaxError, MAX_JSON_DEPTH, parseJsonSpans, SpanNode } from '../../src/protocol/json-spans';

function nodes(n: SpanNode): SpanNode[] {
  if (n.kind === 'object') return [n, ...n.members.flatMap((m) => nodes(m.value))];
  if (n.kind === 'array') return [n, ...n.items.flatMap(nodes)];
  return [n];
}

describe('parseJsonSpans', () => {
  test('every node span holds exactly the JSON text of that value', () => {
    fc.assert(fc.property(fc.jsonValue(), fc.constantFrom(0, 2, '\t'), (value, indent) => {
      const text = JSON.stringify(value, null, indent);
      const buf = Buffer.from(text, 'utf8');
      const root = parseJsonSpans(buf);
      expect(JSON.parse(buf.toString('utf8', root.start, root.end))).toEqual(JSON.parse(text));
      for (const n of nodes(root)) {
        const slice = JSON.parse(buf.toString('utf8', n.start, n.end));
        if (n.kind === 'string') expect(slice).toBe(n.value);
        if (n.kind === 'number') expect(slice).toBe(Number(n.text));
        if (n.kind === 'literal') expect(slice).toBe(n.value);
      }
    }), { numRuns: 200 });
  });

  test('escapes decode to the characters they stand for, surrogate pairs included', () => {
    const root = parseJsonSpans(Buffer.from('{"a\\u0062\\n\\ud83d\\ude00": "x"}'));
    expect(root.kind === 'object' && root.members[0].key).toBe('ab\n😀');
  });

  test('nesting up to the limit is read; deeper nesting is an error, not a stack overflow', () => {
    const nest = (n: number) => Buffer.from('['.repeat(n) + ']'.repeat(n));
    expect(parseJsonSpans(nest(MAX_JSON_DEPTH)).kind).toBe('array');
    expect(() => parseJsonSpans(nest(MAX_JSON_DEPTH + 2))).toThrow(/nesting deeper than/);
    expect(() => parseJsonSpans(nest(100_000))).toThrow(JsonSpanSyntaxError);
  });

  test.each([
    ['a trailing comma', '[1,]'],
    ['a leading zero', '01'],
    ['a raw control character in a string', '"a\u0001"'],
    ['a bad escape', '"\\x"'],
    ['single quotes', "{'a':1}"],
    ['two top-level values', '{} {}'],
    ['nothing', ''],
    ['a byte order mark', '\ufeff{}'],
  ])('fails on %s', (_what, text) => {
    expect(() => parseJsonSpans(Buffer.from(text))).toThrow(JsonSpanSyntaxError);
  });
});

describe('applySplices', () => {
  test('replaces spans in order and drops a splice nested in another', () => {
    const src = Buffer.from('0123456789');
    const { bytes, applied } = applySplices(src, [
      { start: 6, end: 8, text: 'B' },
      { start: 1, end: 4, text: 'A' },
      { start: 2, end: 3, text: 'nested' },
    ]);
    expect(bytes.toString()).toBe('0A45B89');
    expect(applied).toBe(2);
  });
});
