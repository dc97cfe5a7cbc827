import { CliError, EXIT, out, paint, printJson } from '../output';
import { GlobalOptions, checkWorkspaceName, openSession } from '../session';

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

/** `workspace new NAME`: creates the workspace with an empty state, under the lock. */
export async function workspaceNew(name: string, opts: GlobalOptions): Promise<void> {
  checkWorkspaceName(name);
  const s = await openSession(opts);
  try {
    const existing = await s.client.listWorkspaces();
    if (existing.includes(name)) {
      throw new CliError(`Workspace "${name}" already exists. Select it with -workspace ${name}, or pick another name.`);
    }
    await s.client.createWorkspace(name);
    if (opts.json) printJson({ created: name });
    else out(`Created and initialized workspace "${name}".`);
  } finally {
    s.close();
  }
}

/** `workspace delete NAME [-force]`: Terraform's refusals (default, current, non-empty without -force). */
export async function workspaceDelete(name: string, opts: GlobalOptions & { force?: boolean }): Promise<void> {
  checkWorkspaceName(name);
  if (name === 'default') {
    throw new CliError('Cannot delete the default workspace. The "default" workspace always exists.', EXIT.USAGE);
  }
  const s = await openSession(opts);
  try {
    if (name === s.workspace) {
      throw new CliError(`Workspace "${name}" is your active workspace (-workspace / TF_WORKSPACE). Select another workspace before deleting it.`, EXIT.USAGE);
    }
    const existing = await s.client.listWorkspaces();
    if (!existing.includes(name)) {
      throw new CliError(`Workspace "${name}" doesn't exist. Run "tfstate workspace list" to see the workspaces.`);
    }
    await s.client.deleteWorkspace(name, { force: opts.force });
    if (opts.json) printJson({ deleted: name });
    else out(`Deleted workspace "${name}".`);
  } finally {
    s.close();
  }
}
