import { isWorkspaceError } from '../../client';
import { CliError, EXIT, out, paint, printJson } from '../output';
import { GlobalOptions, checkWorkspaceName as checkName, openSession } from '../session';
import { type LockFlags, lockingOptions } from './locking-flags';

/** `workspace list`: every workspace, the selected one marked with `*` like `terraform workspace list`. */
export async function workspaceList(opts: GlobalOptions): Promise<void> {
  const s = await openSession(opts);
  try {
    const names = await s.client.listWorkspaces();
    if (opts.json) {
      printJson({ current: s.workspace, workspaces: names });
      return;
    }
    for (const name of names) {
      out(name === s.workspace ? paint('green', `* ${name}`) : `  ${name}`);
    }
  } finally {
    s.close();
  }
}

/** `workspace new NAME [-lock=false] [-lock-timeout=D]`: creates the workspace with an empty state, under the lock. */
export async function workspaceNew(name: string, opts: GlobalOptions & LockFlags): Promise<void> {
  checkName(name);
  const locking = lockingOptions(opts);
  const s = await openSession(opts);
  try {
    const existing = await s.client.listWorkspaces();
    if (existing.includes(name)) {
      throw new CliError(`Workspace "${name}" already exists. Select it with -workspace ${name}, or pick another name.`);
    }
    await s.client.createWorkspace(name, locking);
    if (opts.json) printJson({ created: name });
    else out(`Created and initialized workspace "${name}".`);
  } finally {
    s.close();
  }
}

/**
 * `workspace delete NAME [-force] [-lock=false] [-lock-timeout=D]`: Terraform's refusals (default,
 * current, a state that tracks managed resource instances without -force: "Workspace is not empty").
 */
export async function workspaceDelete(name: string, opts: GlobalOptions & LockFlags & { force?: boolean }): Promise<void> {
  checkName(name);
  if (name === 'default') {
    throw new CliError('Cannot delete the default workspace. The "default" workspace always exists.', EXIT.USAGE);
  }
  const locking = lockingOptions(opts);
  const s = await openSession(opts);
  try {
    if (name === s.workspace) {
      throw new CliError(`Workspace "${name}" is your active workspace (-workspace / TF_WORKSPACE). Select another workspace before deleting it.`, EXIT.USAGE);
    }
    const existing = await s.client.listWorkspaces();
    if (!existing.includes(name)) {
      throw new CliError(`Workspace "${name}" doesn't exist. Run "tfstate workspace list" to see the workspaces.`);
    }
    try {
      await s.client.deleteWorkspace(name, { force: opts.force, ...locking });
    } catch (e) {
      // Terraform's "Workspace is not empty" diagnostic, as the client words it.
      if (isWorkspaceError(e)) throw new CliError(e.terraformDiagnostics.map((d) => `${d.summary}\n\n${d.detail}`).join('\n\n'));
      throw e;
    }
    if (opts.json) printJson({ deleted: name });
    else out(`Deleted workspace "${name}".`);
  } finally {
    s.close();
  }
}
