import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { StateBackend } from '../../src';

/**
 * Asset hashes and bootstrap scaffolding change with every aws-cdk-lib release without meaning anything
 * for this construct; the snapshot guards logical IDs and properties, so they are replaced.
 */
function stripVolatile(template: any): any {
  const json = JSON.stringify(template)
    .replace(/[0-9a-f]{64}(\.zip|\.json)?/g, '[HASH REMOVED]');
  const out = JSON.parse(json);
  delete out.Parameters?.BootstrapVersion;
  delete out.Rules?.CheckBootstrapVersion;
  for (const key of ['Parameters', 'Rules']) {
    if (out[key] && Object.keys(out[key]).length === 0) delete out[key];
  }
  return out;
}

test('the default backend synthesizes the same template (logical IDs are API)', () => {
  const app = new App();
  const stack = new Stack(app, 'Snapshot');
  new StateBackend(stack, 'Backend');
  expect(stripVolatile(Template.fromStack(stack).toJSON())).toMatchSnapshot();
});
