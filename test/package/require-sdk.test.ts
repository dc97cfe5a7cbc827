import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { AWS_SDK_PACKAGES, missingAwsSdkPackages } from '../../src/client/private/require-sdk';

// The install without the SDK itself is proven by pack.checks.test.ts (npm install --omit=optional); these
// check the list and the lookup it relies on.

test('the packages checked are exactly the optional dependencies of the package', () => {
  const manifest = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8'));
  expect([...AWS_SDK_PACKAGES].sort()).toEqual(Object.keys(manifest.optionalDependencies).sort());
});

test('every SDK package resolves in this repository', () => {
  expect(missingAwsSdkPackages()).toEqual([]);
});

test('the packages a resolver cannot find are named, in order', () => {
  const absent = new Set(['@aws-sdk/client-dynamodb', '@aws-sdk/client-sts']);
  const resolve = (id: string) => {
    if (absent.has(id)) throw Object.assign(new Error(`Cannot find module '${id}'`), { code: 'MODULE_NOT_FOUND' });
    return `node_modules/${id}/index.js`;
  };
  expect(missingAwsSdkPackages(resolve)).toEqual(['@aws-sdk/client-dynamodb', '@aws-sdk/client-sts']);
});
