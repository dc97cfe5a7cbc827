import { DEFAULT_WORKSPACE } from '../protocol/constants';
import { isValidWorkspaceName } from '../protocol/paths';

/**
 * Which Terraform states a grant covers: a set of state keys (the `key` of the backend configuration)
 * crossed with a set of workspaces.
 *
 * Paths follow Terraform exactly. The default workspace stores `<key>`, workspace `W` stores
 * `<workspace_key_prefix>/W/<key>`; each state has a lock object `<path>.tflock` and, when a DynamoDB
 * table is used, the items `LockID = <bucket>/<path>` and `<bucket>/<path>-md5`.
 *
 * A key may contain `*`, which matches any run of characters including `/` (IAM semantics): `team-a/*`
 * covers every key under `team-a/`.
 *
 * A scope made with `StateScope.keys()` covers only the default workspace until you widen it with
 * `workspaces()` or `allWorkspaces()`: a forgotten workspace fails closed (AccessDenied), never open.
 *
 * @example
 * // app.tfstate in the default and the prod workspace
 * const scope = StateScope.keys(['app.tfstate']).workspaces(['default', 'prod']);
 */
export class StateScope {
  /**
   * Every state in the backend: any key, any workspace.
   */
  public static all(): StateScope {
    return new StateScope(['*'], undefined, true);
  }

  /**
   * The given state keys, in the default workspace only.
   *
   * @param keys state keys exactly as in the backend configuration (`key = "..."`), `*` allowed.
   */
  public static keys(keys: string[]): StateScope {
    if (keys.length === 0) {
      throw new Error('StateScope.keys() needs at least one key, got []. Pass the backend `key` values, e.g. StateScope.keys([\'app/terraform.tfstate\']), or use StateScope.all().');
    }
    for (const key of keys) {
      if (key.trim() === '') {
        throw new Error(`StateScope.keys() got an empty key ${JSON.stringify(key)}. Terraform rejects an empty key ("The value cannot be empty or all whitespace"); pass the backend \`key\` value, e.g. 'app/terraform.tfstate'.`);
      }
    }
    return new StateScope(dedupe(keys), [DEFAULT_WORKSPACE], true);
  }

  /**
   * The state keys of this scope. `['*']` means every key.
   */
  public readonly stateKeys: string[];

  /**
   * The workspaces of this scope.
   *
   * @default - every workspace (the default one and any named one)
   */
  public readonly workspaceNames?: string[];

  /**
   * Whether the grant lets the grantee list workspaces, as Terraform and OpenTofu do on every run
   * (`ListObjectsV2` with `Prefix = "<workspace_key_prefix>/"`). Listing reveals object names under the
   * workspace prefix, never their content.
   */
  public readonly listsWorkspaces: boolean;

  private constructor(stateKeys: string[], workspaceNames: string[] | undefined, listsWorkspaces: boolean) {
    this.stateKeys = stateKeys;
    this.workspaceNames = workspaceNames;
    this.listsWorkspaces = listsWorkspaces;
  }

  /**
   * The same keys, limited to the given workspaces. Include `'default'` for the default workspace.
   *
   * @param names workspace names as Terraform accepts them (letters, digits and `-_.~$&+:=@`).
   */
  public workspaces(names: string[]): StateScope {
    if (names.length === 0) {
      throw new Error('StateScope.workspaces() needs at least one workspace name, got []. Use e.g. workspaces([\'default\', \'prod\']) or allWorkspaces().');
    }
    for (const name of names) {
      if (!isValidWorkspaceName(name)) {
        throw new Error(`StateScope.workspaces() got an invalid workspace name ${JSON.stringify(name)}. Terraform only accepts names made of letters, digits and -_.~$&+:=@ (no '/', no '*'); use allWorkspaces() for every workspace.`);
      }
    }
    return new StateScope(this.stateKeys, dedupe(names), this.listsWorkspaces);
  }

  /**
   * The same keys in every workspace, the default one included.
   */
  public allWorkspaces(): StateScope {
    return new StateScope(this.stateKeys, undefined, this.listsWorkspaces);
  }

  /**
   * The same scope without the workspace listing.
   *
   * Terraform (with the default `workspace_key_prefix` `env:` only) and OpenTofu (any prefix) treat an
   * AccessDenied on the listing as "only the default workspace exists"; with another prefix Terraform
   * fails. A named workspace still works without listing when its state already exists.
   */
  public withoutWorkspaceListing(): StateScope {
    return new StateScope(this.stateKeys, this.workspaceNames, false);
  }
}

function dedupe(values: string[]): string[] {
  return [...new Set(values)];
}
