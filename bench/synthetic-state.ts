import { once } from 'node:events';
import { createWriteStream } from 'node:fs';

/** Outputs every synthetic state carries: nested values, a sensitive one, escapes and non-ASCII. */
export const SYNTHETIC_OUTPUTS = {
  bucket_arn: { value: 'arn:aws:s3:::synthetic', type: 'string' },
  endpoints: { value: { 'api': 'https://api.example.com/v1', 'quote"key': 'a\\b"c' }, type: ['object', { 'api': 'string', 'quote"key': 'string' }] },
  ids: { value: [1, 2.5, 1e21, -0, 12345678901234567890], type: ['list', 'number'] },
  secret: { value: 'hunter2 ✓', type: 'string', sensitive: true },
  nothing: { value: null, type: 'string' },
};

/**
 * Writes a v4 state of about `bytes` bytes to `path`, one resource instance per ~64 KiB, without
 * holding it in memory. Identity and outputs come first, as Terraform writes them.
 */
export async function writeSyntheticState(
  path: string,
  bytes: number,
  opts: { serial?: number; lineage?: string; compact?: boolean } = {},
): Promise<number> {
  const out = createWriteStream(path);
  let written = 0;
  const write = async (s: string) => {
    written += Buffer.byteLength(s);
    if (!out.write(s)) await once(out, 'drain');
  };
  const indent = opts.compact ? undefined : 2;
  const head = {
    version: 4,
    terraform_version: '1.10.0',
    serial: opts.serial ?? 7,
    lineage: opts.lineage ?? '0e4b3a1c-1111-2222-3333-444455556666',
    outputs: SYNTHETIC_OUTPUTS,
  };
  const headText = JSON.stringify(head, undefined, indent);
  await write(headText.slice(0, headText.lastIndexOf('}')).trimEnd() + (opts.compact ? ',"resources":[' : ',\n  "resources": [\n'));
  const blobSize = 64 * 1024;
  const filler = 'x'.repeat(blobSize - 64) + '\\"\\u00e9\\\\';
  let i = 0;
  while (written < bytes - 200 || i === 0) {
    const resource = {
      mode: 'managed',
      type: 'null_resource',
      name: `r${String(i).padStart(8, '0')}`,
      provider: 'provider["registry.terraform.io/hashicorp/null"]',
      instances: [{ schema_version: 0, attributes: { id: String(i), triggers: { blob: '@' } }, sensitive_attributes: [] }],
    };
    const text = JSON.stringify(resource).replace('"@"', `"${filler}"`);
    await write((i > 0 ? ',' : '') + (opts.compact ? '' : '\n    ') + text);
    i++;
  }
  await write(opts.compact ? '],"check_results":null}\n' : '\n  ],\n  "check_results": null\n}\n');
  out.end();
  await once(out, 'close');
  return written;
}
