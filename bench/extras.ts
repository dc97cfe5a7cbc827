/**
 * Requests of issue 12's runtime capabilities, counted by the client's instrumentation (and the lock
 * report's own counter): the bucket-wide lock report, an OpenTofu-encrypted read and write beside the
 * plain ones, `rekey`, and the checks and cleanup of `migrate-locking`. Counts, not times: they are
 * what carries over to AWS.
 */
import { newClient, rawClients } from './common';
import { describeCounts } from './request-counts';
import { createBucket, createTable, smallState, unique } from './resources';
import { listHeldLocks } from '../src/client';
import type { LocalServers } from '../test/setup/local-servers';

export interface ExtrasRow { readonly op: string; readonly requests: number; readonly what: string }

const ENCRYPTION = `
key_provider "pbkdf2" "bench" {
  passphrase = "a bench passphrase of enough length"
  iterations = 200000
}
method "aes_gcm" "bench" {
  keys = key_provider.pbkdf2.bench
}
state {
  method = method.aes_gcm.bench
}
`;

export async function extrasCounts(servers: LocalServers): Promise<ExtrasRow[]> {
  const rows: ExtrasRow[] = [];
  const bucket = unique('bench-extras');
  const table = unique('bench-extras-locks');
  await createBucket(servers, bucket);
  await createTable(servers, table);
  const plain = newClient(servers, bucket, 'both', table);
  const encrypted = newClient(servers, bucket, 'both', table, { encryption: ENCRYPTION, workspace: 'encrypted' });
  const { s3, dynamodb } = rawClients(servers);
  try {
    const counted = async (op: string, client: typeof plain, fn: () => Promise<unknown>) => {
      client.resetRequestCounts();
      await fn();
      rows.push({ op, requests: client.requestCounts.total, what: describeCounts(client.requestCounts) });
    };
    await plain.writeState(smallState(1));
    await counted('read (plain)', plain, () => plain.readState());
    await counted('read (OpenTofu-encrypted, pbkdf2)', encrypted, async () => {
      await encrypted.writeState(smallState(1));
      encrypted.resetRequestCounts();
      await encrypted.readState();
    });
    await counted('write (plain)', plain, () => plain.writeState(smallState(2)));
    await counted('write (OpenTofu-encrypted, pbkdf2)', encrypted, () => encrypted.writeState(smallState(2)));
    await counted('rekey (lock, read, write, unlock)', encrypted, () => encrypted.rekeyState({ force: true }));
    await counted('pull -redact (a whole read)', plain, () => plain.readState());

    // The lock report over 3 workspaces, 2 of them locked (lock file + DynamoDB item each).
    const dev = plain.withWorkspace('dev');
    const prod = plain.withWorkspace('prod');
    await dev.writeState(smallState(1));
    await prod.writeState(smallState(1));
    const held = [await dev.lock({ operation: 'OperationTypeApply' }), await prod.lock({ operation: 'OperationTypePlan' })];
    try {
      const report = await listHeldLocks({ s3, dynamodb, bucket, lockTable: table });
      const r = report.requests;
      rows.push({
        op: `locks (${report.objectsListed} objects, ${report.locks.length} held locks)`,
        requests: r.listPages + r.lockFileGets + r.scanPages,
        what: `ListObjectsV2×${r.listPages}, GetObject (lock file)×${r.lockFileGets}, Scan×${r.scanPages}`,
      });
    } finally {
      await dev.unlock(held[0]);
      await prod.unlock(held[1]);
    }

    // migrate-locking's checks per workspace and the digest cleanup of its second phase.
    await counted('migrate-locking: lock checks of one workspace', plain, async () => {
      await plain.readLockItem(plain.paths.lockId);
      await plain.readLockFile(plain.paths.lockFileKey);
    });
    await counted('migrate-locking: conditional-write probe', plain, () => plain.probeConditionalWrites());
    await counted('migrate-locking: digest cleanup of one workspace', plain, () => plain.deleteDigestItem(plain.paths.digestLockId));
  } finally {
    plain.destroy();
    encrypted.destroy();
    s3.destroy();
    dynamodb.destroy();
  }
  return rows;
}
