/**
 * The history benchmark: `StateClient.history()` (a bounded ranged GET of each version's head)
 * against reading every version whole (what `tfstate history` did before), on a versioned bucket.
 */
import { CopyObjectCommand, PutBucketVersioningCommand } from '@aws-sdk/client-s3';
import { newClient, rawClients } from './common';
import { writeSyntheticState } from './synthetic-state';
import type { LocalServers } from '../test/setup/local-servers';

/** One history measurement. */
export interface HistoryRow {
  readonly versions: number;
  readonly sizeMiB: number;
  /** `history()`: wall time, S3 requests, heap growth. */
  readonly ms: number;
  readonly requests: number;
  readonly heapMiB: number;
  /** Whole reads of every version, for comparison. */
  readonly wholeMs: number;
  readonly wholeRequests: number;
}

/**
 * `versions` versions of a `sizeMiB` state: one streamed push, then server-side copies of the object
 * onto itself (no transfer through this process), each a new version.
 */
export async function historyBench(servers: LocalServers, bucket: string, path: string, versions: number, sizeMiB: number): Promise<HistoryRow> {
  const { s3 } = rawClients(servers);
  const client = newClient(servers, bucket, 'lockfile', undefined);
  try {
    await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
    await writeSyntheticState(path, sizeMiB * 1024 * 1024, { serial: 1 });
    await client.pushStateFromFile(path);
    const key = client.paths.stateKey;
    for (let i = 1; i < versions; i++) {
      await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: key, CopySource: `${bucket}/${encodeURIComponent(key)}`, MetadataDirective: 'REPLACE', ContentType: 'application/json' }));
    }
    global.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    client.resetRequestCounts();
    let t = process.hrtime.bigint();
    const entries = await client.history();
    const ms = Number(process.hrtime.bigint() - t) / 1e6;
    const heapMiB = Math.max(0, process.memoryUsage().heapUsed - heapBefore) / 1024 / 1024;
    const requests = client.requestCounts.total;
    if (entries.length !== versions || entries.some((e) => e.serial === undefined)) throw new Error(`history: expected ${versions} versions with serials`);
    client.resetRequestCounts();
    t = process.hrtime.bigint();
    for (const e of entries) await client.readState({ versionId: e.versionId });
    const wholeMs = Number(process.hrtime.bigint() - t) / 1e6;
    return { versions, sizeMiB, ms, requests, heapMiB, wholeMs, wholeRequests: client.requestCounts.total };
  } finally {
    client.destroy();
    s3.destroy();
  }
}
