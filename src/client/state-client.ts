import { promises as fsp } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { backendAttributesFromOutputs } from './backend-outputs';
import {
  BucketNotFoundError,
  ConfigValidationError,
  EncryptedStateError,
  InvalidStateError,
  LockReleaseError,
  StateBackendError,
  StateChecksumMismatchError,
  StateConflictError,
  WorkspaceError,
  isEncryptedStateError,
  isStateBackendError,
  isStateLockedError,
} from './errors';
import { S3BackendConfig, validateConfig } from '../protocol/config';
import {
  CONSISTENCY_RETRY_POLL_INTERVAL_MS,
  CONSISTENCY_RETRY_TIMEOUT_MS,
  DEFAULT_WORKSPACE,
  LIST_MAX_KEYS,
} from '../protocol/constants';
import { hasErrors } from '../protocol/diagnostics';
import { checksumMismatchMessage, md5Hex } from '../protocol/digest';
import { UnsupportedEncryptionVersionError, detectEncryptedState, encryptedStateRefusalMessage } from '../protocol/encrypted-state';
import { compareGoStrings } from '../protocol/go-json';
import { EMULATED_TERRAFORM_VERSION, LockInfo, defaultLockWho, newLockInfo } from '../protocol/lock-info';
import {
  digestLockId,
  isValidWorkspaceName,
  lockFileKey,
  lockId as lockIdOf,
  stateObjectKey,
  workspaceFromObjectKey,
  workspaceListPrefix,
} from '../protocol/paths';
import { checkStatePush, nextSerialForWrite } from '../protocol/push-rules';
import { OutputValue, StateFile, isStateEmpty, newEmptyState, parseState, readOutputs, serializeStateTerraform } from '../protocol/state';
import { DoubleLocker } from './lockers/double-locker';
import { DynamoDbLocker } from './lockers/dynamodb-locker';
import { LockFileLocker } from './lockers/lock-file-locker';
import type { Locker } from './lockers/locker';
import { NoLocker } from './lockers/no-locker';
import { describeError, isAccessDenied, isNoSuchBucket } from './private/aws-errors';
import { DigestStore } from './private/digest-store';
import { ObjectStore } from './private/object-store';
import { Runtime } from './private/runtime';
import { resolveSdkSettings } from './private/sdk-clients';
import { StreamingState, spoolToTempFile, type PullResult, type StreamedWriteResult } from './private/streaming';
import { sleep } from './private/timing';
import type {
  BackendOutputs,
  CreateWorkspaceOptions,
  DeleteWorkspaceOptions,
  FromBackendOutputsOptions,
  LockOptions,
  OperationOptions,
  PushStateOptions,
  ReadStateOptions,
  ReadStateResult,
  RequestCounts,
  StateClientLogger,
  StateClientOptions,
  StateClientSdkClients,
  StatePaths,
  StateVersion,
  WriteStateResult,
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

  private readonly store: ObjectStore;
  private readonly digests: DigestStore | undefined;
  private readonly streaming: StreamingState;
  private readonly locker: Locker;
  private readonly warn: (message: string) => void;

  private constructor(private readonly runtime: Runtime, workspace: string, private readonly ownsRuntime: boolean) {
    const config = runtime.config;
    this.workspace = workspace;
    const stateKey = stateObjectKey(config.key, workspace, this.workspaceKeyPrefix);
    this.paths = {
      bucket: config.bucket,
      stateKey,
      lockFileKey: lockFileKey(stateKey),
      lockId: lockIdOf(config.bucket, stateKey),
      digestLockId: digestLockId(config.bucket, stateKey),
    };
    const logger: StateClientLogger | undefined = runtime.options.logger;
    this.warn = (m) => logger?.warn(m);
    this.store = new ObjectStore(runtime.s3, runtime.counter, {
      bucket: config.bucket,
      encryption: config.encryption,
      acl: config.acl || undefined,
      skipS3Checksum: config.skip_s3_checksum,
    });
    this.digests = runtime.dynamodb && config.dynamodb_table
      ? new DigestStore(runtime.dynamodb, runtime.counter, config.dynamodb_table, this.warn)
      : undefined;
    this.streaming = new StreamingState({
      s3: runtime.s3,
      counter: runtime.counter,
      settings: this.store.settings,
      stateKey,
      digests: this.digests,
      digestLockId: this.paths.digestLockId,
      digestRetry: runtime.options.digestRetry,
      terraformVersion: runtime.options.terraformVersion,
    });
    const fileLocker = config.use_lockfile ? new LockFileLocker(this.store, this.paths.lockFileKey) : undefined;
    const tableLocker = runtime.dynamodb && config.dynamodb_table
      ? new DynamoDbLocker(runtime.dynamodb, runtime.counter, config.dynamodb_table, this.paths.lockId)
      : undefined;
    if (fileLocker && tableLocker) this.locker = new DoubleLocker(fileLocker, tableLocker);
    else this.locker = fileLocker ?? tableLocker ?? new NoLocker();
  }

  private get workspaceKeyPrefix(): string {
    return this.runtime.config.workspace_key_prefix;
  }

  /** Which locking is configured: `lockfile`, `dynamodb`, `lockfile+dynamodb` or `none`. */
  public get lockingMode(): string {
    return this.locker.kind;
  }

  /**
   * A client for another workspace of the same backend, sharing SDK clients and request counts.
   * Its `destroy()` does nothing; destroy the client it came from.
   */
  public withWorkspace(name: string): StateClient {
    if (name !== DEFAULT_WORKSPACE && !isValidWorkspaceName(name)) throw invalidWorkspaceName(name);
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
   * The workspaces with a state object: `default` first, the rest in byte order (Terraform's
   * listing). Access denied on the listing stops it and returns what was found, at least `default`
   * (OpenTofu's tolerance, for any prefix: Terraform tolerates it only for the default `env:`).
   *
   * @throws BucketNotFoundError when the bucket does not exist
   */
  public async listWorkspaces(options: OperationOptions = {}): Promise<string[]> {
    const { signal } = options;
    await this.runtime.ready(signal);
    const prefix = workspaceListPrefix(this.workspaceKeyPrefix);
    const found: string[] = [];
    let token: string | undefined;
    try {
      do {
        const page = await this.store.listPage(prefix, LIST_MAX_KEYS, token, signal);
        for (const obj of page.Contents ?? []) {
          const ws = obj.Key === undefined ? undefined : workspaceFromObjectKey(obj.Key, this.runtime.config.key, this.workspaceKeyPrefix);
          if (ws !== undefined) found.push(ws);
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    } catch (e) {
      signal?.throwIfAborted();
      if (isStateBackendError(e)) throw e;
      if (isNoSuchBucket(e)) throw new BucketNotFoundError(this.paths.bucket, { cause: e });
      if (!isAccessDenied(e)) {
        throw new StateBackendError(`Unable to list objects in S3 bucket "${this.paths.bucket}" with prefix "${prefix}": ${describeError(e)}`, { cause: e });
      }
      this.warn(`[WARN] access denied listing s3://${this.paths.bucket}/${prefix}; listing only the workspaces found so far`);
    }
    return [DEFAULT_WORKSPACE, ...found.sort(compareGoStrings)];
  }

  /**
   * Creates workspace `name` as Terraform does: lock (operation `init`), read, write an empty state
   * (new lineage, serial 1) if there is none, unlock.
   *
   * @throws WorkspaceError for an invalid name or an existing workspace
   */
  public async createWorkspace(name: string, options: CreateWorkspaceOptions = {}): Promise<void> {
    if (!isValidWorkspaceName(name)) throw invalidWorkspaceName(name);
    const existing = await this.listWorkspaces(options);
    if (existing.includes(name)) throw new WorkspaceError(`Workspace "${name}" already exists`);
    const target = this.withWorkspace(name);
    await target.withLock(async () => {
      const current = await target.readState({ signal: options.signal });
      if (!current) {
        await target.writeState(newEmptyState({ terraformVersion: this.terraformVersion }), { signal: options.signal });
      }
    }, { operation: 'init', timeoutMs: options.lockTimeoutMs, signal: options.signal });
  }

  /**
   * Deletes workspace `name` as `terraform workspace delete` does: lock (operation
   * `state-replace-provider`), refuse a non-empty state unless `force`, unlock, then delete the state
   * object and its digest item. The lock file and the DynamoDB lock item are left alone.
   *
   * @throws WorkspaceError for `default`, an invalid or unknown name, or a non-empty state without `force`
   */
  public async deleteWorkspace(name: string, options: DeleteWorkspaceOptions = {}): Promise<void> {
    if (name === DEFAULT_WORKSPACE || name === '') throw new WorkspaceError("can't delete default state");
    if (!isValidWorkspaceName(name)) throw invalidWorkspaceName(name);
    const existing = await this.listWorkspaces(options);
    if (!existing.includes(name)) throw new WorkspaceError(`Workspace "${name}" doesn't exist.`);
    const target = this.withWorkspace(name);
    await target.withLock(async () => {
      const current = await target.readState({ signal: options.signal });
      if (current && !isStateEmpty(current.state) && !options.force) {
        throw new WorkspaceError(
          `Workspace "${name}" is not empty.\n\n` +
          `Deleting "${name}" can result in dangling resources: resources that\n` +
          'exist but are no longer manageable by Terraform. Please destroy these resources\n' +
          'first. If you want to delete this workspace anyway and risk dangling resources,\n' +
          "use the '-force' flag.",
        );
      }
    }, { operation: 'state-replace-provider', timeoutMs: options.lockTimeoutMs, signal: options.signal });
    try {
      await this.store.delete(target.paths.stateKey, { signal: options.signal });
    } catch (e) {
      options.signal?.throwIfAborted();
      throw new StateBackendError(`failed to delete state object s3://${this.paths.bucket}/${target.paths.stateKey}: ${describeError(e)}`, { cause: e });
    }
    await this.digests?.delete(target.paths.digestLockId, options.signal);
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
    const { signal } = options;
    await this.runtime.ready(signal);
    const obj = options.versionId || !this.digests
      ? await this.store.get(this.paths.stateKey, { versionId: options.versionId, signal })
      : await this.readConsistent(this.digests, signal);
    if (!obj || obj.body.length === 0) return undefined;
    const state = this.parse(obj.body);
    if (!state) return undefined;
    return { bytes: obj.body, state, md5: md5Hex(obj.body), etag: obj.etag, versionId: obj.versionId };
  }

  private async readConsistent(digests: DigestStore, signal?: AbortSignal) {
    const timing = this.runtime.options.digestRetry ?? {};
    const poll = timing.pollIntervalMs ?? CONSISTENCY_RETRY_POLL_INTERVAL_MS;
    const deadline = Date.now() + (timing.timeoutMs ?? CONSISTENCY_RETRY_TIMEOUT_MS);
    for (;;) {
      const obj = await this.store.get(this.paths.stateKey, { signal });
      const calculated = obj && obj.body.length > 0 ? md5Hex(obj.body) : '';
      const stored = await digests.get(this.paths.digestLockId, signal);
      if (stored === undefined || stored === calculated) return obj;
      if (Date.now() >= deadline) {
        throw new StateChecksumMismatchError(
          checksumMismatchMessage({ bucket: this.paths.bucket, key: this.paths.stateKey, calculated, stored }),
          calculated,
          stored,
        );
      }
      await sleep(Math.min(poll, Math.max(0, deadline - Date.now())), signal);
    }
  }

  private parse(bytes: Buffer): StateFile | undefined {
    let detection;
    try {
      detection = detectEncryptedState(bytes);
    } catch (e) {
      if (e instanceof UnsupportedEncryptionVersionError) throw new EncryptedStateError(`s3://${this.paths.bucket}/${this.paths.stateKey}: ${e.message}`);
      throw e;
    }
    if (detection.encrypted) {
      throw new EncryptedStateError(encryptedStateRefusalMessage(detection.envelope, { bucket: this.paths.bucket, key: this.paths.stateKey }));
    }
    try {
      return parseState(bytes, this.terraformVersion);
    } catch (e) {
      throw new InvalidStateError(`s3://${this.paths.bucket}/${this.paths.stateKey} is not a usable state: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
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
    const { signal } = options;
    const bytes = state instanceof Uint8Array ? Buffer.from(state) : serializeStateTerraform(state);
    if (state instanceof Uint8Array) {
      if (bytes.length === 0) throw new InvalidStateError('refusing to write an empty state object: Terraform reads it as "no state"; delete the workspace instead');
      this.parse(bytes);
    }
    await this.runtime.ready(signal);
    let out;
    try {
      out = await this.store.put(this.paths.stateKey, bytes, { signal });
    } catch (e) {
      signal?.throwIfAborted();
      if (isNoSuchBucket(e)) throw new BucketNotFoundError(this.paths.bucket, { cause: e });
      throw new StateBackendError(`failed to upload state: ${describeError(e)}`, { cause: e });
    }
    const md5 = md5Hex(bytes);
    await this.digests?.put(this.paths.digestLockId, md5, signal);
    return { md5, etag: out.etag, versionId: out.versionId };
  }

  /**
   * `terraform state push`: under the lock (operation `state-push`, unless `lockId` says the caller
   * holds it), refuses a state of another lineage, a lower serial, or the same serial with other
   * content, unless `force` (`protocol/push-rules.ts`). Then writes what Terraform's state manager
   * would: nothing when identical to the remote; otherwise the pushed state with serial + 1, or, into a
   * workspace without state, a fresh lineage with serial 1. The written bytes are Terraform's format.
   *
   * @throws StateConflictError when a push rule refuses the state
   */
  public async pushState(state: Uint8Array | StateFile, options: PushStateOptions = {}): Promise<WriteStateResult> {
    let incoming: StateFile | undefined;
    if (state instanceof Uint8Array) {
      incoming = this.parse(Buffer.from(state));
      if (!incoming) throw new InvalidStateError('refusing to push an empty state: it is not a state file');
    } else {
      incoming = state;
    }
    const pushed = incoming;
    const run = async (): Promise<WriteStateResult> => {
      const remote = await this.readState({ signal: options.signal });
      const check = checkStatePush(pushed, remote?.state, { force: options.force });
      if (!check.ok) throw new StateConflictError(check.message);
      const decision = nextSerialForWrite(pushed, remote?.state);
      if (!decision.write) return { md5: remote!.md5, etag: remote!.etag, versionId: remote!.versionId };
      return this.writeState({ ...pushed, lineage: decision.lineage, serial: decision.serial }, { signal: options.signal });
    };
    if (options.lockId !== undefined) return run();
    return this.withLock(run, { operation: 'state-push', timeoutMs: options.lockTimeoutMs, signal: options.signal });
  }

  /** The root module outputs (`terraform_remote_state`), `{}` when there is no state. */
  public async readOutputs(options: OperationOptions = {}): Promise<Record<string, OutputValue>> {
    await this.runtime.ready(options.signal);
    try {
      // Outputs come before resources: a bounded prefix of the object is enough, whatever its size.
      return await this.streaming.readOutputs(options);
    } catch (e) {
      if (!isEncryptedStateError(e)) throw e;
      // An OpenTofu envelope: the whole-object path gives the full refusal text.
      const current = await this.readState(options);
      return current ? readOutputs(current.state) : {};
    }
  }

  /**
   * Copies the stored state to `destination` (`terraform state pull` for states of any size) without
   * holding it in memory. With a DynamoDB table the digest is verified before a byte is written
   * (via a plain-MD5 ETag, or a temporary file). Ends `destination` unless `end: false`.
   * Returns `undefined`, writing nothing, when there is no state.
   *
   * @throws StateChecksumMismatchError, BucketNotFoundError; a StateBackendError when the body breaks mid-way (output incomplete)
   */
  public async pullStateToStream(destination: Writable, options: OperationOptions & { end?: boolean } = {}): Promise<PullResult | undefined> {
    await this.runtime.ready(options.signal);
    return this.streaming.pullTo(destination, options);
  }

  /**
   * `terraform state push` from a file, for states of any size: under the lock (as {@link pushState}),
   * a file up to 8 MiB goes through {@link pushState} itself; a larger one is checked from its
   * scanned prefix (lineage, serial, emptiness; "same content" compared by MD5, see the streaming
   * notes) and uploaded as a multipart upload of bounded parts with only `serial`/`lineage` rewritten.
   *
   * @throws StateConflictError when a push rule refuses the state
   */
  public async pushStateFromFile(path: string, options: PushStateOptions = {}): Promise<WriteStateResult> {
    const { size } = await fsp.stat(path);
    if (size <= SMALL_PUSH_MAX_BYTES) return this.pushState(await fsp.readFile(path), options);
    await this.runtime.ready(options.signal);
    const run = async (): Promise<WriteStateResult> => {
      const r: StreamedWriteResult = await this.streaming.pushFile(path, { force: options.force, signal: options.signal });
      return { md5: r.md5, etag: r.etag, versionId: r.versionId };
    };
    if (options.lockId !== undefined) return run();
    return this.withLock(run, { operation: 'state-push', timeoutMs: options.lockTimeoutMs, signal: options.signal });
  }

  /** {@link pushStateFromFile} from a stream (e.g. stdin), spooled to a private temporary file first. */
  public async pushStateFromStream(source: Readable | AsyncIterable<Uint8Array>, options: PushStateOptions = {}): Promise<WriteStateResult> {
    const path = await spoolToTempFile(source);
    try {
      return await this.pushStateFromFile(path, options);
    } finally {
      await fsp.rm(path, { force: true });
    }
  }

  /**
   * Takes the lock and returns its ID (`''` when no locking is configured, as Terraform). With
   * `timeoutMs`, a lock held by someone known is retried with capped exponential backoff and jitter
   * until the timeout (Terraform's `-lock-timeout`).
   *
   * @throws StateLockedError carrying the holder's LockInfo
   */
  public async lock(options: LockOptions = {}): Promise<string> {
    const { signal } = options;
    await this.runtime.ready(signal);
    const info = newLockInfo({
      operation: options.operation ?? 'OperationTypeInvalid',
      info: options.info,
      who: options.who ?? this.runtime.options.who ?? defaultLockWho(),
      version: options.version ?? this.terraformVersion,
      id: options.id,
      path: this.paths.lockId,
    });
    const retry = this.runtime.options.lockRetry ?? {};
    let delay = retry.initialDelayMs ?? 1000;
    const maxDelay = retry.maxDelayMs ?? 16_000;
    const deadline = Date.now() + (options.timeoutMs ?? 0);
    for (;;) {
      try {
        await this.locker.lock(info, signal);
        return this.locker instanceof NoLocker ? '' : info.ID;
      } catch (e) {
        // Like Terraform, only wait for a holder we can see; any other failure is final.
        if (!isStateLockedError(e) || !e.lockInfo?.ID) throw e;
        const remaining = deadline - Date.now();
        if (remaining <= 0) throw e;
        const jittered = delay * (1 + Math.random() * 0.25);
        await sleep(Math.min(jittered, remaining), signal);
        delay = Math.min(delay * 2, maxDelay);
      }
    }
  }

  /**
   * Releases the lock with ID `lockId` (also `terraform force-unlock`: the ID must match the holder).
   *
   * @throws LockIdMismatchError when the lock is held with another ID (nothing deleted)
   */
  public async unlock(lockId: string, options: OperationOptions = {}): Promise<void> {
    await this.runtime.ready(options.signal);
    await this.locker.unlock(lockId, options.signal);
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
    let result: T;
    try {
      result = await fn(id);
    } catch (fnError) {
      await this.release(id, fnError);
      throw fnError;
    }
    await this.release(id, undefined);
    return result;
  }

  private async release(id: string, fnError: unknown): Promise<void> {
    if (this.locker instanceof NoLocker) return;
    try {
      // Not abortable: an aborted operation must still give its lock back.
      await this.locker.unlock(id);
    } catch (e) {
      throw new LockReleaseError(
        `Error unlocking S3 state. Lock ID: ${id}\n\nError: ${e instanceof Error ? e.message : String(e)}\n\n` +
        'You may have to force-unlock this state in order to use it again.',
        id,
        { cause: fnError ?? e },
      );
    }
  }

  /**
   * Every version of the state object (`ListObjectVersions`, exact key only), newest first, delete
   * markers flagged.
   */
  public async listStateVersions(options: OperationOptions = {}): Promise<StateVersion[]> {
    const { signal } = options;
    await this.runtime.ready(signal);
    const out: StateVersion[] = [];
    let keyMarker: string | undefined;
    let versionMarker: string | undefined;
    try {
      do {
        const page = await this.store.listVersionsPage(this.paths.stateKey, keyMarker, versionMarker, signal);
        for (const v of page.Versions ?? []) {
          if (v.Key !== this.paths.stateKey) continue;
          out.push({ versionId: v.VersionId ?? 'null', isLatest: v.IsLatest === true, isDeleteMarker: false, lastModified: v.LastModified, size: v.Size, etag: v.ETag });
        }
        for (const m of page.DeleteMarkers ?? []) {
          if (m.Key !== this.paths.stateKey) continue;
          out.push({ versionId: m.VersionId ?? 'null', isLatest: m.IsLatest === true, isDeleteMarker: true, lastModified: m.LastModified });
        }
        const more = page.IsTruncated === true;
        keyMarker = more ? page.NextKeyMarker : undefined;
        versionMarker = more ? page.NextVersionIdMarker : undefined;
      } while (keyMarker !== undefined);
    } catch (e) {
      signal?.throwIfAborted();
      if (isNoSuchBucket(e)) throw new BucketNotFoundError(this.paths.bucket, { cause: e });
      throw new StateBackendError(`failed to list versions of s3://${this.paths.bucket}/${this.paths.stateKey}: ${describeError(e)}`, { cause: e });
    }
    return out.sort((a, b) => Number(b.isLatest) - Number(a.isLatest) || (b.lastModified?.getTime() ?? 0) - (a.lastModified?.getTime() ?? 0));
  }

  /**
   * The configured SDK clients, for diagnostics the client has no method for (`tfstate doctor`, `digest
   * repair`): the same region, endpoints and credentials (profile, `assume_role`, web identity) as every
   * operation. Owned by this client (shared with {@link withWorkspace} clients): do not destroy them.
   * Requests sent on them directly are not in {@link requestCounts}.
   */
  public sdkClients(): StateClientSdkClients {
    return { s3: this.runtime.s3, ...(this.runtime.dynamodb ? { dynamodb: this.runtime.dynamodb } : {}) };
  }

  /** Destroys the SDK clients this client created (never the ones passed in). */
  public destroy(): void {
    if (this.ownsRuntime) this.runtime.destroy();
  }

  private get terraformVersion(): string {
    return this.runtime.options.terraformVersion ?? EMULATED_TERRAFORM_VERSION;
  }
}

/** Pushes up to this size keep the exact in-memory rules (semantic comparison, Terraform's formatting). */
const SMALL_PUSH_MAX_BYTES = 8 * 1024 * 1024;

function invalidWorkspaceName(name: string): WorkspaceError {
  return new WorkspaceError(
    `The workspace name "${name}" is not allowed. The name must contain only URL safe\n` +
    'characters (letters, digits and - _ . ~ $ & + : = @), and no path separators.',
  );
}
