/**
 * How Terraform and OpenTofu lock state in a `StateBackend`.
 *
 * Terraform 1.10+ and OpenTofu 1.10+ can lock with a lock object next to the state in S3
 * (`use_lockfile = true`). Older clients need a DynamoDB table (`dynamodb_table`). During a
 * migration from the table to the lock file, a client may take both locks at once.
 *
 * @see https://developer.hashicorp.com/terraform/language/backend/s3#state-locking
 */
export enum LockingMode {
  /**
   * Lock with an S3 lock object (`<key>.tflock`). No DynamoDB table is created.
   *
   * Backend configuration: `use_lockfile = true`.
   */
  S3_LOCKFILE = 'S3_LOCKFILE',

  /**
   * Lock with a DynamoDB table only (the pre-1.10 mechanism, deprecated in Terraform 1.11).
   *
   * Backend configuration: `dynamodb_table = "<lockTableName>"`.
   */
  DYNAMODB = 'DYNAMODB',

  /**
   * Create the DynamoDB table and allow the S3 lock file as well, for migrating from one to the other.
   *
   * Backend configuration: `use_lockfile = true` and `dynamodb_table = "<lockTableName>"`.
   */
  BOTH = 'BOTH',
}
