/**
 * Requests per operation: the client's own count (`client.requestCounts`) against Terraform's, read
 * from its S3 backend, in every locking mode.
 */
import { MODES, type Mode, newClient } from './common';
import { createBucket, createTable, smallState, unique } from './resources';
import type { StateClient } from '../src/client';
import type { LocalServers } from '../test/setup/local-servers';

/** Terraform's requests per operation, from docs/../reference (terraform-s3-backend.md §2-§5). */
const TERRAFORM: Record<string, Record<Mode, { n: number; what: string }>> = {
  'read': {
    lockfile: { n: 2, what: 'HeadObject, GetObject' },
    dynamodb: { n: 3, what: 'HeadObject, GetObject, GetItem (digest)' },
    both: { n: 3, what: 'HeadObject, GetObject, GetItem (digest)' },
  },
  'write': {
    lockfile: { n: 1, what: 'PutObject' },
    dynamodb: { n: 2, what: 'PutObject, PutItem (digest)' },
    both: { n: 2, what: 'PutObject, PutItem (digest)' },
  },
  'lock+read+write+unlock': {
    lockfile: { n: 6, what: 'PutObject lock, Head, Get, PutObject, GetObject lock, DeleteObject lock' },
    dynamodb: { n: 8, what: 'PutItem lock, Head, Get, GetItem digest, PutObject, PutItem digest, GetItem lock, DeleteItem' },
    both: { n: 11, what: 'lock file + lock item, Head, Get, GetItem digest, PutObject, PutItem digest, Get+Delete lock file, GetItem+DeleteItem' },
  },
  'workspace list': {
    lockfile: { n: 1, what: 'ListObjectsV2 (1 page)' },
    dynamodb: { n: 1, what: 'ListObjectsV2' },
    both: { n: 1, what: 'ListObjectsV2' },
  },
  'outputs read': {
    lockfile: { n: 3, what: 'ListObjectsV2 (StateMgr lists first), Head, Get' },
    dynamodb: { n: 4, what: 'ListObjectsV2, Head, Get, GetItem digest' },
    both: { n: 4, what: 'ListObjectsV2, Head, Get, GetItem digest' },
  },
};

/** The row of a client's first lock cycle (Terraform's counts: those of any cycle). */
export const FIRST_CYCLE = 'first lock+read+write+unlock of a client';

export function describeCounts(c: StateClient['requestCounts']): string {
  const parts: string[] = [];
  for (const svc of ['s3', 'dynamodb', 'sts'] as const) {
    for (const [op, n] of Object.entries(c[svc])) parts.push(n > 1 ? `${op}×${n}` : op);
  }
  return parts.join(', ');
}

function terraform(op: string, mode: Mode): { n: number; what: string } {
  return TERRAFORM[op === FIRST_CYCLE ? 'lock+read+write+unlock' : op][mode];
}

export interface CountRow { op: string; mode: Mode; ours: number; what: string; tf: number; tfWhat: string }

export async function requestCounts(servers: LocalServers): Promise<CountRow[]> {
  const rows: CountRow[] = [];
  for (const mode of MODES) {
    const bucket = unique('bench-counts');
    await createBucket(servers, bucket);
    const table = mode === 'lockfile' ? undefined : unique('bench-locks');
    if (table) await createTable(servers, table);
    const client = newClient(servers, bucket, mode, table);
    await client.writeState(smallState(1));
    const measure = async (op: string, fn: () => Promise<unknown>) => {
      client.resetRequestCounts();
      await fn();
      const c = client.requestCounts;
      const tf = terraform(op, mode);
      rows.push({ op, mode, ours: c.total, what: describeCounts(c), tf: tf.n, tfWhat: tf.what });
    };
    await measure('read', () => client.readState());
    await measure('write', () => client.writeState(smallState(2)));
    const cycle = () => client.withLock(async () => {
      const s = await client.readState();
      await client.writeState({ ...s!.state, serial: s!.state.serial + 1 });
    }, { operation: 'OperationTypeApply' });
    // A client's first lock also asks once whether DeleteObject honours If-Match (the conditional-
    // delete probe, lockfile modes): counted on its own row, the cycle row is every later cycle.
    await measure(FIRST_CYCLE, cycle);
    await measure('lock+read+write+unlock', cycle);
    await measure('workspace list', () => client.listWorkspaces());
    await measure('outputs read', () => client.readOutputs());
    client.destroy();
  }
  return rows;
}

