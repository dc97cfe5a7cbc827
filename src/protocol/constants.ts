/**
 * Names and numbers that Terraform's and OpenTofu's S3 backend define. This file is the single place
 * where they live: the construct (table key, IAM resource ARNs) and the runtime client both import it.
 *
 * Source: hashicorp/terraform `internal/backend/remote-state/s3/{backend.go,backend_state.go,client.go}`
 * and the same files in opentofu/opentofu (see ../shared/reference/terraform-s3-backend.md).
 */

/** Default value of `workspace_key_prefix`. */
export const DEFAULT_WORKSPACE_KEY_PREFIX = 'env:';

/** The name of the workspace that always exists and whose state key is `key` verbatim. */
export const DEFAULT_WORKSPACE = 'default';

/** Suffix of the S3 lock object (`use_lockfile = true`). */
export const LOCK_FILE_SUFFIX = '.tflock';

/**
 * Suffix of the key the runtime client deletes, with an `If-Match` no object carries, to learn whether
 * the server honours conditional deletes (`<lock file><suffix>`, which never exists). A fixed name, so
 * that a policy can allow that one request (the construct's grants do).
 */
export const IF_MATCH_PROBE_SUFFIX = '.if-match-probe';

/** Partition key (type String) of the DynamoDB lock table. */
export const LOCK_TABLE_PARTITION_KEY = 'LockID';

/** Suffix appended to the DynamoDB `LockID` of a state's digest item. */
export const DIGEST_ITEM_SUFFIX = '-md5';

/** Attribute holding the hex MD5 of the state object in the digest item. */
export const DIGEST_ATTRIBUTE = 'Digest';

/** Attribute holding the LockInfo JSON in the DynamoDB lock item. */
export const LOCK_INFO_ATTRIBUTE = 'Info';

/** `Content-Type` of state and lock objects. */
export const STATE_CONTENT_TYPE = 'application/json';

/** Digest consistency retry: total time and poll interval (`consistencyRetryTimeout`, `consistencyRetryPollInterval`). */
export const CONSISTENCY_RETRY_TIMEOUT_MS = 10_000;
export const CONSISTENCY_RETRY_POLL_INTERVAL_MS = 2_000;

/** `ListObjectsV2` page size Terraform uses when listing workspaces. */
export const LIST_MAX_KEYS = 1000;

/** Default `max_retries`. */
export const DEFAULT_MAX_RETRIES = 5;
