import type { LockOptions } from '../argv';
import { dataDirPath, selectWorkspace, writeSelectedWorkspace } from '../data-dir';
import { CliError, EXIT, out, paint, printJson } from '../output';
import { GlobalOptions, checkWorkspaceName as checkName, openSession } from '../session';
import { lockingOptions } from './locking-flags';

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
export async function workspaceNew(name: string, opts: GlobalOptions & LockOptions): Promise<void> {
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
export async function workspaceDelete(name: string, opts: GlobalOptions & LockOptions & { force?: boolean }): Promise<void> {
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
    // A refusal ("Workspace is not empty") is a WorkspaceError carrying Terraform's diagnostic,
    // which reportError prints as Terraform does (workspace_delete.go: c.showDiagnostics).
    await s.client.deleteWorkspace(name, { force: opts.force, ...locking });
    if (opts.json) printJson({ deleted: name });
    else out(`Deleted workspace "${name}".`);
  } finally {
    s.close();
  }
}

/**
 * `workspace select NAME [-or-create]`, as `terraform workspace select` (workspace_select.go): refused
 * while `TF_WORKSPACE` overrides the selection; works even when the recorded selection is invalid
 * (to recover from it); nothing to do when NAME is already selected; otherwise NAME must exist
 * (or is created with `-or-create`), then `<data dir>/environment` records it.
 */
export async function workspaceSelect(name: string, opts: GlobalOptions & { orCreate?: boolean }): Promise<void> {
  checkName(name);
  if (process.env.TF_WORKSPACE) {
    throw new CliError('The selected workspace is currently overridden using the TF_WORKSPACE\nenvironment variable.\n\n'
      + 'To select a new workspace, either update this environment variable or unset\nit and then run this command again.');
  }
  const dataDir = dataDirPath(opts.chdir ?? '.');
  const current = selectWorkspace(undefined, dataDir, process.env, true).name;
  let created = false;
  if (name !== current) {
    // The session's own workspace does not matter here, and the recorded one may be invalid.
    const s = await openSession({ ...opts, workspace: 'default' });
    try {
      if (!(await s.client.listWorkspaces()).includes(name)) {
        if (!opts.orCreate) {
          throw new CliError(`Workspace ${JSON.stringify(name)} doesn't exist.\n\n`
            + 'You can create this workspace with the "new" subcommand\nor include the "-or-create" flag with the "select" subcommand.');
        }
        await s.client.createWorkspace(name);
        created = true;
      }
    } finally {
      s.close();
    }
    writeSelectedWorkspace(dataDir, name);
  }
  if (opts.json) {
    printJson({ selected: name, created });
  } else if (created) {
    out(paint('green', `Created and switched to workspace ${JSON.stringify(name)}!\n\n`
      + 'You\'re now on a new, empty workspace. Workspaces isolate their state,\nso if you run "terraform plan" Terraform will not see any existing state\n'
      + 'for this configuration.'));
  } else if (name !== current) {
    out(paint('green', `Switched to workspace ${JSON.stringify(name)}.`));
  }
}

/** `workspace show`, as `terraform workspace show`: the selected workspace (no AWS call). */
export async function workspaceShow(opts: GlobalOptions): Promise<void> {
  const selected = selectWorkspace(opts.workspace, dataDirPath(opts.chdir ?? '.'));
  if (opts.json) printJson({ workspace: selected.name, source: selected.source });
  else out(selected.name);
}
