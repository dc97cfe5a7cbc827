import { digestLockId, joinPath, lockFileKey, lockId, stateObjectKey, workspaceFromObjectKey, workspaceListPrefix } from '../../src/protocol/paths';

describe('state object paths (reference §10 vectors 1 and 2)', () => {
  const key = 'path/to/terraform.tfstate';

  test('the default workspace uses the key verbatim', () => {
    expect(stateObjectKey(key)).toBe('path/to/terraform.tfstate');
    expect(lockFileKey(stateObjectKey(key))).toBe('path/to/terraform.tfstate.tflock');
    expect(lockId('b', stateObjectKey(key))).toBe('b/path/to/terraform.tfstate');
    expect(digestLockId('b', stateObjectKey(key))).toBe('b/path/to/terraform.tfstate-md5');
  });

  test('a named workspace joins prefix, workspace and key as Go path.Join does', () => {
    expect(stateObjectKey(key, 'dev')).toBe('env:/dev/path/to/terraform.tfstate');
    expect(stateObjectKey(key, 'dev', '')).toBe('dev/path/to/terraform.tfstate');
    expect(stateObjectKey(key, 'dev', 'project/env:')).toBe('project/env:/dev/path/to/terraform.tfstate');
    expect(lockFileKey(stateObjectKey('test/test-env.tfstate', 'env-1', 'prefix'))).toBe('prefix/env-1/test/test-env.tfstate.tflock');
    expect(digestLockId('b', stateObjectKey(key, 'dev'))).toBe('b/env:/dev/path/to/terraform.tfstate-md5');
  });

  test('path.Join cleans dot segments and double slashes', () => {
    expect(joinPath('a//b', '.', 'c/../d')).toBe('a/b/d');
    expect(joinPath('', 'x')).toBe('x');
  });
});

describe('workspace listing parse (reference §10 vectors 4 and 5)', () => {
  test('keeps only objects whose remainder after the workspace equals the key', () => {
    const keys = ['env:/s2/test/state/tfstate', 'env:/s1/test/state/tfstate', 'env:/error', 'env:/s2/notTestState', 'env:/s2/test/state/tfstate.tflock', 'env:/s2/'];
    const found = keys.map((k) => workspaceFromObjectKey(k, 'test/state/tfstate')).filter((w) => w !== undefined);
    expect(found.sort()).toEqual(['s1', 's2']);
    expect(workspaceFromObjectKey('env/env-1/test-env.tfstate', 'test-env.tfstate', 'env')).toBe('env-1');
  });

  test('an empty prefix lists the whole bucket', () => {
    expect(workspaceListPrefix('')).toBe('');
    expect(workspaceListPrefix()).toBe('env:/');
    expect(workspaceFromObjectKey('ws1/some/paths/tfstate', 'some/paths/tfstate', '')).toBe('ws1');
    expect(workspaceFromObjectKey('some/paths/tfstate', 'some/paths/tfstate', '')).toBeUndefined();
    expect(workspaceFromObjectKey('project/env:/ws1/some/paths/tfstate', 'some/paths/tfstate', 'project/env:')).toBe('ws1');
  });
});
