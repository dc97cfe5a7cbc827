import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import type { STSClient } from '@aws-sdk/client-sts';
import type { AwsKmsOperations, ConfigFile, EncryptionStatus } from '../protocol/encryption';
import type { LockInfo } from '../protocol/lock-info';
import type { StateFile } from '../protocol/state';

/** Options every async method accepts. */
export interface OperationOptions {
  /** Aborts the operation (SDK requests in flight and lock waits). */
  readonly signal?: AbortSignal;
}

/** Where the client logs what Terraform only logs (e.g. a failed digest write). */
export interface StateClientLogger {
  warn(message: string): void;
  debug?(message: string): void;
}

/** Timing of the digest consistency retry (Terraform: 2 s poll, 10 s total). */
export interface DigestRetryTiming {
  /** @default 2000 */
  readonly pollIntervalMs?: number;
  /** @default 10000 */
  readonly timeoutMs?: number;
}

/**
 * Waits between lock attempts (`-lock-timeout`); every attempt is the conditional create, as in
 * Terraform. The default `adaptive` policy learns the hand-off period from the holders' `Created`
 * times and ages, aims each attempt at one of the next expected hand-offs, and retries a holder that
 * stays after half its age; before any hand-off was seen it backs off exponentially with jitter from
 * `initialDelayMs`, and at least about twice as long as a refused attempt took; no wait is longer
 * than `maxDelayMs`.
 * `terraform` is Terraform's own schedule (`statemgr.LockWithContext`), doubling from
 * `initialDelayMs` (there 1 s) to `maxDelayMs` (there 16 s), no jitter.
 */
export interface LockRetryTiming {
  /** @default 25 */
  readonly initialDelayMs?: number;
  /** @default 2000 */
  readonly maxDelayMs?: number;
  /** @default 'adaptive' */
  readonly policy?: 'adaptive' | 'terraform';
}

/** Locking of an operation that locks (Terraform's `-lock` and `-lock-timeout`). */
export interface LockingOptions {
  /** `false` runs without taking the lock (`-lock=false`): dangerous if others write at the same time. @default true */
  readonly lock?: boolean;
  /** Keep retrying a lock held by someone known for this long (`-lock-timeout`). @default 0 (one attempt) */
  readonly lockTimeoutMs?: number;
}

/** Options of {@link StateClient.fromConfig}. */
export interface StateClientOptions {
  /** Your own S3 client; never destroyed by the client. @default - one built from the configuration */
  readonly s3?: S3Client;
  /** Your own DynamoDB client; never destroyed by the client. @default - one built from the configuration */
  readonly dynamodb?: DynamoDBClient;
  /** Your own STS client (credential validation). @default - one built from the configuration */
  readonly sts?: STSClient;
  /** Environment consulted for `AWS_REGION`, `AWS_SSE_CUSTOMER_KEY`, `AWS_ENDPOINT_URL_*`... @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Workspace to operate on. @default 'default' */
  readonly workspace?: string;
  /** Receives warnings Terraform only logs. @default - messages are dropped */
  readonly logger?: StateClientLogger;
  /** Digest retry timing (tests shorten it). @default - Terraform's 2 s / 10 s */
  readonly digestRetry?: DigestRetryTiming;
  /** Lock wait backoff. @default - 1 s doubling to 16 s */
  readonly lockRetry?: LockRetryTiming;
  /** `Who` of the locks this client takes. @default - `<user>@<hostname>` */
  readonly who?: string;
  /** `Version` of the locks and the `terraform_version` of states this client writes. @default '1.10.0' */
  readonly terraformVersion?: string;
  /**
   * OpenTofu state encryption: the `encryption` block's content as HCL or JSON text (the
   * `TF_ENCRYPTION` format) or as an object in HCL's JSON shape. Merged over `TF_ENCRYPTION` of `env`
   * and the `encryptionFiles`, as OpenTofu merges its sources. Every read then decrypts and every write
   * encrypts (see docs/opentofu-encryption.md). @default - `TF_ENCRYPTION` of `env` and `encryptionFiles`, if any
   */
  readonly encryption?: string | Readonly<Record<string, unknown>>;
  /** Values of the `var.<name>` the encryption configuration refers to; they win over `TF_VAR_<name>` of `env`, tfvars and defaults. @default - none */
  readonly encryptionVariables?: Readonly<Record<string, unknown>>;
  /**
   * A working directory's files (`*.tf`, `*.tofu`, their JSON forms, `terraform.tfvars`,
   * `*.auto.tfvars`) read for the `terraform { encryption { ... } }` block and variables, as `tfstate`
   * does with `-chdir`. @default - none
   */
  readonly encryptionFiles?: readonly ConfigFile[];
  /** The KMS calls of the `aws_kms` key provider. @default - `@aws-sdk/client-kms`, configured from the key provider block */
  readonly kms?: AwsKmsOperations;
}

/** How an OpenTofu-encrypted state was read (`ReadStateResult.encryption`). */
export interface ReadStateEncryption {
  /** `migration`: a fallback method (or the `unencrypted` fallback) read it; the next write re-encrypts with the primary method. */
  readonly status: EncryptionStatus;
  /** Whether the stored object is an envelope. */
  readonly wasEncrypted: boolean;
  /** The method that decrypted it, e.g. `method.aes_gcm.m`. */
  readonly method?: string;
}

/** Options of {@link StateClient.rekeyState}. */
export interface RekeyOptions extends LockingOptions, OperationOptions {
  /** Re-encrypt even a state the primary method already encrypts (new salt or data key). @default false */
  readonly force?: boolean;
  /** Read and report only: no lock, no write. @default false */
  readonly dryRun?: boolean;
}

/** What {@link StateClient.rekeyState} did. */
export interface RekeyResult {
  readonly workspace: string;
  readonly stateKey: string;
  /** `rekeyed` (written), `would-rekey` (dry run), `up-to-date` (already under the primary method) or `no-state`. */
  readonly action: 'rekeyed' | 'would-rekey' | 'up-to-date' | 'no-state';
  /** The method that read the stored state. */
  readonly from?: string;
  readonly wasEncrypted?: boolean;
  /** The serial before and, when written, after. */
  readonly serial?: number;
  readonly newSerial?: number;
  readonly versionId?: string;
}

/** The values of a `StateBackend`'s `LockingMode` output (the construct's `LockingMode` enum). */
export type BackendLockingMode = 'S3_LOCKFILE' | 'DYNAMODB' | 'BOTH';

/** Outputs of a deployed `StateBackend` stack, as `fromBackendOutputs` takes them. */
export interface BackendOutputs {
  /** Output `BucketName` (`bucket`). */
  readonly bucketName: string;
  /** Output `Region` (`region`). */
  readonly region: string;
  /** Output `KmsKeyArn`: sets `encrypt = true` and `kms_key_id`. @default - no SSE headers: the bucket's default encryption applies */
  readonly kmsKeyArn?: string;
  /** Output `LockTableName` (`dynamodb_table`, unless `lockingMode` is `S3_LOCKFILE`). @default - none */
  readonly lockTableName?: string;
  /** Role to assume (`assume_role.role_arn`). @default - none */
  readonly roleArn?: string;
  /**
   * Output `LockingMode`: `S3_LOCKFILE` → `use_lockfile = true`; `DYNAMODB` → `dynamodb_table` only;
   * `BOTH` → both.
   *
   * @default - guessed for stacks deployed before the output existed: `use_lockfile = true`, plus
   * `dynamodb_table` when `lockTableName` is given; the guess is reported through `logger.warn`
   */
  readonly lockingMode?: BackendLockingMode;
  /**
   * Output `WorkspaceKeyPrefix` (`workspace_key_prefix`). A stack whose prefix is `""` has no such output
   * (CloudFormation refuses empty values) but has `LockingMode`: pass `''` then.
   *
   * @default 'env:'
   */
  readonly workspaceKeyPrefix?: string;
  /**
   * Output `LockTags`, decoded (the output is the map as JSON): `lock_tags`, with `use_lockfile`.
   * @default - none (stacks without `lockTags`, or deployed before the output existed)
   */
  readonly lockTags?: { readonly [key: string]: string };
}

/** Options of {@link StateClient.fromBackendOutputs}: the state key plus {@link StateClientOptions}. */
export interface FromBackendOutputsOptions extends StateClientOptions {
  /** State object key (`key`). */
  readonly key: string;
  /** Use the S3 lock file (`use_lockfile`), over what `lockingMode` implies. @default - from `lockingMode` (true when absent) */
  readonly useLockfile?: boolean;
  /** `workspace_key_prefix`, over the `workspaceKeyPrefix` output. @default - the output, else 'env:' */
  readonly workspaceKeyPrefix?: string;
}

/**
 * The SDK clients a `StateClient` is configured with (region, endpoints, credentials including
 * `assume_role`, retries), for diagnostics that the client has no method for.
 *
 * They are owned by the `StateClient`: do not destroy them, do not add middleware to them. Requests
 * sent on them directly are not included in `requestCounts`.
 */
export interface StateClientSdkClients {
  /** The S3 client. */
  readonly s3: S3Client;
  /** The DynamoDB client; only when `dynamodb_table` is configured. */
  readonly dynamodb?: DynamoDBClient;
}

/** The keys and IDs this client uses for its workspace. */
export interface StatePaths {
  readonly bucket: string;
  readonly stateKey: string;
  readonly lockFileKey: string;
  /** DynamoDB `LockID` of the lock item and `Path` of LockInfos. */
  readonly lockId: string;
  /** DynamoDB `LockID` of the digest item. */
  readonly digestLockId: string;
}

/** A state object read from S3. */
export interface ReadStateResult {
  /** The exact object bytes; for an OpenTofu-encrypted state, the decrypted bytes (exactly as OpenTofu encrypted them). */
  readonly bytes: Buffer;
  /** The parsed state. */
  readonly state: StateFile;
  /** Hex MD5 of the stored object (what the DynamoDB digest holds): of the envelope for an encrypted state. */
  readonly md5: string;
  readonly etag?: string;
  readonly versionId?: string;
  /** Set when state encryption is configured: how the stored object was read. */
  readonly encryption?: ReadStateEncryption;
}

/** Options of {@link StateClient.readState}. */
export interface ReadStateOptions extends OperationOptions {
  /** Read this version of the object (no digest check). @default - the current version */
  readonly versionId?: string;
}

/** What a write stored. */
export interface WriteStateResult {
  readonly md5: string;
  readonly etag?: string;
  readonly versionId?: string;
}

/** Options of {@link StateClient.pushState}. */
export interface PushStateOptions extends OperationOptions, LockingOptions {
  /** Skip Terraform's lineage/serial rules (`terraform state push -force`). @default false */
  readonly force?: boolean;
  /** The caller already holds the lock with this ID; do not lock again. @default - lock for the push */
  readonly lockId?: string;
}

/** Options of {@link StateClient.lock}. */
export interface LockOptions extends OperationOptions {
  /** `Operation` of the LockInfo. @default 'OperationTypeInvalid' */
  readonly operation?: string;
  /** `Info` of the LockInfo. @default '' */
  readonly info?: string;
  /** `Who` of the LockInfo. @default - the client's `who` */
  readonly who?: string;
  /** `Version` of the LockInfo. @default - the client's `terraformVersion` */
  readonly version?: string;
  /** Lock ID to use. @default - a new random ID in Terraform's form */
  readonly id?: string;
  /** Keep retrying while the lock is held by someone known, up to this long (`-lock-timeout`). @default 0 */
  readonly timeoutMs?: number;
}

/** Options of {@link StateClient.deleteWorkspace}. */
export interface DeleteWorkspaceOptions extends OperationOptions, LockingOptions {
  /** Delete even if the state tracks managed resource instances (`-force`). @default false */
  readonly force?: boolean;
}

/** Options of {@link StateClient.createWorkspace}. */
export interface CreateWorkspaceOptions extends OperationOptions, LockingOptions {}

/** Options of {@link StateClient.restoreVersion}. */
export interface RestoreVersionOptions extends OperationOptions, LockingOptions {}

/** What {@link StateClient.restoreVersion} wrote. */
export interface RestoreResult extends WriteStateResult {
  /** The version restored. */
  readonly restoredFrom: string;
  /** The serial written: one above the current and the restored ones. */
  readonly serial: number;
  /** The restored version's lineage (kept). */
  readonly lineage: string;
}

/** Options of {@link StateClient.repairDigest}. */
export interface RepairDigestOptions extends OperationOptions, LockingOptions {}

/** What {@link StateClient.repairDigest} did. */
export interface RepairDigestResult {
  /** The DynamoDB `LockID` of the digest item. */
  readonly digestLockId: string;
  /** The MD5 stored, or `undefined` when the item was removed (no state object). */
  readonly digest?: string;
  /** True when there was no state object, so the digest item was deleted. */
  readonly removed: boolean;
}

/** One version of the state with its identity, from {@link StateClient.history}. */
export interface StateHistoryEntry extends StateVersion {
  /** `serial` read from the head of the version; absent for delete markers and unreadable heads. */
  readonly serial?: number;
  /** `lineage` read from the head of the version; absent for delete markers and unreadable heads. */
  readonly lineage?: string;
  /** Who wrote this version; absent for delete markers and with `attribute: false`. */
  readonly writer?: StateWriter;
}

/**
 * Who wrote one version of the state, and how that is known (`docs/runtime-extras.md` §2):
 *
 * | source | meaning | `who`/`operation`/`lockId` |
 * |---|---|---|
 * | `metadata` | written by this library, which records the holder's lock in the version's user metadata | exact (`lockId` empty: written without a lock) |
 * | `lock-file` | written by Terraform/OpenTofu while one `.tflock` version (`lockVersionId`) was held, on a versioned bucket | that lock's LockInfo |
 * | `dynamodb` | written since the DynamoDB lock that is held now was taken | the held lock's LockInfo |
 * | `ambiguous` | several lock-file versions fit within S3's one-second resolution (`lockVersionIds`) | absent |
 * | `unknown` | nothing tells (`-lock=false`, DynamoDB lock released, unversioned bucket, expired lock versions) | absent |
 */
export interface StateWriter {
  readonly source: 'metadata' | 'lock-file' | 'dynamodb' | 'ambiguous' | 'unknown';
  /** LockInfo `Who` of the writer's lock. */
  readonly who?: string;
  /** LockInfo `Operation` of the writer's lock. */
  readonly operation?: string;
  /** LockInfo `ID` of the writer's lock (empty: written without a lock). */
  readonly lockId?: string;
  /** The `.tflock` version that named the writer (`lock-file`). */
  readonly lockVersionId?: string;
  /** The `.tflock` versions that fit (`ambiguous`). */
  readonly lockVersionIds?: readonly string[];
}

/** Options of {@link StateClient.history}. */
export interface HistoryOptions extends OperationOptions {
  /**
   * Name the writer of each version ({@link StateWriter}). Costs no request for versions this library
   * wrote (the metadata comes with the head read), one small GET per `.tflock` version used, one
   * DynamoDB GetItem when a version is still unattributed and a lock table is configured, and a
   * HeadObject only for versions whose head could not be read.
   * @default true
   */
  readonly attribute?: boolean;
}

/** One check of {@link StateClient.checkBackend} (`tfstate doctor`). */
export interface BackendCheck {
  readonly name: string;
  readonly status: 'pass' | 'warn' | 'fail';
  readonly detail: string;
}

/** A lock read by its key ({@link StateClient.readLockItem}, {@link StateClient.readLockFile}): held, with its holder when readable. */
export interface LockRecord {
  /** The holder; absent when the lock's body is not LockInfo JSON (see `problem`). */
  readonly lockInfo?: LockInfo;
  /** Why the body could not be read as LockInfo (a broken lock is still a held lock). */
  readonly problem?: string;
}

/** The outcome of {@link StateClient.probeConditionalWrites} (the doctor's If-None-Match probe). */
export interface ConditionalWritesProbe {
  /** Exactly one of the racing conditional PUTs won and a later one was refused. */
  readonly ok: boolean;
  readonly detail: string;
}

/** One version of the state object (`ListObjectVersions`). */
export interface StateVersion {
  readonly versionId: string;
  readonly isLatest: boolean;
  readonly isDeleteMarker: boolean;
  readonly lastModified?: Date;
  readonly size?: number;
  readonly etag?: string;
}

/** Requests made, per service and operation name (e.g. `{ s3: { PutObject: 2 } }`). */
export interface RequestCounts {
  readonly s3: Readonly<Record<string, number>>;
  readonly dynamodb: Readonly<Record<string, number>>;
  readonly sts: Readonly<Record<string, number>>;
  /** IAM requests (only `tfstate doctor`'s `GetRole` of the replication role). */
  readonly iam: Readonly<Record<string, number>>;
  /** Sum over all services. */
  readonly total: number;
}

export type { LockInfo };
