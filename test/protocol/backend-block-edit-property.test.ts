import { parse } from '@cdktf/hcl2json';
import * as fc from 'fast-check';
import { migrateBackendText } from '../../src/protocol/locking-migration';

// Generated backend blocks: attributes in any order, with comments that contain braces and quotes,
// blank lines, aligned or not, strings with escapes and interpolation-like text. After each phase,
// hcl2json (HashiCorp's HCL parser compiled to WASM) must read the expected attributes, and every
// line that is not the edited attribute must be unchanged and in order.

const COMMENTS = ['# lock { table }', '// "quoted" }', '/* { */', '/* multi\n     line } */'];
const VALUES = ['"acme-tfstate"', '"a \\"b\\" {c}"', '"$${not_interpolated}"', '"eu-west-1"', 'true'];

const blockArb = fc.record({
  others: fc.uniqueArray(fc.constantFrom('bucket', 'key', 'region', 'encrypt', 'kms_key_id', 'workspace_key_prefix'), { minLength: 1, maxLength: 6 }),
  values: fc.array(fc.constantFrom(...VALUES), { minLength: 6, maxLength: 6 }),
  comments: fc.array(fc.option(fc.constantFrom(...COMMENTS), { nil: undefined }), { minLength: 8, maxLength: 8 }),
  blanks: fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
  tablePos: fc.nat(),
  lockfile: fc.constantFrom('absent', 'false', 'true'),
  align: fc.boolean(),
  indent: fc.constantFrom('  ', '\t', '    '),
});

type Spec = typeof blockArb extends fc.Arbitrary<infer T> ? T : never;

function render(spec: Spec): { text: string; expected: Record<string, unknown> } {
  const attrs: [string, string][] = spec.others.map((n, i) => [n, spec.values[i]]);
  attrs.splice(spec.tablePos % (attrs.length + 1), 0, ['dynamodb_table', '"tf-locks"']);
  if (spec.lockfile !== 'absent') attrs.push(['use_lockfile', spec.lockfile]);
  const width = spec.align ? Math.max(...attrs.map(([n]) => n.length)) : 0;
  const lines = attrs.map(([n, v], i) => {
    const comment = spec.comments[i] && !spec.comments[i]!.includes('\n') ? ` ${spec.comments[i]}` : '';
    return `${spec.indent}${spec.indent}${n.padEnd(width)} = ${v}${comment}${spec.blanks[i] ? '\n' : ''}`;
  });
  const head = spec.comments[7] ? `${spec.indent}${spec.comments[7]}\n` : '';
  const text = `terraform {\n${head}${spec.indent}backend "s3" {\n${lines.join('\n')}\n${spec.indent}}\n}\n`;
  const expected = Object.fromEntries(attrs.map(([n, v]) => [n, v === 'true' ? true : v === 'false' ? false : JSON.parse(v.replace('$${', '${'))]));
  return { text, expected };
}

/** Whether `inner`'s lines are `outer`'s lines with some lines left out, order kept. */
function isSubsequenceOfLines(inner: string, outer: string): boolean {
  const a = inner.split('\n');
  let i = 0;
  for (const line of outer.split('\n')) if (i < a.length && a[i] === line) i++;
  return i === a.length;
}

async function backendOf(text: string): Promise<any> {
  const parsed = await parse('main.tf', text);
  const s3 = parsed.terraform[0].backend.s3[0];
  // hcl2json keeps the template-escape form of $${ in its output.
  return JSON.parse(JSON.stringify(s3).replace(/\$\$\{/g, '${'));
}

describe('backend block edits on generated files', () => {
  test('each phase yields the expected attributes and changes only the edited lines', async () => {
    await fc.assert(fc.asyncProperty(blockArb, async (spec) => {
      const { text, expected } = render(spec);
      expect(await backendOf(text)).toEqual(expected);

      const both = migrateBackendText(text, 'both').text;
      expect(await backendOf(both)).toEqual({ ...expected, use_lockfile: true });
      if (spec.lockfile === 'absent') expect(isSubsequenceOfLines(text, both)).toBe(true);
      expect(both.split('\n').length - text.split('\n').length).toBe(spec.lockfile === 'absent' ? 1 : 0);

      const only = migrateBackendText(both, 'lockfile-only').text;
      const { dynamodb_table: _dropped, ...rest } = expected;
      expect(await backendOf(only)).toEqual({ ...rest, use_lockfile: true });
      expect(isSubsequenceOfLines(only, both)).toBe(true);
      expect(both.split('\n').length - only.split('\n').length).toBe(1);
    }), { numRuns: 40 });
  });
});
