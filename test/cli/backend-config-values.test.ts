import { snippetValuesFrom } from '../../src/cli/commands/backend-config';
import { renderSnippet } from '../../src/construct/backend-config-render';

// `tfstate backend-config` prints the configuration it was given: OpenTofu's state_tags and lock_tags
// are settings like any other and must not be dropped from the snippet.
describe('backend-config snippet values', () => {
  const attributes = {
    bucket: 'b',
    key: 'app/terraform.tfstate',
    region: 'eu-west-1',
    use_lockfile: true,
    state_tags: { team: 'platform' },
    lock_tags: { 'tfstate-lock': 'true' },
  };

  test('state_tags and lock_tags reach the HCL snippet', () => {
    const text = renderSnippet(snippetValuesFrom(attributes, {}), 'tf');
    expect(text).toMatch(/state_tags\s*=\s*\{[^}]*team\s*=\s*"platform"/s);
    expect(text).toMatch(/lock_tags\s*=\s*\{[^}]*"?tfstate-lock"?\s*=\s*"true"/s);
  });

  test('and the JSON snippet', () => {
    const json = JSON.parse(renderSnippet(snippetValuesFrom(attributes, {}), 'json'));
    expect(JSON.stringify(json)).toContain('"state_tags":{"team":"platform"}');
    expect(JSON.stringify(json)).toContain('"lock_tags":{"tfstate-lock":"true"}');
  });

  test('without tags, no tag attributes', () => {
    const text = renderSnippet(snippetValuesFrom({ bucket: 'b', key: 'k', region: 'eu-west-1' }, {}), 'tf');
    expect(text).not.toContain('_tags');
  });
});
