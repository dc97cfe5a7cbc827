import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { S3_BACKEND_ATTRIBUTES } from '../../src/protocol';
import { ENDPOINTS } from '../../src/protocol/config/schema';

/** The README's "Backend options" table names every attribute of the schema, and nothing else. */

function tableRows(): { names: string[]; description: string }[] {
  const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
  const table = /<!-- backend-options:start -->([\s\S]*?)<!-- backend-options:end -->/.exec(readme);
  if (!table) throw new Error('README.md has no backend-options table');
  return table[1].split('\n').filter((l) => l.startsWith('| `')).map((row) => {
    const cells = row.split('|');
    return { names: [...cells[1].matchAll(/`([a-z0-9_.]+)`/g)].map((m) => m[1]), description: cells[2].trim() };
  });
}

describe('README backend options table', () => {
  const rows = tableRows();
  const names = rows.flatMap((r) => r.names);

  test('every schema attribute has a row (endpoints by service), with a description', () => {
    const expected = [...S3_BACKEND_ATTRIBUTES.filter((a) => a !== 'endpoints'), ...Object.keys(ENDPOINTS).map((k) => `endpoints.${k}`)];
    expect([...names].sort()).toEqual([...expected].sort());
    expect(rows.filter((r) => r.description === '')).toEqual([]);
  });

  test('no attribute is listed twice', () => {
    expect(new Set(names).size).toBe(names.length);
  });
});
