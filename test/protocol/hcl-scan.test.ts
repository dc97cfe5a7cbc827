import { parse } from '@cdktf/hcl2json';
import * as fc from 'fast-check';
import { HclItem, HclScanError, scanHcl } from '../../src/protocol/hcl-scan';

// Generated HCL files (checked valid by hcl2json, HashiCorp's parser compiled to WASM) must scan into
// exactly the structure they were generated from, each attribute's value text included.

type Node = { kind: 'attr'; name: string; value: string; comment?: string } | { kind: 'block'; type: string; labels: string[]; body: Node[] };

const VALUES = [
  '"plain"', '"with } brace"', '"esc \\" quote"', '"$${literal}"', '"${var.a}-${local.b["k"]}"', '"${jsonencode({ a = "}" })}"',
  '"%{ if true }x%{ endif }"', '42', 'true', 'null', '["a", "b"]', '{ a = 1, b = "}" }', '{\n    nested = [1,\n      2]\n  }',
  '<<EOT\n{ not a block\n  EOT_NOT_END\nEOT', '<<-EOT\n    indented }\n    EOT', 'var.x / 2', '"a#b//c"',
];
const COMMENTS = ['# hash }', '// slash {', '/* block } */'];
const names = fc.constantFrom('alpha', 'beta', 'gamma', 'd_1', 'e-2');

const { node } = fc.letrec<{ node: Node }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small' },
    fc.record({ kind: fc.constant('attr' as const), name: names, value: fc.constantFrom(...VALUES), comment: fc.option(fc.constantFrom(...COMMENTS), { nil: undefined }) }),
    // hcl2json's JSON form needs one label count per block type, and no attribute named like a block.
    fc.record({
      kind: fc.constant('block' as const),
      type: fc.constantFrom('blk', 'resource', 'backend-ish'),
      labels: fc.array(fc.constantFrom('one', 'two words', 's3'), { minLength: 2, maxLength: 2 }),
      body: fc.array(tie('node'), { maxLength: 4 }),
    }).map((b) => ({ ...b, labels: b.labels.slice(0, { 'blk': 0, 'resource': 2, 'backend-ish': 1 }[b.type]) })),
  ),
}));

/** Unique attribute names per body (HCL refuses duplicates). */
function dedupe(body: Node[]): Node[] {
  const seen = new Set<string>();
  return body.filter((n) => n.kind === 'block' || (!seen.has(n.name) && seen.add(n.name))).map((n) => (n.kind === 'block' ? { ...n, body: dedupe(n.body) } : n));
}

function render(body: Node[], indent: string): string {
  return body.map((n) => {
    // A heredoc's closing marker must stand alone on its line: no trailing comment there.
    if (n.kind === 'attr') return `${indent}${n.name} = ${n.value}${n.comment && !n.value.startsWith('<<') ? ` ${n.comment}` : ''}\n`;
    const labels = n.labels.map((l) => ` "${l}"`).join('');
    return `${indent}${n.type}${labels} {\n${render(n.body, indent + '  ')}${indent}}\n`;
  }).join('\n');
}

function shape(text: string, items: readonly HclItem[]): unknown[] {
  return items.map((i) => (i.kind === 'attribute'
    ? { kind: 'attr', name: i.name, value: text.slice(i.valueStart, i.valueEnd) }
    : { kind: 'block', type: i.type, labels: i.labels, body: shape(text, i.items) }));
}

function expectedShape(body: Node[]): unknown[] {
  return body.map((n) => (n.kind === 'attr' ? { kind: 'attr', name: n.name, value: n.value } : { kind: 'block', type: n.type, labels: n.labels, body: expectedShape(n.body) }));
}

describe('scanHcl', () => {
  test('scans generated files into the structure they were generated from', async () => {
    await fc.assert(fc.asyncProperty(fc.array(node, { minLength: 1, maxLength: 5 }), async (raw) => {
      const body = dedupe(raw);
      const text = render(body, '');
      await parse('gen.tf', text); // the generator writes valid HCL
      expect(shape(text, scanHcl(text))).toEqual(expectedShape(body));
    }), { numRuns: 40 });
  });

  test('attribute and block offsets point at their text', () => {
    const text = 'a = 1 # c\nb "x" {\n  c = "}"\n}\n';
    const [a, b] = scanHcl(text);
    expect(a.kind === 'attribute' && text.slice(a.nameStart, a.lineEnd)).toBe('a = 1 # c');
    expect(b.kind === 'block' && text.slice(b.open, b.close + 1)).toBe('{\n  c = "}"\n}');
  });

  test.each([
    ['an unclosed heredoc', 'a = <<EOT\nno end\n'],
    ['an unclosed interpolation', 'a = "${var.x"\n'],
    ['an unclosed block comment', '/* never ends\n'],
    ['a stray closing brace', '}\n'],
    ['a newline inside a quoted string', 'a = "one\ntwo"\n'],
  ])('fails on %s with the line of the problem', (_what, text) => {
    expect(() => scanHcl(text)).toThrow(HclScanError);
    expect(() => scanHcl(text)).toThrow(/^line \d+: /);
  });
});
