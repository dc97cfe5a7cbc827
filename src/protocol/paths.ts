import {
  DEFAULT_WORKSPACE,
  DEFAULT_WORKSPACE_KEY_PREFIX,
  DIGEST_ITEM_SUFFIX,
  LOCK_FILE_SUFFIX,
} from './constants';

/**
 * Go's `path.Clean` for slash-separated paths: drops empty and `.` elements, resolves `..`, never ends
 * with `/` (except the root), returns `.` for an empty result.
 */
export function cleanPath(p: string): string {
  if (p === '') return '.';
  const rooted = p.startsWith('/');
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') {
        out.pop();
      } else if (!rooted) {
        out.push('..');
      }
      continue;
    }
    out.push(part);
  }
  const joined = out.join('/');
  if (rooted) return '/' + joined;
  return joined === '' ? '.' : joined;
}

/** Go's `path.Join`: joins the non-empty elements with `/` and cleans the result. */
export function joinPath(...elems: string[]): string {
  const nonEmpty = elems.filter((e) => e !== '');
  if (nonEmpty.length === 0) return '';
  return cleanPath(nonEmpty.join('/'));
}

/**
 * The S3 key of a workspace's state object.
 *
 * Default workspace: `key` verbatim. Workspace `W`: Go `path.Join(workspaceKeyPrefix, W, key)`.
 */
export function stateObjectKey(
  key: string,
  workspace: string = DEFAULT_WORKSPACE,
  workspaceKeyPrefix: string = DEFAULT_WORKSPACE_KEY_PREFIX,
): string {
  if (workspace === DEFAULT_WORKSPACE) return key;
  return joinPath(workspaceKeyPrefix, workspace, key);
}

/** The S3 key of the lock file that goes with a state object key. */
export function lockFileKey(stateKey: string): string {
  return stateKey + LOCK_FILE_SUFFIX;
}

/** The DynamoDB `LockID` of the lock item, and the `Path` of a LockInfo: `<bucket>/<statekey>`. */
export function lockId(bucket: string, stateKey: string): string {
  return `${bucket}/${stateKey}`;
}

/** The DynamoDB `LockID` of the digest item: `<bucket>/<statekey>-md5`. */
export function digestLockId(bucket: string, stateKey: string): string {
  return lockId(bucket, stateKey) + DIGEST_ITEM_SUFFIX;
}

/**
 * The `ListObjectsV2` prefix used to list workspaces: `<prefix>/`, or `''` (whole bucket) when the
 * workspace key prefix is empty.
 */
export function workspaceListPrefix(workspaceKeyPrefix: string = DEFAULT_WORKSPACE_KEY_PREFIX): string {
  return workspaceKeyPrefix === '' ? '' : workspaceKeyPrefix + '/';
}

/**
 * Terraform's `keyEnv`: the workspace a listed object key belongs to, or `undefined` when the object is
 * not a state object of `key` (lock files, other keys, nested paths).
 */
export function workspaceFromObjectKey(
  objectKey: string,
  key: string,
  workspaceKeyPrefix: string = DEFAULT_WORKSPACE_KEY_PREFIX,
): string | undefined {
  let rest = objectKey;
  if (workspaceKeyPrefix !== '') {
    const prefix = workspaceKeyPrefix + '/';
    if (!objectKey.startsWith(prefix)) return undefined;
    rest = objectKey.slice(prefix.length);
  }
  const slash = rest.indexOf('/');
  if (slash < 0) return undefined;
  const ws = rest.slice(0, slash);
  if (rest.slice(slash + 1) !== key) return undefined;
  // Terraform's Workspaces() skips an empty name (`env://key`, or `/key` with an empty prefix).
  return ws === '' ? undefined : ws;
}

/** Terraform's CLI rule for workspace names: non-empty and unchanged by Go's `url.PathEscape`. */
export function isValidWorkspaceName(name: string): boolean {
  return name.length > 0 && /^[A-Za-z0-9\-_.~$&+:=@]+$/.test(name);
}

/**
 * Checks a `workspace_key_prefix` as Terraform does (no leading or trailing `/`). Returns an error
 * message, or `undefined` when the prefix is valid. An empty prefix is valid (no prefix).
 */
export function validateWorkspaceKeyPrefix(prefix: string): string | undefined {
  if (prefix.startsWith('/') || prefix.endsWith('/')) {
    return 'The value must not start or end with "/"';
  }
  return undefined;
}
