/**
 * Wall time of the client against a hand-written SDK sequence for the same result, in alternating
 * back-to-back pairs.
 */
import { createHash } from 'node:crypto';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { median, newClient, rawClients } from './common';
import { createBucket, smallState, unique } from './resources';
import { marshalLockInfo, newLockInfo } from '../src/protocol/lock-info';
import { serializeStateTerraform } from '../src/protocol/state';
import type { LocalServers } from '../test/setup/local-servers';

/** Latency added per S3 request in the second wall-time table, a stand-in for a network hop. */
export const NETWORK_DELAY_MS = 10;

export interface WallRow { op: string; client: number; sdk: number; ratio: number; clientRequests: number; sdkRequests: number }

export async function wallTime(servers: LocalServers, iterations: number): Promise<WallRow[]> {
  const bucket = unique('bench-wall');
  await createBucket(servers, bucket);
  const client = newClient(servers, bucket, 'lockfile', undefined);
  const { s3 } = rawClients(servers);
  const key = 'bench/terraform.tfstate';
  const lockKey = `${key}.tflock`;
  const body = serializeStateTerraform(smallState(1));
  const sha = (b: Buffer) => createHash('sha256').update(b).digest('base64');
  await client.writeState(body);

  const sdkRead = async () => {
    const g = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return Buffer.from(await g.Body!.transformToByteArray());
  };
  const sdkWrite = async (b: Buffer) => {
    await s3.send(new PutObjectCommand({
      Bucket: bucket, Key: key, Body: b, ContentLength: b.length, ContentType: 'application/json', ChecksumAlgorithm: 'SHA256', ChecksumSHA256: sha(b),
    }));
  };
  const sdkCycle = async () => {
    const info = Buffer.from(marshalLockInfo(newLockInfo({ operation: 'OperationTypeApply', who: 'bench@host', version: '1.10.0', path: `${bucket}/${key}` })));
    await s3.send(new PutObjectCommand({
      Bucket: bucket, Key: lockKey, Body: info, ContentLength: info.length, ContentType: 'application/json', IfNoneMatch: '*', ChecksumAlgorithm: 'SHA256', ChecksumSHA256: sha(info),
    }));
    const current = await sdkRead();
    await sdkWrite(current);
    const l = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: lockKey }));
    await l.Body!.transformToByteArray();
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: lockKey, IfMatch: l.ETag }));
  };
  const cases: [string, () => Promise<unknown>, () => Promise<unknown>, number][] = [
    ['read', () => client.readState(), sdkRead, 1],
    ['write', () => client.writeState(body), () => sdkWrite(body), 1],
    ['lock+read+write+unlock', () => client.withLock(async () => {
      const s = await client.readState();
      await client.writeState(s!.bytes);
    }), sdkCycle, 5],
  ];
  const rows: WallRow[] = [];
  for (const [op, ours, sdk, sdkRequests] of cases) {
    for (let i = 0; i < 5; i++) {
      await ours();
      await sdk();
    }
    const a: number[] = [];
    const b: number[] = [];
    client.resetRequestCounts();
    for (let i = 0; i < iterations; i++) {
      // Alternate which goes first so drift on the shared machine hits both alike.
      const pair = i % 2 ? [[ours, a], [sdk, b]] as const : [[sdk, b], [ours, a]] as const;
      for (const [fn, into] of pair) {
        const t = process.hrtime.bigint();
        await fn();
        into.push(Number(process.hrtime.bigint() - t) / 1e6);
      }
    }
    // The ratio is the median of per-pair ratios: each pair ran back to back, so load from other
    // processes on the shared machine cancels out better than in a ratio of two medians.
    const ratio = median(a.map((x, i) => x / b[i]));
    rows.push({ op, client: median(a), sdk: median(b), ratio, clientRequests: client.requestCounts.total / iterations, sdkRequests });
  }
  client.destroy();
  s3.destroy();
  return rows;
}

