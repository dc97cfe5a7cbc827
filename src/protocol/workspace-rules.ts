import { compareGoStrings } from './go-json';
import { goQuote } from './go-time';
import { isValidWorkspaceName } from './paths';
import { resourceInstances, type StateFile } from './state';

/**
 * Why a workspace name is refused, or `undefined` when it is usable: Terraform's rule
 * ({@link isValidWorkspaceName}, with Terraform's text), plus one rule beyond Terraform: `.` and `..`
 * pass Terraform's check, but `path.Join` cleans them away, so their state key is another state's
 * (`..` with the default `env:` prefix is the default workspace's `key` itself). Terraform accepts
 * them and silently reads and writes that other state; here they are refused.
 */
export function workspaceNameError(name: string): string | undefined {
  if (!isValidWorkspaceName(name)) {
    // Terraform's EnvInvalidName (internal/command/arguments/workspace.go).
    return `The workspace name ${goQuote(name)} is not allowed. The name must contain only URL safe\n`
      + 'characters, contain no path separators, and not be an empty string.';
  }
  if (name === '.' || name === '..') {
    return `The workspace name ${goQuote(name)} is not allowed: S3 key cleaning would map its state onto another\n`
      + 'workspace\'s state object (Terraform accepts it and silently uses that state). Pick another name.';
  }
  return undefined;
}

/**
 * Terraform's `workspace delete` refusal (`internal/command/workspace_delete.go`): the workspace is
 * "not empty" when its state tracks a managed resource instance object (`State.HasManagedResourceInstanceObjects`:
 * current or deposed; data sources and outputs do not count). Returns the diagnostic, or `undefined`
 * when the workspace may be deleted. Terraform lists the objects in Go map order; here sorted.
 */
export function workspaceNotEmptyDiagnostic(workspace: string, state: StateFile | undefined): { summary: string; detail: string } | undefined {
  if (!state) return undefined;
  const objects = resourceInstances(state)
    .filter((i) => i.mode === 'managed')
    .map((i) => (i.deposed ? `${i.address} (deposed object ${i.deposed})` : i.address))
    .sort(compareGoStrings);
  if (objects.length === 0) return undefined;
  return {
    summary: 'Workspace is not empty',
    detail: `Workspace ${goQuote(workspace)} is currently tracking the following resource instances:${objects.map((o) => `\n  - ${o}`).join('')}\n\n`
      + 'Deleting this workspace would cause Terraform to lose track of any associated remote objects, which would then require you to delete them manually outside of Terraform. You should destroy these objects with Terraform before deleting the workspace.\n\n'
      + 'If you want to delete this workspace anyway, and have Terraform forget about these managed objects, use the -force option to disable this safety check.',
  };
}
