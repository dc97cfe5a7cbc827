import { DEFAULT_WORKSPACE, DEFAULT_WORKSPACE_KEY_PREFIX, LIST_MAX_KEYS } from '../../protocol/constants';
import { compareGoStrings } from '../../protocol/go-json';
import { workspaceFromObjectKey, workspaceListPrefix } from '../../protocol/paths';
import type { StateFile } from '../../protocol/state';
import { workspaceNameError, workspaceNotEmptyDiagnostic } from '../../protocol/workspace-rules';
import { BucketNotFoundError, StateBackendError, WorkspaceError, isStateBackendError } from '../errors';
import { describeError, errorName, isNoSuchBucket } from './aws-errors';
import type { LockingOptions, OperationOptions, ReadStateResult } from '../types';
import type { ObjectStore } from './object-store';
import type { WriteTarget } from './streaming-write';

/** Where workspaces are listed. */
export interface WorkspaceListing {
  readonly store: ObjectStore;
  /** The backend's `key`. */
  readonly key: string;
  readonly workspaceKeyPrefix: string;
  readonly warn: (message: string) => void;
}

/**
 * Terraform's `Workspaces()` (`backend_state.go`): `default` first, then every name found under the
 * prefix, in byte order. An empty name (`env://key`, `/key` with an empty prefix) is never listed.
 * `AccessDenied` on the listing is tolerated only with the default `env:` prefix, where Terraform
 * returns just `default` (and logs a warning); with any other prefix it is Terraform's error.
 *
 * @throws BucketNotFoundError; StateBackendError `Unable to list objects in S3 bucket …` otherwise
 */
export async function listWorkspaces(l: WorkspaceListing, signal?: AbortSignal): Promise<string[]> {
  const prefix = workspaceListPrefix(l.workspaceKeyPrefix);
  const found: string[] = [];
  let token: string | undefined;
  try {
    do {
      const page = await l.store.listPage(prefix, LIST_MAX_KEYS, token, signal);
      for (const obj of page.Contents ?? []) {
        const ws = obj.Key === undefined ? undefined : workspaceFromObjectKey(obj.Key, l.key, l.workspaceKeyPrefix);
        if (ws !== undefined) found.push(ws);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  } catch (e) {
    signal?.throwIfAborted();
    if (isStateBackendError(e)) throw e;
    if (isNoSuchBucket(e)) throw new BucketNotFoundError(l.store.bucket, { cause: e });
    if (l.workspaceKeyPrefix === DEFAULT_WORKSPACE_KEY_PREFIX && errorName(e) === 'AccessDenied') {
      l.warn(`[WARN] Unable to list non-default workspaces: ${describeError(e)}`);
      return [DEFAULT_WORKSPACE];
    }
    throw new StateBackendError(`Unable to list objects in S3 bucket "${l.store.bucket}" with prefix "${prefix}": ${describeError(e)}`, { cause: e });
  }
  return [DEFAULT_WORKSPACE, ...found.sort(compareGoStrings)];
}

/** Throws a WorkspaceError naming the problem when `name` cannot be a workspace (see `workspaceNameError`). */
export function checkWorkspaceName(name: string): void {
  const problem = workspaceNameError(name);
  if (problem) throw new WorkspaceError(problem);
}

/** A workspace as creation and deletion see it (built by the facade). */
export interface WorkspaceTarget extends WriteTarget {
  readonly name: string;
  read(signal?: AbortSignal): Promise<ReadStateResult | undefined>;
  write(state: StateFile, signal?: AbortSignal): Promise<unknown>;
  /** `fn` under the workspace's lock for `operation` (honouring `lock: false` and `lockTimeoutMs`). */
  locked<T>(operation: string, options: LockingOptions & OperationOptions, fn: () => Promise<T>): Promise<T>;
}

/**
 * `terraform workspace new` (the backend's `StateMgr`): lock (operation `init`), read, write an
 * empty state (new lineage, serial 1) if there is none, unlock.
 */
export async function createWorkspace(
  t: WorkspaceTarget, existing: readonly string[], empty: StateFile, options: LockingOptions & OperationOptions,
): Promise<void> {
  if (existing.includes(t.name)) throw new WorkspaceError(`Workspace "${t.name}" already exists`);
  await t.locked('init', options, async () => {
    if (!await t.read(options.signal)) await t.write(empty, options.signal);
  });
}

/**
 * `terraform workspace delete` (`internal/command/workspace_delete.go`): lock (operation
 * `state-replace-provider`), refuse a state that tracks managed resource instances unless `force`
 * (Terraform's "Workspace is not empty" diagnostic), unlock, then delete the state object and its
 * digest item. The lock file and the DynamoDB lock item are left alone.
 */
export async function deleteWorkspace(
  t: WorkspaceTarget, existing: readonly string[], options: LockingOptions & OperationOptions & { force?: boolean },
): Promise<void> {
  if (!existing.includes(t.name)) throw new WorkspaceError(`Workspace "${t.name}" doesn't exist.`);
  await t.locked('state-replace-provider', options, async () => {
    const current = await t.read(options.signal);
    const refusal = options.force ? undefined : workspaceNotEmptyDiagnostic(t.name, current?.state);
    if (refusal) throw new WorkspaceError(`${refusal.summary}: ${refusal.detail}`, { diagnostic: refusal });
  });
  try {
    await t.store.delete(t.stateKey, { signal: options.signal });
  } catch (e) {
    options.signal?.throwIfAborted();
    throw new StateBackendError(`failed to delete state object s3://${t.store.bucket}/${t.stateKey}: ${describeError(e)}`, { cause: e });
  }
  await t.digests?.delete(t.digestLockId, options.signal);
}
