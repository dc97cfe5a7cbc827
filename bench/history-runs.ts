/**
 * The history rows: {@link historyBench} (bench/history.ts) on each shape, each in its own
 * versioned bucket, deleted afterwards.
 */
import { join } from 'node:path';
import { deleteBucket, rawClients } from './common';
import { attributedHistoryBench, historyBench, type AttributedHistoryRow, type HistoryRow } from './history';
import { QUICK, createBucket, created, log, unique } from './resources';
import type { LocalServers } from '../test/setup/local-servers';

export async function historyRuns(servers: LocalServers, dir: string): Promise<HistoryRow[]> {
  // 100 versions of 64 MiB fit the local RGW's 2 GiB memstore: the versions are server-side copies,
  // and RGW copies an object within a cluster by reference to its data (only the head is new).
  const shapes = QUICK ? [{ versions: 20, sizeMiB: 1 }] : [{ versions: 100, sizeMiB: 64 }];
  const rows: HistoryRow[] = [];
  for (const { versions, sizeMiB } of shapes) {
    const bucket = unique('bench-history');
    await createBucket(servers, bucket);
    try {
      rows.push(await historyBench(servers, bucket, join(dir, `history-${sizeMiB}.tfstate`), versions, sizeMiB));
    } finally {
      const { s3 } = rawClients(servers);
      await deleteBucket(s3, bucket).catch((e) => log(`could not delete bucket ${bucket}: ${e}`));
      created.buckets.splice(created.buckets.indexOf(bucket), 1);
      s3.destroy();
    }
  }
  return rows;
}

/** The attributed-history row: 100 versions (half by this client, half written as Terraform writes). */
export async function attributedHistoryRun(servers: LocalServers): Promise<AttributedHistoryRow> {
  const bucket = unique('bench-attr');
  await createBucket(servers, bucket);
  try {
    return await attributedHistoryBench(servers, bucket, QUICK ? 20 : 100);
  } finally {
    const { s3 } = rawClients(servers);
    await deleteBucket(s3, bucket).catch((e) => log(`could not delete bucket ${bucket}: ${e}`));
    created.buckets.splice(created.buckets.indexOf(bucket), 1);
    s3.destroy();
  }
}

