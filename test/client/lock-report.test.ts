import { splitStateObjectKey } from '../../src/client';

describe('splitStateObjectKey (inverse of stateObjectKey)', () => {
  test.each([
    ['path/terraform.tfstate', 'env:', 'path/terraform.tfstate', 'default'],
    ['env:/dev/path/terraform.tfstate', 'env:', 'path/terraform.tfstate', 'dev'],
    ['project/env:/qa/x.tfstate', 'project/env:', 'x.tfstate', 'qa'],
    ['env:/nokey', 'env:', 'env:/nokey', 'default'],
    ['top.tfstate', '', 'top.tfstate', 'default'],
    ['dev/x.tfstate', '', 'dev/x.tfstate', undefined],
  ])('%s with prefix %j is key %s in workspace %s', (stateKey, prefix, key, workspace) => {
    expect(splitStateObjectKey(stateKey, prefix)).toEqual(workspace === undefined ? { key } : { key, workspace });
  });
});
