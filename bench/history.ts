/**
 * The history benchmarks: `StateClient.history()` (a bounded ranged GET of each version's head)
 * against reading every version whole (what `tfstate history` did before; here each version is
 * streamed to nowhere, the least a whole read costs: no parsing), on a versioned bucket;
 * and attributed history (who wrote each version) over versions written by this client and by
 * Terraform.
 */
import { Writable } from 'node:stream';
import { CopyObjectCommand, DeleteObjectCommand, PutBucketVersioningCommand, PutObjectCommand } from '@aws-sdk/client-s3';
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
  /** Whole reads of every version (streamed, not parsed), for comparison. */
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
    // The plain listing: attribution has its own row (attributedHistoryBench).
    const entries = await client.history({ attribute: false });
    const ms = Number(process.hrtime.bigint() - t) / 1e6;
    const heapMiB = Math.max(0, process.memoryUsage().heapUsed - heapBefore) / 1024 / 1024;
    const requests = client.requestCounts.total;
    if (entries.length !== versions || entries.some((e) => e.serial === undefined)) throw new Error(`history: expected ${versions} versions with serials`);
    client.resetRequestCounts();
    t = process.hrtime.bigint();
    for (const e of entries) await client.pullStateToStream(new Writable({ write: (_chunk, _enc, done) => done() }), { versionId: e.versionId });
    const wholeMs = Number(process.hrtime.bigint() - t) / 1e6;
    return { versions, sizeMiB, ms, requests, heapMiB, wholeMs, wholeRequests: client.requestCounts.total };
  } finally {
    client.destroy();
    s3.destroy();
  }
}

/** One attributed-history measurement. */
export interface AttributedHistoryRow {
  readonly versions: number;
  /** Versions written by this client under its lock (attributed from their metadata). */
  readonly byClient: number;
  /** Versions written as Terraform does (attributed from the `.tflock` versions). */
  readonly byTerraform: number;
  /** `history()` with attribution: wall time, requests per operation. */
  readonly ms: number;
  readonly requests: number;
  readonly requestsByOp: Readonly<Record<string, number>>;
  /** The same versions with `attribute: false`. */
  readonly plainMs: number;
  readonly plainRequests: number;
  /** Versions per attribution source. */
  readonly sources: Readonly<Record<string, number>>;
}

/**
 * `versions` small versions on a versioned bucket: half written by this client under its lock
 * (`withLock` + `writeState`), half as Terraform does, two state writes per apply (an apply persists
 * state while it runs): lock file PUT (`If-None-Match: *`), state PUTs with no metadata, lock file
 * DELETE without a version ID. Each apply starts in a second of its own (S3 LastModified has
 * one-second resolution; applies in one second are `ambiguous`), so the setup takes about
 * `versions / 4` seconds. Then `history()` with and without attribution.
 */
export async function attributedHistoryBench(servers: LocalServers, bucket: string, versions = 100): Promise<AttributedHistoryRow> {
  const { s3 } = rawClients(servers);
  const client = newClient(servers, bucket, 'lockfile', undefined, { who: 'bench@client' });
  try {
    await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
    const { stateKey, lockFileKey, lockId } = client.paths;
    const body = (serial: number) => JSON.stringify({ version: 4, terraform_version: '1.10.0', serial, lineage: 'bench-attr', outputs: {}, resources: [] }, null, 2);
    const byClient = Math.floor(versions / 2);
    let serial = 0;
    for (let i = 0; i < byClient; i++) {
      await client.withLock(() => client.writeState(Buffer.from(body(++serial))), { operation: 'OperationTypeApply' });
    }
    let byTerraform = 0;
    for (let apply = 0; byTerraform < versions - byClient; apply++) {
      await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 30));
      const info = JSON.stringify({
        ID: `00000000-0000-4000-8000-${String(apply).padStart(12, '0')}`,
        Operation: 'OperationTypeApply',
        Info: '',
        Who: `terraform-${apply}@ci`,
        Version: '1.10.0',
        Created: new Date().toISOString(),
        Path: lockId,
      });
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: lockFileKey, Body: info, IfNoneMatch: '*', ContentType: 'application/json' }));
      for (let w = 0; w < 2 && byTerraform < versions - byClient; w++, byTerraform++) {
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: stateKey, Body: body(++serial), ContentType: 'application/json' }));
      }
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: lockFileKey }));
    }
    client.resetRequestCounts();
    let t = process.hrtime.bigint();
    const entries = await client.history();
    const ms = Number(process.hrtime.bigint() - t) / 1e6;
    const counts = client.requestCounts;
    if (entries.length !== versions) throw new Error(`attributed history: expected ${versions} versions, got ${entries.length}`);
    const sources: Record<string, number> = {};
    for (const e of entries) sources[e.writer?.source ?? 'none'] = (sources[e.writer?.source ?? 'none'] ?? 0) + 1;
    client.resetRequestCounts();
    t = process.hrtime.bigint();
    await client.history({ attribute: false });
    const plainMs = Number(process.hrtime.bigint() - t) / 1e6;
    return {
      versions,
      byClient,
      byTerraform,
      ms,
      requests: counts.total,
      requestsByOp: { ...counts.s3, ...counts.dynamodb },
      plainMs,
      plainRequests: client.requestCounts.total,
      sources,
    };
  } finally {
    client.destroy();
    s3.destroy();
  }
}
