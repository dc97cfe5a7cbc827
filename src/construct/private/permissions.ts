import { DIGEST_ITEM_SUFFIX, DEFAULT_WORKSPACE } from '../../protocol/constants';
import { digestLockId, lockFileKey, lockId, stateObjectKey, workspaceListPrefix } from '../../protocol/paths';
import type { StateScope } from '../state-scope';

/**
 * Exact IAM actions of the state grants. Terraform's and OpenTofu's S3 backend make exactly these
 * calls (reference §9); wildcards such as `s3:GetObject*` or `kms:GenerateDataKey*` would also allow
 * version, ACL, tagging and pair-key operations that the backend never makes.
 */
export const S3_LIST_ACTIONS = ['s3:ListBucket'];
/** `HeadObject` and `GetObject` of state and lock objects. */
export const S3_READ_OBJECT_ACTIONS = ['s3:GetObject'];
/** `PutObject` of lock objects (read and read-write) and of state objects (read-write). */
export const S3_PUT_OBJECT_ACTIONS = ['s3:PutObject'];
/**
 * A PutObject (or CreateMultipartUpload) that carries `x-amz-tagging` also needs `s3:PutObjectTagging`
 * on the object (AWS: "To use tagging, you must have the s3:PutObjectTagging permission"). OpenTofu
 * 1.11 sends it on state writes with `state_tags` and on lock writes with `lock_tags`
 * (`configurePutObjectTags`, internal/backend/remote-state/s3/client.go); so does this client. Granted
 * wherever `s3:PutObject` is.
 */
export const S3_PUT_OBJECT_TAGGING_ACTIONS = ['s3:PutObjectTagging'];
/** `DeleteObject` of lock objects (unlock) and of state objects (`terraform workspace delete`). */
export const S3_DELETE_OBJECT_ACTIONS = ['s3:DeleteObject'];
/**
 * Abort a failed multipart upload of a state object (read-write only). Terraform's uploader
 * (`manager.Uploader` in `RemoteClient.put`, `internal/backend/remote-state/s3/client.go`) aborts a
 * failed multipart upload of a state above the part size, and so does this client
 * (`src/client/private/streaming-write.ts`). Lock files are a single PUT, never multipart.
 */
export const S3_ABORT_MULTIPART_ACTIONS = ['s3:AbortMultipartUpload'];
/** Take, inspect and release a DynamoDB lock item. */
export const DYNAMODB_LOCK_ACTIONS = ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'];
/** Read the digest item (the consistency check on every state read). */
export const DYNAMODB_DIGEST_READ_ACTIONS = ['dynamodb:GetItem'];
/** Read, record and remove the digest item (state write, workspace delete). */
export const DYNAMODB_DIGEST_WRITE_ACTIONS = ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'];
/** S3 decrypts SSE-KMS objects (GET, and multipart PUT) with the caller's permission. */
export const KMS_S3_DECRYPT_ACTIONS = ['kms:Decrypt'];
/** S3 asks for a data key to encrypt a new object (or a new S3 Bucket Key) with the caller's permission. */
export const KMS_S3_ENCRYPT_ACTIONS = ['kms:GenerateDataKey'];
/** DynamoDB reads and writes items of a table encrypted with a customer managed key. */
export const KMS_DYNAMODB_ACTIONS = ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'];
/** DynamoDB reads items of a table encrypted with a customer managed key. */
export const KMS_DYNAMODB_READ_ACTIONS = ['kms:Decrypt'];

/** S3's encryption context key for SSE-KMS: the object ARN, or the bucket ARN with an S3 Bucket Key. */
export const S3_ENCRYPTION_CONTEXT_KEY = 'kms:EncryptionContext:aws:s3:arn';
/** DynamoDB's encryption context keys for tables encrypted with a customer managed key. */
export const DYNAMODB_ENCRYPTION_CONTEXT_TABLE_KEY = 'kms:EncryptionContext:aws:dynamodb:tableName';
export const DYNAMODB_ENCRYPTION_CONTEXT_ACCOUNT_KEY = 'kms:EncryptionContext:aws:dynamodb:subscriberId';

/** A `LeadingKeys` pattern that matches every digest item. */
export const DIGEST_ITEM_PATTERN = '*' + DIGEST_ITEM_SUFFIX;

/** Read without locking, read (and lock), or read-write, as the grant helpers see it. */
export enum AccessLevel {
  READ_WITHOUT_LOCK = 'READ_WITHOUT_LOCK',
  READ = 'READ',
  READ_WRITE = 'READ_WRITE',
}

/** Lock items are only read (`tfstate lock-info`, Terraform's holder report), never written. */
export const DYNAMODB_LOCK_READ_ACTIONS = ['dynamodb:GetItem'];

/**
 * The S3 keys and DynamoDB `LockID`s that a scope covers in one backend. Patterns use IAM `*`.
 */
export interface ScopePaths {
  /** State object keys. */
  readonly statePaths: string[];
  /** Lock object keys (`<state>.tflock`). */
  readonly lockPaths: string[];
  /** `ListObjectsV2` prefixes the grantee may use. */
  readonly listPrefixes: string[];
  /** DynamoDB lock item IDs. */
  readonly lockIds: string[];
  /** DynamoDB digest item IDs. */
  readonly digestIds: string[];
}

/**
 * Expands a scope into the object keys and item IDs it covers, with Terraform's path rules
 * (`src/protocol/paths.ts`).
 *
 * | workspaces | state paths of key `k` |
 * |---|---|
 * | `default` | `k` |
 * | `W` | `<prefix>/W/k` (Go `path.Join`, so prefix `''` gives `W/k`) |
 * | all | `k` and `<prefix>/*\/k` |
 *
 * A key `*` with all workspaces collapses to `*` (every object).
 */
export function scopePaths(scope: StateScope, bucketName: string, workspaceKeyPrefix: string): ScopePaths {
  const workspaces = scope.workspaceNames ?? [DEFAULT_WORKSPACE, '*'];
  const paths: string[] = [];
  for (const key of scope.stateKeys) {
    for (const ws of workspaces) {
      paths.push(stateObjectKey(key, ws, workspaceKeyPrefix));
    }
  }
  const statePaths = paths.includes('*') ? ['*'] : [...new Set(paths)];
  const listPrefixes = [...statePaths];
  if (scope.listsWorkspaces) {
    listPrefixes.unshift(workspaceListPrefix(workspaceKeyPrefix));
  }
  return {
    statePaths,
    lockPaths: statePaths.map(lockFileKey),
    listPrefixes: [...new Set(listPrefixes)],
    lockIds: statePaths.map((p) => lockId(bucketName, p)),
    digestIds: statePaths.map((p) => digestLockId(bucketName, p)),
  };
}

/**
 * Why a state key would be rejected (or mangled) by Terraform, or `undefined` when it is fine.
 * Terraform: no leading or trailing `/`, no `//`; OpenTofu accepts `//`.
 */
export function stateKeyProblem(key: string): string | undefined {
  if (key.startsWith('/') || key.endsWith('/')) {
    return `the key ${JSON.stringify(key)} starts or ends with "/", which Terraform and OpenTofu reject ("must not start or end with \\"/\\""), so no state can ever live there. Remove the slash${key.endsWith('/') ? `, or write ${JSON.stringify(key + '*')} to cover every key under that folder` : ''}.`;
  }
  if (key.includes('//')) {
    return `the key ${JSON.stringify(key)} contains "//", which Terraform rejects ("Value must not contain \\"//\\"") and OpenTofu accepts. Use single slashes.`;
  }
  return undefined;
}
