import { promises as fsp } from 'node:fs';
import type { Writable } from 'node:stream';
import { checkStatePush, nextSerialForWrite } from '../../protocol/push-rules';
import { type OutputValue, type StateFile, readOutputs } from '../../protocol/state';
import { InvalidStateError, StateBackendError, StateConflictError, isEncryptedStateError } from '../errors';
import type {
  BackendCheck, HistoryOptions, OperationOptions, PushStateOptions, ReadStateOptions, RekeyOptions, RekeyResult, RepairDigestOptions,
  RepairDigestResult, RestoreResult, RestoreVersionOptions, StateHistoryEntry, WriteStateResult,
} from '../types';
import { runBackendChecks } from './backend-checks';
import { type FacadeClient, locked, terraformVersionOf, writerMetadata } from './facade';
import { repairStateDigest, restoreStateVersion, stateHistory } from './history';
import { historySources } from './history-attribution';
import { historyIdentityReader, pullDecrypted, rekey, restoreDecrypted } from './state-encryption-ops';
import type { PullResult, StreamingState, StreamedWriteResult } from './streaming';
import { pushStateFile } from './streaming-push';
import { STREAMING_THRESHOLD_BYTES } from './streaming-write';
import { listWorkspaces } from './workspaces';

/**
 * The bodies of the `StateClient` methods that choose a path: whole state or streaming, encrypted or
 * plain. Each is the method of the same name, documented there.
 */

/** `StateClient.listWorkspaces`. */
export async function listStateWorkspaces(c: FacadeClient, options: OperationOptions): Promise<string[]> {
  await c.runtime.ready(options.signal);
  const config = c.runtime.config;
  const warn = (m: string) => c.runtime.options.logger?.warn(m);
  return listWorkspaces({ store: c.parts.store, key: config.key, workspaceKeyPrefix: config.workspace_key_prefix, warn }, options.signal);
}

/** `StateClient.pushState`. */
export async function pushState(c: FacadeClient, state: Uint8Array | StateFile, options: PushStateOptions): Promise<WriteStateResult> {
  const pushed = state instanceof Uint8Array ? c.parts.whole.parse(Buffer.from(state), true) : state;
  if (!pushed) throw new InvalidStateError('refusing to push an empty state: it is not a state file');
  return locked(c, 'state-push', options, async () => {
    const remote = await c.readState({ signal: options.signal });
    const check = checkStatePush(pushed, remote?.state, { force: options.force });
    if (!check.ok) throw new StateConflictError(check.message);
    const decision = nextSerialForWrite(pushed, remote?.state);
    // A state read through a fallback method is written again (serial + 1) so that it moves to the primary method.
    if (!decision.write && remote?.encryption?.status === 'migration') {
      return c.writeState({ ...pushed, lineage: remote.state.lineage, serial: remote.state.serial + 1 }, { signal: options.signal });
    }
    if (!decision.write) return { md5: remote!.md5, etag: remote!.etag, versionId: remote!.versionId };
    return c.writeState({ ...pushed, lineage: decision.lineage, serial: decision.serial }, { signal: options.signal });
  });
}

/** `StateClient.pushStateFromFile`. */
export async function pushStateFromFile(c: FacadeClient, path: string, options: PushStateOptions): Promise<WriteStateResult> {
  const { size } = await fsp.stat(path);
  // An encrypted state is written whole (the envelope covers every byte), whatever its size.
  if (size <= STREAMING_THRESHOLD_BYTES || c.parts.whole.encryptionRequested) return c.pushState(await fsp.readFile(path), options);
  await c.runtime.ready(options.signal);
  return locked(c, 'state-push', options, async () => {
    const r: StreamedWriteResult = await pushStateFile(c.parts.streaming, c.parts.target, path, {
      force: options.force,
      signal: options.signal,
      terraformVersion: c.runtime.options.terraformVersion,
      metadata: writerMetadata(c),
    });
    return { md5: r.md5, etag: r.etag, versionId: r.versionId };
  });
}

/** `StateClient.readOutputs`. */
export async function readStateOutputs(c: FacadeClient, options: OperationOptions): Promise<Record<string, OutputValue>> {
  await c.runtime.ready(options.signal);
  if (c.parts.whole.encryptionRequested) {
    // OpenTofu state encryption: the whole object is read and decrypted.
    const current = await c.readState(options);
    return current ? readOutputs(current.state) : {};
  }
  try {
    // Outputs come before resources: a bounded prefix of the object is enough, whatever its size.
    return await c.parts.streaming.readOutputs(options);
  } catch (e) {
    if (!isEncryptedStateError(e)) throw e;
    // An OpenTofu envelope: the whole-object path gives the full refusal text.
    const current = await c.readState(options);
    return current ? readOutputs(current.state) : {};
  }
}

/** `StateClient.pullStateToStream`. */
export async function pullStateToStream(
  c: FacadeClient, destination: Writable, options: ReadStateOptions & { end?: boolean },
): Promise<PullResult | undefined> {
  await c.runtime.ready(options.signal);
  if (c.parts.whole.encryptionRequested) return pullDecrypted(c.parts.whole, destination, options);
  return c.parts.streaming.pullTo(destination, options);
}

/** `StateClient.history`. */
export async function history(c: FacadeClient, options: HistoryOptions): Promise<StateHistoryEntry[]> {
  await c.runtime.ready(options.signal);
  const sources = options.attribute === false ? undefined : historySources(c.runtime, c.parts.paths);
  const run = (reader: Pick<StreamingState, 'readIdentity'>) => stateHistory(c.parts.target, reader, options.signal, sources);
  // Encrypted versions are decrypted whole for their serial and lineage (an envelope's are not authenticated).
  return c.parts.whole.encryptionRequested ? historyIdentityReader(c.parts.whole, run) : run(c.parts.streaming);
}

/** `StateClient.restoreVersion`. */
export async function restoreVersion(c: FacadeClient, versionId: string, options: RestoreVersionOptions): Promise<RestoreResult> {
  await c.runtime.ready(options.signal);
  if (c.parts.whole.encryptionRequested) {
    const where = `s3://${c.parts.paths.bucket}/${c.parts.paths.stateKey}`;
    return locked(c, 'state-push', options, () => restoreDecrypted(c.parts.whole, versionId, where, options.signal, writerMetadata(c)));
  }
  return locked(c, 'state-push', options, () =>
    restoreStateVersion(c.parts.target, c.parts.streaming, versionId, {
      signal: options.signal, terraformVersion: terraformVersionOf(c.runtime), metadata: writerMetadata(c),
    }));
}

/** `StateClient.rekeyState`. */
export async function rekeyState(c: FacadeClient, options: RekeyOptions): Promise<RekeyResult> {
  await c.runtime.ready(options.signal);
  const configured = (await c.runtime.encryption.active()) !== undefined;
  const paths = { workspace: c.workspace, stateKey: c.parts.paths.stateKey };
  if (options.dryRun) return rekey(c.parts.whole, paths, options, configured);
  return locked(c, 'tfstate-rekey', options, () => rekey(c.parts.whole, paths, options, configured, writerMetadata(c)));
}

/** `StateClient.repairDigest`. */
export async function repairDigest(c: FacadeClient, options: RepairDigestOptions): Promise<RepairDigestResult> {
  const target = c.parts.target;
  if (!target.digests) throw new StateBackendError('digest repair: no dynamodb_table is configured, so there is no digest to repair. Configure dynamodb_table.');
  await c.runtime.ready(options.signal);
  return locked(c, 'tfstate-digest-repair', options, () => repairStateDigest(target, options.signal));
}

/** `StateClient.checkBackend`. */
export async function checkBackend(c: FacadeClient, options: OperationOptions): Promise<BackendCheck[]> {
  const runtime = c.runtime;
  await runtime.ready(options.signal);
  const table = runtime.dynamodb && runtime.config.dynamodb_table
    ? { name: runtime.config.dynamodb_table, dynamodb: runtime.dynamodb, counter: runtime.counter }
    : undefined;
  return runBackendChecks({ store: c.parts.store, stateKey: c.parts.paths.stateKey, table, roles: runtime.roleReader() }, options.signal);
}
