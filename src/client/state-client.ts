import type { Readable, Writable } from 'node:stream';
import { backendAttributesFromOutputs } from './backend-outputs';
import { ConfigValidationError, WorkspaceError } from './errors';
import type { HeldLocksOptions, LockReport } from './lock-report';
import { listBackendLocks } from './private/held-locks';
import { S3BackendConfig, validateConfig } from '../protocol/config';
import { DEFAULT_WORKSPACE } from '../protocol/constants';
import { hasErrors } from '../protocol/diagnostics';
import type { LockInfo } from '../protocol/lock-info';
import { OutputValue, StateFile, newEmptyState } from '../protocol/state';
import type { Locker } from './lockers/locker';
import { type FacadeClient, takeLock, terraformVersionOf, workspaceTargetOf, writerMetadata } from './private/facade';
import * as routing from './private/facade-routing';
import { listStateVersions } from './private/history';
import { holdingLock } from './private/locking';
import { deleteDigestItem, probeConditionalWrites, readLockFile, readLockItem } from './private/locking-migration-ports';
import { ObjectStore } from './private/object-store';
import { Runtime } from './private/runtime';
import { resolveSdkSettings } from './private/sdk-clients';
import type { PullResult } from './private/streaming';
import { pushFromStream } from './private/streaming-push';
import { WholeState } from './private/whole-state';
import { type ClientParts, wireClient } from './private/wiring';
import { type WorkspaceTarget, checkWorkspaceName, createWorkspace, deleteWorkspace } from './private/workspaces';
import { HeldLocks } from './private/writer-lock';
import type {
  BackendCheck, BackendOutputs, ConditionalWritesProbe, CreateWorkspaceOptions, DeleteWorkspaceOptions, FromBackendOutputsOptions,
  HistoryOptions, LockOptions, LockingOptions, LockRecord, OperationOptions, PushStateOptions, ReadStateOptions, RekeyOptions, RekeyResult,
  ReadStateResult, RepairDigestOptions, RepairDigestResult, RequestCounts, RestoreResult, RestoreVersionOptions, StateClientOptions,
  StateClientSdkClients, StateHistoryEntry, StatePaths, StateVersion, WriteStateResult,
} from './types';

/**
 * Reads, writes and locks Terraform/OpenTofu state in S3 exactly as their `s3` backend does, so that
 * the tools and this client can share a bucket, key, lock file and lock table.
 *
 * @example
 * const client = StateClient.fromConfig({ bucket: 'b', key: 'app/terraform.tfstate', region: 'eu-west-1', use_lockfile: true });
 * await client.withLock(async () => {
 *   const current = await client.readState();
 *   // ...
 * }, { operation: 'OperationTypeApply' });
 * client.destroy();
 */
export class StateClient {
  /**
   * A client from the S3 backend's own attributes (Terraform's names and defaults). Validates the
   * configuration first; no AWS call is made here.
   *
   * @throws ConfigValidationError carrying Terraform's diagnostics on any error-level diagnostic
   */
  public static fromConfig(config: S3BackendConfig, options: StateClientOptions = {}): StateClient {
    const env = options.env ?? process.env;
    const { config: resolved, diagnostics } = validateConfig(config, env);
    if (hasErrors(diagnostics)) throw new ConfigValidationError(diagnostics);
    for (const d of diagnostics) options.logger?.warn(`${d.summary}: ${d.detail}`);
    const runtime = new Runtime(resolved, env, options, resolveSdkSettings(resolved, env));
    return new StateClient(runtime, options.workspace ?? DEFAULT_WORKSPACE, true);
  }

  /**
   * A client for a backend deployed by the `StateBackend` construct, from its stack outputs (mapped by
   * `backendAttributesFromOutputs`, which `tfstate --stack` uses too). Without a `lockingMode` the
   * locking attributes are guessed, and `logger.warn` says so.
   *
   * @throws ConfigValidationError for an unknown `lockingMode`, `DYNAMODB`/`BOTH` without `lockTableName`,
   * or any attribute the backend refuses
   */
  public static fromBackendOutputs(outputs: BackendOutputs, options: FromBackendOutputsOptions): StateClient {
    const { attributes, warnings } = backendAttributesFromOutputs(outputs, options);
    for (const w of warnings) options.logger?.warn(w);
    return StateClient.fromConfig({ ...attributes, key: options.key }, options);
  }

  /** The workspace this client operates on. */
  public readonly workspace: string;
  /** The keys and IDs of this workspace. */
  public readonly paths: StatePaths;

  private readonly parts: ClientParts;
  /** Locks this client holds now: every state write records its writer from here. */
  private readonly held = new HeldLocks();
  /** This client as the functions behind its methods (`private/facade*.ts`) see it. */
  private readonly self: FacadeClient;

  private constructor(private readonly runtime: Runtime, workspace: string, private readonly ownsRuntime: boolean) {
    this.workspace = workspace;
    this.parts = wireClient(runtime, workspace, terraformVersionOf(this.runtime));
    this.paths = this.parts.paths;
    this.self = {
      runtime,
      parts: this.parts,
      held: this.held,
      workspace,
      readState: (o) => this.readState(o),
      writeState: (state, o) => this.writeState(state, o),
      pushState: (state, o) => this.pushState(state, o),
      withLock: (fn, o) => this.withLock(fn, o),
    };
  }

  private get store(): ObjectStore { return this.parts.store; }
  private get whole(): WholeState { return this.parts.whole; }
  private get locker(): Locker { return this.parts.locker; }

  /** Which locking is configured: `lockfile`, `dynamodb`, `lockfile+dynamodb` or `none`. */
  public get lockingMode(): string {
    return this.locker.kind;
  }

  /**
   * A client for another workspace of the same backend, sharing SDK clients and request counts.
   * Its `destroy()` does nothing; destroy the client it came from.
   *
   * @throws WorkspaceError for a name Terraform refuses, and for `.` and `..` (see `workspaceNameError`)
   */
  public withWorkspace(name: string): StateClient {
    if (name !== DEFAULT_WORKSPACE) checkWorkspaceName(name);
    return new StateClient(this.runtime, name, false);
  }

  /** Requests made so far by this client and every client derived from it, per service and operation. */
  public get requestCounts(): RequestCounts {
    return this.runtime.counter.snapshot();
  }

  /** Sets {@link requestCounts} back to zero (benchmarks count one operation at a time). */
  public resetRequestCounts(): void {
    this.runtime.counter.reset();
  }

  /**
   * The workspaces with a state object, exactly as Terraform lists them: `default` first, the rest in
   * byte order, never an empty name. Access denied on the listing gives just `default` with the
   * default `env:` prefix (a warning is logged), and an error with any other prefix (Terraform's rule).
   *
   * @throws BucketNotFoundError when the bucket does not exist; StateBackendError when the listing fails
   */
  public async listWorkspaces(options: OperationOptions = {}): Promise<string[]> {
    return routing.listStateWorkspaces(this.self, options);
  }

  /**
   * Creates workspace `name` as Terraform does: lock (operation `init`), read, write an empty state
   * (new lineage, serial 1) if there is none, unlock.
   *
   * @throws WorkspaceError for an invalid name or an existing workspace
   */
  public async createWorkspace(name: string, options: CreateWorkspaceOptions = {}): Promise<void> {
    const existing = await this.listWorkspaces(options);
    await createWorkspace(this.workspaceTarget(name), existing, newEmptyState({ terraformVersion: terraformVersionOf(this.runtime) }), options);
  }

  /**
   * Deletes workspace `name` as `terraform workspace delete` does: lock (operation
   * `state-replace-provider`), refuse a state that tracks managed resource instances unless `force`
   * (Terraform's "Workspace is not empty" diagnostic, in `terraformDiagnostics`), unlock, then delete
   * the state object and its digest item. The lock file and the DynamoDB lock item are left alone.
   *
   * @throws WorkspaceError for `default`, an invalid or unknown name, or a non-empty state without `force`
   */
  public async deleteWorkspace(name: string, options: DeleteWorkspaceOptions = {}): Promise<void> {
    if (name === DEFAULT_WORKSPACE || name === '') throw new WorkspaceError("can't delete default state");
    const existing = await this.listWorkspaces(options);
    await deleteWorkspace(this.workspaceTarget(name), existing, options);
  }

  /** What workspace creation and deletion need of the client for workspace `name`. */
  private workspaceTarget(name: string): WorkspaceTarget {
    checkWorkspaceName(name);
    return workspaceTargetOf(name, this.withWorkspace(name).self);
  }

  /**
   * The state, or `undefined` when there is none (no object, or a zero-byte object). With a DynamoDB
   * table the object's MD5 must match the stored digest; a mismatch is re-checked every 2 s for 10 s
   * (Terraform's consistency wait) before failing.
   *
   * One GET replaces Terraform's HEAD + GET (same outcomes, one request fewer).
   *
   * @throws StateChecksumMismatchError, EncryptedStateError, InvalidStateError, BucketNotFoundError
   */
  public async readState(options: ReadStateOptions = {}): Promise<ReadStateResult | undefined> {
    await this.runtime.ready(options.signal);
    return this.whole.read(options);
  }

  /**
   * Writes the state object (last writer wins, as Terraform), then the DynamoDB digest when a table
   * is configured (a digest failure is logged, the write still succeeds). A `StateFile` is serialised
   * as Terraform does; bytes are stored as given after checking they are a readable state.
   * Does not lock: hold the lock (see {@link withLock}) as Terraform does.
   *
   * @throws InvalidStateError for bytes that are not a state
   */
  public async writeState(state: Uint8Array | StateFile, options: OperationOptions = {}): Promise<WriteStateResult> {
    // Bytes are checked once, before anything loads or is sent; what is written is the copy checked
    // (a caller changing its buffer meanwhile changes nothing).
    const checked = state instanceof Uint8Array ? Buffer.from(state) : state;
    if (checked instanceof Uint8Array) this.whole.parse(checked, true);
    await this.runtime.ready(options.signal);
    return this.whole.write(checked, options.signal, writerMetadata(this.self), true);
  }

  /**
   * `terraform state push`: under the lock (operation `state-push`; see {@link LockingOptions}, and
   * `lockId` when the caller holds it), refuses a state of another lineage, a lower serial, or the
   * same serial with other content, unless `force` (`protocol/push-rules.ts`). Then writes what
   * Terraform's state manager would: nothing when identical to the remote; otherwise the pushed state
   * with serial + 1, or, into a workspace without state, a fresh lineage with serial 1. The written
   * bytes are Terraform's format.
   *
   * @throws StateConflictError when a push rule refuses the state
   */
  public async pushState(state: Uint8Array | StateFile, options: PushStateOptions = {}): Promise<WriteStateResult> {
    return routing.pushState(this.self, state, options);
  }

  /** The root module outputs (`terraform_remote_state`), `{}` when there is no state. */
  public async readOutputs(options: OperationOptions = {}): Promise<Record<string, OutputValue>> {
    return routing.readStateOutputs(this.self, options);
  }

  /**
   * Copies the stored state (or the version `versionId`, unchecked) to `destination` (`terraform
   * state pull` for states of any size) without holding it in memory. With a DynamoDB table the
   * digest is verified before a byte is written (via a plain-MD5 ETag, or a private temporary file).
   * Ends `destination` unless `end: false`. Returns `undefined`, writing nothing, when there is no state;
   * an OpenTofu envelope is decrypted if encryption is configured, else copied as stored (`encrypted: true`).
   *
   * @throws StateChecksumMismatchError, BucketNotFoundError; a StateBackendError when the body breaks mid-way (output incomplete)
   */
  public async pullStateToStream(destination: Writable, options: ReadStateOptions & { end?: boolean } = {}): Promise<PullResult | undefined> {
    return routing.pullStateToStream(this.self, destination, options);
  }

  /**
   * `terraform state push` from a file, for states of any size: under the lock (as {@link pushState}),
   * a file up to 8 MiB goes through {@link pushState} itself; a larger one is checked from its
   * scanned prefix (lineage, serial, emptiness; "same content" by MD5, else semantically) and
   * re-written one resource at a time into the bytes {@link pushState} would store, uploaded as a
   * multipart upload of bounded parts.
   *
   * @throws StateConflictError when a push rule refuses the state
   */
  public async pushStateFromFile(path: string, options: PushStateOptions = {}): Promise<WriteStateResult> {
    return routing.pushStateFromFile(this.self, path, options);
  }

  /**
   * {@link pushStateFromFile} from a stream (e.g. stdin): up to 8 MiB is held in memory and pushed by
   * {@link pushState}; a larger stream is spooled to a private temporary file (mode 0600 in a 0700
   * directory, removed afterwards, signals included) and pushed from there.
   */
  public async pushStateFromStream(source: Readable | AsyncIterable<Uint8Array>, options: PushStateOptions = {}): Promise<WriteStateResult> {
    return pushFromStream(source, (bytes) => this.pushState(bytes, options), (path) => this.pushStateFromFile(path, options));
  }

  /**
   * Takes the lock and returns its ID (`''` when no locking is configured, as Terraform). With
   * `timeoutMs`, a lock held by someone known is retried until the timeout (Terraform's
   * `-lock-timeout`; the wait policy is {@link StateClientOptions.lockRetry}).
   *
   * @throws StateLockedError carrying the holder's LockInfo; its `terraformMessage` is Terraform's
   *   "Error acquiring the state lock" block
   */
  public async lock(options: LockOptions = {}): Promise<string> {
    return takeLock(this.self, options);
  }

  /**
   * Releases the lock with ID `lockId` (also `terraform force-unlock`: the ID must match the holder).
   *
   * @throws LockIdMismatchError when the lock is held with another ID (nothing deleted)
   */
  public async unlock(lockId: string, options: OperationOptions = {}): Promise<void> {
    await this.runtime.ready(options.signal);
    await this.locker.unlock(lockId, options.signal);
    this.held.remove(lockId);
  }

  /** The current lock holder, or `undefined` when the state is not locked. */
  public async getLockInfo(options: OperationOptions = {}): Promise<LockInfo | undefined> {
    await this.runtime.ready(options.signal);
    return this.locker.getLockInfo(options.signal);
  }

  /**
   * Runs `fn` holding the lock and always releases it afterwards. If releasing fails, throws a
   * `LockReleaseError` naming the lock ID and the force-unlock remedy (after `fn`'s own error, if any,
   * which is kept as its cause).
   */
  public async withLock<T>(fn: (lockId: string) => Promise<T>, options: LockOptions = {}): Promise<T> {
    const id = await this.lock(options);
    try {
      return await holdingLock(this.locker, id, fn);
    } finally {
      this.held.remove(id);
    }
  }

  /**
   * Every version of the state object (`ListObjectVersions`, exact key only), newest first, delete
   * markers flagged.
   */
  public async listStateVersions(options: OperationOptions = {}): Promise<StateVersion[]> {
    await this.runtime.ready(options.signal);
    return listStateVersions(this.parts.target, options.signal);
  }

  /**
   * {@link listStateVersions} with each version's `serial` and `lineage`, read from a bounded ranged
   * GET of its head: one request per version and constant memory, whatever the state's size. Each
   * version also names its `writer` (`StateWriter`; see {@link HistoryOptions.attribute} for the cost).
   */
  public async history(options: HistoryOptions = {}): Promise<StateHistoryEntry[]> {
    return routing.history(this.self, options);
  }

  /**
   * Writes version `versionId` of the state object as the newest, under the lock (operation
   * `state-push`): serial one above the current and the restored one, lineage kept, every other byte
   * as stored (the serial is rewritten in place, through the streaming scanner's byte span). Any size.
   *
   * @throws StateVersionNotFoundError when the version does not exist or is empty
   */
  public async restoreVersion(versionId: string, options: RestoreVersionOptions = {}): Promise<RestoreResult> {
    return routing.restoreVersion(this.self, versionId, options);
  }

  /**
   * `tfstate rekey`: re-encrypts the current state under the primary method of the OpenTofu state
   * encryption, under the lock (operation `tfstate-rekey`), when a fallback read it (or always with
   * `force`), with serial + 1 as OpenTofu's `PersistState` writes. `dryRun` reads only.
   *
   * @throws EncryptedStateError when no encryption is configured or the state does not decrypt (nothing written)
   */
  public async rekeyState(options: RekeyOptions = {}): Promise<RekeyResult> {
    return routing.rekeyState(this.self, options);
  }

  /**
   * `tfstate digest repair`: under the lock, stores the MD5 of the current state object as the
   * DynamoDB digest, or deletes the digest item when there is no state object.
   *
   * @throws ConfigValidationError-free StateBackendError when no `dynamodb_table` is configured
   */
  public async repairDigest(options: RepairDigestOptions = {}): Promise<RepairDigestResult> {
    return routing.repairDigest(this.self, options);
  }

  /**
   * `tfstate doctor`: checks the live backend (bucket, versioning, default encryption, public access
   * block, TLS-only policy, lock table key schema, If-None-Match) with this client's credentials.
   */
  public async checkBackend(options: OperationOptions = {}): Promise<BackendCheck[]> {
    return routing.checkBackend(this.self, options);
  }

  /**
   * `tfstate locks`: every held lock of the backend (all keys and workspaces), oldest first, as
   * `listHeldLocks` reports them, through this client's object store and DynamoDB client (counted).
   */
  public listHeldLocks(options: HeldLocksOptions = {}): Promise<LockReport> {
    return listBackendLocks(this.runtime, this.store, options);
  }

  /** The DynamoDB lock item `lockId` of any state in the bucket, or `undefined` (`migrate-locking`); `NO_LOCK_TABLE` without a table. */
  public readLockItem(lockId: string, options: OperationOptions = {}): Promise<LockRecord | undefined> {
    return readLockItem(this.runtime, lockId, options.signal);
  }

  /** The lock file `key` of any state in the bucket, whatever the configured locking, or `undefined` (`migrate-locking`). */
  public readLockFile(key: string, options: OperationOptions = {}): Promise<LockRecord | undefined> {
    return readLockFile(this.runtime, this.store, key, options.signal);
  }

  /** The doctor's If-None-Match probe on a scratch key beside the state (removed afterwards). */
  public probeConditionalWrites(options: OperationOptions = {}): Promise<ConditionalWritesProbe> {
    return probeConditionalWrites(this.runtime, this.store, this.paths.stateKey, options.signal);
  }

  /** Deletes digest item `digestLockId` (`…-md5` only; else `NOT_A_DIGEST_ITEM`); `false` when it did not exist. */
  public deleteDigestItem(digestLockId: string, options: OperationOptions = {}): Promise<boolean> {
    return deleteDigestItem(this.runtime, digestLockId, options.signal);
  }

  /**
   * The configured SDK clients, for diagnostics the client has no method for: the same region,
   * endpoints and credentials (profile, `assume_role`, web identity) as every operation. Owned by
   * this client (shared with {@link withWorkspace} clients): do not destroy them. Requests sent on
   * them directly are not in {@link requestCounts} and get none of the backend's headers.
   */
  public sdkClients(): StateClientSdkClients {
    return { s3: this.runtime.s3, ...(this.runtime.dynamodb ? { dynamodb: this.runtime.dynamodb } : {}) };
  }

  /** Destroys the SDK clients this client created (never the ones passed in). */
  public destroy(): void {
    if (this.ownsRuntime) this.runtime.destroy();
  }
}
