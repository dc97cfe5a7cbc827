import type { Writable } from 'node:stream';
import type { PullResult } from './streaming';
import type { WholeState } from './whole-state';
import { EncryptedStateError, StateVersionNotFoundError } from '../errors';
import type { RekeyOptions, RekeyResult, RestoreResult } from '../types';

/**
 * The operations that take the whole-state path when OpenTofu state encryption is configured: an
 * envelope cannot be scanned or rewritten in place, so pull, restore, history and rekey read and
 * decrypt the whole object and write it encrypted again.
 */

/** `pull` of the decrypted state (what `tofu state pull` prints), digest checked on the stored object. */
export async function pullDecrypted(
  whole: WholeState, destination: Writable, options: { versionId?: string; signal?: AbortSignal; end?: boolean },
): Promise<PullResult | undefined> {
  const current = await whole.read({ versionId: options.versionId, signal: options.signal });
  if (!current) return undefined;
  await new Promise<void>((resolve, reject) => {
    destination.write(current.bytes, (e) => (e ? reject(e) : resolve()));
  });
  if (options.end !== false) destination.end();
  return { md5: current.md5, bytes: current.bytes.length, etag: current.etag, versionId: current.versionId };
}

/**
 * `restore` of an encrypted state: version `versionId` decrypted, written as the newest with serial one
 * above the current and its own, lineage kept, encrypted under the primary method. Run it under the lock.
 */
export async function restoreDecrypted(
  whole: WholeState, versionId: string, where: string, signal?: AbortSignal, metadata?: Readonly<Record<string, string>>,
): Promise<RestoreResult> {
  const old = await whole.read({ versionId, signal });
  if (!old) {
    throw new StateVersionNotFoundError(`Version "${versionId}" of ${where} does not exist or is empty. List the versions with "tfstate history".`, versionId);
  }
  const current = await whole.read({ signal });
  const serial = Math.max(current?.state.serial ?? 0, old.state.serial) + 1;
  const written = await whole.write({ ...old.state, serial }, signal, metadata);
  return { md5: written.md5, etag: written.etag, versionId: written.versionId, restoredFrom: versionId, serial, lineage: old.state.lineage };
}

/** What `stateHistory` reads of each version. */
export interface IdentityReader {
  readIdentity(versionId: string, signal?: AbortSignal): Promise<{ serial?: number; lineage?: string } | undefined>;
}

/**
 * Runs `history` with serial and lineage read from each decrypted version (a whole GET each: an
 * envelope's clear serial and lineage are not authenticated). A version that does not decrypt is listed
 * without them, as an unreadable version is; when no version decrypts, the first such error is thrown,
 * so a wrong or missing key is an error, not an empty column.
 */
export async function historyIdentityReader<T extends readonly unknown[]>(
  whole: WholeState, run: (reader: IdentityReader) => Promise<T>,
): Promise<T> {
  let failure: unknown;
  let decrypted = 0;
  const reader: IdentityReader = {
    async readIdentity(versionId, signal) {
      try {
        const r = await whole.read({ versionId, signal });
        decrypted++;
        return r ? { serial: r.state.serial, lineage: r.state.lineage } : undefined;
      } catch (e) {
        if (e instanceof EncryptedStateError) failure ??= e;
        throw e;
      }
    },
  };
  const entries = await run(reader);
  if (decrypted === 0 && failure !== undefined) throw failure;
  return entries;
}

/**
 * Re-encrypts the current state under the primary method, as OpenTofu's `PersistState` writes a state
 * read through a fallback (internal/states/remote/state.go: the serial is incremented on every write
 * over a read state). Run the write under the lock; a dry run only reads.
 */
export async function rekey(
  whole: WholeState, paths: { workspace: string; stateKey: string }, options: RekeyOptions, configured: boolean,
  metadata?: Readonly<Record<string, string>>,
): Promise<RekeyResult> {
  if (!configured) {
    throw new EncryptedStateError('rekey: no state encryption is configured, so there is no key to re-encrypt with. '
      + 'Set TF_ENCRYPTION, the terraform { encryption { ... } } block (tfstate -chdir), or the client option "encryption".');
  }
  const base = { workspace: paths.workspace, stateKey: paths.stateKey };
  const current = await whole.read({ signal: options.signal });
  if (!current) return { ...base, action: 'no-state' };
  const e = current.encryption;
  const from = { from: e?.method ?? (e?.wasEncrypted ? 'encrypted' : 'unencrypted'), wasEncrypted: e?.wasEncrypted ?? false, serial: current.state.serial };
  const needed = options.force === true || e?.status === 'migration';
  if (!needed) return { ...base, ...from, action: 'up-to-date' };
  const newSerial = current.state.serial + 1;
  if (options.dryRun) return { ...base, ...from, action: 'would-rekey', newSerial };
  const written = await whole.write({ ...current.state, serial: newSerial }, options.signal, metadata);
  return { ...base, ...from, action: 'rekeyed', newSerial, ...(written.versionId ? { versionId: written.versionId } : {}) };
}
