import { DEFAULT_WORKSPACE, DEFAULT_WORKSPACE_KEY_PREFIX, LIST_MAX_KEYS } from '../../protocol/constants';
import { compareGoStrings } from '../../protocol/go-json';
import { workspaceFromObjectKey, workspaceListPrefix } from '../../protocol/paths';
import { workspaceNameError } from '../../protocol/workspace-rules';
import { BucketNotFoundError, StateBackendError, WorkspaceError, isStateBackendError } from '../errors';
import { describeError, errorName, isNoSuchBucket } from './aws-errors';
import type { ObjectStore } from './object-store';

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
