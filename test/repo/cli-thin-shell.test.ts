/**
 * The CLI is a thin shell over the client (issue "one way to S3"): no module under src/cli/ loads an
 * AWS SDK client or sends a request itself. S3 goes through the client's object store (SSE, SSE-C,
 * ACL, checksum policy, counting), DynamoDB through its counted client, and the one CloudFormation
 * call (`--stack`) is the client's `readStackOutputs`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

const CLI = path.join(__dirname, '..', '..', 'src', 'cli');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sources(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

/** Imports (static, `import()`, `require()`) of the SDK's packages in `text`. */
export function sdkImports(text: string): string[] {
  const re = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)['"](@aws-sdk\/[^'"]+|@smithy\/[^'"]+)['"]/gm;
  return [...text.matchAll(re)].map((m) => m[1]);
}

/** Calls that bypass the client: an SDK command sent directly, or the client's raw SDK clients. */
export function directCalls(text: string): string[] {
  return [...text.matchAll(/\.send\(\s*new\s+\w+Command\b|\bsdkClients\s*\(/g)].map((m) => m[0]);
}

describe('src/cli/ is a shell over the client', () => {
  test('the detectors find what they look for', () => {
    expect(sdkImports([
      "import { S3Client } from '@aws-sdk/client-s3';",
      "const { CloudFormationClient } = await import('@aws-sdk/client-cloudformation');",
      'const x = require("@smithy/node-http-handler");',
      "import '@aws-sdk/client-kms';",
      '// a comment naming @aws-sdk/client-s3 is no import',
      "import { StateClient } from '../client';",
    ].join('\n'))).toEqual(['@aws-sdk/client-s3', '@aws-sdk/client-cloudformation', '@smithy/node-http-handler', '@aws-sdk/client-kms']);
    expect(directCalls('await cfn.send(new DescribeStacksCommand({})); const { s3 } = s.client.sdkClients();')).toEqual([
      '.send(new DescribeStacksCommand', 'sdkClients(',
    ]);
    expect(directCalls('await client.listHeldLocks();')).toEqual([]);
  });

  test('no CLI module imports an SDK package or sends a request itself', () => {
    const files = sources(CLI);
    expect(files.length).toBeGreaterThan(10);
    const found = files.flatMap((f) => {
      const text = readFileSync(f, 'utf8');
      return [...sdkImports(text), ...directCalls(text)].map((x) => `${path.relative(CLI, f)}: ${x}`);
    });
    expect(found).toEqual([]);
  });
});
