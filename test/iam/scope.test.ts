import { scopePaths, stateKeyProblem } from '../../src/construct/private/permissions';
import { StateScope } from '../../src/construct/state-scope';

describe('StateScope paths follow Terraform', () => {
  test('keys() alone covers only the default workspace: the key verbatim', () => {
    const p = scopePaths(StateScope.keys(['path/to/terraform.tfstate']), 'b', 'env:');
    expect(p.statePaths).toEqual(['path/to/terraform.tfstate']);
    expect(p.lockPaths).toEqual(['path/to/terraform.tfstate.tflock']);
    expect(p.lockIds).toEqual(['b/path/to/terraform.tfstate']);
    expect(p.digestIds).toEqual(['b/path/to/terraform.tfstate-md5']);
  });

  test('a named workspace lives under <workspace_key_prefix>/<workspace>/<key>', () => {
    const p = scopePaths(StateScope.keys(['path/to/terraform.tfstate']).workspaces(['dev']), 'b', 'env:');
    expect(p.statePaths).toEqual(['env:/dev/path/to/terraform.tfstate']);
    expect(p.lockIds).toEqual(['b/env:/dev/path/to/terraform.tfstate']);
    expect(p.digestIds).toEqual(['b/env:/dev/path/to/terraform.tfstate-md5']);
  });

  test('an empty workspace_key_prefix puts workspaces at the bucket root', () => {
    const p = scopePaths(StateScope.keys(['k.tfstate']).workspaces(['dev']), 'b', '');
    expect(p.statePaths).toEqual(['dev/k.tfstate']);
    expect(p.listPrefixes).toEqual(['', 'dev/k.tfstate']);
  });

  test('a nested workspace_key_prefix is kept as is', () => {
    const p = scopePaths(StateScope.keys(['k.tfstate']).workspaces(['default', 'ws1']), 'b', 'project/env:');
    expect(p.statePaths).toEqual(['k.tfstate', 'project/env:/ws1/k.tfstate']);
    expect(p.listPrefixes).toEqual(['project/env:/', 'k.tfstate', 'project/env:/ws1/k.tfstate']);
  });

  test('allWorkspaces() adds the default key and a workspace pattern', () => {
    const p = scopePaths(StateScope.keys(['app.tfstate']).allWorkspaces(), 'b', 'env:');
    expect(p.statePaths).toEqual(['app.tfstate', 'env:/*/app.tfstate']);
    expect(p.lockPaths).toEqual(['app.tfstate.tflock', 'env:/*/app.tfstate.tflock']);
  });

  test('all() collapses to every object', () => {
    const p = scopePaths(StateScope.all(), 'b', 'env:');
    expect(p.statePaths).toEqual(['*']);
    expect(p.lockIds).toEqual(['b/*']);
    expect(p.listPrefixes).toEqual(['env:/', '*']);
  });

  test('withoutWorkspaceListing() drops the workspace listing prefix only', () => {
    const p = scopePaths(StateScope.keys(['app.tfstate']).withoutWorkspaceListing().workspaces(['prod']), 'b', 'env:');
    expect(p.listPrefixes).toEqual(['env:/prod/app.tfstate']);
  });

  test('duplicate keys and workspaces are listed once', () => {
    const scope = StateScope.keys(['a', 'a']).workspaces(['prod', 'prod']);
    expect(scope.stateKeys).toEqual(['a']);
    expect(scope.workspaceNames).toEqual(['prod']);
  });

  test('fails when no key is given', () => {
    expect(() => StateScope.keys([])).toThrow(/needs at least one key, got \[\]/);
  });

  test('fails when a key is empty or blank', () => {
    expect(() => StateScope.keys(['  '])).toThrow(/empty key "  ".*cannot be empty or all whitespace/);
  });

  test('fails when no workspace is given', () => {
    expect(() => StateScope.keys(['a']).workspaces([])).toThrow(/needs at least one workspace name/);
  });

  test('fails when a workspace name is one Terraform rejects', () => {
    expect(() => StateScope.keys(['a']).workspaces(['team/prod'])).toThrow(/invalid workspace name "team\/prod".*allWorkspaces/);
    expect(() => StateScope.keys(['a']).workspaces(['*'])).toThrow(/invalid workspace name "\*"/);
  });
});

describe('stateKeyProblem', () => {
  test.each([
    ['/leading.tfstate', /starts or ends with "\/"/],
    ['team-a/', /starts or ends with "\/".*"team-a\/\*"/],
    ['a//b.tfstate', /contains "\/\/".*OpenTofu accepts/],
  ])('flags %s', (key, message) => {
    expect(stateKeyProblem(key)).toMatch(message);
  });

  test('accepts keys Terraform accepts', () => {
    expect(stateKeyProblem('team-a/*')).toBeUndefined();
    expect(stateKeyProblem('path/to/terraform.tfstate')).toBeUndefined();
  });
});
